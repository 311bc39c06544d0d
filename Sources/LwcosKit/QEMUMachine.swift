import Dispatch
import Foundation

/// Boots an ISO under QEMU.
public struct QEMUMachine: Sendable {
    public var configuration: QEMUConfiguration
    public var tools: ToolLocator

    public init(configuration: QEMUConfiguration, tools: ToolLocator = ToolLocator()) {
        self.configuration = configuration
        self.tools = tools
    }

    /// Boots with the serial port on a pipe, hands each serial line to `onLine` as it
    /// arrives, parses the lines as KTAP and judges the run.
    ///
    /// After `timeout` seconds QEMU is killed and the outcome is `.timeout`. QEMU is reaped
    /// on every path, including Ctrl-C when `ChildProcesses.installInterruptHandler()` ran.
    public func runTests(timeout: Double, onLine: @escaping @Sendable (String) -> Void = { _ in })
        throws(HarnessError) -> RunReport
    {
        let collector = SerialCollector()
        let run = try boot(
            timeout: timeout, missingISOHint: "build it with 'lwcos iso --mode test'",
            onLine: { line in
                collector.append(line)
                onLine(line)
            })

        let (lines, document) = collector.finish()
        return RunReport(
            exitStatus: run.exitStatus, document: document, serialLines: lines,
            qemuStandardError: run.standardError, duration: run.duration,
            timedOut: run.timedOut, interrupted: run.interrupted, timeout: timeout)
    }

    /// Boots with the serial port on a pipe and no gdb stub, hands each serial line to
    /// `onLine` as it arrives, and returns how QEMU ended. The caller parses the lines.
    ///
    /// `input` feeds the guest's serial port, and `onData` receives the serial output as
    /// raw chunks. After `timeout` seconds QEMU is killed. QEMU is reaped on every path,
    /// including Ctrl-C when `ChildProcesses.installInterruptHandler()` ran.
    /// `missingISOHint` ends the error when the ISO does not exist.
    public func boot(
        timeout: Double, missingISOHint: String, input: ChildInput = .nullDevice,
        onData: (@Sendable (Data) -> Void)? = nil, onLine: (@Sendable (String) -> Void)? = nil
    ) throws(HarnessError) -> QEMUExit {
        var configuration = configuration
        configuration.serial = .pipe
        configuration.gdb = nil
        let executable = try locateQEMU()
        guard FileManager.default.fileExists(atPath: configuration.iso) else {
            throw .missingFile(path: configuration.iso, hint: missingISOHint)
        }
        let result = try ChildProcess.run(
            executable, configuration.arguments, input: input, timeout: timeout, onData: onData, onLine: onLine)
        return QEMUExit(
            exitStatus: result.signaled ? nil : result.status, standardError: result.standardError,
            duration: result.duration, timedOut: result.timedOut, interrupted: result.interrupted)
    }

    /// Boots with the serial port and QEMU monitor on the user's terminal and waits for
    /// QEMU to exit. Returns QEMU's exit status. Ctrl-A X quits, Ctrl-A C toggles the monitor.
    public func runInteractive() throws(HarnessError) -> Int32 {
        var configuration = configuration
        configuration.serial = .interactive
        let executable = try locateQEMU()
        return try Self.runInteractive(executable, configuration.arguments)
    }

    func locateQEMU() throws(HarnessError) -> String {
        let name = configuration.executable
        guard let path = tools.find(name) else {
            throw .missingTool(.qemu)
        }
        return path
    }

    /// Runs `executable` in the foreground of the user's terminal and returns its exit
    /// status; the terminal's settings are restored afterwards however the child ended.
    static func runInteractive(_ executable: String, _ arguments: [String], directory: String? = nil)
        throws(HarnessError) -> Int32
    {
        let terminal = TerminalSession()
        defer { terminal.restore() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory {
            process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        }
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw .commandFailed(
                command: ChildProcess.commandText(executable, arguments), status: -1,
                output: "could not start: \(error)")
        }
        let pid = process.processIdentifier
        ChildProcesses.shared.register(pid)
        defer { ChildProcesses.shared.unregister(pid) }
        terminal.handOver(to: pid)
        exited.wait()
        return process.terminationStatus
    }
}

/// The end of a QEMU run with its serial port on a pipe: exit status, standard error and timing.
public struct QEMUExit: Sendable, Equatable {
    /// QEMU's exit status, or nil when a signal ended it (the harness's own SIGKILL included).
    public var exitStatus: Int32?
    public var standardError: String
    /// Elapsed time from launch until QEMU exited and its output was read, in seconds.
    public var duration: Double
    /// Whether the harness killed QEMU because its time limit passed.
    public var timedOut: Bool
    /// Whether the harness killed QEMU because the user pressed Ctrl-C.
    public var interrupted: Bool

    public init(
        exitStatus: Int32?, standardError: String = "", duration: Double = 0, timedOut: Bool = false,
        interrupted: Bool = false
    ) {
        self.exitStatus = exitStatus
        self.standardError = standardError
        self.duration = duration
        self.timedOut = timedOut
        self.interrupted = interrupted
    }
}

/// Serial lines and their KTAP parse, shared between the reader thread and the caller.
final class SerialCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var parser = KTAPParser()

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        parser.feed(line)
        lock.unlock()
    }

    func finish() -> ([String], KTAPDocument) {
        lock.lock()
        defer { lock.unlock() }
        return (lines, parser.finish())
    }
}
