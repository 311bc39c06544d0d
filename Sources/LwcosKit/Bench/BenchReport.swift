import Foundation

/// Everything one bench boot produced: the rows, how QEMU ended and the serial lines.
public struct BenchReport: Sendable {
    /// The system that ran the benchmarks, the key of its figures in tables and JSON.
    /// Only `lwcos` boots today; a Linux guest running the same user binaries would add a
    /// second report for the same rows.
    public var system: String
    /// The kernel command line the ISO booted with.
    public var kernelWords: [String]
    public var document: BenchDocument
    public var exit: QEMUExit
    /// Every serial line, in order.
    public var serialLines: [String]
    /// The time limit of the boot, in seconds.
    public var timeout: Double?
    public var outcome: RunOutcome

    public init(
        system: String = "lwcos", kernelWords: [String], document: BenchDocument, exit: QEMUExit,
        serialLines: [String], timeout: Double? = nil
    ) {
        self.system = system
        self.kernelWords = kernelWords
        self.document = document
        self.exit = exit
        self.serialLines = serialLines
        self.timeout = timeout
        self.outcome = Self.judge(exit: exit, document: document)
    }

    /// Decides the outcome. A bench run passes only when QEMU exited 33, the `BENCH end`
    /// line arrived and every `BENCH` line was valid.
    public static func judge(exit: QEMUExit, document: BenchDocument) -> RunOutcome {
        if exit.interrupted { return .interrupted }
        if exit.timedOut { return .timeout }
        guard let status = exit.exitStatus else { return .qemuError }
        switch status {
        case QEMUConfiguration.ExitStatus.suitePassed:
            if !document.ended { return .truncated }
            return document.problems.isEmpty ? .passed : .failed
        case QEMUConfiguration.ExitStatus.testFailed:
            return .failed
        case QEMUConfiguration.ExitStatus.kernelPanic:
            return .panic
        case QEMUConfiguration.ExitStatus.guestReset:
            return .reset
        default:
            return .qemuError
        }
    }

    public var passed: Bool { outcome == .passed }

    /// The last 50 serial lines, which hold the panic message and backtrace after a panic.
    public var tailLines: [String] {
        Array(serialLines.suffix(RunReport.tailLineCount))
    }

    /// A paragraph explaining a run that did not pass, with every format problem found.
    public var outcomeExplanation: String {
        let status = exit.exitStatus.map { "QEMU exit status \($0)" } ?? "QEMU killed"
        var text: String
        switch outcome {
        case .passed:
            text = "bench run passed (\(status))"
        case .failed:
            text = exit.exitStatus == QEMUConfiguration.ExitStatus.testFailed
                ? "bench run failed (\(status)): the kernel reported a failed benchmark"
                : "bench run failed (\(status)): the kernel's bench output is invalid"
        case .panic:
            text = "bench run ended in a kernel panic (\(status))"
        case .reset:
            text = "bench run ended in a guest reset (\(status)), usually a triple fault"
        case .timeout:
            let seconds = formatSeconds(timeout ?? exit.duration)
            text = "bench run timed out: no exit after \(seconds); raise the limit with --timeout SECONDS"
        case .truncated:
            text = "bench run truncated (\(status)): the kernel exited without printing 'BENCH end'"
        case .interrupted:
            text = "bench run interrupted by Ctrl-C"
        case .qemuError:
            text = "bench run failed: QEMU error (\(status))"
            let stderr = exit.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            if !stderr.isEmpty {
                text += ":\n" + stderr
            }
        }
        for problem in document.problems {
            text += "\n  problem: \(problem)"
        }
        return text
    }
}

/// Builds a bench ISO and boots it: the part of `lwcos bench` below the command line.
/// Building the kernel itself is left to the caller, as with `TestRunner`.
public struct BenchRunner: Sendable {
    /// Default wall-clock limit of one bench boot, in seconds. Benchmarks repeat their
    /// bodies thousands of times and `-icount` slows TCG down, so the limit is five times
    /// that of a test boot. NOTE: an estimate; no bench row existed when it was chosen.
    public static let defaultTimeout: Double = 300

    public var repository: Repository
    public var accelerator: Accelerator
    public var memory: String
    public var instructionCounting: Bool
    public var timeout: Double
    public var tools: ToolLocator

    public init(
        repository: Repository, accelerator: Accelerator = .tcg, memory: String = "256M",
        instructionCounting: Bool = false, timeout: Double = BenchRunner.defaultTimeout,
        tools: ToolLocator = ToolLocator()
    ) {
        self.repository = repository
        self.accelerator = accelerator
        self.memory = memory
        self.instructionCounting = instructionCounting
        self.timeout = timeout
        self.tools = tools
    }

    /// Makes the QEMU configuration for `iso`, with `-icount` when requested.
    public func qemuConfiguration(iso: String) -> QEMUConfiguration {
        QEMUConfiguration(
            iso: iso, accelerator: accelerator, memory: memory, instructionCounting: instructionCounting)
    }

    /// Builds `build/lwcos-<isoName>.iso` for `boot` and boots it, passing each serial line
    /// to `onLine` as it arrives.
    public func run(
        isoName: String = "bench", boot: BootConfiguration, onLine: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(HarnessError) -> BenchReport {
        try tools.require([.qemu])
        let iso = try ISOBuilder(repository: repository, tools: tools).build(name: isoName, boot: boot)
        let machine = QEMUMachine(configuration: qemuConfiguration(iso: iso), tools: tools)
        return try Self.boot(machine, kernelWords: boot.kernelWords, timeout: timeout, onLine: onLine)
    }

    /// Boots an existing ISO, parsing the serial lines as bench output as they arrive.
    public static func boot(
        _ machine: QEMUMachine, kernelWords: [String], timeout: Double,
        onLine: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(HarnessError) -> BenchReport {
        let collector = BenchCollector()
        let exit = try machine.boot(
            timeout: timeout, missingISOHint: "build it with 'lwcos iso --mode bench'",
            onLine: { line in
                collector.append(line)
                onLine(line)
            })
        let (lines, document) = collector.finish()
        return BenchReport(
            kernelWords: kernelWords, document: document, exit: exit, serialLines: lines, timeout: timeout)
    }
}

/// Serial lines and their bench parse, shared between the reader thread and the caller.
final class BenchCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var parser = BenchParser()

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        parser.feed(line)
        lock.unlock()
    }

    func finish() -> ([String], BenchDocument) {
        lock.lock()
        defer { lock.unlock() }
        return (lines, parser.finish())
    }
}
