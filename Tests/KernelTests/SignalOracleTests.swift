import Foundation
import Testing

@testable import LwcosKit

/// Linux is the oracle for signals too: every program listed in
/// `Tests/Fixtures/signals/oracle.txt` must print the same bytes and exit with the same
/// status on the host and under `lwcos exec`. The programs print only KTAP results, with
/// no value that differs between the two systems while every case passes.
@Suite("Signal oracle")
struct SignalOracleTests {
    /// One line of the list: the program's path inside `build/rootfs`, then its arguments.
    struct OracleProgram: Sendable, CustomTestStringConvertible {
        var guestPath: String
        var arguments: [String]
        var testDescription: String { guestPath }
    }

    static func programs() -> [OracleProgram] {
        let list = URL(fileURLWithPath: KernelRun.packageDirectory)
            .appendingPathComponent("Tests/Fixtures/signals/oracle.txt")
        guard let text = try? String(contentsOf: list, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard let first = words.first, !first.hasPrefix("#") else { return nil }
            return OracleProgram(guestPath: first, arguments: Array(words.dropFirst()))
        }
    }

    @Test("signal program matches the host", arguments: programs())
    func matchesHost(_ program: OracleProgram) async throws {
        let repository = try await KernelRun.shared.repository()
        _ = try await KernelRun.shared.products().requireInitramfs(for: "the signal oracle")
        let hostPath = repository.buildDirectory + "/rootfs" + program.guestPath
        let name = "swift-oracle-" + (program.guestPath as NSString).lastPathComponent

        // The runner's signal mask and ignored signals would reach the program.
        let reset = try await KernelRun.shared.fixture("reset_signals", name: "reset_signals")
        let host = try ChildProcess.run(reset, [hostPath] + program.arguments, timeout: 120)
        let hostStatus = host.signaled ? 128 + host.status : host.status
        let report = try await ChildProcess.offload { () throws(HarnessError) in
            let runner = ExecRunner(repository: repository, name: name, timeout: KernelRun.bootTimeout)
            return try runner.run(program: hostPath, arguments: program.arguments, input: .bytes(Data()))
        }
        let failure = (report.failureExplanation ?? "") + "\n" + report.tailLines.joined(separator: "\n")

        #expect(hostStatus == 0, "the program failed on the host:\n\(host.standardOutput)")
        #expect(report.exitStatus == hostStatus, "\(failure)")
        let lwcosOutput = String(decoding: report.output, as: UTF8.self)
        #expect(lwcosOutput == host.standardOutput, "lwcos:\n\(lwcosOutput)\nhost:\n\(host.standardOutput)\n\(failure)")
    }
}
