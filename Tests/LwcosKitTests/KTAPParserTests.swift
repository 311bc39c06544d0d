import Testing

@testable import LwcosKit

/// Looks up a case by its dotted full name.
private func find(_ document: KTAPDocument, _ fullName: String) -> KTAPCase? {
    document.allCases.first { $0.fullName == fullName }
}

/// The kernel's KUnit-style output with two suites, a failure, a skip and log noise.
private let kernelOutput = """
    GRUB loading...
    [info] boot: lwcos starting
    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: heap
        1..3
        ok 1 alloc_sizes
    [info] mm: 64512 free frames
        # alloc_zero: EXPECT_EQ failed at kernel/test/heap_test.c:40: expected p == NULL, got 0xffff800000001000
        not ok 2 alloc_zero
        ok 3 poison_on_free # SKIP no poisoning in this build
    not ok 1 heap
        KTAP version 1
        # Subtest: frame
        1..1
        ok 1 refcount
    ok 2 frame
    [info] ktest: done
    """

@Suite("KTAP parser")
struct KTAPParserTests {
    @Test("nested suites get dotted names")
    func nestedNames() throws {
        let document = KTAPParser.parse(kernelOutput)
        #expect(document.version == "KTAP version 1")
        #expect(document.plan == 2)
        #expect(document.cases.map(\.name) == ["heap", "frame"])
        #expect(document.allCases.map(\.fullName) == [
            "heap", "heap.alloc_sizes", "heap.alloc_zero", "heap.poison_on_free", "frame", "frame.refcount",
        ])
        #expect(document.leafCases.count == 4)
        #expect(document.isComplete)
        #expect(document.problems == [])
    }

    @Test("statuses, directives and diagnostics")
    func statuses() throws {
        let document = KTAPParser.parse(kernelOutput)
        let heap = try #require(find(document, "heap"))
        #expect(heap.status == .failed)
        #expect(heap.plan == 3)
        #expect(heap.number == 1)

        let zero = try #require(find(document, "heap.alloc_zero"))
        #expect(zero.status == .failed)
        #expect(zero.number == 2)
        #expect(zero.diagnostics == [
            "alloc_zero: EXPECT_EQ failed at kernel/test/heap_test.c:40: expected p == NULL, got 0xffff800000001000"
        ])

        let poison = try #require(find(document, "heap.poison_on_free"))
        #expect(poison.status == .skipped)
        #expect(poison.directive == .skip)
        #expect(poison.reason == "no poisoning in this build")

        #expect(try #require(find(document, "frame")).status == .passed)
        #expect(try #require(find(document, "frame.refcount")).status == .passed)
    }

    @Test("preamble, context and trailing lines")
    func noiseLines() throws {
        let document = KTAPParser.parse(kernelOutput)
        #expect(document.preamble == ["GRUB loading...", "[info] boot: lwcos starting"])
        let zero = try #require(find(document, "heap.alloc_zero"))
        // The log line at column 0 falls between results 1 and 2 of the indented suite.
        #expect(zero.context == ["[info] mm: 64512 free frames"])
        #expect(try #require(find(document, "heap.alloc_sizes")).context == [])
        #expect(document.trailing == ["[info] ktest: done"])
    }

    @Test("line ranges cover a case's lines")
    func lineRanges() throws {
        let document = KTAPParser.parse(kernelOutput)
        let zero = try #require(find(document, "heap.alloc_zero"))
        #expect(zero.firstLine == 8)
        #expect(zero.lastLine == 10)
        let heap = try #require(find(document, "heap"))
        #expect(heap.firstLine == 4)
        #expect(heap.lastLine == 12)
    }

    @Test("two-space indentation")
    func twoSpaceIndent() throws {
        let document = KTAPParser.parse("""
            TAP version 14
            1..1
              # Subtest: user
              1..2
                # Subtest: fork
                1..1
                ok 1 cow_child
              ok 1 fork
              ok 2 exec
            ok 1 user
            """)
        #expect(document.version == "TAP version 14")
        #expect(document.allCases.map(\.fullName) == ["user", "user.fork", "user.fork.cow_child", "user.exec"])
        #expect(document.allCases.allSatisfy { $0.status == .passed })
        #expect(document.isComplete)
    }

    /// The kernel's suites, then the suite /init prints: one subtest per program of /tests,
    /// each program's KTAP indented by 8 spaces, and init's own diagnostics.
    @Test("user suite nests three deep")
    func userSuite() throws {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..2
                KTAP version 1
                # Subtest: heap
                1..1
                ok 1 alloc_sizes
            ok 1 heap
            [info] init: started /init as pid 1 (mode test)
                KTAP version 1
                # Subtest: user
                1..2
                    KTAP version 1
                    # Subtest: fork_wait
                    1..2
                    ok 1 fork_returns_child_pid
                    # fork_returns_zero_in_child: EXPECT_EQ failed at user/tests/fork_wait.c:60
                    not ok 2 fork_returns_zero_in_child
                    # fork_wait: exited with status 1
                    # leak: MemFree was 1000 kB before fork_wait and 996 kB after (-1 frames)
                not ok 1 fork_wait
                    KTAP version 1
                    # Subtest: pipes
                    1..1
                    ok 1 pipe_eof_after_close # SKIP not yet
                ok 2 pipes
            not ok 2 user
            """)
        #expect(document.allCases.map(\.fullName) == [
            "heap", "heap.alloc_sizes", "user", "user.fork_wait", "user.fork_wait.fork_returns_child_pid",
            "user.fork_wait.fork_returns_zero_in_child", "user.pipes", "user.pipes.pipe_eof_after_close",
        ])
        #expect(document.isComplete)
        #expect(document.problems == [])
        let failed = document.leafCases.filter { $0.status.isFailure }.map(\.fullName)
        #expect(failed == ["user.fork_wait.fork_returns_zero_in_child"])
        let program = try #require(find(document, "user.fork_wait"))
        #expect(program.status == .failed)
        #expect(program.diagnostics == [
            "fork_wait: exited with status 1", "leak: MemFree was 1000 kB before fork_wait and 996 kB after (-1 frames)",
        ])
        #expect(try #require(find(document, "user.pipes.pipe_eof_after_close")).status == .skipped)
        #expect(try #require(find(document, "user")).number == 2)
    }

    @Test("KTAP version 1 without a Subtest header")
    func versionLineOnlySubtest() throws {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..1
                KTAP version 1
                1..1
                ok 1 inner
            ok 1 outer
            """)
        #expect(document.allCases.map(\.fullName) == ["outer", "outer.inner"])
    }

    @Test("every directive", arguments: [
        ("ok 1 a # SKIP not built", KTAPStatus.skipped, KTAPDirective.skip, "not built"),
        ("not ok 1 a # SKIP not built", .skipped, .skip, "not built"),
        ("ok 1 a # skipped", .skipped, .skip, nil),
        ("not ok 1 a # TODO write it", .expectedFailure, .todo, "write it"),
        ("ok 1 a # TODO", .passed, .todo, nil),
        ("not ok 1 a # XFAIL known bug", .expectedFailure, .xfail, "known bug"),
        ("not ok 1 a # TIMEOUT 30 seconds", .failed, .timeout, "30 seconds"),
        ("not ok 1 a # ERROR no memory", .failed, .error, "no memory"),
    ] as [(String, KTAPStatus, KTAPDirective, String?)])
    func directives(line: String, status: KTAPStatus, directive: KTAPDirective, reason: String?) throws {
        let document = KTAPParser.parse("KTAP version 1\n1..1\n" + line + "\n")
        let testCase = try #require(document.cases.first)
        #expect(testCase.name == "a")
        #expect(testCase.status == status)
        #expect(testCase.directive == directive)
        #expect(testCase.reason == reason)
    }

    @Test("hash without a directive stays in the name")
    func hashInName() throws {
        let result = try #require(KTAPResultLine.parse("ok 4 - size # of frames"))
        #expect(result.name == "size # of frames")
        #expect(result.directive == nil)
        let escaped = try #require(KTAPResultLine.parse("ok 5 issue \\#12 # SKIP later"))
        #expect(escaped.name == "issue #12")
        #expect(escaped.directive == .skip)
    }

    @Test("result line variants")
    func resultLines() {
        #expect(KTAPResultLine.parse("ok 1 - dash") == KTAPResultLine(ok: true, number: 1, name: "dash"))
        #expect(KTAPResultLine.parse("not ok") == KTAPResultLine(ok: false, number: nil, name: ""))
        #expect(KTAPResultLine.parse("not ok 7") == KTAPResultLine(ok: false, number: 7, name: ""))
        #expect(KTAPResultLine.parse("okay 1 x") == nil)
        #expect(KTAPResultLine.parse("nothing ok") == nil)
    }

    @Test("bare not ok gets a numbered name")
    func bareNotOk() throws {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..2
            ok 1 first
            not ok
            """)
        #expect(document.cases.map(\.name) == ["first", "unnamed_2"])
        #expect(document.cases[1].status == .failed)
        #expect(document.cases[1].number == nil)
    }

    @Test("bare not ok of a suite takes the Subtest name")
    func bareNotOkSuite() throws {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..1
                # Subtest: sched
                1..1
                ok 1 yield
            not ok 1
            """)
        #expect(document.allCases.map(\.fullName) == ["sched", "sched.yield"])
        #expect(document.cases[0].status == .failed)
    }

    @Test("truncated stream is a crash")
    func truncatedStream() throws {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..3
                KTAP version 1
                # Subtest: heap
                1..1
                ok 1 alloc
            ok 1 heap
                KTAP version 1
                # Subtest: frame
                1..3
                ok 1 refcount
            PANIC: frame_free: double free of 0x1000
            Backtrace:
              #0 0xffffffff80102a3f kmain+0x4f
            """)
        #expect(!document.isComplete)
        #expect(document.cases.map(\.name) == ["heap", "frame"])
        let frame = try #require(find(document, "frame"))
        #expect(frame.status == .crashed)
        #expect(frame.number == nil)
        #expect(frame.subtests.map(\.name) == ["refcount"])
        #expect(frame.problems == [
            "crashed: the output ended before this suite's result line", "plan 1..3 but 1 results",
        ])
        #expect(frame.context == [
            "PANIC: frame_free: double free of 0x1000", "Backtrace:", "  #0 0xffffffff80102a3f kmain+0x4f",
        ])
        #expect(document.problems == ["1 of 3 top-level results are missing"])
    }

    @Test("stream that ends after the plan")
    func endsAfterPlan() {
        let document = KTAPParser.parse("KTAP version 1\n1..2\n")
        #expect(document.cases == [])
        #expect(!document.isComplete)
        #expect(document.problems == ["2 of 2 top-level results are missing"])
    }

    @Test("no KTAP at all")
    func noVersionLine() {
        let document = KTAPParser.parse("[info] boot: hello\nok 1 not ktap yet\n")
        #expect(document.version == nil)
        #expect(document.preamble.count == 2)
        #expect(document.problems == ["no KTAP version line in 2 lines of output"])
        #expect(!document.isComplete)
    }

    @Test("plan mismatch fails a passing suite")
    func planMismatch() throws {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..1
                # Subtest: vm
                1..3
                ok 1 map
                ok 2 unmap
            ok 1 vm
            """)
        let vm = try #require(find(document, "vm"))
        #expect(vm.status == .failed)
        #expect(vm.problems == ["plan 1..3 but 2 results"])
        #expect(document.isComplete)
    }

    @Test("more top-level results than planned")
    func tooManyResults() {
        let document = KTAPParser.parse("KTAP version 1\n1..1\nok 1 a\nok 2 b\n")
        #expect(document.problems == ["plan 1..1 but 2 top-level results"])
    }

    @Test("subtest without a result line before the next")
    func missingSuiteResult() throws {
        let document = KTAPParser.parse("""
            KTAP version 1
            1..2
                KTAP version 1
                # Subtest: a
                1..1
                ok 1 x
                KTAP version 1
                # Subtest: b
                1..1
                ok 1 y
            ok 2 b
            """)
        #expect(document.allCases.map(\.fullName) == ["a", "a.x", "b", "b.y"])
        #expect(document.cases[0].status == .crashed)
        #expect(document.cases[1].status == .passed)
    }

    @Test("plan with SKIP and empty suite")
    func skippedPlan() throws {
        #expect(KTAPLine.classify("1..0 # SKIP no tests") == .plan(count: 0, skipReason: "no tests"))
        #expect(KTAPLine.classify("1..12") == .plan(count: 12, skipReason: nil))
        #expect(KTAPLine.classify("1..x") == .other)
    }

    @Test("malformed lines are context")
    func malformedLines() throws {
        #expect(KTAPLine.classify("KTAP version") == .other)
        #expect(KTAPLine.classify("ok1 name") == .other)
        #expect(KTAPLine.classify("[warn] boot: unknown option foo=bar") == .other)
        #expect(KTAPLine.classify("# Subtest: heap") == .subtestHeader("heap"))
        #expect(KTAPLine.classify("#no space") == .other)
        #expect(KTAPLine.classify("#0 0xffffffff80102a3f kmain+0x4f") == .other)
        #expect(KTAPLine.classify("#") == .diagnostic(""))
        let document = KTAPParser.parse("KTAP version 1\n1..1\nKTAP version\nok1 bad\nok 1 good\n")
        #expect(document.cases.map(\.name) == ["good"])
        #expect(document.cases[0].context == ["KTAP version", "ok1 bad"])
    }

    @Test("carriage returns are stripped")
    func carriageReturns() {
        let document = KTAPParser.parse("KTAP version 1\r\n1..1\r\nok 1 crlf\r\n")
        #expect(document.cases.map(\.name) == ["crlf"])
        #expect(document.isComplete)
    }

    @Test("lines fed one at a time")
    func streaming() throws {
        var parser = KTAPParser()
        for line in kernelOutput.split(separator: "\n", omittingEmptySubsequences: false) {
            parser.feed(String(line))
        }
        #expect(parser.linesRead == 19)
        let document = parser.finish()
        #expect(document == KTAPParser.parse(kernelOutput))
        #expect(parser.linesRead == 0)
    }

    @Test("out of order numbers are a problem")
    func outOfOrder() throws {
        let document = KTAPParser.parse("KTAP version 1\n1..2\nok 2 b\nok 1 a\n")
        #expect(document.problems.count == 2)
        #expect(document.problems[0] == "result 2 b out of order at line 3, expected 1")
    }
}
