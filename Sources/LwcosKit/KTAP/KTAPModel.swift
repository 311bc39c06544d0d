/// A KTAP directive after `#` on a result line.
public enum KTAPDirective: String, CaseIterable, Sendable {
    case skip = "SKIP"
    case todo = "TODO"
    case xfail = "XFAIL"
    case timeout = "TIMEOUT"
    case error = "ERROR"
}

/// The outcome of one test case, after its directive is applied.
public enum KTAPStatus: String, Sendable {
    case passed
    case failed
    case skipped
    /// `not ok` with `# TODO` or `# XFAIL`: a known failure that does not fail the run.
    case expectedFailure = "expected failure"
    /// No result line arrived: the stream ended, or a new subtest began, before it.
    case crashed

    /// Whether this status fails the run.
    public var isFailure: Bool {
        self == .failed || self == .crashed
    }
}

/// One test result and, for a suite, the tree of subtests under it.
public struct KTAPCase: Sendable, Equatable {
    /// The name on the result line, else the `# Subtest:` name, else `unnamed_<number>`.
    public var name: String
    /// Names from the top-level suite down to this case.
    public var path: [String]
    /// The number on the result line; nil when the line had none or the result is missing.
    public var number: Int?
    public var status: KTAPStatus
    public var directive: KTAPDirective?
    /// The text after the directive, such as a skip reason.
    public var reason: String?
    /// The text of `#` lines that fell in this case, without the leading `# `.
    public var diagnostics: [String]
    /// Lines that are not KTAP, such as kernel log lines, that fell in this case.
    public var context: [String]
    public var subtests: [KTAPCase]
    /// The `1..N` plan of the subtests, when the case had one.
    public var plan: Int?
    /// What was malformed about this case, such as a plan that does not match its results.
    public var problems: [String]
    /// Index of the first fed line that belongs to this case, counting from 0.
    public var firstLine: Int
    /// Index of the result line, or of the last line fed when the result is missing.
    public var lastLine: Int

    /// Dotted full name, for example `heap.alloc_zero` or `user.fork.cow_child`.
    public var fullName: String {
        path.joined(separator: ".")
    }

    /// This case followed by all cases under it, parents before children.
    public var flattened: [KTAPCase] {
        [self] + subtests.flatMap(\.flattened)
    }

    /// Whether the case or a case under it fails the run.
    public var containsFailure: Bool {
        status.isFailure || subtests.contains(where: \.containsFailure)
    }
}

/// A parsed KTAP stream.
public struct KTAPDocument: Sendable, Equatable {
    /// The version line, such as `KTAP version 1`; nil when none was seen.
    public var version: String?
    /// The top-level plan count.
    public var plan: Int?
    /// The top-level results, in stream order.
    public var cases: [KTAPCase]
    /// Lines before the version line: boot log and anything else.
    public var preamble: [String]
    /// Lines after the last top-level result that belong to no case.
    public var trailing: [String]
    /// Top-level malformations: missing version line or plan, missing results.
    public var problems: [String]

    /// Whether the final top-level result the plan announced was read from the stream.
    public var isComplete: Bool {
        guard let plan else { return false }
        if plan == 0 { return version != nil }
        return cases.contains { $0.number == plan && $0.status != .crashed }
    }

    /// Every case in the tree, parents before children.
    public var allCases: [KTAPCase] {
        cases.flatMap(\.flattened)
    }

    /// Cases without subtests: the individual tests rather than the suites.
    public var leafCases: [KTAPCase] {
        allCases.filter { $0.subtests.isEmpty }
    }
}
