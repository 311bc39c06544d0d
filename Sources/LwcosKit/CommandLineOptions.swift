import Foundation

/// A subcommand of the `lwcos` tool.
public enum LwcosCommand: String, CaseIterable, Sendable {
    case build, iso, run, test, debug, bench, boottime, exec, cc

    /// The options the subcommand accepts, besides `--help` and `--root`.
    var options: [String] {
        switch self {
        case .build: return []
        case .iso: return ["--mode", "--filter", "--cmdline"]
        case .run: return ["--accel", "--memory", "--cmdline"]
        case .test: return ["--filter", "--cmdline", "--timeout", "--accel", "--memory", "--extra"]
        case .debug: return ["--break", "--mode", "--cmdline", "--accel", "--memory", "--port", "--exec"]
        case .bench: return ["--rows", "--icount", "--linux", "--svg", "--accel", "--memory", "--timeout", "--json", "--cmdline"]
        case .boottime: return ["--runs", "--accel", "--memory", "--timeout"]
        case .exec: return ["--accel", "--memory", "--timeout", "--keep-log", "--cmdline"]
        // Every other argument of `cc` goes to the compiler.
        case .cc: return []
        }
    }

    /// Options that take no value.
    static let flags: Set<String> = ["--icount", "--keep-log", "--linux"]
}

/// A parsed `lwcos` command line.
public struct CommandLineOptions: Equatable, Sendable {
    /// nil when no subcommand was given, which shows the overall help.
    public var command: LwcosCommand?
    public var showHelp = false
    public var root: String?
    public var mode: BootMode?
    /// Glob sent as `lwcos.filter=`: test cases for `--filter`, bench rows for `--rows`.
    public var filter: String?
    public var kernelWords: [String] = []
    public var accelerator: Accelerator = .tcg
    public var memory = "256M"
    /// Wall-clock limit of a boot in seconds, or nil for the default of the command.
    public var timeout: Double?
    /// `--break`: a gdb location in the kernel, or an lwC call name (see `KernelBreakpoint`).
    public var breakpoint = "kmain"
    public var port = GDBSession.defaultPort
    /// `--icount`: run QEMU with `-icount shift=0`.
    public var instructionCounting = false
    /// `--json FILE`: where `lwcos bench` writes its rows as JSON.
    public var jsonPath: String?
    /// `--linux`: `lwcos bench` also boots the host's Debian kernel with the same programs.
    public var compareWithLinux = false
    /// `--svg FILE`: where `lwcos bench` writes its bar chart.
    public var svgPath: String?
    /// `--runs N`: number of boots `lwcos boottime` times.
    public var runs = BootTimer.defaultRuns
    /// `--extra DIR`: a folder of test programs `lwcos test` adds to `/tests`.
    public var extraTestDirectory: String?
    /// `--keep-log`: `lwcos exec` keeps the serial output in build/exec-serial.log.
    public var keepLog = false
    /// The host program `lwcos exec` runs, or the one `lwcos debug --exec` boots with.
    public var program: String?
    /// The arguments after the program of `lwcos exec` or `lwcos debug --exec`, or every
    /// compiler argument of `lwcos cc`.
    public var programArguments: [String] = []

    public init() {}

