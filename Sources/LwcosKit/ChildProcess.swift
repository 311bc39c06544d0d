import Dispatch
import Foundation

/// Exit status, output and timing of a finished child process.
public struct CommandResult: Sendable, Equatable {
    /// The exit status, or the signal number when `signaled` is true.
    public var status: Int32
    /// Whether a signal ended the process; the harness's own SIGKILL on timeout or Ctrl-C counts.
    public var signaled: Bool
    /// Whether the harness killed the process because its time limit passed.
    public var timedOut: Bool
    /// Whether the harness killed the process because the user pressed Ctrl-C.
    public var interrupted: Bool
    public var standardOutput: String
    public var standardError: String
    /// Elapsed time from launch until both output pipes closed, in seconds, measured on the
    /// monotonic clock.
    public var duration: Double
}

/// The source of a child's standard input.
public enum ChildInput {
    /// /dev/null, so that a child never stops on SIGTTIN by reading a terminal it does not own.
    case nullDevice
    /// A file on the host, read from its start.
    case file(String)
    /// The read end of `pipe`; the caller writes to its other end and closes it.
    case pipe(Pipe)
}

/// Runs child processes with `Foundation.Process`: captures or streams their output,
/// enforces a wall-clock limit, and always reaps them.
public enum ChildProcess {
    /// Runs `executable` with `arguments` to completion.
    ///
    /// Standard input is /dev/null unless `input` names another source. Each chunk of
    /// standard output goes to `onData` as read, and each complete line of it to `onLine`
    /// (without its `\n` or `\r\n`) as soon as it arrives. Standard error is collected.
    /// After `timeout` seconds the child's process group is killed and
    /// `CommandResult.timedOut` is set.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        directory: String? = nil,
        input: ChildInput = .nullDevice,
        timeout: Double? = nil,
        onData: (@Sendable (Data) -> Void)? = nil,
        onLine: (@Sendable (String) -> Void)? = nil
    ) throws(HarnessError) -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory {
            process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        }
        switch input {
        case .nullDevice:
            process.standardInput = FileHandle.nullDevice
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw .missingFile(path: path, hint: "it is the standard input of \(commandText(executable, arguments))")
            }
            process.standardInput = handle
        case .pipe(let pipe):
            process.standardInput = pipe
        }
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe

        // Reap through terminationHandler: it needs no run loop, unlike waitUntilExit.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }

        let start = DispatchTime.now()
        do {
            try process.run()
        } catch {
            throw .commandFailed(
                command: commandText(executable, arguments), status: -1,
                output: "could not start: \(error)")
        }
        let pid = process.processIdentifier
        ChildProcesses.shared.register(pid)
        defer { ChildProcesses.shared.unregister(pid) }

        // Drain both pipes on threads of their own, so the child never waits on a full pipe.
        let readers = DispatchGroup()
        let output = LineCollector(onLine: onLine, onData: onData)
        let errors = LineCollector(onLine: nil)
        read(outputPipe.fileHandleForReading, into: output, group: readers)
        read(errorPipe.fileHandleForReading, into: errors, group: readers)

        // Wait for the exit here rather than on a dispatch timer: blocked reader threads
        // can starve the dispatch pool, which delayed a 0.5 s timer to 2 s in a test.
        var timedOut = false
        if let timeout {
            if exited.wait(timeout: .now() + timeout) == .timedOut {
                timedOut = true
                ChildProcesses.kill(group: pid)
                exited.wait()
            }
        } else {
            exited.wait()
        }

        // A grandchild that kept the pipes open would block the readers forever. It is
        // still in the child's process group, so killing that group cannot hit a stranger.
        if readers.wait(timeout: .now() + 2) == .timedOut {
            _ = Foundation.kill(-pid, SIGKILL)
            readers.wait()
        }

        let signaled = process.terminationReason == .uncaughtSignal
        return CommandResult(
            status: process.terminationStatus,
            signaled: signaled,
            timedOut: timedOut,
            interrupted: signaled && !timedOut && ChildProcesses.shared.interrupted,
            standardOutput: output.text,
            standardError: errors.text,
            duration: seconds(since: start))
    }

    /// Runs the child and throws `commandFailed` unless it exits with status 0.
    @discardableResult
    public static func check(
        _ executable: String,
        _ arguments: [String],
        directory: String? = nil,
        input: ChildInput = .nullDevice,
        timeout: Double? = nil,
        onLine: (@Sendable (String) -> Void)? = nil
    ) throws(HarnessError) -> CommandResult {
        let result = try run(
            executable, arguments, directory: directory, input: input, timeout: timeout, onLine: onLine)
        let command = commandText(executable, arguments)
        if result.interrupted {
            throw .interrupted
        }
        if result.timedOut, let timeout {
            throw .timedOut(command: command, seconds: timeout)
        }
        if result.status != 0 || result.signaled {
            throw .commandFailed(
                command: command, status: result.status,
                output: result.standardOutput + result.standardError)
        }
        return result
    }

    /// Runs `body` on a thread of its own, so that blocking waits never hold one of the
    /// few threads of Swift's cooperative pool or of the dispatch pool.
    public static func offload<T: Sendable>(
        _ body: @escaping @Sendable () throws(HarnessError) -> T
    ) async throws(HarnessError) -> T {
        let result: Result<T, HarnessError> = await withCheckedContinuation { continuation in
            Thread {
                do throws(HarnessError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }.start()
        }
        return try result.get()
    }

    /// Seconds elapsed on the monotonic clock since `start`.
    public static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// The command as a shell would show it, for messages.
    public static func commandText(_ executable: String, _ arguments: [String]) -> String {
        ([executable] + arguments).map(ShellQuoting.quote).joined(separator: " ")
    }

    private static func read(_ handle: FileHandle, into collector: LineCollector, group: DispatchGroup) {
        group.enter()
        // A thread of its own: `availableData` blocks until the child writes.
        Thread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                collector.append(chunk)
            }
            collector.finish()
            group.leave()
        }.start()
    }
}

/// Collects a byte stream, calling `onData` for each chunk and `onLine` for each
/// complete line.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var pending = Data()
    private let onLine: (@Sendable (String) -> Void)?
    private let onData: (@Sendable (Data) -> Void)?

    init(onLine: (@Sendable (String) -> Void)?, onData: (@Sendable (Data) -> Void)? = nil) {
        self.onLine = onLine
        self.onData = onData
    }

    func append(_ chunk: Data) {
        // Only the reader thread calls append, so chunks reach onData in order.
        onData?(chunk)
        lock.lock()
        data.append(chunk)
        var lines: [String] = []
        if onLine != nil {
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(Self.decode(pending[pending.startIndex..<newline]))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        lock.unlock()
        for line in lines {
            onLine?(line)
        }
    }

    /// Delivers a last line that had no newline.
    func finish() {
        lock.lock()
        let rest = pending
        pending = Data()
        lock.unlock()
        if !rest.isEmpty {
            onLine?(Self.decode(rest[...]))
        }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes one line, dropping a trailing `\r` from the UART's `\r\n`.
    static func decode(_ bytes: Data.SubSequence) -> String {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") {
            line.removeLast()
        }
        return line
    }
}
