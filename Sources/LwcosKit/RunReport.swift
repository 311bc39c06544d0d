import Foundation

/// Final state of a boot of the kernel, judged from QEMU's exit and the KTAP output together.
public enum RunOutcome: Equatable, Sendable {
    /// QEMU exited 33 and the final top-level result was read.
    case passed
    /// A test failed: QEMU exited 35, or KTAP shows a failure despite exit 33.
    case failed
    /// The kernel panicked: QEMU exited 37.
    case panic
    /// The guest reset, usually a triple fault: QEMU exited 0 under `-no-reboot`.
    case reset
    /// The harness killed QEMU after the time limit.
    case timeout
    /// QEMU exited 33 but the KTAP output ended before the final top-level result.
    case truncated
    /// The user pressed Ctrl-C.
    case interrupted
    /// QEMU itself failed, or exited with a status the kernel never writes.
    case qemuError

    public var summary: String {
        switch self {
        case .passed: return "passed"
        case .failed: return "failed"
        case .panic: return "kernel panic"
        case .reset: return "guest reset (triple fault?)"
        case .timeout: return "timed out"
        case .truncated: return "truncated KTAP output"
        case .interrupted: return "interrupted"
        case .qemuError: return "QEMU error"
        }
    }
}

/// Everything a boot produced: outcome, exit status, the KTAP tree and the serial lines.
public struct RunReport: Sendable {
    /// Number of serial lines kept for a failed run.
    public static let tailLineCount = 50

    public var outcome: RunOutcome
    /// QEMU's exit status, or nil when it was killed by a signal.
    public var exitStatus: Int32?
    public var document: KTAPDocument
    /// Every serial line, in order.
    public var serialLines: [String]
    public var qemuStandardError: String
    /// Wall-clock time of the boot, in seconds.
    public var duration: Double
    /// The time limit that ended the run, for a timeout.
    public var timeout: Double?

    public init(
        exitStatus: Int32?, document: KTAPDocument, serialLines: [String], qemuStandardError: String = "",
        duration: Double = 0, timedOut: Bool = false, interrupted: Bool = false, timeout: Double? = nil
    ) {
        self.exitStatus = exitStatus
        self.document = document
        self.serialLines = serialLines
        self.qemuStandardError = qemuStandardError
        self.duration = duration
        self.timeout = timeout
        self.outcome = Self.judge(
            exitStatus: exitStatus, document: document, timedOut: timedOut, interrupted: interrupted)
    }

    /// Decides the outcome. A run passes only when QEMU exited 33 and the final top-level
    /// result is present and nothing in the tree failed.
    public static func judge(exitStatus: Int32?, document: KTAPDocument, timedOut: Bool, interrupted: Bool)
        -> RunOutcome
    {
        if interrupted { return .interrupted }
        if timedOut { return .timeout }
        guard let exitStatus else { return .qemuError }
        let anyFailure = document.cases.contains(where: \.containsFailure)
        switch exitStatus {
        case QEMUConfiguration.ExitStatus.suitePassed:
            if !document.isComplete { return .truncated }
            return anyFailure ? .failed : .passed
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
        Array(serialLines.suffix(Self.tailLineCount))
    }

    public var allCases: [KTAPCase] { document.allCases }
    public var failedCases: [KTAPCase] { allCases.filter { $0.status.isFailure } }

    /// Counts of leaf cases by status; suites are counted through their cases.
    public var counts: (passed: Int, failed: Int, skipped: Int, expectedFailures: Int) {
        let leaves = document.leafCases
        return (
            leaves.filter { $0.status == .passed }.count,
            leaves.filter { $0.status.isFailure }.count,
            leaves.filter { $0.status == .skipped }.count,
            leaves.filter { $0.status == .expectedFailure }.count
        )
    }

    /// The panic message and backtrace lines, when the serial output has a `PANIC:` line.
    public var panicLines: [String] {
        guard let start = serialLines.lastIndex(where: { $0.contains("PANIC:") }) else { return [] }
        return Array(serialLines[start...].prefix(60))
    }

    /// Serial lines of `testCase`: from its first line to its result line, at most `limit`
    /// lines (the last ones), plus `after` lines that follow the result. Line numbers in
    /// the tree index `serialLines` because every serial line is fed to the parser.
    public func serialLines(around testCase: KTAPCase, limit: Int = 40, after: Int = 2) -> [String] {
        let start = max(0, min(testCase.firstLine, serialLines.count))
        let end = min(serialLines.count, testCase.lastLine + 1 + after)
        guard start < end else { return [] }
        return Array(serialLines[start..<end].suffix(limit + after))
    }

    /// A one-paragraph explanation of the outcome for a failed run.
    public var outcomeExplanation: String {
        let status = exitStatus.map { "QEMU exit status \($0)" } ?? "QEMU killed"
        var text = "run \(outcome.summary) (\(status))"
        switch outcome {
        case .passed:
            break
        case .failed:
            let names = failedCases.map(\.fullName)
            text += names.isEmpty
                ? ": the kernel reported a failure but no KTAP case failed"
                : ": failed cases: " + names.joined(separator: ", ")
        case .panic:
            text += ": the kernel panicked"
        case .reset:
            text += ": the guest reset without writing an exit code, usually a triple fault"
        case .timeout:
            text += ": no exit after \(formatSeconds(timeout ?? duration)); the kernel hung or is too slow"
        case .truncated:
            text += ": the kernel exited 33 but KTAP is incomplete: " + document.problems.joined(separator: "; ")
        case .interrupted:
            text += ": Ctrl-C"
        case .qemuError:
            let stderr = qemuStandardError.trimmingCharacters(in: .whitespacesAndNewlines)
            text += stderr.isEmpty ? "" : ":\n" + stderr
        }
        return text
    }
}
