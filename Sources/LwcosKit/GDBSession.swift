import Dispatch
import Foundation

/// Drives gdb against the kernel in QEMU, in batch mode for tests or interactively.
///
/// The breakpoint is always a hardware breakpoint (`hbreak`): a software breakpoint
/// written into memory before boot is overwritten when GRUB copies the kernel there.
public struct GDBSession: Sendable {
    public static let defaultPort = 1234

    public var repository: Repository
    /// The machine to boot; its serial and gdb settings are replaced per use.
    public var qemu: QEMUConfiguration
    public var tools: ToolLocator
    /// User programs whose symbols gdb loads next to the kernel's (`add-symbol-file`), so
    /// that `bt` and `info symbol` name their functions when the CPU is in user mode.
    public var symbolFiles: [String] = []
    /// Names the serial log of a batch run, `build/<name>-serial.log`. Batch runs at the
    /// same time need different names.
    public var name = "gdb"

    public init(
        repository: Repository, qemu: QEMUConfiguration, symbolFiles: [String] = [], name: String = "gdb",
        tools: ToolLocator = ToolLocator()
    ) {
        self.repository = repository
        self.qemu = qemu
        self.symbolFiles = symbolFiles
        self.name = name
        self.tools = tools
    }

    /// The batch run's serial log.
    public var batchSerialLog: String {
        repository.buildDirectory + "/" + name + "-serial.log"
    }

    /// `add-symbol-file` commands for `symbolFiles`, as `-ex` arguments.
    private var symbolFileArguments: [String] {
        symbolFiles.flatMap { ["-ex", "add-symbol-file " + $0] }
    }

    /// Arguments for a batch run: load the symbols and tools/gdb/lwcos.gdb when it exists,
    /// boot paused through `target remote | exec qemu ... -gdb stdio`, stop at
    /// `breakpoint`, run `commands`, then kill QEMU. The serial output goes to `serialLog`,
    /// because QEMU's standard output carries the gdb protocol.
    public func batchArguments(breakpoint: String, commands: [String], serialLog: String) -> [String] {
        var machine = qemu
        machine.serial = .file(serialLog)
        machine.gdb = .stdio
        var arguments = ["-batch", "-nx"]
        arguments += ["-ex", "set pagination off", "-ex", "set confirm off"]
        arguments += ["-ex", "set architecture i386:x86-64"]
        arguments += ["-ex", "file " + repository.kernelDebugELF]
        if FileManager.default.fileExists(atPath: repository.gdbScript) {
            arguments += ["-x", repository.gdbScript]
        }
        arguments += symbolFileArguments
        arguments += ["-ex", "target remote | exec " + machine.shellCommand]
        arguments += ["-ex", "hbreak " + breakpoint, "-ex", "continue"]
        for command in commands {
            arguments += ["-ex", command]
        }
        arguments += ["-ex", "kill"]
        return arguments
    }

    /// Runs gdb in batch mode and returns its output, standard output then standard error.
    ///
    /// `gdb -batch` may exit 0 after a failed command, so callers must check the text.
    /// Throws `timedOut` when the breakpoint is never hit within `timeout` seconds.
    public func runBatch(breakpoint: String, commands: [String], timeout: Double) throws(HarnessError) -> String {
        let gdb = try requireGDB()
        try requireQEMU()
        try requireKernelELF()
        let arguments = batchArguments(breakpoint: breakpoint, commands: commands, serialLog: batchSerialLog)
        let result = try ChildProcess.run(gdb, arguments, directory: repository.root, timeout: timeout)
        if result.interrupted {
            throw .interrupted
        }
        if result.timedOut {
            throw .timedOut(command: "gdb (break at \(breakpoint))", seconds: timeout)
        }
        return result.standardOutput + result.standardError
    }

    /// Arguments for an interactive gdb that attaches to QEMU's stub on `port`.
    public func interactiveArguments(breakpoint: String, port: Int) -> [String] {
        var arguments = ["-q"]
        if FileManager.default.fileExists(atPath: repository.gdbScript) {
            arguments += ["-x", repository.gdbScript]
        } else {
            arguments += ["-ex", "set architecture i386:x86-64"]
        }
        arguments += symbolFileArguments
        arguments += ["-ex", "target remote 127.0.0.1:\(port)"]
        arguments += ["-ex", "hbreak " + breakpoint, "-ex", "continue"]
        arguments.append(repository.kernelDebugELF)
        return arguments
    }

    /// Starts QEMU paused with its stub on 127.0.0.1:`port`, then gdb in the foreground of
    /// the terminal. QEMU is killed when gdb exits. The serial output goes to `serialLog`.
    public func runInteractive(breakpoint: String, port: Int, serialLog: String) throws(HarnessError) -> Int32 {
        let gdb = try requireGDB()
        let qemuPath = try requireQEMU()
        try requireKernelELF()

        var machine = qemu
        machine.serial = .file(serialLog)
        machine.gdb = .tcp(port: port)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: qemuPath)
        process.arguments = machine.arguments
        process.standardInput = FileHandle.nullDevice
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw .commandFailed(command: machine.shellCommand, status: -1, output: "could not start: \(error)")
        }
        let pid = process.processIdentifier
        ChildProcesses.shared.register(pid)
        defer {
            ChildProcesses.shared.unregister(pid)
        }

        // gdb's `target remote` fails at once if nothing listens yet, so wait for the socket.
        let listening = Self.waitForListener(port: port, while: { process.isRunning }, timeout: 10)
        if !listening {
            let running = process.isRunning
            if running {
                ChildProcesses.kill(group: pid)
            }
            exited.wait()
            let stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw .commandFailed(
                command: machine.shellCommand, status: process.terminationStatus,
                output: running ? "QEMU did not listen on 127.0.0.1:\(port) within 10 s" : stderr)
        }

        let status = try QEMUMachine.runInteractive(
            gdb, interactiveArguments(breakpoint: breakpoint, port: port), directory: repository.root)
        if process.isRunning {
            ChildProcesses.kill(group: pid)
        }
        exited.wait()
        return status
    }

    /// Polls /proc/net/tcp until 127.0.0.1:`port` is in the LISTEN state. Connecting to
    /// probe would take QEMU's only gdb connection, so the kernel's table is read instead.
    static func waitForListener(port: Int, while alive: () -> Bool, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        let local = String(format: "0100007F:%04X", port)
        while Date() < deadline, alive() {
            if let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) {
                for row in table.split(separator: "\n").dropFirst() {
                    let fields = row.split(separator: " ")
                    // Fields: slot, local address, remote address, state (0A is LISTEN).
                    if fields.count > 3, fields[1] == local, fields[3] == "0A" {
                        return true
                    }
                }
            }
            usleep(50_000)
        }
        return false
    }

    @discardableResult
    func requireGDB() throws(HarnessError) -> String {
        guard let path = tools.find(HostTool.gdb.rawValue) else { throw .missingTool(.gdb) }
        return path
    }

    @discardableResult
    func requireQEMU() throws(HarnessError) -> String {
        guard let path = tools.find(qemu.executable) else { throw .missingTool(.qemu) }
        return path
    }

    func requireKernelELF() throws(HarnessError) {
        guard FileManager.default.fileExists(atPath: repository.kernelDebugELF) else {
            throw .missingFile(path: repository.kernelDebugELF, hint: "build the kernel with 'lwcos build'")
        }
    }
}
