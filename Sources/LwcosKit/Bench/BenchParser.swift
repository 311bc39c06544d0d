/// Unit of a benchmark row's figures, as the kernel prints it.
public enum BenchUnit: String, CaseIterable, Sendable, Codable {
    /// TSC ticks read with rdtsc. Under `-icount` QEMU derives the TSC from the number of
    /// instructions executed, so the ticks become deterministic.
    case cycles
    /// Instructions retired.
    case instructions
    /// Nanoseconds.
    case ns
}

/// The figures of one row: a measurement, or the reason why the row does not apply.
public enum BenchValue: Equatable, Sendable {
    /// Median, 10th and 90th percentile over `iterations` runs of the benchmark body.
    case measured(median: UInt64, p10: UInt64, p90: UInt64, iterations: UInt64)
    /// The kernel printed `n/a`, for example because the CPU lacks a feature. `reason` is
    /// the words after the iteration count, or nil when the kernel printed none.
    case notApplicable(reason: String?)
}

/// One `BENCH <name> <unit> <median> <p10> <p90> <iterations>` line.
public struct BenchRow: Equatable, Sendable {
    public var name: String
    public var unit: BenchUnit
    public var value: BenchValue
    /// Index of the row's line among all lines fed to the parser.
    public var line: Int

    public init(name: String, unit: BenchUnit, value: BenchValue, line: Int) {
        self.name = name
        self.unit = unit
        self.value = value
        self.line = line
    }
}

/// A `BENCH` line that could not be read, or a rule of the format the output broke.
public struct BenchProblem: Equatable, Sendable, CustomStringConvertible {
    /// Index of the offending line, or nil for a problem of the whole output, such as a
    /// missing `BENCH end`.
    public var line: Int?
    /// The offending line as received, or nil for a problem of the whole output.
    public var text: String?
    public var message: String

    public init(line: Int?, text: String?, message: String) {
        self.line = line
        self.text = text
        self.message = message
    }

    public var description: String {
        guard let line, let text else { return message }
        // The stored index starts at 0, but people count lines from 1.
        return "serial line \(line + 1): \(message): \(text.debugDescription)"
    }
}

/// The result of parsing a bench run's serial output.
public struct BenchDocument: Equatable, Sendable {
    /// The number after `BENCH version`, or nil when no version line arrived.
    public var version: Int?
    public var rows: [BenchRow]
    /// Whether the `BENCH end` line arrived. Without it the run was cut short.
    public var ended: Bool
    public var problems: [BenchProblem]

    /// Whether the output is whole and every line was valid: the version line, the rows
    /// and `BENCH end` arrived and nothing was reported as a problem.
    public var isComplete: Bool { ended && problems.isEmpty }

    public func row(named name: String) -> BenchRow? {
        rows.first { $0.name == name }
    }
}

/// A streaming parser for bench output: feed it serial lines as they arrive, then call
/// `finish()` for the rows.
///
/// The format, version 1:
///
///     BENCH version 1
///     BENCH cr3_switch cycles 412 398 460 2000
///     BENCH pcid_flush ns n/a n/a n/a 0 no PCID on this CPU
///     BENCH getppid cycles 241 236 250 2000
///     BENCH end
///
/// On lwcos the kernel prints the version line and its own rows. Then /init runs each
/// program of /bench, whose rows follow, and prints `BENCH end` after the last one. Under
/// Linux only the programs print rows, and /init prints the version line too.
///
/// Fields after `BENCH` are name, unit, median, p10, p90 and iteration count, all
/// non-negative decimal integers. A row that does not apply has `n/a` for the three
/// figures, 0 iterations and optional reason words. Lines that do not start with the word
/// `BENCH` at column 0, such as kernel log lines, are ignored. Every `BENCH` line that breaks the format is
/// reported as a problem with its text, and so are a missing or unsupported version line,
/// a repeated row name, `p10 <= median <= p90` not holding, and a missing `BENCH end`.
public struct BenchParser: Sendable {
    /// The format version this parser reads.
    public static let supportedVersion = 1
    /// The word that starts every line of the format.
    public static let marker = "BENCH"

    private var lineCount = 0
    private var version: Int?
    private var rows: [BenchRow] = []
    private var rowNames: Set<String> = []
    private var ended = false
    private var problems: [BenchProblem] = []

    public init() {}