    /// Parses the arguments after the program name. Options take their value as the next
    /// argument or after `=`. Throws `HarnessError.usage`, which the tool reports with
    /// exit status 2.
    public static func parse(_ arguments: [String]) throws(HarnessError) -> CommandLineOptions {
        var options = CommandLineOptions()
        var remaining = arguments[...]

        // The subcommand comes first. `--help` alone requests the overall help.
        guard let first = remaining.first else {
            options.showHelp = true
            return options
        }
        if first == "--help" || first == "-h" || first == "help" {
            options.showHelp = true
            if remaining.count > 1, first == "help" {
                options.command = LwcosCommand(rawValue: remaining[remaining.startIndex + 1])
            }
            return options
        }
        guard let command = LwcosCommand(rawValue: first) else {
            if first.hasPrefix("-") {
                throw .usage(message: "unknown option '\(first)' before the command", command: "")
            }
            throw .usage(message: "unknown command '\(first)'", command: "")
        }
        options.command = command
        remaining = remaining.dropFirst()
        if command == .bench {
            options.memory = BenchRunner.defaultMemory
        }
        if command == .cc {
            try options.parseCompilerArguments(remaining)
            return options
        }

        while let argument = remaining.popFirst() {
            // After the program of `lwcos exec` or `lwcos debug --exec`, only the command's
            // own options stay with lwcos.
            if command == .exec || command == .debug, options.program != nil {
                if argument == "--" {
                    options.programArguments += remaining
                    break
                }
                let name = String(argument.prefix(while: { $0 != "=" }))
                if name != "--root", !command.options.contains(name) {
                    options.programArguments.append(argument)
                    continue
                }
            }
            if argument == "--help" || argument == "-h" {
                options.showHelp = true
                continue
            }
            if command == .exec, options.program == nil, !argument.hasPrefix("-") || argument == "-" {
                options.program = argument
                continue
            }
            guard argument.hasPrefix("--") else {
                throw .usage(message: "unexpected argument '\(argument)' for 'lwcos \(command.rawValue)'", command: command.rawValue)
            }

            // Split "--name=value", or take the value from the next argument.
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard name == "--root" || command.options.contains(name) else {
                throw .usage(message: "unknown option '\(name)' for 'lwcos \(command.rawValue)'", command: command.rawValue)
            }
            if LwcosCommand.flags.contains(name) {
                guard inlineValue == nil else {
                    throw .usage(message: "option '\(name)' takes no value", command: command.rawValue)
                }
                options.setFlag(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if let next = remaining.popFirst() {
                value = next
            } else {
                throw .usage(message: "option '\(name)' requires a value", command: command.rawValue)
            }
            try options.apply(name, value, command: command)
        }

        if command == .exec, options.program == nil, !options.showHelp {
            throw .usage(message: "missing PROGRAM: the host program to run on lwcos", command: command.rawValue)
        }
        // --exec boots the exec mode, which is the only mode that runs a staged program.
        if command == .debug, options.program != nil, options.mode != nil {
            throw .usage(message: "--mode and --exec exclude each other: --exec boots the exec mode",
                         command: command.rawValue)
        }

        // QEMU 7.2 exits with "-icount is not allowed with hardware virtualization" under KVM.
        if options.instructionCounting, options.accelerator != .tcg {
            throw .usage(message: "--icount requires --accel tcg: QEMU counts instructions only under TCG", command: command.rawValue)
        }
        return options
    }

    private mutating func setFlag(_ name: String) {
        switch name {
        case "--icount": instructionCounting = true
        case "--keep-log": keepLog = true
        case "--linux": compareWithLinux = true
        default: break
        }
    }

    /// Takes `--root` and `--help` from the arguments of `lwcos cc` and keeps the rest, in
    /// order, for the compiler. Requires `-o OUT` and at least one input file.
    private mutating func parseCompilerArguments(_ arguments: ArraySlice<String>) throws(HarnessError) {
        var remaining = arguments
        while let argument = remaining.popFirst() {
            if argument == "--help" || argument == "-h" {
                showHelp = true
            } else if argument == "--root" {
                guard let value = remaining.popFirst() else {
                    throw .usage(message: "option '--root' requires a value", command: "cc")
                }
                root = value
            } else if argument.hasPrefix("--root=") {
                root = String(argument.dropFirst("--root=".count))
            } else {
                programArguments.append(argument)
            }
        }
        guard !showHelp else { return }
        guard let flag = programArguments.firstIndex(of: "-o"), flag + 1 < programArguments.count else {
            throw .usage(message: "missing '-o OUT': the path of the program to write", command: "cc")
        }
        let inputs = programArguments.enumerated().filter { index, word in
            index != flag + 1 && !word.hasPrefix("-")
        }
        guard !inputs.isEmpty else {
            throw .usage(message: "missing FILE.c: give at least one source file", command: "cc")
        }
    }

    private mutating func apply(_ name: String, _ value: String, command: LwcosCommand) throws(HarnessError) {
        func invalid(_ expected: String) -> HarnessError {
            .usage(message: "invalid value '\(value)' for \(name): expected \(expected)", command: command.rawValue)
        }
        switch name {
        case "--root":
            root = value
        case "--mode":
            // Exec mode needs a staged program: only `lwcos exec` boots it.
            guard let parsed = BootMode(rawValue: value), parsed != .exec else { throw invalid("shell, test or bench") }
            mode = parsed
        case "--filter":
            guard !value.isEmpty else { throw invalid("a glob such as 'heap.*'") }
            filter = value
        case "--rows":
            guard !value.isEmpty else { throw invalid("a glob such as 'cow_*'") }
            filter = value
        case "--extra":
            guard !value.isEmpty else { throw invalid("a folder of test programs") }
            extraTestDirectory = value
        case "--json":
            guard !value.isEmpty else { throw invalid("a file path") }
            jsonPath = value
        case "--svg":
            guard !value.isEmpty else { throw invalid("a file path") }
            svgPath = value
        case "--runs":
            guard let parsed = Int(value), parsed > 0 else { throw invalid("a positive number of boots") }
            runs = parsed
        case "--cmdline":
            kernelWords += BootConfiguration.splitWords(value)
        case "--accel":
            guard let parsed = Accelerator(rawValue: value) else { throw invalid("tcg or kvm") }
            accelerator = parsed
        case "--memory":
            guard Self.isMemorySize(value) else { throw invalid("a size such as 256M or 1G") }
            memory = value
        case "--timeout":
            guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
                throw invalid("a positive number of seconds")
            }
            timeout = seconds
        case "--break":
            guard !value.isEmpty, !value.contains(where: \.isWhitespace) else { throw invalid("a function name") }
            breakpoint = value
        case "--exec":
            guard !value.isEmpty else { throw invalid("a static x86-64 program on this host") }
            guard program == nil else {
                throw .usage(message: "option '--exec' given twice: lwcos debug boots one program", command: command.rawValue)
            }
            program = value
        case "--port":
            guard let parsed = Int(value), (1...65535).contains(parsed) else { throw invalid("a TCP port, 1-65535") }
            port = parsed
        default:
            throw .usage(message: "unknown option '\(name)'", command: command.rawValue)
        }
    }

    /// Accepts QEMU `-m` sizes: digits with an optional M or G suffix (plain digits are MiB).
    static func isMemorySize(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = digits.last, "MG".contains(last) {
            digits = digits.dropLast()
        }
        return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit) && (Int(digits) ?? 0) > 0
    }
}

