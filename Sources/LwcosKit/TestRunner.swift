import Foundation

/// Builds a test ISO and boots it: the part of `lwcos test` that the CLI and the
/// KernelTests target share. Building the kernel itself is left to the caller, so a test
/// target can build once and boot several ISOs.
public struct TestRunner: Sendable {
    /// Default wall-clock limit of one boot, in seconds. A TCG boot of the test ISO took
    /// 1–3 s when this was written; the margin covers slow CI hosts and suites to come.
    public static let defaultTimeout: Double = 60

    public var repository: Repository
    public var accelerator: Accelerator
    public var memory: String
    public var timeout: Double
    public var tools: ToolLocator

    public init(
        repository: Repository, accelerator: Accelerator = .tcg, memory: String = "256M",
        timeout: Double = TestRunner.defaultTimeout, tools: ToolLocator = ToolLocator()
    ) {
        self.repository = repository
        self.accelerator = accelerator
        self.memory = memory
        self.timeout = timeout
        self.tools = tools
    }

    /// Builds `build/lwcos-<isoName>.iso` for `boot` and boots it, passing each serial line
    /// to `onLine` as it arrives.
    public func run(isoName: String, boot: BootConfiguration, onLine: @escaping @Sendable (String) -> Void = { _ in })
        throws(HarnessError) -> RunReport
    {
        try tools.require([.qemu])
        let iso = try ISOBuilder(repository: repository, tools: tools).build(name: isoName, boot: boot)
        let configuration = QEMUConfiguration(iso: iso, accelerator: accelerator, memory: memory)
        return try QEMUMachine(configuration: configuration, tools: tools).runTests(timeout: timeout, onLine: onLine)
    }
}

/// Text renderings of a run for people.
public enum ReportFormatter {
    /// Describes one case: its name, status, directive, problems, diagnostics and serial lines.
    public static func describe(_ testCase: KTAPCase, in report: RunReport) -> String {
        var lines = ["\(testCase.fullName): \(testCase.status.rawValue)"]
        if let directive = testCase.directive {
            lines[0] += " (# \(directive.rawValue)\(testCase.reason.map { " " + $0 } ?? ""))"
        }
        for problem in testCase.problems {
            lines.append("  problem: " + problem)
        }
        for diagnostic in testCase.diagnostics {
            lines.append("  # " + diagnostic)
        }
        let serial = report.serialLines(around: testCase)
        if !serial.isEmpty {
            lines.append("  serial lines:")
            lines += serial.map { "  | " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// Formats the summary that `lwcos test` prints after the serial output.
    public static func summary(_ report: RunReport) -> String {
        var lines: [String] = []
        let failed = report.failedCases
        if !failed.isEmpty {
            lines.append("Failed cases:")
            for testCase in failed {
                lines.append(describe(testCase, in: report))
            }
            lines.append("")
        }
        if !report.passed {
            lines.append(report.outcomeExplanation)
            if report.outcome != .failed {
                lines.append("Last \(report.tailLines.count) serial lines:")
                lines += report.tailLines.map { "| " + $0 }
            }
            lines.append("")
        }
        let counts = report.counts
        var totals = "\(counts.passed) passed, \(counts.failed) failed, \(counts.skipped) skipped"
        if counts.expectedFailures > 0 {
            totals += ", \(counts.expectedFailures) expected failures"
        }
        lines.append("lwcos test: \(totals); run \(report.outcome.summary) in \(formatSeconds(report.duration))")
        return lines.joined(separator: "\n")
    }
}
