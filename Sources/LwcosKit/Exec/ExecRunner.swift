import Foundation

/// The end of an exec-mode boot.
public enum ExecOutcome: Equatable, Sendable {
    /// The program ended and `/init` reported its status: the exit code, or 128 plus the
    /// number of the signal that killed it.
    case exited(Int32)
    /// QEMU ended before `/init` printed `lwcos-exec: start`.
    case missingStartLine
    /// The program started, but the stream ended without a valid exit status line.
    case missingExitLine
    /// The kernel panicked: QEMU exited 37.
    case panic
    /// The guest reset, usually a triple fault: QEMU exited 0 under `-no-reboot`.
    case reset
    /// The harness killed QEMU after the time limit.
    case timeout
    /// The user pressed Ctrl-C.
    case interrupted
    /// QEMU itself failed, or exited with a status the kernel never writes.
    case qemuError
}

/// The result of `lwcos exec`: how the boot ended, the program's output and the serial lines.
public struct ExecReport: Sendable {
    /// Exit status of `lwcos exec` when the program's status is unknown: a panic, a
    /// timeout or a missing status line. GNU `timeout` and `env` use 125 for their own
    /// failures too. NOTE: a program may itself exit 125, and only the message on standard
    /// error distinguishes the two.
    public static let harnessFailureStatus: Int32 = 125
    /// Exit status after Ctrl-C, as a shell reports SIGINT.
    public static let interruptedStatus: Int32 = 130

    public var outcome: ExecOutcome
    /// QEMU's exit status, or nil when a signal ended it.
    public var qemuExitStatus: Int32?
    /// The program's output as it wrote it, with the serial line's "\r\n" turned back into "\n".
    public var output: Data
    /// Every serial line, boot log included.
    public var serialLines: [String]
    /// The status line when it did not parse.
    public var malformedStatusLine: String?
    public var qemuStandardError: String
    /// Wall-clock time of the boot, in seconds.
    public var duration: Double
    public var timeout: Double

    /// Decides the outcome from QEMU's exit and what the parser saw.
    public static func judge(
        exit: QEMUExit, parser: ExecOutputParser
    ) -> ExecOutcome {
        if exit.interrupted { return .interrupted }
        if exit.timedOut { return .timeout }
        guard let status = exit.exitStatus else { return .qemuError }
        switch status {
        case QEMUConfiguration.ExitStatus.kernelPanic:
            return .panic
        case QEMUConfiguration.ExitStatus.guestReset:
            return .reset
        case QEMUConfiguration.ExitStatus.suitePassed, QEMUConfiguration.ExitStatus.testFailed:
            if let programStatus = parser.exitStatus {
                return .exited(programStatus)
            }
            return parser.started ? .missingExitLine : .missingStartLine
        default:
            return .qemuError
        }
    }

    /// The status `lwcos exec` exits with: the program's, else 130 after Ctrl-C, else 125.
    public var exitStatus: Int32 {
        switch outcome {
        case .exited(let status): return status
        case .interrupted: return Self.interruptedStatus
        default: return Self.harnessFailureStatus
        }
    }

    /// The last 50 serial lines, which hold the panic message and backtrace after a panic.
    public var tailLines: [String] {
        Array(serialLines.suffix(RunReport.tailLineCount))
    }

