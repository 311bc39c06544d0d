import Foundation

/// Hands the terminal to an interactive child and takes it back afterwards.
///
/// Foundation's `Process` starts each child in its own process group, which the terminal
/// treats as a background job: QEMU or gdb would stop on SIGTTIN the moment it read a key.
/// The harness therefore makes the child's group the terminal's foreground group while it
/// runs, as a shell does. Afterwards it takes the foreground back and restores the saved
/// termios settings, even when the child left the terminal in raw mode.
public struct TerminalSession {
    private let descriptor: Int32
    private var saved: termios?
    private let ownGroup: pid_t

    /// Saves the terminal state of standard input; does nothing when it is not a terminal.
    public init(descriptor: Int32 = STDIN_FILENO) {
        self.descriptor = descriptor
        self.ownGroup = getpgrp()
        var settings = termios()
        if isatty(descriptor) == 1, tcgetattr(descriptor, &settings) == 0 {
            saved = settings
        }
    }

    public var isTerminal: Bool { saved != nil }

    /// Makes `pid`'s process group the foreground group and wakes the child in case it
    /// stopped on SIGTTIN or SIGTTOU before the hand-over.
    public func handOver(to pid: pid_t) {
        guard isTerminal else { return }
        withBackgroundWritesAllowed {
            _ = tcsetpgrp(descriptor, pid)
        }
        _ = kill(-pid, SIGCONT)
    }

    /// Takes the foreground back and restores the saved settings.
    public func restore() {
        guard var settings = saved else { return }
        withBackgroundWritesAllowed {
            _ = tcsetpgrp(descriptor, ownGroup)
            _ = tcsetattr(descriptor, TCSADRAIN, &settings)
        }
    }

    /// Runs `body` with SIGTTOU ignored: a background process may change the terminal's
    /// foreground group or settings only then.
    private func withBackgroundWritesAllowed(_ body: () -> Void) {
        let previous = signal(SIGTTOU, SIG_IGN)
        body()
        signal(SIGTTOU, previous)
    }
}
