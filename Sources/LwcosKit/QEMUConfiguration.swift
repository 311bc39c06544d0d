/// The CPU emulation QEMU uses.
public enum Accelerator: String, CaseIterable, Sendable {
    /// Binary translation: slower per instruction but boots fast everywhere, so the default.
    case tcg
    /// Hardware virtualization through /dev/kvm, for hosts where it is fast.
    case kvm
}

/// Destination of the guest's COM1 serial port.
public enum SerialMode: Sendable, Equatable {
    /// QEMU's standard output, read by the harness through a pipe; no monitor.
    case pipe
    /// The user's terminal, with the QEMU monitor multiplexed on it (Ctrl-A C).
    case interactive
    /// A file on the host; no monitor.
    case file(String)
}

/// Listening address of QEMU's gdb stub. With a stub, QEMU starts paused (`-S`).
public enum GDBStub: Sendable, Equatable {
    /// The stub speaks on QEMU's standard input and output, for `target remote | exec qemu ...`.
    case stdio
    /// The stub listens on 127.0.0.1 only, at `port`.
    case tcp(port: Int)
}

/// The QEMU machine lwcos boots on, and the command line that starts it.
public struct QEMUConfiguration: Sendable, Equatable {
    public static let defaultExecutable = "qemu-system-x86_64"

    /// Exit statuses QEMU reports after the kernel writes to isa-debug-exit. QEMU exits with
    /// `(value << 1) | 1`, so the kernel's 0x10, 0x11 and 0x12 become 33, 35 and 37.
    public enum ExitStatus {
        public static let suitePassed: Int32 = 33
        public static let testFailed: Int32 = 35
        public static let kernelPanic: Int32 = 37
        /// Under `-no-reboot` a guest reset, such as a triple fault, ends QEMU with status 0.
        public static let guestReset: Int32 = 0
    }

    public var executable: String
    public var iso: String
    public var accelerator: Accelerator
    /// Guest memory in QEMU's `-m` syntax, for example `256M` or `1G`.
    public var memory: String
    public var cpus: Int
    public var serial: SerialMode
    public var gdb: GDBStub?
    /// Adds `-icount shift=0`. QEMU 7.2's `-help` describes `-icount shift=N` as a virtual
    /// instruction counter with 2^N clock ticks per instruction, so the guest's TSC counts
    /// instructions executed and rdtsc figures become deterministic. TCG only: under KVM
    /// QEMU exits with "-icount is not allowed with hardware virtualization".
    public var instructionCounting: Bool

    public init(
        iso: String,
        accelerator: Accelerator = .tcg,
        memory: String = "256M",
        cpus: Int = 1,
        serial: SerialMode = .pipe,
        gdb: GDBStub? = nil,
        instructionCounting: Bool = false,
        executable: String = QEMUConfiguration.defaultExecutable
    ) {
        self.executable = executable
        self.iso = iso
        self.accelerator = accelerator
        self.memory = memory
        self.cpus = cpus
        self.serial = serial
        self.gdb = gdb
        self.instructionCounting = instructionCounting
    }

    /// The arguments after the executable's name.
    public var arguments: [String] {
        var arguments = [
            "-cdrom", iso,
            "-smp", String(cpus),
            "-m", memory,
            "-display", "none",
            "-nic", "none",
            "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        ]
        switch accelerator {
        case .tcg: arguments += ["-accel", "tcg", "-cpu", "max"]
        case .kvm: arguments += ["-accel", "kvm", "-cpu", "host"]
        }
        if instructionCounting {
            arguments += ["-icount", "shift=0"]
        }
        switch serial {
        case .pipe: arguments += ["-serial", "stdio", "-monitor", "none"]
        case .interactive: arguments += ["-serial", "mon:stdio"]
        case .file(let path): arguments += ["-serial", "file:" + path, "-monitor", "none"]
        }
        switch gdb {
        case nil: break
        case .stdio: arguments += ["-S", "-gdb", "stdio"]
        case .tcp(let port): arguments += ["-S", "-gdb", "tcp:127.0.0.1:\(port)"]
        }
        return arguments
    }

    /// The whole command as one shell word list, for gdb's `target remote | exec ...`.
    public var shellCommand: String {
        ([executable] + arguments).map(ShellQuoting.quote).joined(separator: " ")
    }
}
