import Dispatch
import Foundation

/// The child processes the harness has started and not yet reaped, so that Ctrl-C or a
/// timeout can kill them.
///
/// Foundation's `Process` on Linux starts every child as the leader of its own process
/// group, so the terminal's SIGINT never reaches QEMU or gdb. The harness therefore kills
/// each child's whole group itself: that also ends a QEMU that gdb started through
/// `target remote | exec ...`, which stays in gdb's group.
public final class ChildProcesses: @unchecked Sendable {
    public static let shared = ChildProcesses()

    private let lock = NSLock()
    private var groups: Set<pid_t> = []
    private var interruptSource: DispatchSourceSignal?
    private var interruptedFlag = false

    /// Whether SIGINT arrived since the handler was installed.
    public var interrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return interruptedFlag
    }

    public func register(_ pid: pid_t) {
        lock.lock()
        groups.insert(pid)
        lock.unlock()
    }

    public func unregister(_ pid: pid_t) {
        lock.lock()
        groups.remove(pid)
        lock.unlock()
    }

    /// Sends SIGKILL to the process group led by `pid`, or to `pid` alone when it has
    /// left that group. Call it only before the child is reaped or while other members of
    /// its group are alive, since only then can the id not belong to another process.
    public static func kill(group pid: pid_t) {
        guard pid > 0 else { return }
        if Foundation.kill(-pid, SIGKILL) != 0 {
            _ = Foundation.kill(pid, SIGKILL)
        }
    }

    /// Kills every registered child. The code waiting on each child then reaps it.
    public func killAll() {
        lock.lock()
        let pids = groups
        lock.unlock()
        for pid in pids {
            Self.kill(group: pid)
        }
    }

    /// Installs a SIGINT handler that kills all registered children. The handler runs on
    /// a dispatch queue, not in signal context, so it may take the lock. With no child
    /// running it exits the process with status 130, as a shell would report Ctrl-C.
    public func installInterruptHandler() {
        lock.lock()
        defer { lock.unlock() }
        guard interruptSource == nil else { return }
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [self] in
            lock.lock()
            interruptedFlag = true
            let pids = groups
            lock.unlock()
            if pids.isEmpty {
                exit(130)
            }
            for pid in pids {
                Self.kill(group: pid)
            }
        }
        source.resume()
        interruptSource = source
    }
}
