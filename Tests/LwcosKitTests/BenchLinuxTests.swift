import Foundation
import Testing

@testable import LwcosKit

private let linuxKernel = LinuxKernel(path: "/boot/vmlinuz-6.1.0-57-amd64", release: "6.1.0-57-amd64")

private func linuxReport(_ output: String, status: Int32?) -> BenchReport {
    BenchReport(
        system: .linux, kernelWords: LinuxBenchRunner.commandLine,
        document: BenchParser.parse(output),
        exit: QEMUExit(exitStatus: status), serialLines: output.components(separatedBy: "\n"), timeout: 300)
}

@Suite("Linux bench run")
struct LinuxBenchRunTests {
    @Test("judging how Linux ended", arguments: [
        (Int32?(0), "power down", false, false, RunOutcome.passed),
        (0, "power down, invalid row", false, false, .failed),
        (0, "power down, no end", false, false, .truncated),
        (nil, "halted", false, false, .failed),
        (0, "panic", false, false, .panic),
        (0, "nothing", false, false, .reset),
        (33, "power down", false, false, .qemuError),
        (nil, "nothing", true, false, .timeout),
        (nil, "nothing", false, true, .interrupted),
    ] as [(Int32?, String, Bool, Bool, RunOutcome)])
    func judge(status: Int32?, ending: String, timedOut: Bool, interrupted: Bool, expected: RunOutcome) {
        let endings = [
            "power down": "BENCH version 1\nBENCH getppid cycles 1 1 1 1\nBENCH end\n[   17.0] reboot: Power down",
            "power down, invalid row": "BENCH version 1\nBENCH getppid cycles 1 1\nBENCH end\n[   17.0] reboot: Power down",
            "power down, no end": "BENCH version 1\nBENCH getppid cycles 1 1 1 1\n[   17.0] reboot: Power down",
            "halted": "BENCH version 1\ninit: benchmark processes exited with status 1\nBENCH end\n[   17.0] reboot: System halted",
            "panic": "[    2.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
            "nothing": "BENCH version 1\nBENCH getppid cycles 1 1 1 1",
        ]
        let output = endings[ending] ?? ""
        let document = BenchParser.parse(output)
        let exit = QEMUExit(exitStatus: status, timedOut: timedOut, interrupted: interrupted)
        let lines = output.components(separatedBy: "\n")
        #expect(BenchReport.judgeLinux(exit: exit, document: document, serialLines: lines) == expected)
    }

    @Test("explanation of a halt names init")
    func haltExplanation() {
        let report = linuxReport("init: benchmark processes exited with status 1\nreboot: System halted", status: nil)
        #expect(report.outcome == .failed)
        #expect(report.outcomeExplanation.hasPrefix("Linux bench run failed: /init halted the machine"))
    }

    @Test("QEMU arguments match the lwcos boot but the boot medium")
    func qemuArguments() throws {
        let repository = Repository(root: "/tmp/lwcos-linux-arguments")
        let runner = LinuxBenchRunner(
            repository: repository, kernel: linuxKernel, memory: "1G", instructionCounting: true)
        let arguments = runner.qemuArguments(initramfs: "/tmp/i.cpio", pidFile: "/tmp/q.pid")
        let lwcos = BenchRunner(repository: repository, memory: "1G", instructionCounting: true)
            .qemuConfiguration(iso: "bench.iso").arguments
        #expect(Array(arguments.prefix(6)) == [
            "-kernel", "/boot/vmlinuz-6.1.0-57-amd64", "-initrd", "/tmp/i.cpio",
            "-append", "console=ttyS0 quiet rdinit=/init LWCOS_MODE=bench panic=-1",
        ])
        #expect(Array(arguments.dropFirst(6).dropLast(2)) == Array(lwcos.dropFirst(2)))
        #expect(Array(arguments.suffix(2)) == ["-pidfile", "/tmp/q.pid"])
        #expect(arguments.contains("-icount"))
        #expect(arguments.contains("1G"))
    }

    @Test("newest kernel release compares numbers")
    func newestRelease() {
        let names = ["config-6.1.0-9-amd64", "vmlinuz-6.1.0-9-amd64", "vmlinuz-6.1.0-57-amd64", "initrd.img-6.2.0-1-amd64"]
        #expect(LinuxKernel.newestRelease(among: names) == "6.1.0-57-amd64")
        #expect(LinuxKernel.newestRelease(among: ["vmlinuz-"]) == nil)
        #expect(LinuxKernel.newestRelease(among: []) == nil)
    }

    @Test("missing kernel names the package")
    func missingKernel() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-boot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try LinuxKernel.newest(in: folder.path)
            Issue.record("expected an error for a folder without vmlinuz-*")
        } catch {
            #expect("\(error)".contains("apt-get install linux-image-amd64"))
        }
    }
}

@Suite("newc archive")
struct NewcArchiveTests {
    @Test("device node header fields")
    func deviceHeader() throws {
        let data = NewcArchive(entries: [.characterDevice("dev/console", major: 5, minor: 1, permissions: 0o600)])
            .encoded()
        let text = String(decoding: data, as: UTF8.self)
        let header = String(text.prefix(110))
        func field(_ index: Int) -> UInt32? {
            let start = header.index(header.startIndex, offsetBy: 6 + 8 * index)
            return UInt32(header[start..<header.index(start, offsetBy: 8)], radix: 16)
        }
        #expect(header.hasPrefix("070701"))
        #expect(field(1) == 0o020600)
        #expect(field(6) == 0)
        #expect(field(9) == 5)
        #expect(field(10) == 1)
        #expect(field(11) == UInt32("dev/console".utf8.count + 1))
        #expect(text.dropFirst(110).hasPrefix("dev/console\0"))
    }