    /// One paragraph on why the program's status is unknown; nil when it is known.
    public var failureExplanation: String? {
        let qemu = qemuExitStatus.map { "QEMU exit status \($0)" } ?? "QEMU killed"
        switch outcome {
        case .exited:
            return nil
        case .missingStartLine:
            return "the boot ended before /init printed '\(ExecOutputParser.startLine)' (\(qemu)); "
                + "the kernel could not start /init or /init does not support exec mode"
        case .missingExitLine:
            if let line = malformedStatusLine {
                return "invalid exit status line \(line.debugDescription) (\(qemu)); "
                    + "expected '\(ExecOutputParser.statusPrefix)N'"
            }
            return "the program's output ended without the exit status line (\(qemu)); "
                + "the kernel or /init stopped before the program's exit was reported"
        case .panic:
            return "the kernel panicked (\(qemu))"
        case .reset:
            return "the guest reset without writing an exit code, usually a triple fault (\(qemu))"
        case .timeout:
            return "no exit after \(formatSeconds(timeout)); the program or the kernel hung, "
                + "or the program needs longer: raise the limit with --timeout SECONDS"
        case .interrupted:
            return "interrupted by Ctrl-C"
        case .qemuError:
            let stderr = qemuStandardError.trimmingCharacters(in: .whitespacesAndNewlines)
            return "QEMU failed (\(qemu))" + (stderr.isEmpty ? "" : ":\n" + stderr)
        }
    }
}

/// Runs one static host program on lwcos: stages it into a copy of the rootfs, builds an
/// exec-mode ISO and boots it. The library side of `lwcos exec`.
public struct ExecRunner: Sendable {
    /// Default wall-clock limit of the boot, in seconds, the same as a test boot's.
    public static let defaultTimeout: Double = TestRunner.defaultTimeout
    /// The file `/init` reads in exec mode: one argument a line, the program's path first.
    public static let requestPath = "/etc/lwcos-exec"
    /// When this file exists, `/init` turns the console's echo off before the program
    /// runs, so input piped from the host is not printed back (Linux does not echo a pipe).
    public static let noEchoPath = "/etc/lwcos-exec-noecho"
    /// `loglevel=3` keeps kernel log lines (info and warnings) out of the program's output.
    public static let kernelLogWords = ["loglevel=3"]

    public var repository: Repository
    /// Names the staged rootfs, the archive and the ISO: `build/rootfs-<name>`,
    /// `build/initramfs-<name>.cpio`, `build/lwcos-<name>.iso`. Concurrent runs need
    /// different names.
    public var name: String
    public var accelerator: Accelerator
    public var memory: String
    public var timeout: Double
    /// Extra kernel command-line words, after the mode and `loglevel=3`.
    public var kernelWords: [String]
    public var tools: ToolLocator

    public init(
        repository: Repository, name: String = "exec", accelerator: Accelerator = .tcg, memory: String = "256M",
        timeout: Double = ExecRunner.defaultTimeout, kernelWords: [String] = [], tools: ToolLocator = ToolLocator()
    ) {
        self.repository = repository
        self.name = name
        self.accelerator = accelerator
        self.memory = memory
        self.timeout = timeout
        self.kernelWords = kernelWords
        self.tools = tools
    }

    /// The guest path of `program`: `/bin/<file name>`.
    public static func guestPath(of program: String) -> String {
        "/bin/" + (program as NSString).lastPathComponent
    }

    /// The contents of `/etc/lwcos-exec` for `guestProgram` and `arguments`, one a line.
    /// Throws for an argument that contains a newline, which would split it in two.
    public static func request(guestProgram: String, arguments: [String]) throws(HarnessError) -> Data {
        for argument in arguments where argument.contains("\n") || argument.contains("\r") {
            throw .usage(
                message: "invalid argument \(argument.debugDescription): /etc/lwcos-exec holds one argument "
                    + "a line, so an argument must not contain a newline",
                command: "exec")
        }
        return Data(([guestProgram] + arguments).map { $0 + "\n" }.joined().utf8)
    }

