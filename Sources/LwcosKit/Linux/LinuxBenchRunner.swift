import Foundation

/// Boots the host's Debian kernel with the benchmark programs of `build/rootfs`: the Linux
/// side of `lwcos bench --linux`.
///
/// QEMU runs with the same accelerator, `-cpu`, memory, `-smp` and `-icount` setting as the
/// lwcos boot, but loads the kernel with `-kernel` and `-initrd` instead of booting an ISO.
/// Linux hands the words of its command line that it does not know, such as
/// `LWCOS_MODE=bench`, to /init as environment variables, so the same static /init runs
/// every program in /bench and then powers off through ACPI. QEMU then exits with status
/// 0, not 33.
public struct LinuxBenchRunner: Sendable {
    /// The Linux command line. `rdinit=/init` runs our /init from the initramfs, `quiet`
    /// keeps the kernel's messages below warnings off the serial port, and `panic=-1`
    /// reboots at once on a panic, which `-no-reboot` turns into QEMU's exit.
    public static let commandLine = ["console=ttyS0", "quiet", "rdinit=/init", "LWCOS_MODE=bench", "panic=-1"]

    /// Parts of Linux's own lines that tell how it ended. Debian's 6.1.0-57-amd64 printed
    /// the first two under `quiet` here, after a timestamp. NOTE: the panic line was not
    /// seen in a run here.
    public enum KernelMessage {
        public static let powerDown = "reboot: Power down"
        public static let halted = "reboot: System halted"
        public static let panic = "Kernel panic - not syncing"
    }

    /// Device nodes for /init's standard streams and a mount point for /proc, appended to
    /// the initramfs. Debian's 6.1 kernel found a console without them, in its built-in
    /// initramfs, but these do not depend on how the kernel was configured.
    public static let extraEntries: [NewcArchive.Entry] = [
        .directory("dev"),
        .characterDevice("dev/console", major: 5, minor: 1, permissions: 0o600),
        .characterDevice("dev/null", major: 1, minor: 3, permissions: 0o666),
        .directory("proc", permissions: 0o555),
    ]

    public var repository: Repository
    public var kernel: LinuxKernel
    public var accelerator: Accelerator
    public var memory: String
    public var instructionCounting: Bool
    public var timeout: Double
    public var tools: ToolLocator

    public init(
        repository: Repository, kernel: LinuxKernel, accelerator: Accelerator = .tcg,
        memory: String = BenchRunner.defaultMemory, instructionCounting: Bool = false,
        timeout: Double = BenchRunner.defaultTimeout, tools: ToolLocator = ToolLocator()
    ) {
        self.repository = repository
        self.kernel = kernel
        self.accelerator = accelerator
        self.memory = memory
        self.instructionCounting = instructionCounting
        self.timeout = timeout
        self.tools = tools
    }

    /// Copies `build/rootfs` to `build/rootfs-linux`, packs it with GNU cpio and appends
    /// `extraEntries`. Returns the path of `build/initramfs-linux.cpio`.
    public func buildInitramfs() throws(HarnessError) -> String {
        let archive = try RootfsStage(repository: repository, name: "linux", tools: tools).build(adding: [])
        let extra = NewcArchive(entries: Self.extraEntries).encoded()
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: archive))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: extra)
        } catch {
            throw .fileSystem(path: archive, message: "cannot append the device nodes: \(error)")
        }
        return archive
    }

    /// Returns QEMU's arguments: those of the lwcos bench boot with the ISO replaced by the
    /// kernel, the initramfs and the command line, plus a pid file.
    public func qemuArguments(initramfs: String, pidFile: String) -> [String] {
        let lwcos = QEMUConfiguration(
            iso: "", accelerator: accelerator, memory: memory, instructionCounting: instructionCounting)
        var arguments = lwcos.arguments
        // QEMUConfiguration starts with the boot medium; everything after it is the machine.
        precondition(arguments.starts(with: ["-cdrom", ""]), "LinuxBenchRunner: QEMUConfiguration no longer starts with -cdrom")
        arguments.replaceSubrange(0..<2, with: [
            "-kernel", kernel.path, "-initrd", initramfs, "-append", Self.commandLine.joined(separator: " "),
        ])
        return arguments + ["-pidfile", pidFile]
    }

    /// Builds the initramfs, boots Linux and returns its report. Each serial line goes to
    /// `onLine` as it arrives.
    public func run(onLine: @escaping @Sendable (String) -> Void = { _ in }) throws(HarnessError) -> BenchReport {
        try tools.require([.qemu])
        guard let qemu = tools.find(QEMUConfiguration.defaultExecutable) else { throw .missingTool(.qemu) }
        let initramfs = try buildInitramfs()
        let pidFile = repository.buildDirectory + "/linux-bench-\(getpid()).pid"
        try? FileManager.default.removeItem(atPath: pidFile)
        defer { try? FileManager.default.removeItem(atPath: pidFile) }

        let collector = BenchCollector()
        let halt = HaltWatcher(pidFile: pidFile)
        let result = try ChildProcess.run(
            qemu, qemuArguments(initramfs: initramfs, pidFile: pidFile), timeout: timeout,
            onLine: { line in
                collector.append(line)
                halt.check(line)
                onLine(line)
            })
        let exit = QEMUExit(
            exitStatus: result.signaled ? nil : result.status, standardError: result.standardError,
            duration: result.duration, timedOut: result.timedOut, interrupted: result.interrupted)
        let (lines, document) = collector.finish()
        return BenchReport(
            system: .linux, kernelWords: Self.commandLine, document: document, exit: exit, serialLines: lines,
            timeout: timeout)
    }
}

/// Stops QEMU when Linux halts instead of powering off, which /init does when a benchmark
/// program failed: a halted Linux leaves QEMU running until the time limit.
final class HaltWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private let pidFile: String
    private var stopped = false

    init(pidFile: String) {
        self.pidFile = pidFile
    }

    /// Kills QEMU, whose pid QEMU wrote to `pidFile`, the first time `line` is Linux's halt
    /// message. QEMU is still running then, so the pid cannot belong to another process.
    func check(_ line: String) {
        guard line.contains(LinuxBenchRunner.KernelMessage.halted) else { return }
        lock.lock()
        defer { lock.unlock() }
        guard !stopped,
            let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else { return }
        stopped = true
        ChildProcesses.kill(group: pid)
    }
}

extension BenchReport {
    /// Decides the outcome of a Linux run. It passes only when Linux printed its power-off
    /// message, QEMU then exited 0, `BENCH end` arrived and every `BENCH` line was valid.
    /// /init powers off only when every program in /bench exited 0, and halts otherwise.
    ///
    /// QEMU exits 0 after a power-off, a reset and, with `panic=-1`, a panic, so the kernel's
    /// own messages tell these apart.
    public static func judgeLinux(exit: QEMUExit, document: BenchDocument, serialLines: [String]) -> RunOutcome {
        func printed(_ message: String) -> Bool {
            serialLines.contains { $0.contains(message) }
        }
        if exit.interrupted { return .interrupted }
        if exit.timedOut { return .timeout }
        if printed(LinuxBenchRunner.KernelMessage.halted) { return .failed }
        guard exit.exitStatus == 0 else { return .qemuError }
        if printed(LinuxBenchRunner.KernelMessage.panic) { return .panic }
        guard printed(LinuxBenchRunner.KernelMessage.powerDown) else { return .reset }
        if !document.ended { return .truncated }
        return document.problems.isEmpty ? .passed : .failed
    }
}
