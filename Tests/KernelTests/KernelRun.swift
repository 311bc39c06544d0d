import Foundation
import Testing

@testable import LwcosKit

/// One boot configuration the kernel tests use.
enum BootVariant: String, CaseIterable, Sendable {
    /// The whole test suite, as `lwcos test` runs it.
    case standard = "test"
    /// `lwcos.test.selftest=fail`: the kernel adds the failing case `ktest.selftest_fail`.
    case selftestFail = "selftest-fail"
    /// `lwcos.test.selftest=panic`: the kernel panics during the tests.
    case selftestPanic = "selftest-panic"
    /// `lwcos.test.selftest=fault`: a kernel page fault during the tests.
    case selftestFault = "selftest-fault"
    /// The whole suite with `lwcos.pcid=off`: every CR3 load flushes.
    case pcidOff = "pcid-off"
    /// `lwcos.tlbcheck.inject=skip-invlpg`: the kernel omits INVLPG after downgrades.
    case injectSkipInvlpg = "inject-skip-invlpg"
    /// `lwcos.tlbcheck.inject=skip-reuse-flush`: the kernel reuses PCIDs without a flush.
    case injectSkipReuseFlush = "inject-skip-reuse-flush"
    /// The whole suite with the fixture `harness_extra_fail` added to /tests, as
    /// `lwcos test --extra` adds it; its case `deliberately_fails` fails.
    case extraFail = "extra-fail"
    /// `--filter proc_states`: a filter that names one user test program runs all of its
    /// cases and nothing else.
    case filterProgram = "filter-program"

    /// The ISO name, `build/lwcos-<name>.iso`. The prefix keeps these ISOs apart from the
    /// ones `lwcos test` and `lwcos iso` build, which may run at the same time.
    var isoName: String { "swift-" + rawValue }

    /// Whether the boot gets the initramfs, so that /init runs the user suite after the
    /// kernel's. Boots that end in the kernel's own tests skip it to stay short.
    var runsUserPrograms: Bool {
        switch self {
        case .standard, .selftestFail, .pcidOff, .extraFail, .filterProgram: return true
        case .selftestPanic, .selftestFault, .injectSkipInvlpg, .injectSkipReuseFlush: return false
        }
    }

    var boot: BootConfiguration {
        switch self {
        case .standard, .extraFail: return BootConfiguration(mode: .test)
        case .filterProgram: return BootConfiguration(mode: .test, filter: "proc_states")
        case .selftestFail: return BootConfiguration(mode: .test, extraWords: ["lwcos.test.selftest=fail"])
        case .selftestPanic: return BootConfiguration(mode: .test, extraWords: ["lwcos.test.selftest=panic"])
        case .selftestFault: return BootConfiguration(mode: .test, extraWords: ["lwcos.test.selftest=fault"])
        case .pcidOff: return BootConfiguration(mode: .test, extraWords: ["lwcos.pcid=off"])
        case .injectSkipInvlpg:
            return BootConfiguration(mode: .test, extraWords: ["lwcos.tlbcheck.inject=skip-invlpg"])
        case .injectSkipReuseFlush:
            return BootConfiguration(mode: .test, extraWords: ["lwcos.tlbcheck.inject=skip-reuse-flush"])
        }
    }
}

