import Foundation
import Testing

@testable import LwcosKit

/// One boot configuration the kernel tests use.
enum BootVariant: String, CaseIterable, Sendable {
    /// The whole test suite, as `lwcos test` runs it.
    case standard = "test"
    /// `lwcos.test.selftest=fail`: the kernel adds the failing case `ktest.selftest_fail`.
    case selftestFail = "selftest-fail"
    /// `lwcos.test.selftest=panic`: the kernel panics during the tests.
    case selftestPanic = "selftest-panic"
    /// `lwcos.test.selftest=fault`: a kernel page fault during the tests.
    case selftestFault = "selftest-fault"
    /// The whole suite with `lwcos.pcid=off`: every CR3 load flushes.
    case pcidOff = "pcid-off"
    /// `lwcos.tlbcheck.inject=skip-invlpg`: the kernel omits INVLPG after downgrades.
    case injectSkipInvlpg = "inject-skip-invlpg"
    /// `lwcos.tlbcheck.inject=skip-reuse-flush`: the kernel reuses PCIDs without a flush.
    case injectSkipReuseFlush = "inject-skip-reuse-flush"

    /// The ISO name, `build/lwcos-<name>.iso`. The prefix keeps these ISOs apart from the
    /// ones `lwcos test` and `lwcos iso` build, which may run at the same time.
    var isoName: String { "swift-" + rawValue }

    var boot: BootConfiguration {
        switch self {
        case .standard: return BootConfiguration(mode: .test)
        case .selftestFail: return BootConfiguration(mode: .test, extraWords: ["lwcos.test.selftest=fail"])
        case .selftestPanic: return BootConfiguration(mode: .test, extraWords: ["lwcos.test.selftest=panic"])
        case .selftestFault: return BootConfiguration(mode: .test, extraWords: ["lwcos.test.selftest=fault"])
        case .pcidOff: return BootConfiguration(mode: .test, extraWords: ["lwcos.pcid=off"])
        case .injectSkipInvlpg:
            return BootConfiguration(mode: .test, extraWords: ["lwcos.tlbcheck.inject=skip-invlpg"])
        case .injectSkipReuseFlush:
            return BootConfiguration(mode: .test, extraWords: ["lwcos.tlbcheck.inject=skip-reuse-flush"])
        }
    }
}

/// The kernel build, the ISOs and the boots shared by all kernel tests.
///
/// Each step runs once however many tests ask for it: the first caller starts a task and
/// later callers await the same task. The kernel is built once, and each `BootVariant`
/// gets one ISO and one boot.
actor KernelRun {
    static let shared = KernelRun()

    private var buildTask: Task<Result<Repository, HarnessError>, Never>?
    private var isoTasks: [BootVariant: Task<Result<String, HarnessError>, Never>] = [:]
    private var bootTasks: [BootVariant: Task<Result<RunReport, HarnessError>, Never>] = [:]

    init() {
        // Ctrl-C during `swift test` must not leave QEMU running in its own process group.
        ChildProcesses.shared.installInterruptHandler()
    }

    /// Builds the kernel once and returns the repository.
    func repository() async throws(HarnessError) -> Repository {
        if buildTask == nil {
            buildTask = Task.detached {
                await capture { () async throws(HarnessError) -> Repository in
                    let repository = try Repository.locate(from: Self.packageDirectory)
                    try await ChildProcess.offload { () throws(HarnessError) in
                        try KernelBuild(repository: repository).run()
                    }
                    return repository
                }
            }
        }
        guard let buildTask else { throw .interrupted }
        return try await buildTask.value.get()
    }

    /// Builds the ISO of `variant` once and returns its path.
    func iso(_ variant: BootVariant) async throws(HarnessError) -> String {
        if isoTasks[variant] == nil {
            isoTasks[variant] = Task.detached {
                await capture { () async throws(HarnessError) -> String in
                    let repository = try await KernelRun.shared.repository()
                    return try await ChildProcess.offload { () throws(HarnessError) in
                        try ISOBuilder(repository: repository).build(name: variant.isoName, boot: variant.boot)
                    }
                }
            }
        }
        guard let task = isoTasks[variant] else { throw .interrupted }
        return try await task.value.get()
    }

    /// Boots `variant` once and returns the report.
    func report(_ variant: BootVariant) async throws(HarnessError) -> RunReport {
        if bootTasks[variant] == nil {
            bootTasks[variant] = Task.detached {
                await capture { () async throws(HarnessError) -> RunReport in
                    let iso = try await KernelRun.shared.iso(variant)
                    return try await ChildProcess.offload { () throws(HarnessError) in
                        let configuration = QEMUConfiguration(iso: iso)
                        return try QEMUMachine(configuration: configuration).runTests(timeout: Self.bootTimeout)
                    }
                }
            }
        }
        guard let task = bootTasks[variant] else { throw .interrupted }
        return try await task.value.get()
    }

    /// The KTAP cases of one boot (the standard one by default), one per Swift test case.
    /// When the boot could not run or printed no KTAP, one failing placeholder carries the
    /// reason, so the failure shows under this test too and not only under the outcome test.
    func cases(_ variant: BootVariant = .standard) async -> [KernelCase] {
        do {
            let report = try await report(variant)
            if report.document.version == nil {
                return [KernelCase.placeholder("the kernel printed no KTAP version line: " + report.outcomeExplanation)]
            }
            return report.allCases.map { KernelCase($0, in: report) }
        } catch {
            return [KernelCase.placeholder("the kernel could not be built or booted: \(error)")]
        }
    }

    /// Wall-clock limit of each boot. Several boots share the CPUs during `swift test`,
    /// so this is well above the 1–3 s a TCG boot takes alone.
    static let bootTimeout: Double = 90

    /// The folder of this package: the tests may run from any working directory.
    static var packageDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}

/// Runs `body` and returns its value or its error.
private func capture<Value>(_ body: () async throws(HarnessError) -> Value) async -> Result<Value, HarnessError> {
    do throws(HarnessError) {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// A KTAP case as a test argument, shown by its full name (`suite.case`).
struct KernelCase: Sendable, CustomTestStringConvertible {
    var fullName: String
    var status: KTAPStatus
    /// The text a failure reports: status, directive, problems, diagnostics, serial lines.
    var details: String

    init(_ testCase: KTAPCase, in report: RunReport) {
        fullName = testCase.fullName
        status = testCase.status
        details = ReportFormatter.describe(testCase, in: report)
    }

    private init(fullName: String, status: KTAPStatus, details: String) {
        self.fullName = fullName
        self.status = status
        self.details = details
    }

    static func placeholder(_ message: String) -> KernelCase {
        KernelCase(fullName: "(no KTAP cases)", status: .crashed, details: message)
    }

    var testDescription: String { fullName }
}
