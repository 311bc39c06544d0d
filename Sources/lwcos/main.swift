// The `lwcos` command-line tool: build, iso, run, test and debug.
//
// Exit statuses: 0 success, 1 a failed build or run, 2 a usage error, 130 Ctrl-C.
import Foundation
import LwcosKit

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes `text` to standard output at once, so serial lines show as they arrive.
func printNow(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Runs the parsed command and returns the process exit status.
func execute(_ options: CommandLineOptions) throws(HarnessError) -> Int32 {
    guard let command = options.command, !options.showHelp else {
        printNow(options.command.map(HelpText.forCommand) ?? HelpText.overview)
        return 0
    }
    ChildProcesses.shared.installInterruptHandler()
    let repository = try Repository.resolve(explicitRoot: options.root)

    // Every command starts from an up-to-date kernel; make skips work already done. Only
    // `build` shows make's output; for the others it appears only in the error on failure.
    if command == .build {
        try KernelBuild(repository: repository).run(onLine: { printNow($0) })
    } else {
        printError("lwcos: building the kernel (make kernel)")
        try KernelBuild(repository: repository).run()
    }

    switch command {
    case .build:
        return 0

    case .iso:
        let mode = options.mode ?? .shell
        let boot = BootConfiguration(mode: mode, filter: options.filter, extraWords: options.kernelWords)
        let iso = try ISOBuilder(repository: repository).build(name: mode.rawValue, boot: boot)
        printNow(iso)
        return 0

    case .run:
        let boot = BootConfiguration(mode: .shell, extraWords: options.kernelWords)
        let iso = try ISOBuilder(repository: repository).build(name: BootMode.shell.rawValue, boot: boot)
        let configuration = QEMUConfiguration(iso: iso, accelerator: options.accelerator, memory: options.memory)
        printError("lwcos: booting \(iso); quit with Ctrl-A X")
        let status = try QEMUMachine(configuration: configuration).runInteractive()
        return interactiveExitStatus(status)

    case .test:
        return try runTests(options, repository: repository)

    case .debug:
        let mode = options.mode ?? .shell
        let boot = BootConfiguration(mode: mode, filter: options.filter, extraWords: options.kernelWords)
        let iso = try ISOBuilder(repository: repository).build(name: "debug", boot: boot)
        let configuration = QEMUConfiguration(iso: iso, accelerator: options.accelerator, memory: options.memory)
        let session = GDBSession(repository: repository, qemu: configuration)
        let serialLog = repository.buildDirectory + "/debug-serial.log"
        printError("lwcos: serial output goes to \(serialLog) (follow it with 'tail -f')")
        return try session.runInteractive(breakpoint: options.breakpoint, port: options.port, serialLog: serialLog)
    }
}

/// Maps QEMU's exit status after `lwcos run` to the tool's: quitting with Ctrl-A X (0)
/// and a kernel power-off (33) succeed, a panic (37) or a QEMU error (1) fail.
func interactiveExitStatus(_ status: Int32) -> Int32 {
    switch status {
    case 0, QEMUConfiguration.ExitStatus.suitePassed:
        return 0
    case QEMUConfiguration.ExitStatus.kernelPanic:
        printError("lwcos: the kernel panicked (QEMU exit status 37)")
        return 1
    default:
        printError("lwcos: QEMU exited with status \(status)")
        return 1
    }
}

/// Boots the test mode, streams the serial output to the terminal and to
/// build/test-serial.log, and prints the summary. Returns 0 only for a passing run.
func runTests(_ options: CommandLineOptions, repository: Repository) throws(HarnessError) -> Int32 {
    let logPath = repository.buildDirectory + "/test-serial.log"
    guard FileManager.default.createFile(atPath: logPath, contents: nil),
        let log = FileHandle(forWritingAtPath: logPath)
    else {
        throw .fileSystem(path: logPath, message: "cannot create the serial log")
    }
    defer { try? log.close() }

    let boot = BootConfiguration(mode: .test, filter: options.filter, extraWords: options.kernelWords)
    let runner = TestRunner(
        repository: repository, accelerator: options.accelerator, memory: options.memory, timeout: options.timeout)
    let report = try runner.run(isoName: "test", boot: boot) { line in
        log.write(Data((line + "\n").utf8))
        printNow(line)
    }
    printNow("")
    printNow(ReportFormatter.summary(report))
    if report.outcome == .interrupted {
        return 130
    }
    return report.passed ? 0 : 1
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    let options = try CommandLineOptions.parse(arguments)
    exit(try execute(options))
} catch HarnessError.usage(let message, let command) {
    printError("lwcos: " + HarnessError.usage(message: message, command: command).description)
    exit(2)
} catch HarnessError.interrupted {
    printError("lwcos: " + HarnessError.interrupted.description)
    exit(130)
} catch {
    printError("lwcos: \(error)")
    exit(1)
}