    @Test("entries are padded to 4 bytes and end with the trailer")
    func padding() {
        let data = NewcArchive(entries: [.directory("dev"), .file("etc/x", data: Data("abc".utf8))]).encoded()
        #expect(data.count % 4 == 0)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.components(separatedBy: "070701").count - 1 == 3)
        #expect(text.contains("TRAILER!!!\0"))
        // Header 110 + "dev\0" 4 = 114, padded to 116 before the next entry.
        #expect(text.dropFirst(116).hasPrefix("070701"))
    }

    @Test("GNU cpio lists the entries")
    func readByCpio() throws {
        guard let cpio = ToolLocator().find("cpio") else {
            Issue.record("cpio not found on PATH: install it with 'apt-get install cpio'")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-newc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("extra.cpio").path
        try NewcArchive(entries: LinuxBenchRunner.extraEntries).encoded().write(to: URL(fileURLWithPath: archive))
        let result = try ChildProcess.run(cpio, ["-itv", "--quiet", "-F", archive], timeout: 30)
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.contains { $0.hasPrefix("crw-------") && $0.contains("5,") && $0.hasSuffix("dev/console") })
        #expect(lines.contains { $0.hasPrefix("crw-rw-rw-") && $0.contains("1,") && $0.hasSuffix("dev/null") })
        #expect(lines.contains { $0.hasPrefix("dr-xr-xr-x") && $0.hasSuffix("proc") })
    }
}

/// A temporary repository with a stand-in `build/rootfs` and a shell script named
/// qemu-system-x86_64 first on `PATH`, so `LinuxBenchRunner.run` runs without Linux.
private struct StandInLinuxBoot {
    let folder: URL
    let repository: Repository
    let tools: ToolLocator

    /// `script` is the body of the stand-in QEMU after it wrote its pid to the `-pidfile` path.
    init(script: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-linux-\(UUID().uuidString)")
        let rootfs = folder.appendingPathComponent("build/rootfs")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("bench"), withIntermediateDirectories: true)
        try "#!/bin/sh\n".write(to: rootfs.appendingPathComponent("init"), atomically: true, encoding: .utf8)
        let bin = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let qemu = bin.appendingPathComponent(QEMUConfiguration.defaultExecutable).path
        let prologue = "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = -pidfile ] && echo $$ > \"$2\"; shift; done\n"
        try (prologue + script).write(toFile: qemu, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: qemu)
        repository = Repository(root: folder.path)
        tools = ToolLocator(environment: ["PATH": bin.path + ":/usr/bin:/bin"])
    }

    func run() throws -> BenchReport {
        let kernel = LinuxKernel(path: folder.appendingPathComponent("vmlinuz").path, release: "stand-in")
        return try LinuxBenchRunner(repository: repository, kernel: kernel, timeout: 60, tools: tools).run()
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite("Linux bench boot through a stand-in QEMU")
struct LinuxBenchBootTests {
    @Test("power-off passes")
    func powerOff() throws {
        let boot = try StandInLinuxBoot(script: """
            printf 'BENCH version 1\\nBENCH getppid cycles 332 330 340 2000\\nBENCH end\\n[   17.0] reboot: Power down\\n'
            exit 0

            """)
        defer { boot.remove() }
        let report = try boot.run()
        #expect(report.outcome == .passed)
        #expect(report.system == .linux)
        #expect(report.document.row(named: "getppid") != nil)
        #expect(FileManager.default.fileExists(atPath: boot.repository.stagedInitramfsPath(name: "linux")))
    }

    @Test("halt stops QEMU at once")
    func haltStopsQEMU() throws {
        let boot = try StandInLinuxBoot(script: """
            printf 'BENCH version 1\\ninit: benchmark processes exited with status 1\\nBENCH end\\n[    9.0] reboot: System halted\\n'
            sleep 50

            """)
        defer { boot.remove() }
        let report = try boot.run()
        #expect(report.outcome == .failed)
        #expect(report.exit.exitStatus == nil)
        #expect(!report.exit.timedOut)
        #expect(report.exit.duration < 30)
    }

    @Test("initramfs ends with the device nodes")
    func initramfsDeviceNodes() throws {
        let boot = try StandInLinuxBoot(script: "exit 0\n")
        defer { boot.remove() }
        let kernel = LinuxKernel(path: "/nonexistent/vmlinuz", release: "stand-in")
        let archive = try LinuxBenchRunner(repository: boot.repository, kernel: kernel, tools: boot.tools)
            .buildInitramfs()
        let data = try Data(contentsOf: URL(fileURLWithPath: archive))
        let extra = NewcArchive(entries: LinuxBenchRunner.extraEntries).encoded()
        #expect(data.suffix(extra.count) == extra)
        #expect(String(decoding: data, as: UTF8.self).contains("init\0"))
    }
}
