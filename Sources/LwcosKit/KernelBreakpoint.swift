import Foundation

/// The location of `lwcos debug --break`: a gdb location in the kernel (a function,
/// `FILE:LINE` or `*ADDRESS`), or an lwC call by its user API name, which stands for the
/// kernel function that implements it.
public struct KernelBreakpoint: Equatable, Sendable {
    /// The lwC calls of `user/lib/lwc.h` and the kernel functions behind them. lwSwitch
    /// maps to `lwc_switch_to`, the one C function of every switch (lwSwitch's own,
    /// a trapped system call's and a monitor's reply), not to the `sys_lwSwitch` entry.
    public static let aliases: [(call: String, function: String)] = [
        ("lwSwitch", "lwc_switch_to"),
        ("lwCreate", "sys_lwCreate"),
        ("lwOverlay", "sys_lwOverlay"),
        ("lwRestrict", "sys_lwRestrict"),
        ("lwSyscall", "sys_lwSyscall"),
    ]

    /// The location as given after `--break`.
    public var requested: String
    /// The location gdb gets: `requested`, or the kernel function of an alias.
    public var location: String

    public init(_ requested: String) {
        self.requested = requested
        location = Self.aliases.first { $0.call == requested }?.function ?? requested
    }

    /// Whether `requested` is an lwC call name.
    public var isAlias: Bool { location != requested }

    /// Checks that gdb can set a breakpoint at `location` in `elf` alone, before QEMU
    /// starts. Throws `invalidBreakpoint` with gdb's message when it cannot.
    public func validate(elf: String, gdb: String) throws(HarnessError) {
        // `break` resolves the location the way `hbreak` will, but needs no running
        // target. gdb -batch exits 0 even when the command fails, so read its output:
        // an unknown function, file or line goes to standard error.
        let arguments = ["-batch", "-nx", "-ex", "set breakpoint pending off", "-ex", "break " + location, elf]
        let result = try ChildProcess.run(gdb, arguments, timeout: 30)
        if result.interrupted {
            throw .interrupted
        }
        if result.timedOut {
            throw .invalidBreakpoint(location: location, elf: elf, reason: "gdb timed out reading the symbols")
        }
        let message = result.standardError.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard message.isEmpty, result.standardOutput.contains("Breakpoint 1 at ") else {
            let reason = message.isEmpty ? "gdb set no breakpoint" : message
            throw .invalidBreakpoint(location: location, elf: elf, reason: reason)
        }
    }
}
