import Dispatch
import Foundation

/// Median, minimum and maximum of a sample.
public struct SampleSummary: Equatable, Sendable {
    /// The middle value, or the mean of the two middle values for an even count.
    public var median: Double
    public var minimum: Double
    public var maximum: Double
    public var count: Int

    /// Summarizes `samples`; nil when there are none. NaN values are not supported.
    public init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        minimum = sorted[0]
        maximum = sorted[sorted.count - 1]
        count = sorted.count
    }
}

/// Times of one boot, in seconds after QEMU was started, on the monotonic clock.
public struct BootTimeSample: Equatable, Sendable {
    /// When the first complete serial line arrived, or nil when none did.
    public var firstSerialLine: Double?
    /// When the first `KTAP version 1` line arrived, or nil when none did.
    public var ktapVersionLine: Double?
    /// When QEMU had exited and its output pipes were drained.
    public var qemuExit: Double

    public init(firstSerialLine: Double?, ktapVersionLine: Double?, qemuExit: Double) {
        self.firstSerialLine = firstSerialLine
        self.ktapVersionLine = ktapVersionLine
        self.qemuExit = qemuExit
    }
}

/// Boots the test-mode ISO and times the milestones of each boot.
public struct BootTimer: Sendable {
    public static let defaultRuns = 5

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

    /// Makes the QEMU configuration that every timed boot uses.
    public func qemuConfiguration(iso: String) -> QEMUConfiguration {
        QEMUConfiguration(iso: iso, accelerator: accelerator, memory: memory)
    }

    /// Builds `build/lwcos-boottime.iso`, the test mode with no extra words and with
    /// `modules` (the initramfs), and returns its path. The name keeps it apart from the
    /// ISO of a concurrent `lwcos test`.
    public func buildISO(modules: [BootModule] = []) throws(HarnessError) -> String {
        try tools.require([.qemu])
        return try ISOBuilder(repository: repository, tools: tools).build(
            name: "boottime", boot: BootConfiguration(mode: .test, modules: modules))
    }

    /// Boots `iso` once and returns the milestone times with the run's report.
    ///
    /// The clock starts just before QEMU is launched, so the times include the fork and
    /// exec of QEMU. A line counts when its newline arrives on the pipe.
    public func measure(iso: String) throws(HarnessError) -> (BootTimeSample, RunReport) {
        let machine = QEMUMachine(configuration: qemuConfiguration(iso: iso), tools: tools)
        let clock = MilestoneClock(start: DispatchTime.now())
        let report = try machine.runTests(timeout: timeout) { line in
            clock.note(line)
        }
        let exit = ChildProcess.seconds(since: clock.start)
        let (firstLine, ktapLine) = clock.milestones
        return (BootTimeSample(firstSerialLine: firstLine, ktapVersionLine: ktapLine, qemuExit: exit), report)
    }
}

/// The first-line and KTAP-line times of one boot, written by the serial reader thread.
final class MilestoneClock: @unchecked Sendable {
    let start: DispatchTime
    private let lock = NSLock()
    private var firstLine: Double?
    private var ktapLine: Double?

    init(start: DispatchTime) {
        self.start = start
    }

    func note(_ line: String) {
        let now = ChildProcess.seconds(since: start)
        lock.lock()
        defer { lock.unlock() }
        if firstLine == nil {
            firstLine = now
        }
        if ktapLine == nil, Self.isKTAPVersionLine(line) {
            ktapLine = now
        }
    }

    var milestones: (Double?, Double?) {
        lock.lock()
        defer { lock.unlock() }
        return (firstLine, ktapLine)
    }

    /// Matches `KTAP version 1` with any indentation and a trailing `\r`.
    static func isKTAPVersionLine(_ line: String) -> Bool {
        line.trimmingCharacters(in: .whitespacesAndNewlines) == "KTAP version 1"
    }
}

/// The text `lwcos boottime` prints.
public enum BootTimeFormatter {
    /// Renders the header line and a table of the median, minimum and maximum of each
    /// milestone, in seconds with 3 decimals. A milestone that some boot never reached is
    /// summarized over the boots that reached it, and the `boots` column counts them.
    public static func table(_ samples: [BootTimeSample], iso: String, environment: MeasurementEnvironment) -> String {
        var table = TextTable(
            headers: ["from QEMU start to", "median s", "min s", "max s", "boots"],
            alignments: [.left, .right, .right, .right, .right])
        let milestones: [(String, [Double?])] = [
            ("first serial line", samples.map(\.firstSerialLine)),
            ("KTAP version 1 line", samples.map(\.ktapVersionLine)),
            ("QEMU exit", samples.map(\.qemuExit)),
        ]
        for (name, times) in milestones {
            guard let summary = SampleSummary(times.compactMap { $0 }) else {
                table.append([name, "-", "-", "-", "0/\(samples.count)"])
                continue
            }
            table.append([
                name, format(summary.median), format(summary.minimum), format(summary.maximum),
                "\(summary.count)/\(samples.count)",
            ])
        }
        return [
            "lwcos boottime: \(samples.count) boots of \(iso), wall time on the monotonic clock",
            environment.headerLine,
            "",
            table.render(),
        ].joined(separator: "\n")
    }

    /// Formats seconds with 3 decimals, such as `0.612`.
    public static func format(_ seconds: Double) -> String {
        String(format: "%.3f", seconds)
    }
}
