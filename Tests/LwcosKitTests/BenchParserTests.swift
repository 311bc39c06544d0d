import Testing

@testable import LwcosKit

/// A bench run as the kernel prints it, with log lines and an n/a row.
private let benchOutput = """
    [info] boot: lwcos starting
    [info] mm: 64512 free frames (252 MiB) of 65248 usable
    BENCH version 1
    BENCH cr3_switch cycles 412 398 460 2000
    [info] bench: cow_fault uses 1000 pages
    BENCH cow_fault cycles 9120 8800 9900 1000
    BENCH clone_1mib instructions 76352 76352 76352 1000
    BENCH clone_256mib cycles n/a n/a n/a 0 not enough memory: boot with more (-m)
    BENCH end
    """

@Suite("Bench parser")
struct BenchParserTests {
    @Test("measured rows keep their figures")
    func measuredRows() throws {
        let document = BenchParser.parse(benchOutput)
        #expect(document.version == 1)
        #expect(document.rows.map(\.name) == ["cr3_switch", "cow_fault", "clone_1mib", "clone_256mib"])
        let cr3 = try #require(document.row(named: "cr3_switch"))
        #expect(cr3.unit == .cycles)
        #expect(cr3.value == .measured(median: 412, p10: 398, p90: 460, iterations: 2000))
        #expect(cr3.line == 3)
        #expect(document.row(named: "clone_1mib")?.unit == .instructions)
    }

    @Test("n/a row keeps its reason")
    func notApplicableRow() throws {
        let document = BenchParser.parse(benchOutput)
        let row = try #require(document.row(named: "clone_256mib"))
        #expect(row.value == .notApplicable(reason: "not enough memory: boot with more (-m)"))
    }

    @Test("n/a row without a reason")
    func notApplicableWithoutReason() {
        let document = BenchParser.parse("BENCH version 1\nBENCH pcid ns n/a n/a n/a 0\nBENCH end")
        #expect(document.rows.first?.value == .notApplicable(reason: nil))
        #expect(document.problems == [])
    }

    @Test("complete output has no problems")
    func complete() {
        let document = BenchParser.parse(benchOutput)
        #expect(document.ended)
        #expect(document.problems == [])
        #expect(document.isComplete)
    }

    @Test("noise lines are ignored")
    func noise() {
        let noisy = """
            BENCHMARK starting
            [info] BENCH cr3_switch cycles 1 1 1 1
              BENCH indented lines are not rows either
            BENCH version 1\r
            BENCH end\r
            """
        let document = BenchParser.parse(noisy)
        #expect(document.rows == [])
        #expect(document.problems == [])
        #expect(document.isComplete)
    }

