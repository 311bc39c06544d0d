// The `lwcos` command-line tool: build, iso, run, test, debug, bench and boottime.
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

    case .bench:
        return try runBench(options, repository: repository)

    case .boottime:
        return try runBootTime(options, repository: repository)

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
    let log = try createLog(repository.buildDirectory + "/test-serial.log")
    defer { try? log.close() }

    let boot = BootConfiguration(mode: .test, filter: options.filter, extraWords: options.kernelWords)
    let runner = TestRunner(
        repository: repository, accelerator: options.accelerator, memory: options.memory,
        timeout: options.timeout ?? TestRunner.defaultTimeout)
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

/// Creates (or empties) the file at `path` and opens it for writing.
func createLog(_ path: String) throws(HarnessError) -> FileHandle {
    guard FileManager.default.createFile(atPath: path, contents: nil),
        let log = FileHandle(forWritingAtPath: path)
    else {
        throw .fileSystem(path: path, message: "cannot create the serial log")
    }
    return log
}

/// Shows `path` relative to the repository root when it lies inside it.
func displayPath(_ path: String, repository: Repository) -> String {
    path.hasPrefix(repository.root + "/") ? String(path.dropFirst(repository.root.count + 1)) : path
}

/// Boots the bench mode with its serial output in build/bench-serial.log, prints the
/// header and the table, and writes the JSON file when requested. Returns 0 only for a
/// passing run.
func runBench(_ options: CommandLineOptions, repository: Repository) throws(HarnessError) -> Int32 {
    let logPath = repository.buildDirectory + "/bench-serial.log"
    let log = try createLog(logPath)
    defer { try? log.close() }

    let runner = BenchRunner(
        repository: repository, accelerator: options.accelerator, memory: options.memory,
        instructionCounting: options.instructionCounting, timeout: options.timeout ?? BenchRunner.defaultTimeout)
    let environment = try MeasurementEnvironment.collect(
        accelerator: options.accelerator, instructionCounting: options.instructionCounting)
    let boot = BootConfiguration(mode: .bench, filter: options.filter, extraWords: options.kernelWords)
    printError("lwcos: booting the bench mode; serial output goes to \(displayPath(logPath, repository: repository))")
    let report = try runner.run(boot: boot) { line in
        log.write(Data((line + "\n").utf8))
    }

    printNow(BenchFormatter.table(report, environment: environment))
    if let jsonPath = options.jsonPath {
        let data = try BenchFormatter.json([report], environment: environment)
        do {
            try data.write(to: URL(fileURLWithPath: jsonPath))
        } catch {
            throw .fileSystem(path: jsonPath, message: "\(error)")
        }
    }
    if report.outcome == .interrupted {
        return 130
    }
    guard report.passed else {
        printNow("")
        printNow(report.outcomeExplanation)
        if report.document.problems.isEmpty || report.outcome != .failed {
            printNow("Last \(report.tailLines.count) serial lines:")
            report.tailLines.forEach { printNow("| " + $0) }
        }
        return 1
    }
    return 0
}

/// Boots the test mode `--runs` times, one boot after another, and prints the median,
/// minimum and maximum of each milestone. Returns 1 when a boot does not reach the end of
/// its tests, because its times would then describe a different boot.
func runBootTime(_ options: CommandLineOptions, repository: Repository) throws(HarnessError) -> Int32 {
    let timer = BootTimer(
        repository: repository, accelerator: options.accelerator, memory: options.memory,
        timeout: options.timeout ?? TestRunner.defaultTimeout)
    let environment = try MeasurementEnvironment.collect(accelerator: options.accelerator, instructionCounting: false)
    let iso = try timer.buildISO()

    var samples: [BootTimeSample] = []
    for run in 1...options.runs {
        let (sample, report) = try timer.measure(iso: iso)
        let label = "boot \(run) of \(options.runs)"
        switch report.outcome {
        case .interrupted:
            return 130
        case .passed:
            break
        case .failed:
            // A failed case still ran the whole suite to the final exit, so the times count.
            printError("lwcos: \(label): the kernel tests failed; see 'lwcos test'")
        default:
            printError("lwcos: \(label) did not finish its tests: \(report.outcomeExplanation)")
            printError("Last \(report.tailLines.count) serial lines:")
            report.tailLines.forEach { printError("| " + $0) }
            return 1
        }
        let first = sample.firstSerialLine.map { BootTimeFormatter.format($0) } ?? "-"
        let ktap = sample.ktapVersionLine.map { BootTimeFormatter.format($0) } ?? "-"
        printError(
            "lwcos: \(label): first serial line \(first) s, KTAP version line \(ktap) s, "
                + "QEMU exit \(BootTimeFormatter.format(sample.qemuExit)) s")
        samples.append(sample)
    }
    printNow(BootTimeFormatter.table(samples, iso: displayPath(iso, repository: repository), environment: environment))
    return 0
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
