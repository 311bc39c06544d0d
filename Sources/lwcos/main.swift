// The `lwcos` command-line tool: build, iso, run, test, debug, bench, boottime, exec and cc.
//
// Exit statuses: 0 success, 1 a failed build or run, 2 a usage error (including a
// `debug --break` location that gdb cannot find in build/kernel.elf), 130 Ctrl-C.
// `lwcos exec` exits with the program's status, or 125 when that status is unknown;
// `lwcos cc` exits with the compiler's.
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
    if command == .cc {
        return try runCompiler(options, repository: repository)
    }
    // A program lwcos cannot run is rejected before the build, which takes longer.
    if command == .exec || command == .debug, let program = options.program {
        try StaticELF.validate(program)
        _ = try ExecRunner.request(guestProgram: ExecRunner.guestPath(of: program), arguments: options.programArguments)
    }

    // Every command starts from an up-to-date kernel and initramfs; make skips work
    // already done. Only `build` shows make's output; for the others it appears only in
    // the error on failure.
    let products: BuildProducts
    if command == .build {
        products = try KernelBuild(repository: repository).run(onLine: { printNow($0) })
    } else {
        printError("lwcos: building the kernel and the user programs (make build)")
        products = try KernelBuild(repository: repository).run()
    }
    if let warning = products.warning, command != .exec {
        printError("lwcos: warning: " + warning)
    }

    switch command {
    case .build:
        return 0

    case .iso:
        let mode = options.mode ?? .shell
        let boot = BootConfiguration(
            mode: mode, filter: options.filter, extraWords: options.kernelWords, modules: products.modules)
        let iso = try ISOBuilder(repository: repository).build(name: mode.rawValue, boot: boot)
        printNow(iso)
        return 0

    case .run:
        let boot = BootConfiguration(mode: .shell, extraWords: options.kernelWords, modules: products.modules)
        let iso = try ISOBuilder(repository: repository).build(name: BootMode.shell.rawValue, boot: boot)
        let configuration = QEMUConfiguration(iso: iso, accelerator: options.accelerator, memory: options.memory)
        printError("lwcos: booting \(iso); quit with Ctrl-A X")
        let status = try QEMUMachine(configuration: configuration).runInteractive()
        return interactiveExitStatus(status)

    case .test:
        return try runTests(options, repository: repository, products: products)

    case .bench:
        return try runBench(options, repository: repository, products: products)

    case .boottime:
        return try runBootTime(options, repository: repository, products: products)

    case .exec:
        return try runExec(options, repository: repository, products: products)

    case .cc:
        return try runCompiler(options, repository: repository)

    case .debug:
        return try runDebug(options, repository: repository, products: products)
    }
}

