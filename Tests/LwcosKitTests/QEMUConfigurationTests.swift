import Testing

@testable import LwcosKit

@Suite("QEMU arguments")
struct QEMUConfigurationTests {
    private let machineArguments = [
        "-cdrom", "build/lwcos-test.iso", "-smp", "1", "-m", "256M", "-display", "none", "-nic", "none",
        "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
    ]

    @Test("tcg test run with serial on a pipe")
    func tcgPipe() {
        let configuration = QEMUConfiguration(iso: "build/lwcos-test.iso")
        #expect(configuration.arguments == machineArguments + [
            "-accel", "tcg", "-cpu", "max", "-serial", "stdio", "-monitor", "none",
        ])
    }

    @Test("kvm interactive run with more memory")
    func kvmInteractive() {
        let configuration = QEMUConfiguration(
            iso: "build/lwcos-test.iso", accelerator: .kvm, memory: "1G", serial: .interactive)
        var expected = machineArguments
        expected[5] = "1G"
        #expect(configuration.arguments == expected + ["-accel", "kvm", "-cpu", "host", "-serial", "mon:stdio"])
    }

    @Test("gdb on stdio with serial to a file")
    func gdbStdio() {
        let configuration = QEMUConfiguration(
            iso: "build/lwcos-test.iso", serial: .file("build/gdb-serial.log"), gdb: .stdio)
        #expect(configuration.arguments == machineArguments + [
            "-accel", "tcg", "-cpu", "max", "-serial", "file:build/gdb-serial.log", "-monitor", "none",
            "-S", "-gdb", "stdio",
        ])
    }

    @Test("gdb stub listens on loopback only")
    func gdbTCP() {
        let configuration = QEMUConfiguration(
            iso: "build/lwcos-test.iso", serial: .file("s.log"), gdb: .tcp(port: 1234))
        #expect(Array(configuration.arguments.suffix(3)) == ["-S", "-gdb", "tcp:127.0.0.1:1234"])
    }

    @Test("shell command quotes paths")
    func shellCommand() {
        let configuration = QEMUConfiguration(iso: "/tmp/my dir/it's.iso")
        #expect(configuration.shellCommand.hasPrefix("qemu-system-x86_64 -cdrom '/tmp/my dir/it'\\''s.iso' -smp 1 "))
    }

    @Test("exit statuses")
    func exitStatuses() {
        #expect(QEMUConfiguration.ExitStatus.suitePassed == (0x10 << 1) | 1)
        #expect(QEMUConfiguration.ExitStatus.testFailed == (0x11 << 1) | 1)
        #expect(QEMUConfiguration.ExitStatus.kernelPanic == (0x12 << 1) | 1)
    }

    @Test("gdb batch arguments")
    func gdbBatch() {
        let session = GDBSession(
            repository: Repository(root: "/r"), qemu: QEMUConfiguration(iso: "/r/build/lwcos-test.iso"))
        let arguments = session.batchArguments(
            breakpoint: "ktest_run_all", commands: ["print boot_mode", "bt"], serialLog: "/r/build/gdb-serial.log")
        #expect(arguments == [
            "-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", "set architecture i386:x86-64", "-ex", "file /r/build/kernel.elf",
            "-ex",
            "target remote | exec qemu-system-x86_64 -cdrom /r/build/lwcos-test.iso -smp 1 -m 256M -display none "
                + "-nic none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg -cpu max "
                + "-serial file:/r/build/gdb-serial.log -monitor none -S -gdb stdio",
            "-ex", "hbreak ktest_run_all", "-ex", "continue", "-ex", "print boot_mode", "-ex", "bt", "-ex", "kill",
        ])
    }

    @Test("gdb interactive arguments")
    func gdbInteractive() {
        let session = GDBSession(repository: Repository(root: "/nonexistent"), qemu: QEMUConfiguration(iso: "x.iso"))
        #expect(session.interactiveArguments(breakpoint: "lwSwitch", port: 4321) == [
            "-q", "-ex", "set architecture i386:x86-64", "-ex", "target remote 127.0.0.1:4321",
            "-ex", "hbreak lwSwitch", "-ex", "continue", "/nonexistent/build/kernel.elf",
        ])
    }
}

@Suite("Run outcome")
struct RunOutcomeTests {
    private let complete = KTAPParser.parse("KTAP version 1\n1..1\nok 1 a\n")
    private let failing = KTAPParser.parse("KTAP version 1\n1..1\nnot ok 1 a\n")
    private let truncated = KTAPParser.parse("KTAP version 1\n1..2\nok 1 a\n")

