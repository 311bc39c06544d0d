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
        var configuration = configuration
        configuration.serial = .pipe
        configuration.gdb = nil
        let executable = try locateQEMU()
        guard FileManager.default.fileExists(atPath: configuration.iso) else {
            throw .missingFile(path: configuration.iso, hint: "build it with 'lwcos iso --mode test'")
        }

        let collector = SerialCollector()
        let result = try ChildProcess.run(executable, configuration.arguments, timeout: timeout) { line in
            collector.append(line)
            onLine(line)
        }

        let (lines, document) = collector.finish()
        return RunReport(
            exitStatus: result.signaled ? nil : result.status, document: document, serialLines: lines,
            qemuStandardError: result.standardError, duration: result.duration,
            timedOut: result.timedOut, interrupted: result.interrupted, timeout: timeout)
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
