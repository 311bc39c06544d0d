import Foundation
import Testing

@testable import LwcosKit

@Suite("grub.cfg")
struct BootConfigurationTests {
    @Test("test mode with a filter and extra words")
    func testMode() throws {
        let boot = BootConfiguration(mode: .test, filter: "heap.*", extraWords: ["loglevel=4", "lwcos.pcid=off"])
        #expect(try boot.grubConfig() == """
            set timeout=0
            set default=0

            menuentry 'lwcos (test)' {
                multiboot2 /boot/kernel.elf lwcos.mode=test 'lwcos.filter=heap.*' loglevel=4 lwcos.pcid=off
                boot
            }

            """)
    }

    @Test("shell mode has only the mode word")
    func shellMode() throws {
        let boot = BootConfiguration(mode: .shell)
        #expect(boot.kernelWords == ["lwcos.mode=shell"])
        #expect(try boot.grubConfig().contains("    multiboot2 /boot/kernel.elf lwcos.mode=shell\n"))
    }

    @Test("no serial terminal commands")
    func noSerialOutput() throws {
        let text = try BootConfiguration(mode: .bench).grubConfig()
        #expect(!text.contains("serial"))
        #expect(!text.contains("terminal_output"))
    }

    @Test("initramfs module line")
    func module() throws {
        let boot = BootConfiguration(mode: .test, modules: [.initramfs(source: "build/initramfs.cpio")])
        #expect(try boot.grubConfig().contains("""
                multiboot2 /boot/kernel.elf lwcos.mode=test
                module2 /boot/initramfs.cpio initramfs
                boot
            """))
    }

    @Test("quoting special characters", arguments: [
        ("plain=1", "plain=1"),
        ("a$b", "'a$b'"),
        ("heap.*", "'heap.*'"),
        ("x?y", "'x?y'"),
        ("semi;colon", "'semi;colon'"),
        ("{brace}", "'{brace}'"),
    ])
    func quoting(word: String, quoted: String) throws {
        #expect(try GrubQuoting.quote(word) == quoted)
    }

    @Test("words GRUB would change are rejected", arguments: ["a b", "tab\there", "q\"uote", "back\\slash", "it's", "", "new\nline"])
    func rejected(word: String) {
        #expect(throws: HarnessError.self) {
            try GrubQuoting.quote(word)
        }
    }

    @Test("cmdline splits at spaces and tabs")
    func splitWords() {
        #expect(BootConfiguration.splitWords("  loglevel=4\tlwcos.pcid=off  ") == ["loglevel=4", "lwcos.pcid=off"])
        #expect(BootConfiguration.splitWords("") == [])
    }

    @Test("staging paths")
    func paths() {
        let repository = Repository(root: "/r")
        #expect(repository.isoPath(name: "test") == "/r/build/lwcos-test.iso")
        #expect(repository.isoStagingDirectory(name: "test") == "/r/build/iso-test")
        #expect(repository.kernelDebugELF == "/r/build/kernel.elf")
        #expect(repository.kernelISOELF == "/r/build/kernel.iso.elf")
    }
}

@Suite("Command line")
struct CommandLineOptionsTests {
    @Test("test options in both spellings")
    func testOptions() throws {
        let options = try CommandLineOptions.parse([
            "test", "--filter", "heap.*", "--cmdline=loglevel=4 x=y", "--timeout", "12.5", "--accel=kvm",
            "--memory", "512M",
        ])
        #expect(options.command == .test)
        #expect(options.filter == "heap.*")
        #expect(options.kernelWords == ["loglevel=4", "x=y"])
        #expect(options.timeout == 12.5)
        #expect(options.accelerator == .kvm)
        #expect(options.memory == "512M")
        #expect(!options.showHelp)
    }

    @Test("bench options")
    func benchOptions() throws {
        let options = try CommandLineOptions.parse([
            "bench", "--rows", "cow_*", "--icount", "--timeout=90", "--json", "out.json", "--cmdline", "loglevel=3",
        ])
        #expect(options.command == .bench)
        #expect(options.filter == "cow_*")
        #expect(options.instructionCounting)
        #expect(options.timeout == 90)
        #expect(options.jsonPath == "out.json")
        #expect(options.kernelWords == ["loglevel=3"])
        #expect(options.accelerator == .tcg)
    }

    @Test("bench and boottime defaults")
    func measurementDefaults() throws {
        let bench = try CommandLineOptions.parse(["bench"])
        #expect(!bench.instructionCounting)
        #expect(bench.timeout == nil)
        #expect(bench.jsonPath == nil)
        #expect(bench.filter == nil)
        let boottime = try CommandLineOptions.parse(["boottime", "--runs", "3", "--accel", "kvm"])
        #expect(boottime.runs == 3)
        #expect(boottime.accelerator == .kvm)
        #expect(try CommandLineOptions.parse(["boottime"]).runs == 5)
    }

    @Test("debug defaults to kmain")
    func debugDefaults() throws {
        let options = try CommandLineOptions.parse(["debug"])
        #expect(options.breakpoint == "kmain")
        #expect(options.port == 1234)
        #expect(try CommandLineOptions.parse(["debug", "--break", "lwSwitch"]).breakpoint == "lwSwitch")
    }

    @Test("help forms")
    func help() throws {
        #expect(try CommandLineOptions.parse([]).showHelp)
        #expect(try CommandLineOptions.parse(["--help"]).command == nil)
        let commandHelp = try CommandLineOptions.parse(["iso", "--help"])
        #expect(commandHelp.showHelp)
        #expect(commandHelp.command == .iso)
        #expect(try CommandLineOptions.parse(["help", "run"]).command == .run)
    }

    @Test("usage errors", arguments: [
        (["test", "--bogus"], "unknown option '--bogus' for 'lwcos test'\nsee 'lwcos test --help'"),
        (["run", "--filter", "x"], "unknown option '--filter' for 'lwcos run'\nsee 'lwcos run --help'"),
        (["frobnicate"], "unknown command 'frobnicate'\nsee 'lwcos --help'"),
        (["test", "--timeout"], "option '--timeout' requires a value\nsee 'lwcos test --help'"),
        (["test", "--timeout", "0"], "invalid value '0' for --timeout: expected a positive number of seconds\nsee 'lwcos test --help'"),
        (["run", "--accel", "hvf"], "invalid value 'hvf' for --accel: expected tcg or kvm\nsee 'lwcos run --help'"),
        (["run", "--memory", "lots"], "invalid value 'lots' for --memory: expected a size such as 256M or 1G\nsee 'lwcos run --help'"),
        (["iso", "--mode", "x"], "invalid value 'x' for --mode: expected shell, test or bench\nsee 'lwcos iso --help'"),
        (["build", "extra"], "unexpected argument 'extra' for 'lwcos build'\nsee 'lwcos build --help'"),
        (["bench", "--icount=yes"], "option '--icount' takes no value\nsee 'lwcos bench --help'"),
        (["bench", "--icount", "--accel", "kvm"], "--icount requires --accel tcg: QEMU counts instructions only under TCG\nsee 'lwcos bench --help'"),
        (["bench", "--json"], "option '--json' requires a value\nsee 'lwcos bench --help'"),
        (["test", "--icount"], "unknown option '--icount' for 'lwcos test'\nsee 'lwcos test --help'"),
        (["boottime", "--runs", "0"], "invalid value '0' for --runs: expected a positive number of boots\nsee 'lwcos boottime --help'"),
        (["boottime", "--rows", "x"], "unknown option '--rows' for 'lwcos boottime'\nsee 'lwcos boottime --help'"),
    ])
    func usageErrors(arguments: [String], message: String) {
        #expect {
            try CommandLineOptions.parse(arguments)
        } throws: { error in
            (error as? HarnessError)?.description == message
        }
    }

    @Test("every command has help naming its options")
    func helpMentionsOptions() {
        for command in LwcosCommand.allCases {
            let text = HelpText.forCommand(command)
            #expect(text.hasPrefix("usage: lwcos \(command.rawValue)"))
            for option in command.options {
                #expect(text.contains(option), "help of \(command.rawValue) lacks \(option)")
            }
        }
    }

    @Test("missing tool names the Debian package")
    func missingTool() {
        #expect(HarnessError.missingTool(.grubMkrescue).description
            == "grub-mkrescue not found on PATH: install it with 'apt-get install grub-common grub-pc-bin' "
            + "or run 'make deps'")
        #expect(HostTool.mformat.debianPackage == "mtools")
        #expect(HostTool.lld.debianPackage == "lld")
        let empty = ToolLocator(environment: ["PATH": "/nonexistent"])
        #expect(throws: HarnessError.missingTool(.make)) {
            try empty.require(HostTool.build)
        }
    }
}

@Suite("Repository root")
struct RepositoryTests {
    @Test("found from a subfolder")
    func locateFromSubfolder() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-root-\(getpid())").path
        try FileManager.default.createDirectory(atPath: base + "/kernel/mm", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        FileManager.default.createFile(atPath: base + "/Package.swift", contents: Data())
        FileManager.default.createFile(atPath: base + "/Makefile", contents: Data())

        let repository = try Repository.locate(from: base + "/kernel/mm")
        #expect(repository.root == URL(fileURLWithPath: base).standardizedFileURL.path)
        #expect(try Repository.resolve(explicitRoot: base).root == repository.root)
    }

    @Test("missing root is an error")
    func missingRoot() {
        #expect(throws: HarnessError.repositoryRootNotFound(start: "/")) {
            try Repository.locate(from: "/")
        }
        #expect(throws: HarnessError.missingFile(path: "/nonexistent/Makefile", hint: "--root must name the lwcos repository")) {
            try Repository.resolve(explicitRoot: "/nonexistent")
        }
    }
}