    @Test("judging exit status and KTAP", arguments: [
        (Int32?(33), "complete", false, false, RunOutcome.passed),
        (33, "truncated", false, false, .truncated),
        (33, "failing", false, false, .failed),
        (35, "failing", false, false, .failed),
        (35, "complete", false, false, .failed),
        (37, "truncated", false, false, .panic),
        (0, "truncated", false, false, .reset),
        (1, "complete", false, false, .qemuError),
        (nil, "truncated", true, false, .timeout),
        (nil, "truncated", false, true, .interrupted),
        (nil, "complete", false, false, .qemuError),
    ] as [(Int32?, String, Bool, Bool, RunOutcome)])
    func judge(status: Int32?, documentName: String, timedOut: Bool, interrupted: Bool, expected: RunOutcome) {
        let document = ["complete": complete, "failing": failing, "truncated": truncated][documentName]
        #expect(
            RunReport.judge(
                exitStatus: status, document: document ?? complete, timedOut: timedOut, interrupted: interrupted)
                == expected)
    }

    @Test("tail keeps the last 50 lines")
    func tail() {
        let lines = (1...80).map { "line \($0)" }
        let report = RunReport(exitStatus: 37, document: truncated, serialLines: lines)
        #expect(report.tailLines.count == 50)
        #expect(report.tailLines.first == "line 31")
        #expect(report.tailLines.last == "line 80")
    }

    @Test("counts leaf cases")
    func counts() {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..1
                # Subtest: s
                1..4
                ok 1 a
                not ok 2 b
                ok 3 c # SKIP no
                not ok 4 d # XFAIL known
            not ok 1 s
            """)
        let report = RunReport(exitStatus: 35, document: document, serialLines: [])
        #expect(report.counts == (passed: 1, failed: 1, skipped: 1, expectedFailures: 1))
        #expect(report.failedCases.map(\.fullName) == ["s", "s.b"])
    }

    @Test("panic lines start at PANIC")
    func panicLines() {
        let report = RunReport(
            exitStatus: 37, document: truncated,
            serialLines: ["ok", "PANIC: boom", "rip=0", "Backtrace:", "  #0 0x1 kmain+0x4"])
        #expect(report.panicLines == ["PANIC: boom", "rip=0", "Backtrace:", "  #0 0x1 kmain+0x4"])
    }
}

@Suite("Report text")
struct ReportFormatterTests {
    private let serial = [
        "[info] boot: mode test",
        "KTAP version 1",
        "1..1",
        "    # Subtest: heap",
        "    1..2",
        "    ok 1 alloc",
        "    # zero: EXPECT_EQ failed at kernel/test/heap_test.c:40",
        "    not ok 2 zero",
        "not ok 1 heap",
    ]

    @Test("failed case with diagnostics and serial lines")
    func failedCase() throws {
        var parser = KTAPParser()
        serial.forEach { parser.feed($0) }
        let report = RunReport(exitStatus: 35, document: parser.finish(), serialLines: serial, duration: 1.25)
        let zero = try #require(report.failedCases.last)
        #expect(ReportFormatter.describe(zero, in: report) == """
            heap.zero: failed
              # zero: EXPECT_EQ failed at kernel/test/heap_test.c:40
              serial lines:
              |     # zero: EXPECT_EQ failed at kernel/test/heap_test.c:40
              |     not ok 2 zero
              | not ok 1 heap
            """)
        let summary = ReportFormatter.summary(report)
        #expect(summary.hasPrefix("Failed cases:\nheap: failed\n"))
        #expect(summary.contains("run failed (QEMU exit status 35): failed cases: heap, heap.zero\n"))
        #expect(summary.hasSuffix("lwcos test: 1 passed, 1 failed, 0 skipped; run failed in 1.2 s"))
    }

    @Test("panic summary shows the last lines")
    func panicSummary() {
        let lines = serial.prefix(6) + ["PANIC: heap: corrupted free list", "Backtrace:", "  #0 0xffffffff80102a3f kmain+0x4f"]
        var parser = KTAPParser()
        lines.forEach { parser.feed($0) }
        let report = RunReport(exitStatus: 37, document: parser.finish(), serialLines: Array(lines))
        let summary = ReportFormatter.summary(report)
        #expect(summary.contains("run kernel panic (QEMU exit status 37): the kernel panicked\n"))
        #expect(summary.contains("Last 9 serial lines:\n| [info] boot: mode test\n"))
        #expect(summary.contains("| PANIC: heap: corrupted free list\n| Backtrace:\n|   #0 0xffffffff80102a3f kmain+0x4f\n"))
        #expect(summary.contains("Failed cases:\nheap: crashed\n  problem: crashed: the output ended before this suite's result line\n"))
    }
}

@Suite("QEMU instruction counting")
struct QEMUInstructionCountingTests {
    @Test("icount follows the accelerator")
    func icount() {
        let configuration = QEMUConfiguration(iso: "build/lwcos-bench.iso", instructionCounting: true)
        let arguments = configuration.arguments
        let accel = arguments.firstIndex(of: "-accel") ?? -1
        let icount = arguments.firstIndex(of: "-icount") ?? -1
        #expect(Array(arguments[accel..<accel + 4]) == ["-accel", "tcg", "-cpu", "max"])
        #expect(Array(arguments[icount..<icount + 2]) == ["-icount", "shift=0"])
        #expect(icount == accel + 4)
    }

    @Test("icount is off by default")
    func icountOff() {
        #expect(!QEMUConfiguration(iso: "x.iso").arguments.contains("-icount"))
    }
}
