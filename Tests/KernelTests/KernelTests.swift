import Foundation
import Testing

@testable import LwcosKit

/// Boots the kernel's test mode under QEMU and reports each KTAP case as a Swift test.
///
/// The arguments of `ktapCase` are computed while Swift Testing builds its plan, which
/// awaits the boot; Swift Testing 6.3.1 accepts such an `await` in `arguments:`.
@Suite("Kernel")
struct KernelTests {
    @Test("KTAP case", arguments: await KernelRun.shared.cases())
    func ktapCase(_ testCase: KernelCase) {
        if testCase.status.isFailure {
            Issue.record(Comment(rawValue: testCase.details))
        }
    }

    /// The same suite with `lwcos.pcid=off`, so the memory cases run in both PCID modes.
    @Test("KTAP case, lwcos.pcid=off", arguments: await KernelRun.shared.cases(.pcidOff))
    func ktapCasePCIDOff(_ testCase: KernelCase) {
        if testCase.status.isFailure {
            Issue.record(Comment(rawValue: testCase.details))
        }
    }

    @Test("test run outcome, lwcos.pcid=off")
    func runOutcomePCIDOff() async throws {
        let report = try await KernelRun.shared.report(.pcidOff)
        if !report.passed {
            Issue.record(Comment(rawValue: Self.failureText(report)))
        }
        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.suitePassed)
        #expect(report.serialLines.contains("[info] mm: PCID hardware path off: lwcos.pcid=off; every CR3 load flushes")
                || report.serialLines.contains { $0.hasPrefix("[info] mm: PCID hardware path off: CPUID") },
                "\(Self.failureText(report))")
    }

    @Test("selftest=fault reports a kernel page fault")
    func selftestFault() async throws {
        let report = try await KernelRun.shared.report(.selftestFault)
        let text = report.tailLines.joined(separator: "\n")

        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.kernelPanic)
        #expect(report.outcome == .panic)
        #expect(text.contains("PANIC: kernel page fault at 0xffffc00000000000 (page not present, read)"), "\(text)")
        #expect(text.contains("vector 14 (page fault (#PF)), error code 0"), "\(text)")
        #expect(text.contains("CR2 0xffffc00000000000 (the faulting address)"), "\(text)")
        #expect(text.contains(" ktest_fn_ktest__selftest_fault+0x"), "\(text)")
        #expect(text.contains(" run_case+0x"), "\(text)")
    }

    /// The TLB checker must catch each injected omission: the run fails, memory cases fail,
    /// and the report names the PCID, the address and both PTEs.
    @Test("TLB checker catches a skipped INVLPG")
    func injectSkipInvlpg() async throws {
        let report = try await KernelRun.shared.report(.injectSkipInvlpg)
        let failed = Set(Self.failedLeaves(report))

        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.testFailed)
        #expect(failed.contains("vm.clone_write_copies_exactly_one_frame"), "\(Self.failureText(report))")
        let line = report.serialLines.first { $0.hasPrefix("TLB CHECK FAILED: after ") } ?? ""
        #expect(line.range(of: #"PCID [0-9]+ may still cache a stale translation \([0-9]+ in all\): address 0x[0-9a-f]{16}, old PTE 0x[0-9a-f]+, new PTE 0x[0-9a-f]+"#,
                           options: .regularExpression) != nil, "\(Self.failureText(report))")
    }

    @Test("TLB checker catches a PCID reused without a flush")
    func injectSkipReuseFlush() async throws {
        let report = try await KernelRun.shared.report(.injectSkipReuseFlush)
        let failed = Set(Self.failedLeaves(report))

        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.testFailed)
        #expect(failed.contains("pcid.five_thousand_spaces_reuse_through_flush"), "\(Self.failureText(report))")
        let line = report.serialLines.first { $0.hasPrefix("TLB CHECK FAILED: no-flush CR3 load of root ") } ?? ""
        #expect(line.range(of: #"reuses PCID [0-9]+, which may still cache translations of"#,
                           options: .regularExpression) != nil, "\(Self.failureText(report))")
    }

    @Test("test run outcome")
    func runOutcome() async throws {
        let report = try await KernelRun.shared.report(.standard)
        if !report.passed {
            Issue.record(Comment(rawValue: Self.failureText(report)))
        }
        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.suitePassed)
        #expect(report.document.isComplete)
        #expect(report.outcome == .passed)
    }

    @Test("selftest=fail reports one failed case")
    func selftestFail() async throws {
        let report = try await KernelRun.shared.report(.selftestFail)
        #expect(report.outcome == .failed, "\(Self.failureText(report))")
        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.testFailed)
        #expect(report.document.isComplete)

        // The suite of the failing case fails with it, so compare cases without subtests.
        // Cases that already fail in the standard run fail here too and are failures of
        // the kernel, reported by "KTAP case", not of the harness.
        let failed = Set(Self.failedLeaves(report))
        let failedBefore = Set(Self.failedLeaves(try await KernelRun.shared.report(.standard)))
        #expect(failed.subtracting(failedBefore) == ["ktest.selftest_fail"], "\(Self.failureText(report))")
        #expect(failed.contains("ktest.selftest_fail"))
    }

    /// /init runs every program in /tests as a subtest of the last top-level suite, so
    /// user cases have three-part names: `user.<program>.<case>`.
    @Test("standard boot runs the user suite")
    func userSuite() async throws {
        let products = try await KernelRun.shared.products()
        try #require(products.initramfs != nil, "\(products.warning ?? "")")
        let report = try await KernelRun.shared.report(.standard)
        let user = try #require(report.document.cases.last, "\(Self.failureText(report))")

        #expect(user.name == "user", "\(Self.failureText(report))")
        #expect(user.number == report.document.plan)
        #expect(!user.subtests.isEmpty, "\(Self.failureText(report))")
        let leaves = report.document.leafCases.filter { $0.path.first == "user" }
        #expect(!leaves.isEmpty)
        #expect(leaves.allSatisfy { $0.path.count == 3 }, "\(leaves.map(\.fullName))")
    }

    @Test("a filter naming a program runs all its cases")
    func filterNamesProgram() async throws {
        let report = try await KernelRun.shared.report(.filterProgram)
        #expect(report.outcome == .passed, "\(Self.failureText(report))")
        let leaves = report.document.leafCases.map(\.fullName)
        #expect(leaves == ["user.proc_states.self_is_running", "user.proc_states.states_follow_child"])
    }

    @Test("--extra reports the failing extra program")
    func extraFailingProgram() async throws {
        let report = try await KernelRun.shared.report(.extraFail)
        #expect(report.outcome == .failed, "\(Self.failureText(report))")
        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.testFailed)
        #expect(report.document.isComplete, "\(report.document.problems)")

        // Compared with the standard boot, only the fixture's failing case is new.
        let failed = Set(Self.failedLeaves(report))
        let failedBefore = Set(Self.failedLeaves(try await KernelRun.shared.report(.standard)))
        let expected = "user.harness_extra_fail.deliberately_fails"
        #expect(failed.subtracting(failedBefore) == [expected], "\(Self.failureText(report))")
        let passing = report.allCases.first { $0.fullName == "user.harness_extra_fail.passes" }
        #expect(passing?.status == .passed)
        let failing = report.allCases.first { $0.fullName == expected }
        #expect(failing?.diagnostics == ["deliberately_fails: this case fails on purpose to test the harness"])
    }

    /// Linux is the oracle: the same static program must print the same bytes and end
    /// with the same status on the host and under `lwcos exec`.
    @Test("exec matches the host", arguments: ExecVariant.allCases)
    func execMatchesHost(_ variant: ExecVariant) async throws {
        let program = try await KernelRun.shared.fixture(variant.source, name: variant.programName)
        let host = try Self.runOnHost(program, variant: variant)
        let report = try await KernelRun.shared.execReport(variant)
        let failure = (report.failureExplanation ?? "") + "\n" + report.tailLines.joined(separator: "\n")

        #expect(report.outcome == .exited(host.status), "\(failure)")
        #expect(report.exitStatus == host.status)
        let outputs = "lwcos: \(String(decoding: report.output, as: UTF8.self).debugDescription)\n"
            + "host:  \(String(decoding: host.output, as: UTF8.self).debugDescription)"
        #expect(report.output == host.output, "\(outputs)\n\(failure)")
        switch variant {
        case .probe:
            #expect(host.status == 3)
        case .segfault:
            #expect(host.status == 128 + SIGSEGV)
        }
    }

    /// Runs `program` on the host in a fresh folder holding the variant's input files and
    /// returns its standard output and its status, 128 + signal number for a signal.
    static func runOnHost(_ program: String, variant: ExecVariant) throws -> (output: Data, status: Int32) {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("lwcos-oracle-\(variant.rawValue)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for file in variant.guestFiles {
            guard case .bytes(let data) = file.contents else { continue }
            let path = folder + file.guestPath
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)

        let result = try ChildProcess.run(program, variant.arguments, directory: folder, timeout: 30)
        let status = result.signaled ? 128 + result.status : result.status
        return (Data(result.standardOutput.utf8), status)
    }

    @Test("selftest=panic reports a panic")
    func selftestPanic() async throws {
        let report = try await KernelRun.shared.report(.selftestPanic)
        #expect(report.outcome == .panic, "\(Self.failureText(report))")
        #expect(report.exitStatus == QEMUConfiguration.ExitStatus.kernelPanic)
        #expect(report.tailLines.contains { $0.contains("PANIC:") }, "\(Self.failureText(report))")
        #expect(report.tailLines.contains { $0.contains("Backtrace:") }, "\(Self.failureText(report))")
        #expect(!report.passed)
    }

    @Test("gdb stops at ktest_run_all")
    func gdbBreakpoint() async throws {
        let repository = try await KernelRun.shared.repository()
        let iso = try await KernelRun.shared.iso(.standard)
        let output = try await ChildProcess.offload { () throws(HarnessError) in
            let session = GDBSession(repository: repository, qemu: QEMUConfiguration(iso: iso))
            return try session.runBatch(
                breakpoint: "ktest_run_all", commands: ["print boot_mode", "bt", "lwcos-info"],
                timeout: KernelRun.bootTimeout)
        }
        let lines = output.split(separator: "\n").map(String.init)

        #expect(lines.contains { $0.hasPrefix("Hardware assisted breakpoint 1 at ") }, "\(output)")
        #expect(lines.contains { $0.hasPrefix("$1 = BOOT_MODE_TEST") }, "\(output)")

        // With -Og gdb may stop in a function inlined into ktest_run_all, so look for the
        // ktest_run_all frame anywhere in the backtrace and check the frame after it.
        let frames = lines.filter { $0.range(of: #"^#[0-9]+ "#, options: .regularExpression) != nil }
        let runAll = frames.firstIndex { $0.contains(" ktest_run_all (") }
        #expect(runAll != nil, "\(output)")
        if let runAll {
            let caller = runAll + 1 < frames.count ? frames[runAll + 1] : ""
            #expect(caller.contains(" kmain ("), "\(output)")
        }
        // gdb's closing "kill" ends QEMU; over a pipe it reports either "killed" or a
        // broken pipe, so the last command's output, checked below, proves the run.

        // lwcos-info from tools/gdb/lwcos.py reads the kernel variables. The frame
        // allocator is set up before the tests run, so some frames are free.
        #expect(lines.contains("boot mode: BOOT_MODE_TEST"), "\(output)")
        let frameLine = lines.first { $0.hasPrefix("frames: ") } ?? ""
        let freeCount = Int(frameLine.dropFirst("frames: ".count).prefix(while: \.isNumber)) ?? 0
        #expect(freeCount > 0, "\(output)")
    }

    static func failedLeaves(_ report: RunReport) -> [String] {
        report.document.leafCases.filter { $0.status.isFailure }.map(\.fullName)
    }

    /// Formats the outcome, the failed cases and the last 50 serial lines for a failure message.
    static func failureText(_ report: RunReport) -> String {
        ReportFormatter.summary(report) + "\n" + report.tailLines.joined(separator: "\n")
    }
}