    @Test("missing BENCH end means truncated")
    func truncated() {
        let document = BenchParser.parse("BENCH version 1\nBENCH cr3_switch cycles 412 398 460 2000\n[info] panic")
        #expect(!document.ended)
        #expect(!document.isComplete)
        #expect(document.rows.count == 1)
        #expect(document.problems.map(\.description) == [
            "missing 'BENCH end' line: the output was truncated after 1 row"
        ])
    }

    @Test("missing version line")
    func missingVersion() {
        let document = BenchParser.parse("BENCH cr3_switch cycles 412 398 460 2000\nBENCH end")
        #expect(document.version == nil)
        #expect(document.rows.count == 1)
        #expect(document.problems.map(\.description) == ["missing 'BENCH version' line"])
    }

    @Test("malformed rows name the line", arguments: [
        ("BENCH", "BENCH line without fields"),
        ("BENCH cr3 cycles 1 2 3", "expected 6 fields after BENCH (name unit median p10 p90 iterations), got 5"),
        ("BENCH cr3 ticks 1 1 1 1", "unknown unit 'ticks': expected one of cycles, instructions, ns"),
        ("BENCH cr3 cycles 1x 1 1 1", "invalid median '1x': expected a non-negative decimal integer or n/a"),
        ("BENCH cr3 cycles 5 -1 9 1", "invalid p10 '-1': expected a non-negative decimal integer or n/a"),
        ("BENCH cr3 cycles 5 +1 9 1", "invalid p10 '+1': expected a non-negative decimal integer or n/a"),
        ("BENCH cr3 cycles 5 1 99999999999999999999 1", "invalid p90 '99999999999999999999': expected a non-negative decimal integer or n/a"),
        ("BENCH cr3 cycles 5 1 9 many", "invalid iterations 'many': expected a non-negative decimal integer or n/a"),
        ("BENCH cr3 cycles 5 1 9 0", "a measured row needs at least 1 iteration; print n/a when nothing was measured"),
        ("BENCH cr3 cycles 5 6 9 10", "percentiles out of order: expected p10 <= median <= p90"),
        ("BENCH cr3 cycles 5 1 4 10", "percentiles out of order: expected p10 <= median <= p90"),
        ("BENCH cr3 cycles 5 1 9 10 extra", "unexpected words after the iteration count of a measured row"),
        ("BENCH cr3 cycles n/a 1 9 0 why", "an n/a row needs n/a for median, p10 and p90 and 0 iterations"),
        ("BENCH cr3 cycles n/a n/a n/a 3 why", "an n/a row needs n/a for median, p10 and p90 and 0 iterations"),
        ("BENCH version one", "invalid version line: expected 'BENCH version N'"),
        ("BENCH version 1", "second BENCH version line"),
    ])
    func malformed(line: String, message: String) {
        let document = BenchParser.parse("[info] noise\nBENCH version 1\n\(line)\nBENCH end")
        #expect(document.problems == [BenchProblem(line: 2, text: line, message: message)])
        #expect(!document.isComplete)
        #expect(document.problems.first?.description == "serial line 3: \(message): \(line.debugDescription)")
    }

    @Test("words after BENCH end")
    func wordsAfterEnd() {
        let document = BenchParser.parse("BENCH version 1\nBENCH end now")
        #expect(document.ended)
        #expect(document.problems == [BenchProblem(line: 1, text: "BENCH end now", message: "unexpected words after BENCH end")])
    }

    @Test("malformed row is left out")
    func malformedRowDropped() {
        let document = BenchParser.parse("BENCH version 1\nBENCH a cycles 1 1 1 1\nBENCH b cycles x 1 1 1\nBENCH end")
        #expect(document.rows.map(\.name) == ["a"])
        #expect(document.problems.count == 1)
    }

    @Test("repeated row name")
    func repeatedName() {
        let document = BenchParser.parse("BENCH version 1\nBENCH a ns 1 1 1 1\nBENCH a ns 2 2 2 1\nBENCH end")
        #expect(document.rows.count == 1)
        #expect(document.row(named: "a")?.value == .measured(median: 1, p10: 1, p90: 1, iterations: 1))
        #expect(document.problems.map(\.message) == ["row name 'a' appears twice"])
    }

    @Test("unsupported version")
    func unsupportedVersion() {
        let document = BenchParser.parse("BENCH version 2\nBENCH end")
        #expect(document.version == 2)
        #expect(document.problems.map(\.message) == ["unsupported version 2: this harness reads version 1"])
    }

    @Test("version after the first row")
    func lateVersion() {
        let document = BenchParser.parse("BENCH a ns 1 1 1 1\nBENCH version 1\nBENCH end")
        #expect(document.problems.map(\.message) == ["BENCH version line after the first row"])
    }

    @Test("lines after BENCH end")
    func afterEnd() {
        let document = BenchParser.parse("BENCH version 1\nBENCH end\nBENCH a ns 1 1 1 1\n[info] shutting down")
        #expect(document.rows == [])
        #expect(document.problems == [
            BenchProblem(line: 2, text: "BENCH a ns 1 1 1 1", message: "BENCH line after BENCH end")
        ])
    }

    @Test("streaming matches whole-text parsing")
    func streaming() {
        var parser = BenchParser()
        for line in benchOutput.split(separator: "\n") {
            parser.feed(String(line) + "\r")
        }
        #expect(parser.finish() == BenchParser.parse(benchOutput))
    }
}
