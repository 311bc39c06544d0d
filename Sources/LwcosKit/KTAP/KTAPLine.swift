/// One line of a KTAP stream, classified without regard to its indentation.
///
/// The grammar follows KTAP version 1 (docs.kernel.org/dev-tools/ktap.html), which extends
/// TAP: version lines, `1..N` plans, `ok`/`not ok` result lines with optional directives,
/// `#` diagnostic lines, and KUnit's `# Subtest: name` header.
public enum KTAPLine: Equatable, Sendable {
    /// `KTAP version 1`, or the TAP 13/14 equivalent.
    case version(String)
    /// `1..N`, with the reason of an optional `# SKIP` directive.
    case plan(count: Int, skipReason: String?)
    case result(KTAPResultLine)
    /// `# Subtest: name`.
    case subtestHeader(String)
    /// `# text`: the text after the `#` and its space.
    case diagnostic(String)
    /// Anything else, such as a kernel log line.
    case other

    /// Classifies `text`, which must not start with indentation.
    public static func classify(_ text: Substring) -> KTAPLine {
        if let version = parseVersion(text) {
            return .version(version)
        }
        if let plan = parsePlan(text) {
            return plan
        }
        if let result = KTAPResultLine.parse(text) {
            return .result(result)
        }
        // A diagnostic is "#" then a space or the end of the line, so that backtrace
        // frames such as "#0 0xffffffff80102a3f kmain+0x4f" stay context.
        if text == "#" {
            return .diagnostic("")
        }
        if text.hasPrefix("# ") {
            let body = text.dropFirst(2)
            if body.hasPrefix("Subtest:") {
                let name = body.dropFirst("Subtest:".count).trimmingSpaces()
                return .subtestHeader(String(name))
            }
            return .diagnostic(String(body))
        }
        return .other
    }

    /// The kinds of lines that open, continue or close a test block.
    var isStructural: Bool {
        switch self {
        case .version, .plan, .result, .subtestHeader: return true
        case .diagnostic, .other: return false
        }
    }

    static func parseVersion(_ text: Substring) -> String? {
        let trimmed = text.trimmingSpaces()
        for prefix in ["KTAP version ", "TAP version "] where trimmed.hasPrefix(prefix) {
            let number = trimmed.dropFirst(prefix.count)
            if !number.isEmpty, number.allSatisfy(\.isASCIIDigit) {
                return String(trimmed)
            }
        }
        return nil
    }

    static func parsePlan(_ text: Substring) -> KTAPLine? {
        guard text.hasPrefix("1..") else { return nil }
        let rest = text.dropFirst(3)
        let digits = rest.prefix(while: \.isASCIIDigit)
        guard let count = Int(digits) else { return nil }
        let tail = rest.dropFirst(digits.count).trimmingSpaces()
        if tail.isEmpty {
            return .plan(count: count, skipReason: nil)
        }
        guard tail.hasPrefix("#") else { return nil }
        let directive = tail.dropFirst().trimmingSpaces()
        guard directive.uppercased().hasPrefix("SKIP") else {
            return .plan(count: count, skipReason: nil)
        }
        let reason = directive.drop(while: { $0 != " " }).trimmingSpaces()
        return .plan(count: count, skipReason: String(reason))
    }
}

/// The parts of an `ok`/`not ok` line.
public struct KTAPResultLine: Equatable, Sendable {
    public var ok: Bool
    public var number: Int?
    /// The description, with `\#` unescaped; empty for a bare `not ok`.
    public var name: String
    public var directive: KTAPDirective?
    public var reason: String?

    public init(ok: Bool, number: Int?, name: String, directive: KTAPDirective? = nil, reason: String? = nil) {
        self.ok = ok
        self.number = number
        self.name = name
        self.directive = directive
        self.reason = reason
    }

    /// Parses `ok 3 name # SKIP reason` and its variants; returns nil for other lines.
    public static func parse(_ text: Substring) -> KTAPResultLine? {
        // "ok" or "not ok", then the end of the line or a space: "okay" is no result.
        let ok: Bool
        var rest: Substring
        if text.hasPrefix("not ok") {
            ok = false
            rest = text.dropFirst("not ok".count)
        } else if text.hasPrefix("ok") {
            ok = true
            rest = text.dropFirst("ok".count)
        } else {
            return nil
        }
        if let first = rest.first, first != " ", first != "\t" {
            return nil
        }
        rest = rest.trimmingSpaces()

        // Optional number, then an optional TAP-style "- " before the description.
        let digits = rest.prefix(while: \.isASCIIDigit)
        let number = Int(digits)
        rest = rest.dropFirst(digits.count).trimmingSpaces()
        if rest.hasPrefix("- ") || rest == "-" {
            rest = rest.dropFirst().trimmingSpaces()
        }

        // The first unescaped "#" starts the directive, if a known word follows it.
        var line = KTAPResultLine(ok: ok, number: number, name: "")
        if let hash = firstUnescapedHash(in: rest) {
            let directiveText = rest[rest.index(after: hash)...].trimmingSpaces()
            let word = directiveText.prefix(while: { $0 != " " && $0 != "\t" })
            if let directive = directiveFor(word) {
                line.directive = directive
                let reason = directiveText.dropFirst(word.count).trimmingSpaces()
                line.reason = reason.isEmpty ? nil : String(reason)
                rest = rest[..<hash]
            }
        }
        line.name = String(rest.trimmingSpaces()).replacingOccurrences(of: "\\#", with: "#")
        return line
    }

    /// Matches a directive word without regard to case; TAP lets `SKIP` be spelled
    /// `skipped` and similar, so any word starting with `skip` counts.
    static func directiveFor(_ word: Substring) -> KTAPDirective? {
        let upper = word.uppercased()
        if upper.hasPrefix("SKIP") {
            return .skip
        }
        return KTAPDirective(rawValue: upper)
    }

    static func firstUnescapedHash(in text: Substring) -> Substring.Index? {
        var previous: Character?
        for index in text.indices {
            if text[index] == "#", previous != "\\" {
                return index
            }
            previous = text[index]
        }
        return nil
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }),
            let last = lastIndex(where: { !isSpace($0) })
        else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}

extension Character {
    var isASCIIDigit: Bool {
        ("0"..."9").contains(self)
    }
}