    /// Parses a whole recorded output at once.
    public static func parse(_ text: String) -> BenchDocument {
        var parser = BenchParser()
        // `\r\n` is one Character in Swift, so split at every newline Character.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            parser.feed(String(line))
        }
        return parser.finish()
    }

    /// Feeds one line, without its line terminator. A trailing `\r` is dropped.
    public mutating func feed(_ rawLine: String) {
        let index = lineCount
        lineCount += 1
        var line = Substring(rawLine)
        if line.hasSuffix("\r") {
            line = line.dropLast()
        }
        // Only lines that start with the marker word at column 0 belong to the format.
        let words = line.split(omittingEmptySubsequences: true, whereSeparator: { $0 == " " || $0 == "\t" })
        guard line.hasPrefix(Self.marker), words.first == Substring(Self.marker) else {
            return
        }
        var messages: [String] = []
        defer {
            for message in messages {
                problems.append(BenchProblem(line: index, text: String(line), message: message))
            }
        }
        let report = { (message: String) in messages.append(message) }

        if ended {
            report("BENCH line after BENCH end")
            return
        }
        let fields = Array(words.dropFirst())
        switch fields.first {
        case nil:
            report("BENCH line without fields")
        case "version":
            guard fields.count == 2, let number = Int(fields[1]) else {
                report("invalid version line: expected 'BENCH version N'")
                return
            }
            if version != nil {
                report("second BENCH version line")
                return
            }
            if !rows.isEmpty {
                report("BENCH version line after the first row")
            }
            version = number
            if number != Self.supportedVersion {
                report("unsupported version \(number): this harness reads version \(Self.supportedVersion)")
            }
        case "end":
            if fields.count != 1 {
                report("unexpected words after BENCH end")
            }
            ended = true
        default:
            guard let row = Self.readRow(fields, line: index, report: report) else { return }
            if !rowNames.insert(row.name).inserted {
                report("row name '\(row.name)' appears twice")
                return
            }
            rows.append(row)
        }
    }

    /// Ends the stream and returns the rows and problems. A missing version line or
    /// `BENCH end` is reported here.
    public func finish() -> BenchDocument {
        var problems = problems
        if version == nil {
            problems.append(BenchProblem(line: nil, text: nil, message: "missing 'BENCH version' line"))
        }
        if !ended {
            let count = rows.count == 1 ? "1 row" : "\(rows.count) rows"
            problems.append(BenchProblem(
                line: nil, text: nil, message: "missing 'BENCH end' line: the output was truncated after \(count)"))
        }
        return BenchDocument(version: version, rows: rows, ended: ended, problems: problems)
    }

    /// Reads the fields after `BENCH` of a row line, or reports why they are invalid.
    private static func readRow(_ fields: [Substring], line: Int, report: (String) -> Void) -> BenchRow? {
        guard fields.count >= 6 else {
            report("expected 6 fields after BENCH (name unit median p10 p90 iterations), got \(fields.count)")
            return nil
        }
        let name = String(fields[0])
        guard let unit = BenchUnit(rawValue: String(fields[1])) else {
            let units = BenchUnit.allCases.map(\.rawValue).joined(separator: ", ")
            report("unknown unit '\(fields[1])': expected one of \(units)")
            return nil
        }

        // A row that does not apply: three n/a, zero iterations, then the reason words.
        let figures = fields[2...4]
        if figures.contains("n/a") {
            guard figures.allSatisfy({ $0 == "n/a" }), fields[5] == "0" else {
                report("an n/a row needs n/a for median, p10 and p90 and 0 iterations")
                return nil
            }
            let reason = fields.count > 6 ? fields[6...].joined(separator: " ") : nil
            return BenchRow(name: name, unit: unit, value: .notApplicable(reason: reason), line: line)
        }

        guard fields.count == 6 else {
            report("unexpected words after the iteration count of a measured row")
            return nil
        }
        let labels = ["median", "p10", "p90", "iterations"]
        var numbers: [UInt64] = []
        for (label, field) in zip(labels, fields[2...5]) {
            guard let number = parseCount(field) else {
                report("invalid \(label) '\(field)': expected a non-negative decimal integer or n/a")
                return nil
            }
            numbers.append(number)
        }
        let (median, p10, p90, iterations) = (numbers[0], numbers[1], numbers[2], numbers[3])
        guard iterations > 0 else {
            report("a measured row needs at least 1 iteration; print n/a when nothing was measured")
            return nil
        }
        guard p10 <= median, median <= p90 else {
            report("percentiles out of order: expected p10 <= median <= p90")
            return nil
        }
        return BenchRow(
            name: name, unit: unit,
            value: .measured(median: median, p10: p10, p90: p90, iterations: iterations), line: line)
    }

    /// Parses ASCII decimal digits only: `UInt64("+5")` would accept a sign.
    static func parseCount(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else { return nil }
        return UInt64(text)
    }
}
