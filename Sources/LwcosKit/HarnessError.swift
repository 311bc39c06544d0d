import Foundation

/// An error raised by the harness. Each case carries the offending value, and
/// `description` ends with what to do about it.
public enum HarnessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No folder from `start` upwards contains both `Package.swift` and `Makefile`.
    case repositoryRootNotFound(start: String)
    /// A host program is not on `PATH`.
    case missingTool(HostTool)
    /// A child process exited with a non-zero status.
    case commandFailed(command: String, status: Int32, output: String)
    /// A file the harness needs does not exist.
    case missingFile(path: String, hint: String)
    /// A kernel command-line word cannot be passed through GRUB unchanged.
    case invalidCommandLineWord(String, reason: String)
    /// A command-line option of the `lwcos` tool is invalid.
    case usage(message: String, command: String)
    /// The user pressed Ctrl-C; the child processes have been killed.
    case interrupted
    /// A child process timed out and was killed.
    case timedOut(command: String, seconds: Double)
    /// A file or folder could not be written.
    case fileSystem(path: String, message: String)
    /// A host file cannot run as a program on lwcos, for example a dynamically linked one.
    case invalidProgram(path: String, reason: String)
    /// gdb finds no breakpoint location `location` in the kernel ELF `elf`; `reason` is gdb's message.
    case invalidBreakpoint(location: String, elf: String, reason: String)

    public var description: String {
        switch self {
        case .repositoryRootNotFound(let start):
            return "repository root not found: no folder above \(start) contains both "
                + "Package.swift and Makefile; run from inside the lwcos repository or pass --root PATH"
        case .missingTool(let tool):
            return tool.installHint
        case .commandFailed(let command, let status, let output):
            let tail = output.split(separator: "\n", omittingEmptySubsequences: false)
                .suffix(40).joined(separator: "\n")
            return "\(command) failed with exit status \(status)"
                + (tail.isEmpty ? "" : ":\n\(tail)")
        case .missingFile(let path, let hint):
            return "\(path) not found; \(hint)"
        case .invalidCommandLineWord(let word, let reason):
            return "invalid kernel command-line word \(word.debugDescription): \(reason)"
        case .usage(let message, let command):
            return "\(message)\nsee 'lwcos \(command.isEmpty ? "" : command + " ")--help'"
        case .interrupted:
            return "interrupted; child processes were killed"
        case .timedOut(let command, let seconds):
            return "\(command) timed out after \(formatSeconds(seconds)) and was killed; "
                + "raise the limit with --timeout SECONDS"
        case .fileSystem(let path, let message):
            return "cannot write \(path): \(message)"
        case .invalidProgram(let path, let reason):
            return "\(path): \(reason)"
        case .invalidBreakpoint(let location, let elf, let reason):
            let calls = KernelBreakpoint.aliases.map(\.call).joined(separator: ", ")
            return "invalid breakpoint '\(location)': gdb finds no such location in \(elf) (\(reason)); "
                + "name a kernel function, FILE:LINE, or an lwC call (\(calls))"
        }
    }
}

/// Formats a duration such as `2.5 s` for messages.
func formatSeconds(_ seconds: Double) -> String {
    String(format: "%.1f s", seconds)
}
