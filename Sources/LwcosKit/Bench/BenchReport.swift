import Foundation

/// The kernel a bench boot ran. Its raw value is the key of the figures in JSON.
public enum BenchSystem: String, Sendable, CaseIterable {
    case lwcos
    /// The host's Debian kernel, running the same programs of /bench.
    case linux

    /// The name shown in tables and messages.
    public var displayName: String {
        switch self {
        case .lwcos: return "lwcos"
        case .linux: return "Linux"
        }
    }
}

/// Everything one bench boot produced: the rows, how QEMU ended and the serial lines.
public struct BenchReport: Sendable {
    public var system: BenchSystem
    /// The kernel command line of the boot.
    public var kernelWords: [String]
    public var document: BenchDocument
    public var exit: QEMUExit
    /// Every serial line, in order.
    public var serialLines: [String]
    /// The time limit of the boot, in seconds.
    public var timeout: Double?
    public var outcome: RunOutcome

    public init(
        system: BenchSystem = .lwcos, kernelWords: [String], document: BenchDocument, exit: QEMUExit,
        serialLines: [String], timeout: Double? = nil
    ) {
        self.system = system
        self.kernelWords = kernelWords
        self.document = document
        self.exit = exit
        self.serialLines = serialLines
        self.timeout = timeout
        switch system {
        case .lwcos: outcome = Self.judge(exit: exit, document: document)
        case .linux: outcome = Self.judgeLinux(exit: exit, document: document, serialLines: serialLines)
        }
    }

    /// Decides the outcome of an lwcos run. It passes only when QEMU exited 33, the
    /// `BENCH end` line arrived and every `BENCH` line was valid. /init powers off, which
    /// makes QEMU exit 33, only when every program in /bench exited 0, and halts (35)
    /// otherwise.
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
        var text = system == .lwcos ? lwcosOutcomeText : linuxOutcomeText
        for problem in document.problems {
            text += "\n  problem: \(problem)"
        }
        return text
    }

    private var statusText: String {
        exit.exitStatus.map { "QEMU exit status \($0)" } ?? "QEMU killed"
    }

    private var lwcosOutcomeText: String {
        let status = statusText
        var text: String
        switch outcome {
        case .passed:
            text = "bench run passed (\(status))"
        case .failed:
            text = exit.exitStatus == QEMUConfiguration.ExitStatus.testFailed
                ? "bench run failed (\(status)): the kernel or a /bench program reported a failed benchmark"
                : "bench run failed (\(status)): the kernel's bench output is invalid"
        case .panic:
            text = "bench run ended in a kernel panic (\(status))"
        case .reset:
            text = "bench run ended in a guest reset (\(status)), usually a triple fault"
        case .timeout:
            let seconds = formatSeconds(timeout ?? exit.duration)
            text = "bench run timed out: no exit after \(seconds); raise the limit with --timeout SECONDS"
        case .truncated:
            text = "bench run truncated (\(status)): the machine powered off before 'BENCH end'"
        case .interrupted:
            text = "bench run interrupted by Ctrl-C"
        case .qemuError:
            text = "bench run failed: QEMU error (\(status))" + qemuErrorText
        }
        return text
    }

    private var linuxOutcomeText: String {
        let status = statusText
        switch outcome {
        case .passed:
            return "Linux bench run passed (Linux powered off, \(status))"
        case .failed:
            if serialLines.contains(where: { $0.contains(LinuxBenchRunner.KernelMessage.halted) }) {
                return "Linux bench run failed: /init halted the machine because a benchmark program failed "
                    + "(see its 'init: benchmark' line)"
            }
            return "Linux bench run failed (\(status)): the bench output is invalid"
        case .panic:
            return "Linux bench run ended in a kernel panic (\(status) after panic=-1 rebooted)"
        case .reset:
            return "Linux bench run ended without powering off (\(status)): a reset, such as a triple fault"
        case .timeout:
            return "Linux bench run timed out: no exit after \(formatSeconds(timeout ?? exit.duration)); "
                + "raise the limit with --timeout SECONDS"
        case .truncated:
            return "Linux bench run truncated (\(status)): Linux powered off before /init printed 'BENCH end'"
        case .interrupted:
            return "Linux bench run interrupted by Ctrl-C"
        case .qemuError:
            return "Linux bench run failed: QEMU error (\(status))" + qemuErrorText
        }
    }

    /// QEMU's standard error after a colon and a newline, or nothing when it is empty.
    private var qemuErrorText: String {
        let stderr = exit.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        return stderr.isEmpty ? "" : ":\n" + stderr
    }
}

/// Builds a bench ISO and boots it: the part of `lwcos bench` below the command line.
/// Building the kernel itself is left to the caller, as with `TestRunner`.
public struct BenchRunner: Sendable {
    /// Default wall-clock limit of one bench boot, in seconds. Benchmarks repeat their
    /// bodies thousands of times and `-icount` slows TCG down, so the limit is five times
    /// that of a test boot. NOTE: an estimate; no bench row existed when it was chosen.
    public static let defaultTimeout: Double = 300
    /// Default guest memory of a bench boot, in QEMU's `-m` syntax: the 256 MiB rows need
    /// more than the 256 MiB of the other boots.
    public static let defaultMemory = "1G"

    public var repository: Repository
    public var accelerator: Accelerator
    public var memory: String
    public var instructionCounting: Bool
    public var timeout: Double
    public var tools: ToolLocator

    public init(
        repository: Repository, accelerator: Accelerator = .tcg, memory: String = BenchRunner.defaultMemory,
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
