import Testing

@testable import LwcosKit

@Suite("lwcos debug options")
struct DebugOptionsTests {
    @Test("lwC call names map to kernel functions", arguments: [
        ("lwSwitch", "lwc_switch_to"),
        ("lwCreate", "sys_lwCreate"),
        ("lwOverlay", "sys_lwOverlay"),
        ("lwRestrict", "sys_lwRestrict"),
        ("lwSyscall", "sys_lwSyscall"),
    ])
    func aliases(call: String, function: String) {
        let breakpoint = KernelBreakpoint(call)
        #expect(breakpoint.location == function)
        #expect(breakpoint.isAlias)
        #expect(breakpoint.requested == call)
    }

    @Test("other locations pass unchanged", arguments: ["kmain", "kernel/lwc/switch.c:63", "*0xffffffff80100000", "lwswitch"])
    func plainLocations(location: String) {
        let breakpoint = KernelBreakpoint(location)
        #expect(breakpoint.location == location)
        #expect(!breakpoint.isAlias)
    }

    @Test("--exec takes the program and its arguments")
    func execProgram() throws {
        let options = try CommandLineOptions.parse(
            ["debug", "--break", "lwSwitch", "--exec", "build/rootfs/tests/lwc_switch", "-v", "x", "--port", "4000"])
        #expect(options.command == .debug)
        #expect(options.breakpoint == "lwSwitch")
        #expect(options.program == "build/rootfs/tests/lwc_switch")
        // --port is an option of debug, so it stays with lwcos; the other words go to the program.
        #expect(options.programArguments == ["-v", "x"])
        #expect(options.port == 4000)
    }

    @Test("words after -- go to the program")
    func execDoubleDash() throws {
        let options = try CommandLineOptions.parse(["debug", "--exec=prog", "--", "--break", "a"])
        #expect(options.program == "prog")
        #expect(options.programArguments == ["--break", "a"])
        #expect(options.breakpoint == "kmain")
    }

    @Test("--exec rejects --mode, a second --exec and an empty value")
    func execErrors() {
        #expect(throws: HarnessError.usage(
            message: "--mode and --exec exclude each other: --exec boots the exec mode", command: "debug"))
        {
            try CommandLineOptions.parse(["debug", "--mode", "test", "--exec", "prog"])
        }
        #expect(throws: HarnessError.usage(
            message: "option '--exec' given twice: lwcos debug boots one program", command: "debug"))
        {
            try CommandLineOptions.parse(["debug", "--exec", "a", "--exec", "b"])
        }
        #expect(throws: HarnessError.self) {
            try CommandLineOptions.parse(["debug", "--exec", ""])
        }
        #expect(throws: HarnessError.self) {
            try CommandLineOptions.parse(["debug", "stray"])
        }
    }

    @Test("invalid breakpoint message is one line")
    func invalidBreakpointMessage() {
        let error = HarnessError.invalidBreakpoint(
            location: "nosuch", elf: "build/kernel.elf", reason: "Function \"nosuch\" not defined.")
        #expect(error.description == "invalid breakpoint 'nosuch': gdb finds no such location in build/kernel.elf "
            + "(Function \"nosuch\" not defined.); name a kernel function, FILE:LINE, or an lwC call "
            + "(lwSwitch, lwCreate, lwOverlay, lwRestrict, lwSyscall)")
        #expect(!error.description.contains("\n"))
    }

    @Test("gdb loads the program's symbols")
    func symbolFiles() {
        let session = GDBSession(
            repository: Repository(root: "/nonexistent"), qemu: QEMUConfiguration(iso: "x.iso"),
            symbolFiles: ["/p/lwc_switch"])
        #expect(session.interactiveArguments(breakpoint: "lwc_switch_to", port: 1234) == [
            "-q", "-ex", "set architecture i386:x86-64", "-ex", "add-symbol-file /p/lwc_switch",
            "-ex", "target remote 127.0.0.1:1234", "-ex", "hbreak lwc_switch_to", "-ex", "continue",
            "/nonexistent/build/kernel.elf",
        ])
        #expect(session.batchSerialLog == "/nonexistent/build/gdb-serial.log")
    }
}
