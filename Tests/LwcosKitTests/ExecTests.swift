import Foundation
import Testing

@testable import LwcosKit

/// Feeds `text` to a new parser in chunks of `size` bytes and returns the parser and the
/// program output it passed on.
private func parse(_ text: String, chunkSize size: Int) -> (ExecOutputParser, Data) {
    var parser = ExecOutputParser()
    var output = Data()
    let bytes = Data(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + size, bytes.count)
        output.append(parser.feed(bytes.subdata(in: offset..<end)))
        offset = end
    }
    output.append(parser.finish())
    return (parser, output)
}

/// Serial text of an exec boot: boot log, start line, program output, marker, status.
private let execSerial =
    "\r\nlwcos: booting\r\n[info] init: started /init as pid 1 (mode exec)\r\n"
    + "lwcos-exec: start\r\n"
    + "hello\r\nworld\r\n\r\nbare\rreturn\r\r\nno newline"
    + "\u{1e}lwcos-exec: exit status 3\r\n"

@Suite("Exec output")
struct ExecOutputParserTests {
    @Test("program output between the start line and the marker", arguments: [1, 2, 3, 7, 4096])
    func programOutput(chunkSize: Int) {
        let (parser, output) = parse(execSerial, chunkSize: chunkSize)
        #expect(String(decoding: output, as: UTF8.self) == "hello\nworld\n\nbare\rreturn\r\nno newline")
        #expect(parser.exitStatus == 3)
        #expect(parser.started)
        #expect(parser.programEnded)
        #expect(parser.malformedStatusLine == nil)
    }

    @Test("serial lines keep the boot log")
    func serialLines() {
        let (parser, _) = parse(execSerial, chunkSize: 5)
        #expect(parser.serialLines.prefix(4) == ["", "lwcos: booting", "[info] init: started /init as pid 1 (mode exec)", "lwcos-exec: start"])
        #expect(parser.serialLines.last == "no newlinelwcos-exec: exit status 3")
    }

    @Test("boot log before the start line is not output")
    func noStartLine() {
        let (parser, output) = parse("lwcos: booting\r\nPANIC: no init\r\n", chunkSize: 4)
        #expect(output.isEmpty)
        #expect(!parser.started)
        #expect(parser.exitStatus == nil)
    }

    @Test("output that ends before the marker")
    func noMarker() {
        let (parser, output) = parse("lwcos-exec: start\r\npartial\r", chunkSize: 3)
        #expect(String(decoding: output, as: UTF8.self) == "partial\r")
        #expect(parser.started)
        #expect(!parser.programEnded)
        #expect(parser.exitStatus == nil)
    }

    @Test("status line forms", arguments: [
        ("lwcos-exec: exit status 0", Int32?.some(0)),
        ("lwcos-exec: exit status 139", 139),
        ("lwcos-exec: exit status -1", nil),
        ("lwcos-exec: exit status", nil),
        ("lwcos-exec: exit status 3x", nil),
    ] as [(String, Int32?)])
    func statusLines(line: String, status: Int32?) {
        let (parser, _) = parse("lwcos-exec: start\r\n\u{1e}" + line + "\r\n", chunkSize: 64)
        #expect(parser.exitStatus == status)
        #expect(parser.malformedStatusLine == (status == nil ? line : nil))
    }

    @Test("outcome from QEMU's exit and the stream", arguments: [
        (QEMUExit(exitStatus: 33), execSerial, ExecOutcome.exited(3)),
        (QEMUExit(exitStatus: 35), execSerial, .exited(3)),
        (QEMUExit(exitStatus: 37), execSerial, .panic),
        (QEMUExit(exitStatus: 0), execSerial, .reset),
        (QEMUExit(exitStatus: 1), execSerial, .qemuError),
        (QEMUExit(exitStatus: nil), execSerial, .qemuError),
        (QEMUExit(exitStatus: nil, timedOut: true), "lwcos-exec: start\r\n", .timeout),
        (QEMUExit(exitStatus: nil, interrupted: true), "", .interrupted),
        (QEMUExit(exitStatus: 33), "lwcos: booting\r\n", .missingStartLine),
        (QEMUExit(exitStatus: 33), "lwcos-exec: start\r\nhi\r\n", .missingExitLine),
    ] as [(QEMUExit, String, ExecOutcome)])
    func outcomes(exit: QEMUExit, serial: String, outcome: ExecOutcome) {
        let (parser, _) = parse(serial, chunkSize: 16)
        #expect(ExecReport.judge(exit: exit, parser: parser) == outcome)
    }