    /// Checks `program`, stages it with `arguments` and `files` and builds the ISO; returns
    /// the ISO's path.
    public func prepare(
        program: String, arguments: [String], files: [RootfsFile] = [], echoInput: Bool = true
    ) throws(HarnessError) -> String {
        try StaticELF.validate(program)
        let guestProgram = Self.guestPath(of: program)
        let request = try Self.request(guestProgram: guestProgram, arguments: arguments)

        // /etc/lwcos-exec last, so that no file in `files` replaces it.
        var staged = files + [
            RootfsFile.program(program, at: guestProgram),
            RootfsFile(contents: .bytes(request), guestPath: Self.requestPath, mode: 0o644),
        ]
        if !echoInput {
            staged.append(RootfsFile(contents: .bytes(Data()), guestPath: Self.noEchoPath, mode: 0o644))
        }
        let archive = try RootfsStage(repository: repository, name: name, tools: tools).build(adding: staged)
        let boot = BootConfiguration(
            mode: .exec, extraWords: Self.kernelLogWords + kernelWords,
            modules: [BootModule.initramfs(source: archive)])
        return try ISOBuilder(repository: repository, tools: tools).build(name: name, boot: boot)
    }

    /// Boots `iso`, sends `input` to the console once the program starts, and hands the
    /// program's output to `onOutput` as it arrives. `serialLog`, when given, receives
    /// every serial byte unchanged.
    public func boot(
        iso: String, input: ExecInput = .none, serialLog: FileHandle? = nil,
        onOutput: @escaping @Sendable (Data) -> Void = { _ in }
    ) throws(HarnessError) -> ExecReport {
        try tools.require([.qemu])
        let configuration = QEMUConfiguration(iso: iso, accelerator: accelerator, memory: memory)
        let machine = QEMUMachine(configuration: configuration, tools: tools)
        let forwarder = ConsoleForwarder(input: input)
        let stream = ExecStream(forwarder: forwarder, serialLog: serialLog, onOutput: onOutput)

        forwarder.launch()
        let exit: QEMUExit
        do {
            exit = try machine.boot(
                timeout: timeout, missingISOHint: "build it with ExecRunner.prepare",
                input: forwarder.childInput, onData: stream.feed)
        } catch {
            forwarder.stop()
            throw error
        }
        forwarder.stop()

        let parser = stream.finish()
        return ExecReport(
            outcome: ExecReport.judge(exit: exit, parser: parser), qemuExitStatus: exit.exitStatus,
            output: stream.output, serialLines: parser.serialLines, malformedStatusLine: parser.malformedStatusLine,
            qemuStandardError: exit.standardError, duration: exit.duration, timeout: timeout)
    }

    /// Prepares and boots in one step.
    public func run(
        program: String, arguments: [String], files: [RootfsFile] = [], input: ExecInput = .none,
        serialLog: FileHandle? = nil, onOutput: @escaping @Sendable (Data) -> Void = { _ in }
    ) throws(HarnessError) -> ExecReport {
        let iso = try prepare(program: program, arguments: arguments, files: files, echoInput: input.isTerminal)
        return try boot(iso: iso, input: input, serialLog: serialLog, onOutput: onOutput)
    }
}

/// The parser of one exec boot, fed from QEMU's output reader thread.
final class ExecStream: @unchecked Sendable {
    private let lock = NSLock()
    private var parser = ExecOutputParser()
    private var collected = Data()
    private let forwarder: ConsoleForwarder
    private let serialLog: FileHandle?
    private let onOutput: @Sendable (Data) -> Void

    init(forwarder: ConsoleForwarder, serialLog: FileHandle?, onOutput: @escaping @Sendable (Data) -> Void) {
        self.forwarder = forwarder
        self.serialLog = serialLog
        self.onOutput = onOutput
    }

    func feed(_ chunk: Data) {
        serialLog?.write(chunk)
        lock.lock()
        let wasStarted = parser.started
        let output = parser.feed(chunk)
        let startedNow = !wasStarted && parser.started
        collected.append(output)
        lock.unlock()

        if startedNow {
            forwarder.start()
        }
        if !output.isEmpty {
            onOutput(output)
        }
    }

    /// Ends the stream and returns the parser with everything it saw.
    func finish() -> ExecOutputParser {
        lock.lock()
        let rest = parser.finish()
        collected.append(rest)
        let result = parser
        lock.unlock()
        if !rest.isEmpty {
            onOutput(rest)
        }
        return result
    }

    var output: Data {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}