/// The kernel build, the ISOs and the boots shared by all kernel tests.
///
/// Each step runs once however many tests ask for it: the first caller starts a task and
/// later callers await the same task. The kernel is built once, and each `BootVariant`
/// gets one ISO and one boot.
actor KernelRun {
    static let shared = KernelRun()

    private var buildTask: Task<Result<(Repository, BuildProducts), HarnessError>, Never>?
    private var fixtureTasks: [String: Task<Result<String, HarnessError>, Never>] = [:]
    private var execTasks: [ExecVariant: Task<Result<ExecReport, HarnessError>, Never>] = [:]
    private var isoTasks: [BootVariant: Task<Result<String, HarnessError>, Never>] = [:]
    private var bootTasks: [BootVariant: Task<Result<RunReport, HarnessError>, Never>] = [:]
    private var lwSwitchTraceTask: Task<Result<LwSwitchTrace, HarnessError>, Never>?

    init() {
        // Ctrl-C during `swift test` must not leave QEMU running in its own process group.
        ChildProcesses.shared.installInterruptHandler()
    }

    /// Builds the kernel and the user programs once and returns the repository.
    func repository() async throws(HarnessError) -> Repository {
        try await build().0
    }

    /// Returns the build products: the initramfs, or why the user programs are missing.
    func products() async throws(HarnessError) -> BuildProducts {
        try await build().1
    }

    private func build() async throws(HarnessError) -> (Repository, BuildProducts) {
        if buildTask == nil {
            buildTask = Task.detached {
                await capture { () async throws(HarnessError) -> (Repository, BuildProducts) in
                    let repository = try Repository.locate(from: Self.packageDirectory)
                    let products = try await ChildProcess.offload { () throws(HarnessError) in
                        try KernelBuild(repository: repository).run()
                    }
                    return (repository, products)
                }
            }
        }
        guard let buildTask else { throw .interrupted }
        return try await buildTask.value.get()
    }

    /// Compiles `Tests/Fixtures/<source>.c` once with `lwcos cc`'s compiler and returns the
    /// program's path, `build/swift-fixtures/<folder>/<name>`.
    func fixture(_ source: String, name: String, folder: String = "bin") async throws(HarnessError) -> String {
        let key = folder + "/" + name
        if fixtureTasks[key] == nil {
            fixtureTasks[key] = Task.detached {
                await capture { () async throws(HarnessError) -> String in
                    let repository = try await KernelRun.shared.repository()
                    return try await ChildProcess.offload { () throws(HarnessError) in
                        try Self.compileFixture(source, name: name, folder: folder, repository: repository)
                    }
                }
            }
        }
        guard let task = fixtureTasks[key] else { throw .interrupted }
        return try await task.value.get()
    }

    private static func compileFixture(_ source: String, name: String, folder: String, repository: Repository)
        throws(HarnessError) -> String
    {
        let directory = repository.buildDirectory + "/swift-fixtures/" + folder
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: directory, message: "\(error)")
        }
        let output = directory + "/" + name
        let arguments = [packageDirectory + "/Tests/Fixtures/" + source + ".c", "-o", output, "-Wall", "-Werror"]
        let result = try UserCompiler(repository: repository).compile(arguments)
        guard result.status == 0, !result.signaled else {
            throw .commandFailed(
                command: "musl-gcc " + arguments.joined(separator: " "), status: result.status,
                output: result.standardOutput + result.standardError)
        }
        return output
    }

    /// Returns the initramfs module of `variant`: none, build/initramfs.cpio, or a staged copy.
    private func modules(_ variant: BootVariant, repository: Repository) async throws(HarnessError) -> [BootModule] {
        guard variant.runsUserPrograms else { return [] }
        let products = try await products()
        guard variant == .extraFail else { return products.modules }

        _ = try products.requireInitramfs(for: "the --extra boot")
        let program = try await fixture("extra_fail", name: "harness_extra_fail", folder: "extra")
        let directory = (program as NSString).deletingLastPathComponent
        return try await ChildProcess.offload { () throws(HarnessError) in
            let stage = RootfsStage(repository: repository, name: variant.isoName)
            let files = try ExtraTests.files(in: directory, builtIn: stage.builtInTests())
            return [BootModule.initramfs(source: try stage.build(adding: files))]
        }
    }

    /// Builds the ISO of `variant` once and returns its path.
    func iso(_ variant: BootVariant) async throws(HarnessError) -> String {
        if isoTasks[variant] == nil {
            isoTasks[variant] = Task.detached {
                await capture { () async throws(HarnessError) -> String in
                    let repository = try await KernelRun.shared.repository()
                    var boot = variant.boot
                    boot.modules = try await KernelRun.shared.modules(variant, repository: repository)
                    return try await ChildProcess.offload { [boot] () throws(HarnessError) in
                        try ISOBuilder(repository: repository).build(name: variant.isoName, boot: boot)
                    }
                }
            }
        }
        guard let task = isoTasks[variant] else { throw .interrupted }
        return try await task.value.get()
    }

    /// Boots `variant` once and returns the report.
    func report(_ variant: BootVariant) async throws(HarnessError) -> RunReport {
        if bootTasks[variant] == nil {
            bootTasks[variant] = Task.detached {
                await capture { () async throws(HarnessError) -> RunReport in
                    let iso = try await KernelRun.shared.iso(variant)
                    return try await ChildProcess.offload { () throws(HarnessError) in
                        let configuration = QEMUConfiguration(iso: iso)
                        return try QEMUMachine(configuration: configuration).runTests(timeout: Self.bootTimeout)
                    }
                }
            }
        }
        guard let task = bootTasks[variant] else { throw .interrupted }
        return try await task.value.get()
    }

    /// Runs `variant` with `lwcos exec`'s machinery once and returns the report.
    func execReport(_ variant: ExecVariant) async throws(HarnessError) -> ExecReport {
        if execTasks[variant] == nil {
            execTasks[variant] = Task.detached {
                await capture { () async throws(HarnessError) -> ExecReport in
                    let repository = try await KernelRun.shared.repository()
                    _ = try await KernelRun.shared.products().requireInitramfs(for: "lwcos exec")
                    let program = try await KernelRun.shared.fixture(variant.source, name: variant.programName)
                    return try await ChildProcess.offload { () throws(HarnessError) in
                        let runner = ExecRunner(repository: repository, name: variant.stageName, timeout: Self.bootTimeout)
                        return try runner.run(
                            program: program, arguments: variant.arguments, files: variant.guestFiles,
                            input: .bytes(Data()))
                    }
                }
            }
        }
        guard let task = execTasks[variant] else { throw .interrupted }
        return try await task.value.get()
    }

    /// Runs gdb once through the first lwSwitch of the fixture `lwc_pingpong`, booted in
    /// exec mode as `lwcos debug --exec` boots it, and returns the trace.
    func lwSwitchTrace() async throws(HarnessError) -> LwSwitchTrace {
        if lwSwitchTraceTask == nil {
            lwSwitchTraceTask = Task.detached {
                await capture { () async throws(HarnessError) -> LwSwitchTrace in
                    let repository = try await KernelRun.shared.repository()
                    _ = try await KernelRun.shared.products().requireInitramfs(for: "the gdb lwSwitch test")
                    let program = try await KernelRun.shared.fixture("lwc_pingpong", name: "lwc_pingpong")
                    return try await ChildProcess.offload { () throws(HarnessError) in
                        let runner = ExecRunner(repository: repository, name: LwSwitchTrace.name)
                        let iso = try runner.prepare(program: program, arguments: [])
                        return try LwSwitchTrace.run(repository: repository, iso: iso, program: program)
                    }
                }
            }
        }
        guard let lwSwitchTraceTask else { throw .interrupted }
        return try await lwSwitchTraceTask.value.get()
    }

    /// The KTAP cases of one boot (the standard one by default), one per Swift test case.
    /// When the boot could not run or printed no KTAP, one failing placeholder carries the
    /// reason, so the failure shows under this test too and not only under the outcome test.
    func cases(_ variant: BootVariant = .standard) async -> [KernelCase] {
        do {
            let report = try await report(variant)
            if report.document.version == nil {
                return [KernelCase.placeholder("the kernel printed no KTAP version line: " + report.outcomeExplanation)]
            }
            return report.allCases.map { KernelCase($0, in: report) }
        } catch {
            return [KernelCase.placeholder("the kernel could not be built or booted: \(error)")]
        }
    }

    /// Wall-clock limit of each boot. Several boots share the CPUs during `swift test`,
    /// so this is well above the 1–3 s a TCG boot takes alone.
    static let bootTimeout: Double = 90

    /// The folder of this package: the tests may run from any working directory.
    static var packageDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}