    @Test("lwcos exec exit statuses", arguments: [
        (ExecOutcome.exited(0), Int32(0)),
        (.exited(139), 139),
        (.panic, 125),
        (.timeout, 125),
        (.missingExitLine, 125),
        (.missingStartLine, 125),
        (.interrupted, 130),
    ] as [(ExecOutcome, Int32)])
    func exitStatuses(outcome: ExecOutcome, status: Int32) {
        let report = ExecReport(
            outcome: outcome, qemuExitStatus: 37, output: Data(), serialLines: [], malformedStatusLine: nil,
            qemuStandardError: "", duration: 1, timeout: 60)
        #expect(report.exitStatus == status)
        #expect((report.failureExplanation == nil) == (outcome == .exited(status)))
    }

    @Test("request file has one argument a line")
    func requestFile() throws {
        let data = try ExecRunner.request(guestProgram: "/bin/probe", arguments: ["a b", "", "--help"])
        #expect(String(decoding: data, as: UTF8.self) == "/bin/probe\na b\n\n--help\n")
        #expect(ExecRunner.guestPath(of: "/tmp/x/probe") == "/bin/probe")
        #expect(throws: HarnessError.self) {
            try ExecRunner.request(guestProgram: "/bin/probe", arguments: ["two\nlines"])
        }
    }
}

/// Builds a minimal ELF64 header with `programHeaderTypes` as its program headers.
private func elf(
    type: UInt16 = 2, machine: UInt16 = 62, elfClass: UInt8 = 2, programHeaderTypes: [UInt32] = [1]
) -> Data {
    var bytes = [UInt8](repeating: 0, count: 64 + 56 * programHeaderTypes.count)
    bytes[0..<4] = [0x7f, 0x45, 0x4c, 0x46]
    bytes[4] = elfClass
    bytes[5] = 1
    func put16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value & 0xff)
        bytes[offset + 1] = UInt8(value >> 8)
    }
    put16(type, at: 16)
    put16(machine, at: 18)
    bytes[32] = 64  // e_phoff
    put16(56, at: 54)
    put16(UInt16(programHeaderTypes.count), at: 56)
    for (index, type) in programHeaderTypes.enumerated() {
        let offset = 64 + index * 56
        for byte in 0..<4 {
            bytes[offset + byte] = UInt8((type >> (8 * UInt32(byte))) & 0xff)
        }
    }
    return Data(bytes)
}

@Suite("Static ELF")
struct StaticELFTests {
    @Test("static executables pass")
    func staticPasses() throws {
        try StaticELF.validate(elf(), path: "a")
        // A static position-independent executable has no interpreter either.
        try StaticELF.validate(elf(type: 3, programHeaderTypes: [6, 1, 2]), path: "pie")
    }

    @Test("rejections name the fix", arguments: [
        (elf(programHeaderTypes: [6, 3, 1]), "dynamically linked; lwcos runs only static programs"),
        (elf(machine: 183), "ELF machine 183 is not x86-64"),
        (elf(elfClass: 1), "not a 64-bit little-endian ELF file"),
        (elf(type: 1), "ELF type 1 is not an executable"),
        (Data("#!/bin/sh\necho hi\n".utf8), "not an ELF file"),
        (elf().prefix(80), "its program header table lies outside the file"),
    ])
    func rejections(data: Data, reason: String) {
        #expect {
            try StaticELF.validate(data, path: "prog")
        } throws: { error in
            let text = (error as? HarnessError)?.description ?? ""
            return text.hasPrefix("prog: " + reason) && !text.contains("\n")
        }
    }

    @Test("the host's dynamically linked /bin/sh is rejected")
    func hostShell() throws {
        let shell = try #require(ToolLocator().find("sh"))
        #expect {
            try StaticELF.validate(shell)
        } throws: { error in
            (error as? HarnessError)?.description.contains("build it with 'musl-gcc -static' or 'lwcos cc'") ?? false
        }
    }
}

