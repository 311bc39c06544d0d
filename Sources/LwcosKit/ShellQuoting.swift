/// POSIX shell quoting, for commands that gdb hands to `/bin/sh` and for messages.
public enum ShellQuoting {
    /// Returns `word` unchanged when the shell would read it literally, else wrapped in
    /// single quotes with each `'` written as `'\''`.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isPlain) {
            return word
        }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Characters a shell never treats specially inside a word.
    static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "_", "-", ".", "/", ",", ":", "=", "+", "@", "%": return true
        default: return false
        }
    }
}