/// Runs `body` and returns its value or its error.
private func capture<Value>(_ body: () async throws(HarnessError) -> Value) async -> Result<Value, HarnessError> {
    do throws(HarnessError) {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// A KTAP case as a test argument, shown by its full name (`suite.case`).
struct KernelCase: Sendable, CustomTestStringConvertible {
    var fullName: String
    var status: KTAPStatus
    /// The text a failure reports: status, directive, problems, diagnostics, serial lines.
    var details: String

    init(_ testCase: KTAPCase, in report: RunReport) {
        fullName = testCase.fullName
        status = testCase.status
        details = ReportFormatter.describe(testCase, in: report)
    }

    private init(fullName: String, status: KTAPStatus, details: String) {
        self.fullName = fullName
        self.status = status
        self.details = details
    }

    static func placeholder(_ message: String) -> KernelCase {
        KernelCase(fullName: "(no KTAP cases)", status: .crashed, details: message)
    }

    var testDescription: String { fullName }
}

/// A program the oracle test runs on the host and with `lwcos exec`.
enum ExecVariant: String, CaseIterable, Sendable {
    /// Prints its name, arguments and AT_PAGESZ, copies a file and exits 3.
    case probe
    /// Prints a line and dies of SIGSEGV: status 139 on both systems.
    case segfault

    var source: String {
        switch self {
        case .probe: return "oracle_probe"
        case .segfault: return "segfault"
        }
    }

    var programName: String { "harness_" + source }

    /// `build/rootfs-<name>`, `build/lwcos-<name>.iso`: apart from `lwcos exec`'s own.
    var stageName: String { "swift-exec-" + rawValue }

    /// The probe's input file, at the same relative path on both systems. The host run's
    /// working folder contains it, and so does the guest's root, which is the working
    /// folder of /init and therefore of the program.
    static let inputPath = "oracle/input.txt"
    static let inputContents = Data("first line\n\ttabbed line\nlast line without a newline".utf8)

    var arguments: [String] {
        switch self {
        case .probe: return [Self.inputPath, "3", "two words", "", "--help"]
        case .segfault: return []
        }
    }

    var guestFiles: [RootfsFile] {
        switch self {
        case .probe:
            return [RootfsFile(contents: .bytes(Self.inputContents), guestPath: "/" + Self.inputPath, mode: 0o644)]
        case .segfault:
            return []
        }
    }
}