@Suite("Exec and cc options")
struct ExecOptionsTests {
    @Test("exec takes its options on both sides of the program")
    func execOptions() throws {
        let options = try CommandLineOptions.parse([
            "exec", "--timeout", "5", "./probe", "a", "--accel=kvm", "-v", "--help", "--keep-log", "--", "--timeout", "x",
        ])
        #expect(options.command == .exec)
        #expect(options.program == "./probe")
        #expect(options.programArguments == ["a", "-v", "--help", "--timeout", "x"])
        #expect(options.timeout == 5)
        #expect(options.accelerator == .kvm)
        #expect(options.keepLog)
        #expect(!options.showHelp)
    }

    @Test("exec help and missing program")
    func execHelp() throws {
        #expect(try CommandLineOptions.parse(["exec", "--help"]).showHelp)
        #expect {
            try CommandLineOptions.parse(["exec", "--timeout", "5"])
        } throws: { error in
            (error as? HarnessError)?.description
                == "missing PROGRAM: the host program to run on lwcos\nsee 'lwcos exec --help'"
        }
        #expect(HelpText.forCommand(.exec).contains("125"))
    }

    @Test("cc passes every other argument to the compiler")
    func ccOptions() throws {
        let options = try CommandLineOptions.parse(["cc", "a.c", "b.c", "-o", "out", "-Wall", "--root", "/r", "-lm"])
        #expect(options.command == .cc)
        #expect(options.programArguments == ["a.c", "b.c", "-o", "out", "-Wall", "-lm"])
        #expect(options.root == "/r")
    }

    @Test("cc usage errors", arguments: [
        (["cc", "a.c"], "missing '-o OUT': the path of the program to write\nsee 'lwcos cc --help'"),
        (["cc", "a.c", "-o"], "missing '-o OUT': the path of the program to write\nsee 'lwcos cc --help'"),
        (["cc", "-o", "out", "-Wall"], "missing FILE.c: give at least one source file\nsee 'lwcos cc --help'"),
    ])
    func ccErrors(arguments: [String], message: String) {
        #expect {
            try CommandLineOptions.parse(arguments)
        } throws: { error in
            (error as? HarnessError)?.description == message
        }
    }

    @Test("compiler arguments")
    func compilerArguments() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-cc-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let compiler = UserCompiler(repository: Repository(root: folder))
        #expect(compiler.compilerArguments(["a.c", "-o", "a"]) == ["-static", "-O2", "-I\(folder)/user/lib", "a.c", "-o", "a"])
        #expect(compiler.missingLibraryHint(["a.c", "-o", "a"])?.hasPrefix(folder + "/build/user/libuser.a does not exist") == true)
        #expect(compiler.missingLibraryHint(["-c", "a.c"]) == nil)

        // The library is linked only when it exists and the command links.
        try FileManager.default.createDirectory(atPath: folder + "/build/user", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: folder + "/build/user/libuser.a", contents: Data())
        #expect(compiler.compilerArguments(["a.c", "-o", "a"]).last == folder + "/build/user/libuser.a")
        #expect(compiler.missingLibraryHint(["a.c", "-o", "a"]) == nil)
        #expect(compiler.compilerArguments(["-c", "a.c", "-o", "a.o"]).last == "a.o")
    }

    @Test("test --extra")
    func extraOption() throws {
        #expect(try CommandLineOptions.parse(["test", "--extra", "mytests"]).extraTestDirectory == "mytests")
        #expect(HostTool.muslGCC.installHint.contains("musl-tools"))
    }
}

