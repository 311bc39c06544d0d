import Foundation

/// Splits the serial stream of an exec-mode boot into boot log, program output and the
/// exit status line.
///
/// In exec mode `/init` prints a line `lwcos-exec: start`, runs the program with the
/// console as its standard streams, then prints the byte 0x1e and the line
/// `lwcos-exec: exit status N`. The serial line turns each "\n" into "\r\n". The parser
/// turns "\r\n" back into "\n", so the bytes it returns are the ones the program wrote. Feed the stream in chunks of any size as it arrives.
public struct ExecOutputParser: Sendable {
    public static let startLine = "lwcos-exec: start"
    public static let endMarker: UInt8 = 0x1e
    public static let statusPrefix = "lwcos-exec: exit status "

    enum State: Sendable {
        /// Before the start line: boot log.
        case boot
        /// Between the start line and the end marker: the program's output.
        case program
        /// After the end marker, reading the status line.
        case status
        /// The status line ended.
        case done
    }

    private(set) var state = State.boot
    /// The current line of the boot log or of the status line.
    private var line = Data()
    /// A "\r" of the program's output held back until the next byte shows whether it
    /// began a "\r\n".
    private var heldCarriageReturn = false
    /// Every serial line, with "\r" line ends and the end marker removed.
    private var lines = LineSplitter()

    /// The program's exit status from the status line, or nil until it arrived.
    public private(set) var exitStatus: Int32?
    /// The status line when it did not parse, for the error report.
    public private(set) var malformedStatusLine: String?

    public init() {}

    /// Whether the start line has arrived.
    public var started: Bool {
        switch state {
        case .boot: return false
        case .program, .status, .done: return true
        }
    }

    /// Whether the end marker has arrived.
    public var programEnded: Bool {
        switch state {
        case .boot, .program: return false
        case .status, .done: return true
        }
    }

    /// Every complete serial line so far, for the report of a failed run.
    public var serialLines: [String] { lines.complete }

    /// Consumes `chunk` and returns the program output it contained.
    public mutating func feed(_ chunk: Data) -> Data {
        lines.append(chunk.filter { $0 != Self.endMarker })
        var output = Data()
        for byte in chunk {
            switch state {
            case .boot:
                feedBootByte(byte)
            case .program:
                feedProgramByte(byte, into: &output)
            case .status:
                feedStatusByte(byte)
            case .done:
                break
            }
        }
        return output
    }

    /// Returns the program output still held back at the end of the stream: a last "\r".
    public mutating func finish() -> Data {
        lines.finish()
        guard state == .program, heldCarriageReturn else { return Data() }
        heldCarriageReturn = false
        return Data([UInt8(ascii: "\r")])
    }

    private mutating func feedBootByte(_ byte: UInt8) {
        guard byte == UInt8(ascii: "\n") else {
            line.append(byte)
            return
        }
        if LineSplitter.decode(line) == Self.startLine {
            state = .program
        }
        line.removeAll()
    }

    private mutating func feedProgramByte(_ byte: UInt8, into output: inout Data) {
        if heldCarriageReturn {
            heldCarriageReturn = false
            if byte != UInt8(ascii: "\n") {
                output.append(UInt8(ascii: "\r"))
            }
        }
        switch byte {
        case Self.endMarker:
            state = .status
        case UInt8(ascii: "\r"):
            heldCarriageReturn = true
        default:
            output.append(byte)
        }
    }

    private mutating func feedStatusByte(_ byte: UInt8) {
        guard byte == UInt8(ascii: "\n") else {
            line.append(byte)
            return
        }
        let text = LineSplitter.decode(line)
        line.removeAll()
        state = .done
        guard text.hasPrefix(Self.statusPrefix), let status = Int32(text.dropFirst(Self.statusPrefix.count)),
            status >= 0
        else {
            malformedStatusLine = text
            return
        }
        exitStatus = status
    }
}

/// Splits a byte stream into lines, without their "\n" or "\r\n".
struct LineSplitter: Sendable {
    private(set) var complete: [String] = []
    private var pending = Data()

    mutating func append(_ chunk: Data) {
        pending.append(chunk)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            complete.append(Self.decode(pending[pending.startIndex..<newline]))
            pending.removeSubrange(pending.startIndex...newline)
        }
    }

    /// Keeps a last line that had no newline.
    mutating func finish() {
        if !pending.isEmpty {
            complete.append(Self.decode(pending))
            pending.removeAll()
        }
    }

    static func decode(_ bytes: Data) -> String {
        LineCollector.decode(bytes[...])
    }
}