/// Checks the breakpoint against build/kernel.elf, builds the ISO (the exec mode with the
/// staged program for `--exec`), then runs QEMU and gdb until gdb exits.
func runDebug(_ options: CommandLineOptions, repository: Repository, products: BuildProducts)
    throws(HarnessError) -> Int32
{
    let breakpoint = KernelBreakpoint(options.breakpoint)
    if breakpoint.isAlias {
        printError("lwcos: \(breakpoint.requested) is implemented by the kernel function \(breakpoint.location); breaking there")
    }
    guard let gdb = ToolLocator().find(HostTool.gdb.rawValue) else { throw .missingTool(.gdb) }
    try breakpoint.validate(elf: repository.kernelDebugELF, gdb: gdb)

    let iso: String
    var symbolFiles: [String] = []
    if let program = options.program {
        _ = try products.requireInitramfs(for: "lwcos debug --exec")
        let runner = ExecRunner(
            repository: repository, name: "debug-exec", accelerator: options.accelerator, memory: options.memory,
            kernelWords: options.kernelWords)
        iso = try runner.prepare(program: program, arguments: options.programArguments)
        symbolFiles = [program]
        printError("lwcos: staged \(program) as \(ExecRunner.guestPath(of: program)); booting the exec mode")
    } else {
        let boot = BootConfiguration(
            mode: options.mode ?? .shell, filter: options.filter, extraWords: options.kernelWords,
            modules: products.modules)
        iso = try ISOBuilder(repository: repository).build(name: "debug", boot: boot)
    }

    let configuration = QEMUConfiguration(iso: iso, accelerator: options.accelerator, memory: options.memory)
    let session = GDBSession(repository: repository, qemu: configuration, symbolFiles: symbolFiles)
    let serialLog = repository.buildDirectory + "/debug-serial.log"
    printError("lwcos: serial output goes to \(serialLog) (follow it with 'tail -f')")
    return try session.runInteractive(breakpoint: breakpoint.location, port: options.port, serialLog: serialLog)
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
func runTests(_ options: CommandLineOptions, repository: Repository, products: BuildProducts)
    throws(HarnessError) -> Int32
{
    // --extra: the test programs join /tests of a staged copy of the rootfs.
    var modules = products.modules
    if let directory = options.extraTestDirectory {
        _ = try products.requireInitramfs(for: "lwcos test --extra")
        let stage = RootfsStage(repository: repository, name: "test")
        let extra = try ExtraTests.files(in: directory, builtIn: stage.builtInTests())
        modules = [BootModule.initramfs(source: try stage.build(adding: extra))]
        printError("lwcos: added \(extra.map(\.guestPath).joined(separator: ", "))")
    }

    let log = try createLog(repository.buildDirectory + "/test-serial.log")
    defer { try? log.close() }

    let boot = BootConfiguration(
        mode: .test, filter: options.filter, extraWords: options.kernelWords, modules: modules)
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

/// Boots the bench mode with its serial output in build/bench-serial.log and, with
/// --linux, the host's Debian kernel with its output in build/bench-linux-serial.log.
/// Prints the header and the table, and writes the JSON and SVG files when requested.

/// Prints one progress line on stderr for each finished bench row, so a run that takes
/// minutes under TCG shows which system and row it has reached.
func reportBenchProgress(_ line: String, system: String) {
    let words = line.split(separator: " ")
    guard words.count >= 3, words[0] == "BENCH", words[1] != "version", words[1] != "end" else { return }
    printError("lwcos bench: \(system) row \(words[1]) done")
}

/// Returns 0 only when every run passed.
func runBench(_ options: CommandLineOptions, repository: Repository, products: BuildProducts)
    throws(HarnessError) -> Int32
{
    // A missing kernel image or initramfs stops the command before the first boot.
    var linuxKernel: LinuxKernel?
    if options.compareWithLinux {
        linuxKernel = try LinuxKernel.newest()
        _ = try products.requireInitramfs(for: "lwcos bench --linux")
    }

    let environment = try MeasurementEnvironment.collect(
        accelerator: options.accelerator, instructionCounting: options.instructionCounting)
    let timeout = options.timeout ?? BenchRunner.defaultTimeout
    let logPath = repository.buildDirectory + "/bench-serial.log"
    let log = try createLog(logPath)
    defer { try? log.close() }
    let runner = BenchRunner(
        repository: repository, accelerator: options.accelerator, memory: options.memory,
        instructionCounting: options.instructionCounting, timeout: timeout)
    let boot = BootConfiguration(
        mode: .bench, filter: options.filter, extraWords: options.kernelWords, modules: products.modules)
    printError("lwcos: booting the bench mode; serial output goes to \(displayPath(logPath, repository: repository))")
    let report = try runner.run(boot: boot) { line in
        log.write(Data((line + "\n").utf8))
        reportBenchProgress(line, system: "lwcos")
    }

    var linuxReport: BenchReport?
    if let linuxKernel, report.outcome != .interrupted {
        let linuxLogPath = repository.buildDirectory + "/bench-linux-serial.log"
        let linuxLog = try createLog(linuxLogPath)
        defer { try? linuxLog.close() }
        let linuxRunner = LinuxBenchRunner(
            repository: repository, kernel: linuxKernel, accelerator: options.accelerator, memory: options.memory,
            instructionCounting: options.instructionCounting, timeout: timeout)
        printError(
            "lwcos: booting Linux \(linuxKernel.release) with the same /bench programs; serial output goes to "
                + displayPath(linuxLogPath, repository: repository))
        linuxReport = try linuxRunner.run { line in
            linuxLog.write(Data((line + "\n").utf8))
            reportBenchProgress(line, system: "Linux")
        }
    }

    if let linuxKernel, let linuxReport {
        printNow(BenchFormatter.comparisonTable(
            lwcos: report, linux: linuxReport, linuxKernel: linuxKernel, environment: environment))
    } else {
        printNow(BenchFormatter.table(report, environment: environment))
    }
    let reports = [report] + (linuxReport.map { [$0] } ?? [])
    if let jsonPath = options.jsonPath {
        try writeFile(BenchFormatter.json(reports, environment: environment), to: jsonPath)
    }
    if let svgPath = options.svgPath {
        let comparison = BenchComparison(lwcos: report.document, linux: linuxReport?.document)
        let chart = BenchChart(comparison: comparison, subtitle: environment.headerLine).render()
        try writeFile(Data(chart.utf8), to: svgPath)
    }

    if reports.contains(where: { $0.outcome == .interrupted }) {
        return 130
    }
    var passed = true
    for run in reports where !run.passed {
        passed = false
        printNow("")
        printNow(run.outcomeExplanation)
        if run.document.problems.isEmpty || run.outcome != .failed {
            printNow("Last \(run.tailLines.count) serial lines of \(run.system.displayName):")
            run.tailLines.forEach { printNow("| " + $0) }
        }
    }
    return passed ? 0 : 1
}

/// Writes `data` to `path`, replacing the file.
func writeFile(_ data: Data, to path: String) throws(HarnessError) {
    do {
        try data.write(to: URL(fileURLWithPath: path))
    } catch {
        throw .fileSystem(path: path, message: "\(error)")
    }
}

/// Boots the test mode `--runs` times, one boot after another, and prints the median,
/// minimum and maximum of each milestone. Returns 1 when a boot does not reach the end of
/// its tests, because its times would then describe a different boot.
func runBootTime(_ options: CommandLineOptions, repository: Repository, products: BuildProducts)
    throws(HarnessError) -> Int32
{
    let timer = BootTimer(
        repository: repository, accelerator: options.accelerator, memory: options.memory,
        timeout: options.timeout ?? TestRunner.defaultTimeout)
    let environment = try MeasurementEnvironment.collect(accelerator: options.accelerator, instructionCounting: false)
    let iso = try timer.buildISO(modules: products.modules)

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

/// Runs one host program on lwcos and returns its exit status, or 125 when it is unknown
/// (see `ExecReport.harnessFailureStatus`), after printing why and the last serial lines.
func runExec(_ options: CommandLineOptions, repository: Repository, products: BuildProducts)
    throws(HarnessError) -> Int32
{
    guard let program = options.program else {
        throw .usage(message: "missing PROGRAM: the host program to run on lwcos", command: "exec")
    }
    _ = try products.requireInitramfs(for: "lwcos exec")
    let runner = ExecRunner(
        repository: repository, accelerator: options.accelerator, memory: options.memory,
        timeout: options.timeout ?? ExecRunner.defaultTimeout, kernelWords: options.kernelWords)
    let input = ExecInput.standardInput()
    let iso = try runner.prepare(program: program, arguments: options.programArguments, echoInput: input.isTerminal)

    var log: FileHandle?
    let logPath = repository.buildDirectory + "/exec-serial.log"
    if options.keepLog {
        log = try createLog(logPath)
    }
    defer { try? log?.close() }

    let report = try runner.boot(iso: iso, input: input, serialLog: log) { output in
        FileHandle.standardOutput.write(output)
    }
    if options.keepLog {
        printError("lwcos: serial output kept in \(displayPath(logPath, repository: repository))")
    }
    if let explanation = report.failureExplanation {
        printError("lwcos exec: " + explanation)
        if report.outcome != .interrupted {
            printError("Last \(report.tailLines.count) serial lines:")
            report.tailLines.forEach { printError("| " + $0) }
        }
    }
    return report.exitStatus
}

/// Compiles with musl-gcc, shows its messages unchanged and returns its exit status.
func runCompiler(_ options: CommandLineOptions, repository: Repository) throws(HarnessError) -> Int32 {
    let compiler = UserCompiler(repository: repository)
    let result = try compiler.compile(options.programArguments)
    FileHandle.standardOutput.write(Data(result.standardOutput.utf8))
    FileHandle.standardError.write(Data(result.standardError.utf8))
    if result.status != 0, let hint = compiler.missingLibraryHint(options.programArguments) {
        printError("lwcos: " + hint)
    }
    if result.interrupted {
        return 130
    }
    return result.signaled ? 128 + result.status : result.status
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    let options = try CommandLineOptions.parse(arguments)
    exit(try execute(options))
} catch HarnessError.usage(let message, let command) {
    printError("lwcos: " + HarnessError.usage(message: message, command: command).description)
    exit(2)
} catch HarnessError.invalidBreakpoint(let location, let elf, let reason) {
    // A breakpoint gdb cannot find is a usage error, reported on one line.
    printError("lwcos: " + HarnessError.invalidBreakpoint(location: location, elf: elf, reason: reason).description)
    exit(2)
} catch HarnessError.interrupted {
    printError("lwcos: " + HarnessError.interrupted.description)
    exit(130)
} catch {
    printError("lwcos: \(error)")
    // lwcos exec keeps 0-124 and 126-255 for the program's own statuses.
    exit(arguments.first == LwcosCommand.exec.rawValue ? ExecReport.harnessFailureStatus : 1)
}