@Suite("Rootfs staging")
struct RootfsStageTests {
    /// A repository folder with a small build/rootfs, removed by the caller.
    static func makeRepository(_ label: String) throws -> Repository {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-stage-\(label)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: root)
        let rootfs = root + "/build/rootfs"
        for folder in ["bin", "tests", "etc", "tmp"] {
            try FileManager.default.createDirectory(atPath: rootfs + "/" + folder, withIntermediateDirectories: true)
        }
        FileManager.default.createFile(atPath: rootfs + "/init", contents: Data("init".utf8), attributes: [.posixPermissions: 0o755])
        FileManager.default.createFile(atPath: rootfs + "/tests/fork_wait", contents: Data("t".utf8), attributes: [.posixPermissions: 0o755])
        try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: rootfs + "/tmp")
        return Repository(root: root)
    }

    @Test("stage copies, adds and packs with cpio newc")
    func stage() throws {
        let repository = try Self.makeRepository("pack")
        defer { try? FileManager.default.removeItem(atPath: repository.root) }
        let program = repository.root + "/probe"
        try Data("elf".utf8).write(to: URL(fileURLWithPath: program))

        let stage = RootfsStage(repository: repository, name: "unit")
        let archive = try stage.build(adding: [
            .program(program, at: "/bin/probe"),
            RootfsFile(contents: .bytes(Data("/bin/probe\n".utf8)), guestPath: "/etc/lwcos-exec", mode: 0o644),
        ])
        #expect(archive == repository.buildDirectory + "/initramfs-unit.cpio")

        // cpio lists the archive with modes and owners: sorted names, root-owned, modes kept.
        let listing = try ChildProcess.check("/usr/bin/env", ["cpio", "-itv", "--quiet", "-F", archive])
        let lines = listing.standardOutput.split(separator: "\n").map(String.init)
        let names = lines.compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(names == [".", "bin", "bin/probe", "etc", "etc/lwcos-exec", "init", "tests", "tests/fork_wait", "tmp"])
        #expect(lines.allSatisfy { $0.contains(" root ") || $0.contains(" 0 ") }, "\(lines)")
        #expect(lines.first { $0.hasSuffix(" bin/probe") }?.hasPrefix("-rwxr-xr-x") == true, "\(lines)")
        #expect(lines.first { $0.hasSuffix(" etc/lwcos-exec") }?.hasPrefix("-rw-r--r--") == true, "\(lines)")
        #expect(lines.first { $0.hasSuffix(" tmp") }?.hasPrefix("drwxrwxrwt") == true, "\(lines)")

        // build/rootfs itself is unchanged.
        #expect(!FileManager.default.fileExists(atPath: repository.rootfsDirectory + "/bin/probe"))
        #expect(stage.builtInTests() == ["fork_wait"])
    }

    @Test("guest paths must be absolute without ..")
    func guestPaths() throws {
        let repository = try Self.makeRepository("paths")
        defer { try? FileManager.default.removeItem(atPath: repository.root) }
        let stage = RootfsStage(repository: repository, name: "unit")
        #expect(throws: HarnessError.self) {
            try stage.build(adding: [RootfsFile(contents: .bytes(Data()), guestPath: "/../escape", mode: 0o644)])
        }
        #expect(throws: HarnessError.self) {
            try stage.build(adding: [RootfsFile(contents: .bytes(Data()), guestPath: "relative", mode: 0o644)])
        }
    }

    @Test("extra tests: executables only, names must not clash")
    func extraTests() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-extra-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/subfolder", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let executable: [FileAttributeKey: Any] = [.posixPermissions: 0o755]
        FileManager.default.createFile(atPath: folder + "/b_test", contents: elf(), attributes: executable)
        FileManager.default.createFile(atPath: folder + "/a_test", contents: elf(), attributes: executable)
        FileManager.default.createFile(atPath: folder + "/notes.txt", contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])

        let files = try ExtraTests.files(in: folder, builtIn: ["fork_wait"])
        #expect(files.map(\.guestPath) == ["/tests/a_test", "/tests/b_test"])
        #expect(files.allSatisfy { $0.mode == 0o755 })

        #expect {
            try ExtraTests.files(in: folder, builtIn: ["a_test"])
        } throws: { error in
            (error as? HarnessError)?.description
                == "\(folder)/a_test: its name clashes with the built-in test /tests/a_test (build/rootfs/tests/a_test); rename it"
        }
        #expect(throws: HarnessError.self) {
            try ExtraTests.files(in: folder + "/subfolder", builtIn: [])
        }
    }

    @Test("build products without user programs")
    func buildProducts() throws {
        let built = BuildProducts(initramfs: "/r/build/initramfs.cpio")
        #expect(built.modules == [BootModule.initramfs(source: "/r/build/initramfs.cpio")])
        #expect(built.warning == nil)

        let failed = BuildProducts(
            initramfs: nil, userProgramsError: .commandFailed(command: "make build", status: 2, output: "init.c: error"))
        #expect(failed.modules == [])
        #expect(failed.warning?.contains("init.c: error") == true)
        #expect {
            try failed.requireInitramfs(for: "lwcos exec")
        } throws: { error in
            (error as? HarnessError)?.description.contains("lwcos exec needs the user programs") ?? false
        }
    }
}
