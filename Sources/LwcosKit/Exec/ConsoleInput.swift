import Dispatch
import Foundation

/// The input `lwcos exec` sends to the guest's console, which is the program's standard input.
public enum ExecInput: Sendable, Equatable {
    /// Nothing: a program that reads its standard input waits until the time limit.
    case none
    /// These bytes, then end of file.
    case bytes(Data)
    /// A host descriptor that is not a terminal, such as a pipe or a file, read to its end;
    /// then end of file.
    case descriptor(Int32)
    /// The host terminal on this descriptor: each keystroke is sent as typed, with the
    /// terminal in raw mode until the program exits. The guest's tty echoes and edits.
    case terminal(Int32)

    /// Whether a person types the input (then the guest echoes it, as a terminal does).
    public var isTerminal: Bool {
        if case .terminal = self {
            return true
        }
        return false
    }

    /// `.terminal` when `descriptor` is a terminal, else `.descriptor`.
    public static func standardInput(_ descriptor: Int32 = STDIN_FILENO) -> ExecInput {
        isatty(descriptor) == 1 ? .terminal(descriptor) : .descriptor(descriptor)
    }
}

/// Copies host input to QEMU's standard input, which feeds the guest's serial port.
///
/// Copying starts only when `start()` is called, after `/init` printed its start line:
/// bytes sent while the kernel boots would fill the UART and be lost. End of file is sent
/// as ^D, the guest tty's end-of-file character. A ^D ends a partial line without a
/// newline, so after such a line a second ^D is sent. NOTE: the guest console is a tty in
/// canonical mode, so the input passes its line discipline: it echoes the bytes, and a
/// byte 0x03 or 0x04 in the input acts as ^C or ^D.
final class ConsoleForwarder: @unchecked Sendable {
    static let endOfFile: UInt8 = 0x04
    /// How often the copying thread checks whether it should stop, in milliseconds.
    static let pollInterval: Int32 = 100

    let pipe = Pipe()
    private let input: ExecInput
    private let started = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopping = false
    private var savedTerminal: termios?

    init(input: ExecInput) {
        self.input = input
    }

    /// The input QEMU gets: nothing at all for `.none`, else the pipe.
    var childInput: ChildInput {
        input == .none ? .nullDevice : .pipe(pipe)
    }

    /// Starts the copying thread, which waits for `start()`, and puts a terminal in raw mode.
    func launch() {
        guard input != .none else { return }
        // A write to the pipe after QEMU exited must fail with EPIPE, not kill the harness.
        signal(SIGPIPE, SIG_IGN)
        if case .terminal(let descriptor) = input {
            enterRawMode(descriptor)
        }
        Thread { [self] in
            started.wait()
            if !isStopping {
                copy()
            }
            finished.signal()
        }.start()
    }

    /// Lets the copying begin.
    func start() {
        started.signal()
    }

    /// Stops the copying thread, restores the terminal and closes the pipe.
    func stop() {
        guard input != .none else { return }
        lock.lock()
        stopping = true
        lock.unlock()
        started.signal()
        _ = finished.wait(timeout: .now() + 2)
        if case .terminal(let descriptor) = input, var settings = savedTerminal {
            _ = tcsetattr(descriptor, TCSADRAIN, &settings)
        }
        try? pipe.fileHandleForWriting.close()
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func copy() {
        switch input {
        case .none:
            return
        case .bytes(let data):
            _ = send(data)
            sendEndOfFile(afterLineEnd: data.last.map { $0 == UInt8(ascii: "\n") } ?? true)
        case .descriptor(let descriptor):
            if let lastByte = copyUntilEndOfFile(descriptor) {
                sendEndOfFile(afterLineEnd: lastByte.map { $0 == UInt8(ascii: "\n") } ?? true)
            }
        case .terminal(let descriptor):
            _ = copyUntilEndOfFile(descriptor)
        }
    }

    /// Copies `descriptor` until its end of file and returns the last byte copied (nil for
    /// none), or returns nil when the copy stopped early: stop() or a closed pipe.
    private func copyUntilEndOfFile(_ descriptor: Int32) -> UInt8?? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var lastByte: UInt8?
        while !isStopping {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, Self.pollInterval)
            if ready < 0, errno == EINTR { continue }
            if ready == 0 { continue }
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count <= 0 { return .some(lastByte) }
            lastByte = buffer[count - 1]
            if !send(Data(buffer[0..<count])) { return nil }
        }
        return nil
    }

    private func sendEndOfFile(afterLineEnd: Bool) {
        let marks = afterLineEnd ? 1 : 2
        _ = send(Data(repeating: Self.endOfFile, count: marks))
    }

    /// Writes all of `data` to the pipe; false when QEMU is gone.
    private func send(_ data: Data) -> Bool {
        let descriptor = pipe.fileHandleForWriting.fileDescriptor
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Turns off line buffering and local echo, so each key goes to the guest at once and
    /// the guest's tty echoes it. Ctrl-C still interrupts the harness, which stops QEMU;
    /// Enter still arrives as "\n" (ICRNL stays on).
    private func enterRawMode(_ descriptor: Int32) {
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else { return }
        savedTerminal = settings
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
        settings.c_iflag &= ~tcflag_t(IXON)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        _ = tcsetattr(descriptor, TCSADRAIN, &settings)
    }
}
