import Foundation

/// Text and JSON renderings of bench reports: a table of one system's rows, a comparison
/// table of lwcos and Linux, and JSON with every run.
public enum BenchFormatter {
    /// Renders the header line and an aligned table of `report`'s rows. An n/a row shows its
    /// reason after the iteration count.
    public static func table(_ report: BenchReport, environment: MeasurementEnvironment) -> String {
        var table = TextTable(
            headers: ["name", "unit", "median", "p10", "p90", "iterations"],
            alignments: [.left, .left, .right, .right, .right, .right])
        for row in report.document.rows {
            switch row.value {
            case .measured(let median, let p10, let p90, let iterations):
                table.append([row.name, row.unit.rawValue, String(median), String(p10), String(p90), String(iterations)])
            case .notApplicable(let reason):
                var cells = [row.name, row.unit.rawValue, "n/a", "n/a", "n/a", "0"]
                if let reason {
                    cells.append(reason)
                }
                table.append(cells)
            }
        }
        var lines = ["lwcos bench: \(environment.headerLine)"]
        lines.append("kernel command line: " + report.kernelWords.joined(separator: " "))
        lines.append("")
        lines.append(report.document.rows.isEmpty ? "(no rows)" : table.render())
        return lines.joined(separator: "\n")
    }

    /// Renders the header lines and one row per benchmark with the lwcos median, the Linux
    /// median and their ratio. `-` marks a figure that one system did not print, `n/a` one
    /// that does not apply, and the reasons for `n/a` follow the ratio.
    public static func comparisonTable(
        lwcos: BenchReport, linux: BenchReport, linuxKernel: LinuxKernel, environment: MeasurementEnvironment
    ) -> String {
        let comparison = BenchComparison(lwcos: lwcos.document, linux: linux.document)
        var table = TextTable(
            headers: ["name", "unit", "lwcos median", "Linux median", "lwcos/Linux"],
            alignments: [.left, .left, .right, .right, .right])
        for entry in comparison.entries {
            var cells = [
                entry.name, entry.unit, BenchComparison.cell(entry.lwcos), BenchComparison.cell(entry.linux),
                entry.ratio.map(BenchComparison.formatRatio) ?? "-",
            ]
            let notes = entry.notes
            if !notes.isEmpty {
                cells.append(notes.joined(separator: ". "))
            }
            table.append(cells)
        }
        var lines = ["lwcos bench: \(environment.headerLine)"]
        lines.append("lwcos command line: " + lwcos.kernelWords.joined(separator: " "))
        lines.append("Linux \(linuxKernel.release) (\(linuxKernel.path)) command line: " + linux.kernelWords.joined(separator: " "))
        lines.append("medians in each row's unit; lwcos/Linux below 1 means lwcos is faster; - means that system printed no such row")
        lines.append("")
        lines.append(comparison.entries.isEmpty ? "(no rows)" : table.render())
        return lines.joined(separator: "\n")
    }

    /// Encodes the environment and every report's rows as pretty-printed JSON with sorted keys.
    ///
    /// Shape: `{"environment": {...}, "runs": [{"system": "lwcos", "outcome": "passed",
    /// "rows": [{"name": ..., "unit": ..., "median": 412, "p10": ..., "p90": ...,
    /// "iterations": ..., "reason": null}, ...], ...}]}`. The figures of an n/a row are
    /// null and its reason is set.
    public static func json(_ reports: [BenchReport], environment: MeasurementEnvironment) throws(HarnessError) -> Data {
        let document = BenchJSON(
            environment: .init(environment),
            runs: reports.map(BenchJSON.Run.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(document)
        } catch {
            throw .fileSystem(path: "(JSON)", message: "cannot encode the bench report: \(error)")
        }
    }
}

/// The JSON document of `lwcos bench --json`.
struct BenchJSON: Encodable {
    struct Environment: Encodable {
        var accelerator: String
        var icount: Bool
        var qemuVersion: String
        var hostCPU: String
        var date: String

        init(_ environment: MeasurementEnvironment) {
            accelerator = environment.accelerator.rawValue
            icount = environment.instructionCounting
            qemuVersion = environment.qemuVersion
            hostCPU = environment.hostCPU
            date = environment.date
        }
    }

    struct Row: Encodable {
        var name: String
        var unit: String
        var median: UInt64?
        var p10: UInt64?
        var p90: UInt64?
        var iterations: UInt64
        var reason: String?

        init(_ row: BenchRow) {
            name = row.name
            unit = row.unit.rawValue
            switch row.value {
            case .measured(let median, let p10, let p90, let iterations):
                (self.median, self.p10, self.p90, self.iterations) = (median, p10, p90, iterations)
            case .notApplicable(let reason):
                (median, p10, p90, iterations) = (nil, nil, nil, 0)
                self.reason = reason
            }
        }

        enum CodingKeys: String, CodingKey {
            case name, unit, median, p10, p90, iterations, reason
        }

        // Written by hand so that absent figures appear as null rather than vanish, which
        // keeps every row's keys the same for readers of the file.
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(unit, forKey: .unit)
            try container.encode(median, forKey: .median)
            try container.encode(p10, forKey: .p10)
            try container.encode(p90, forKey: .p90)
            try container.encode(iterations, forKey: .iterations)
            try container.encode(reason, forKey: .reason)
        }
    }

    struct Run: Encodable {
        var system: String
        var kernelCommandLine: String
        var outcome: String
        var passed: Bool
        /// Absent when a signal ended QEMU.
        var qemuExitStatus: Int32?
        var ended: Bool
        var problems: [String]
        var rows: [Row]

        init(_ report: BenchReport) {
            system = report.system.rawValue
            kernelCommandLine = report.kernelWords.joined(separator: " ")
            outcome = Self.name(of: report.outcome)
            passed = report.passed
            qemuExitStatus = report.exit.exitStatus
            ended = report.document.ended
            problems = report.document.problems.map(\.description)
            rows = report.document.rows.map(Row.init)
        }

        /// Returns a stable lowercase name of `outcome` for JSON readers, because
        /// `RunOutcome.summary` is prose.
        static func name(of outcome: RunOutcome) -> String {
            switch outcome {
            case .passed: return "passed"
            case .failed: return "failed"
            case .panic: return "panic"
            case .reset: return "reset"
            case .timeout: return "timeout"
            case .truncated: return "truncated"
            case .interrupted: return "interrupted"
            case .qemuError: return "qemu-error"
            }
        }
    }

    var environment: Environment
    var runs: [Run]
}