/// Help texts of the `lwcos` tool.
public enum HelpText {
    public static let overview = """
        usage: lwcos <command> [options]

        Builds, boots, tests and debugs the lwcos kernel. Run from anywhere inside the
        repository, or pass --root PATH.

        commands:
          build    build the kernel and the user programs (make build)
          iso      build a bootable ISO for one mode
          run      boot the shell interactively on this terminal
          test     boot the test mode, stream its KTAP output and summarize it
          debug    boot paused and attach gdb with a hardware breakpoint
          bench    boot the bench mode and print its figures as a table
          boottime time several boots of the test mode
          exec     run one static host program on lwcos and exit with its status
          cc       compile a C program for lwcos with musl-gcc -static

        Run 'lwcos <command> --help' for the options of a command.
        """

    public static func forCommand(_ command: LwcosCommand) -> String {
        let root = "  --root PATH         repository root (default: found from the current folder)"
        switch command {
        case .build:
            return """
                usage: lwcos build [--root PATH]

                Runs 'make build', which writes build/kernel.elf (with DWARF, for gdb),
                build/kernel.iso.elf (stripped, for the ISO), the user programs in
                build/rootfs and build/initramfs.cpio. When the user programs fail to
                build, it builds the kernel alone and warns; ISOs then have no /init.

                options:
                \(root)
                """
        case .iso:
            return """
                usage: lwcos iso [--mode shell|test|bench] [--filter GLOB] [--cmdline ARGS]

                Builds the kernel and build/lwcos-<mode>.iso.

                options:
                  --mode MODE         boot mode: shell, test or bench (default: shell)
                  --filter GLOB       run only the test cases whose suite.case name matches
                  --cmdline ARGS      extra kernel command-line words, separated by spaces
                \(root)
                """
        case .run:
            return """
                usage: lwcos run [--accel tcg|kvm] [--memory SIZE] [--cmdline ARGS]

                Builds the kernel and boots the shell with the serial console on this
                terminal. Quit QEMU with Ctrl-A X; Ctrl-A C switches to the QEMU monitor.

                options:
                  --accel tcg|kvm     CPU emulation (default: tcg)
                  --memory SIZE       guest memory such as 256M or 1G (default: 256M)
                  --cmdline ARGS      extra kernel command-line words, separated by spaces
                \(root)
                """
        case .test:
            return """
                usage: lwcos test [--filter GLOB] [--extra DIR] [--cmdline ARGS] [--timeout SECONDS]
                                  [--accel tcg|kvm] [--memory SIZE]

                Builds the kernel and the user programs, boots the test mode and streams
                its serial output, also written to build/test-serial.log. The kernel's
                suites run first, then /init runs each program in /tests as a subtest of
                the suite 'user' (cases named user.PROGRAM.CASE). Prints the failed cases
                and a summary. Exits 0 only when QEMU exited 33 and the final KTAP result
                arrived; 1 when the run failed.

                options:
                  --filter GLOB       run only the matching cases: kernel cases by suite.case,
                                      user cases by PROGRAM.CASE
                  --extra DIR         also run every executable file in DIR as a test program
                                      in /tests; names must differ from the built-in tests
                  --cmdline ARGS      extra kernel command-line words, separated by spaces
                  --timeout SECONDS   wall-clock limit of the boot (default: \(Int(TestRunner.defaultTimeout)))
                  --accel tcg|kvm     CPU emulation (default: tcg)
                  --memory SIZE       guest memory such as 256M or 1G (default: 256M)
                \(root)
                """
        case .debug:
            return """
                usage: lwcos debug [--break LOCATION] [--mode MODE] [--cmdline ARGS] [--port PORT]
                       lwcos debug [--break LOCATION] [options] --exec PROGRAM [ARGS...] [options]

                Builds the kernel, starts QEMU paused with its gdb stub on 127.0.0.1:PORT
                and runs gdb with tools/gdb/lwcos.gdb, a hardware breakpoint at LOCATION,
                and 'continue'. The serial output goes to build/debug-serial.log.

                LOCATION is a kernel function, FILE:LINE or *ADDRESS, checked against
                build/kernel.elf before QEMU starts (exit status 2 when gdb does not find
                it). The lwC calls stand for the kernel functions that implement them:
                \(KernelBreakpoint.aliases.map { "\($0.call) = \($0.function)" }.joined(separator: ", ")).

                With --exec, PROGRAM (a static x86-64 ELF on this host) is staged as
                /bin/NAME and the exec mode boots, as 'lwcos exec' does: /init runs it with
                ARGS and powers off when it exits. Its output goes to the serial log, and
                gdb also loads its symbols. After PROGRAM, only the options below stay
                with lwcos; every other word, and every word after '--', goes to PROGRAM.

                options:
                  --break LOCATION    where to stop (default: kmain)
                  --exec PROGRAM      boot the exec mode running PROGRAM [ARGS...]
                  --mode MODE         boot mode without --exec: shell, test or bench (default: shell)
                  --cmdline ARGS      extra kernel command-line words, separated by spaces
                  --port PORT         TCP port of the gdb stub (default: \(GDBSession.defaultPort))
                  --accel tcg|kvm     CPU emulation (default: tcg)
                  --memory SIZE       guest memory such as 256M or 1G (default: 256M)
                \(root)
                """
        case .bench:
            return """
                usage: lwcos bench [--rows GLOB] [--icount] [--linux] [--svg FILE] [--json FILE]
                                   [--accel tcg|kvm] [--timeout SECONDS] [--cmdline ARGS] [--memory SIZE]

                Builds the kernel and build/lwcos-bench.iso, boots the bench mode and
                prints a header (accelerator, icount, QEMU version, host CPU, date) and a
                table of median, p10 and p90 per row. The kernel prints its own rows, then
                /init runs the programs of /bench. The serial output is written to
                build/bench-serial.log. Exits 0 only when QEMU exited 33, 'BENCH end'
                arrived and every BENCH line was valid; 1 otherwise.

                With --linux it then boots the newest /boot/vmlinuz-* (Debian package
                linux-image-amd64) in the same QEMU configuration, with build/rootfs as
                its initramfs, so /init runs the same programs of /bench under Linux.
                The table then shows each row's lwcos median, Linux median and their
                ratio. The Linux serial output is written to build/bench-linux-serial.log,
                and the Linux run passes when Linux powered off (QEMU exit 0).

                options:
                  --rows GLOB         run only the rows whose name matches
                                      (lwcos.filter=GLOB), kernel and /bench rows alike
                  --icount            run QEMU with -icount shift=0, so the figures are
                                      deterministic counts derived from instructions
                                      executed; TCG only
                  --linux             also boot the host's Debian kernel and compare
                  --svg FILE          also write a bar chart of the medians to FILE (SVG)
                  --json FILE         also write the header and every run's rows to FILE as JSON
                  --accel tcg|kvm     CPU emulation (default: tcg)
                  --timeout SECONDS   wall-clock limit of each boot (default: \(Int(BenchRunner.defaultTimeout)))
                  --cmdline ARGS      extra lwcos command-line words, separated by spaces
                  --memory SIZE       guest memory such as 256M or 1G (default: \(BenchRunner.defaultMemory))
                \(root)
                """
        case .boottime:
            return """
                usage: lwcos boottime [--runs N] [--accel tcg|kvm] [--timeout SECONDS] [--memory SIZE]

                Builds the kernel and build/lwcos-boottime.iso (test mode), boots it N
                times one after another and prints the median, minimum and maximum wall
                time, in seconds, from starting QEMU to the first serial line, to the
                first 'KTAP version 1' line and to QEMU's exit. Exits 1 when a boot
                does not reach the end of its tests.

                options:
                  --runs N            number of boots (default: \(BootTimer.defaultRuns))
                  --accel tcg|kvm     CPU emulation (default: tcg)
                  --timeout SECONDS   wall-clock limit of each boot (default: \(Int(TestRunner.defaultTimeout)))
                  --memory SIZE       guest memory such as 256M or 1G (default: 256M)
                \(root)
                """
        case .exec:
            return """
                usage: lwcos exec [options] PROGRAM [ARGS...] [options]

                Runs PROGRAM, a static x86-64 ELF on this host, on lwcos: copies
                build/rootfs to build/rootfs-exec, adds PROGRAM as /bin/NAME, boots the
                exec mode (with loglevel=3) and writes the program's output to standard
                output as it arrives. Standard input goes to the guest console: a pipe or
                file is sent whole, then end of file; a terminal is put in raw mode and
                each key is sent as typed (the guest echoes it). Ctrl-C stops the boot.

                After PROGRAM, only the options below are taken by lwcos; every other
                word goes to the program, and every word after '--' does.

                exit status:
                  N                   the program's exit status, or 128 + signal number
                                      when a signal killed it (139 for SIGSEGV)
                  2                   invalid lwcos options or arguments
                  125                 lwcos could not run the program to its end: a build
                                      or staging error, a kernel panic, a timeout, or no
                                      exit status line; the last 50 serial lines go to
                                      standard error
                  130                 Ctrl-C

                options:
                  --timeout SECONDS   wall-clock limit of the boot (default: \(Int(ExecRunner.defaultTimeout)))
                  --keep-log          keep the serial output in build/exec-serial.log
                  --accel tcg|kvm     CPU emulation (default: tcg)
                  --memory SIZE       guest memory such as 256M or 1G (default: 256M)
                  --cmdline ARGS      extra kernel command-line words, separated by spaces
                \(root)
                """
        case .cc:
            return """
                usage: lwcos cc FILE.c... -o OUT [compiler flags]

                Compiles a program for lwcos: runs 'musl-gcc -static -O2 -Iuser/lib FILE.c...
                -o OUT' with the flags given, and links build/user/libuser.a (the KTAP
                helper and liblwc) when 'make build' made it. The compiler's messages are
                shown unchanged and lwcos exits with its status. Run the result with
                'lwcos exec OUT'.

                options:
                \(root)
                """
        }
    }
}
