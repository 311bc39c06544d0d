/// The kernel's boot mode, sent as `lwcos.mode=` on its command line.
public enum BootMode: String, CaseIterable, Sendable {
    case shell
    case test
    case bench
    /// `/init` runs the program named in `/etc/lwcos-exec` and powers off (`lwcos exec`).
    case exec
}

/// A file GRUB loads next to the kernel as a multiboot2 module.
public struct BootModule: Sendable, Equatable {
    /// The file on the host to copy into the ISO.
    public var source: String
    /// Destination path inside the ISO, for example `/boot/initramfs.cpio`.
    public var isoPath: String
    /// The module's command line, which the kernel uses to tell modules apart.
    public var argument: String

    public init(source: String, isoPath: String, argument: String) {
        self.source = source
        self.isoPath = isoPath
        self.argument = argument
    }

    /// Makes the module entry for an initramfs archive at `source`.
    public static func initramfs(source: String) -> BootModule {
        BootModule(source: source, isoPath: "/boot/initramfs.cpio", argument: "initramfs")
    }
}

/// The kernel command line and modules of one ISO.
public struct BootConfiguration: Sendable, Equatable {
    public var mode: BootMode
    /// Glob over full case names (`suite.case`), sent as `lwcos.filter=`.
    public var filter: String?
    /// Extra words the user passed with `--cmdline`, in order.
    public var extraWords: [String]
    public var modules: [BootModule]

    public init(mode: BootMode, filter: String? = nil, extraWords: [String] = [], modules: [BootModule] = []) {
        self.mode = mode
        self.filter = filter
        self.extraWords = extraWords
        self.modules = modules
    }

    /// Splits a `--cmdline` value into words at runs of spaces and tabs.
    public static func splitWords(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// The words of the kernel command line: the mode, then the filter, then the user's words.
    public var kernelWords: [String] {
        var words = ["lwcos.mode=\(mode.rawValue)"]
        if let filter {
            words.append("lwcos.filter=\(filter)")
        }
        return words + extraWords
    }

    /// Returns `grub.cfg` with one menu entry that boots the kernel with `kernelWords`.
    ///
    /// Throws when a word could not reach the kernel unchanged (see `GrubQuoting`). GRUB's
    /// own output stays on the VGA console, which `-display none` hides, so the serial
    /// line carries only the kernel's output.
    public func grubConfig() throws(HarnessError) -> String {
        var command = ["multiboot2", "/boot/kernel.elf"]
        for word in kernelWords {
            command.append(try GrubQuoting.quote(word))
        }
        var lines = [
            "set timeout=0",
            "set default=0",
            "",
            "menuentry \(GrubQuoting.quoteTitle("lwcos (\(mode.rawValue))")) {",
            "    " + command.joined(separator: " "),
        ]
        for module in modules {
            lines.append(
                "    module2 \(try GrubQuoting.quote(module.isoPath)) \(try GrubQuoting.quote(module.argument))")
        }
        lines.append("    boot")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Quoting for words in `grub.cfg`.
///
/// GRUB's script reader removes quotes and expands `$name` and unquoted `*`/`?`
/// wildcards, so every word with a character outside a plain set is single-quoted, which
/// GRUB reads literally. The multiboot2 loader then joins the words with spaces. In the
/// GRUB 2.04 source it also puts a backslash before each `\`, `'` and `"`, and it wraps
/// words that contain spaces in double quotes. Words with those characters or with
/// whitespace therefore cannot reach the kernel unchanged and are rejected, as are
/// control characters.
public enum GrubQuoting {
    public static func quote(_ word: String) throws(HarnessError) -> String {
        if word.isEmpty {
            throw .invalidCommandLineWord(word, reason: "empty word")
        }
        for scalar in word.unicodeScalars {
            if scalar == " " || scalar == "\t" {
                throw .invalidCommandLineWord(word, reason: "whitespace would split it into two words")
            }
            if scalar == "\"" || scalar == "\\" || scalar == "'" {
                throw .invalidCommandLineWord(
                    word, reason: "GRUB's multiboot2 loader would put a backslash before \(scalar)")
            }
            if scalar.value < 0x20 || scalar.value == 0x7f {
                throw .invalidCommandLineWord(
                    word, reason: "control character U+\(String(scalar.value, radix: 16, uppercase: true))")
            }
        }
        if word.unicodeScalars.allSatisfy(isPlain) {
            return word
        }
        return "'" + word + "'"
    }

    /// Quotes a menu entry title, which may contain spaces.
    static func quoteTitle(_ title: String) -> String {
        "'" + title.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "_", "-", ".", "/", ",", ":", "=", "+", "@", "%": return true
        default: return false
        }
    }
}
