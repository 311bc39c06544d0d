/// A streaming KTAP parser: feed it lines as they arrive, then call `finish()` for the tree.
///
/// Parsing starts at the first version line; earlier lines are the preamble. Nesting
/// follows indentation, measured per block rather than assumed to be 4 spaces, so 2-space
/// producers work too. Only KTAP lines (version, plan, result, `# Subtest:`) open or close
/// blocks: a kernel log line printed at column 0 in the middle of an indented suite stays
/// in that suite as context. A result line closes every deeper block, and the block just
/// closed becomes the subtests of that result.
///
/// Missing results are crashes: a block still open when the stream ends becomes a crashed
/// case, and a plan larger than the number of results is recorded as a problem, which makes
/// the document incomplete at the top level.
public struct KTAPParser: Sendable {
    /// A block of results at one indentation: the top-level document or one subtest.
    struct Block: Sendable {
        var indent: Int
        var version: String?
        var subtestName: String?
        var plan: Int?
        var planSkipReason: String?
        var results: [KTAPCase] = []
        var problems: [String] = []
        /// Index of the block's first line.
        var firstLine: Int
        /// Diagnostics and other lines since the previous result, for the next result.
        var pendingDiagnostics: [String] = []
        var pendingContext: [String] = []
        var pendingFirstLine: Int
        /// A deeper block that ended and waits for its result line in this block.
        var closedChild: ClosedBlock?

        init(indent: Int, firstLine: Int) {
            self.indent = indent
            self.firstLine = firstLine
            self.pendingFirstLine = firstLine
        }
    }

    /// A closed subtest block, waiting for the result line that follows it.
    struct ClosedBlock: Sendable {
        var name: String?
        var plan: Int?
        var results: [KTAPCase]
        var problems: [String]
        var diagnostics: [String]
        var context: [String]
        var firstLine: Int
    }

    private var started = false
    /// Open blocks, outermost first; empty until the version line arrives.
    private var blocks: [Block] = []
    private var preamble: [String] = []
    private var lineCount = 0
    private var documentProblems: [String] = []

    public init() {}

    /// Number of lines fed so far.
    public var linesRead: Int { lineCount }

    /// Feeds one line, without its line terminator.
    public mutating func feed(_ rawLine: String) {
        let index = lineCount
        lineCount += 1
        var line = Substring(rawLine)
        if line.hasSuffix("\r") {
            line = line.dropLast()
        }
        let indent = Self.indentation(of: line)
        let text = line.drop(while: { $0 == " " || $0 == "\t" })
        let kind = KTAPLine.classify(text)

        // Before the version line everything is preamble.
        guard started else {
            if case .version(let version) = kind {
                started = true
                var root = Block(indent: indent, firstLine: index)
                root.version = version
                root.pendingFirstLine = index + 1
                blocks = [root]
            } else {
                preamble.append(String(line))
            }
            return
        }

        switch kind {
        case .diagnostic(let message):
            // A diagnostic belongs to the open block at its indentation, else the innermost.
            let target = blocks.lastIndex(where: { $0.indent == indent }) ?? blocks.count - 1
            blocks[target].pendingDiagnostics.append(message)
        case .other:
            blocks[blocks.count - 1].pendingContext.append(String(line))
        case .version, .plan, .result, .subtestHeader:
            feedStructural(kind, indent: indent, line: String(line), index: index)
        }
    }

    /// Closes every open block and returns the tree. Feeding more lines afterwards starts
    /// over with an empty parser.
    public mutating func finish() -> KTAPDocument {
        defer { self = KTAPParser() }
        guard started else {
            return KTAPDocument(
                version: nil, plan: nil, cases: [], preamble: preamble, trailing: [],
                problems: ["no KTAP version line in \(lineCount) lines of output"])
        }

        // Blocks still open lost their result lines: each becomes a crashed case.
        let lastLine = max(lineCount - 1, 0)
        while blocks.count > 1 {
            closeInnermostBlock()
            adoptOrphan(in: blocks.count - 1, reason: "the output ended before this suite's result line", lastLine: lastLine)
        }
        adoptOrphan(in: 0, reason: "the output ended before this suite's result line", lastLine: lastLine)

        var root = blocks[0]
        var problems = documentProblems + root.problems
        if root.plan == nil {
            problems.append("no top-level plan (1..N) line")
        } else if let plan = root.plan, root.results.count < plan {
            problems.append("\(plan - root.results.count) of \(plan) top-level results are missing")
        } else if let plan = root.plan, root.results.count > plan {
            problems.append("plan 1..\(plan) but \(root.results.count) top-level results")
        }
        for index in root.results.indices {
            Self.assignPaths(&root.results[index], parent: [])
        }
        var trailing = root.pendingContext
        trailing += root.pendingDiagnostics.map { "# " + $0 }
        return KTAPDocument(
            version: root.version, plan: root.plan, cases: root.results, preamble: preamble,
            trailing: trailing, problems: problems)
    }

    /// Parses all of `text` at once.
    public static func parse(_ text: String) -> KTAPDocument {
        var parser = KTAPParser()
        // Split on scalars: Swift treats "\r\n" as one Character, which is not "\n".
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        if lines.last == "" {
            lines.removeLast()
        }
        for line in lines {
            parser.feed(line)
        }
        return parser.finish()
    }

    // MARK: Structure

    private mutating func feedStructural(_ kind: KTAPLine, indent: Int, line: String, index: Int) {
        // A KTAP line left of the innermost block ends that block. Lines left of the
        // top-level block count as top level.
        while blocks.count > 1, indent < blocks[blocks.count - 1].indent {
            closeInnermostBlock()
        }

        // A KTAP line right of the innermost block opens a subtest block.
        var top = blocks.count - 1
        if indent > blocks[top].indent {
            adoptOrphan(in: top, reason: "a new subtest began before this suite's result line", lastLine: index)
            openBlock(indent: indent, index: index)
            top += 1
        } else if startsSiblingBlock(kind, in: blocks[top]) {
            // A second header at the same indentation starts the next subtest, so the
            // previous one never got its result line.
            closeInnermostBlock()
            adoptOrphan(in: blocks.count - 1, reason: "a new subtest began before this suite's result line", lastLine: index)
            openBlock(indent: indent, index: index)
            top = blocks.count - 1
        }

        switch kind {
        case .version(let version):
            if blocks[top].version == nil, blocks[top].results.isEmpty {
                blocks[top].version = version
            } else {
                blocks[top].problems.append("unexpected version line at line \(index + 1): \(version)")
                blocks[top].pendingContext.append(line)
            }
        case .subtestHeader(let name):
            if top == 0 {
                blocks[top].pendingDiagnostics.append("Subtest: " + name)
            } else {
                blocks[top].subtestName = name
            }
        case .plan(let count, let skipReason):
            if blocks[top].plan == nil {
                blocks[top].plan = count
                blocks[top].planSkipReason = skipReason
            } else {
                blocks[top].problems.append("second plan 1..\(count) at line \(index + 1)")
                blocks[top].pendingContext.append(line)
            }
        case .result(let result):
            appendResult(result, to: top, index: index)
        case .diagnostic, .other:
            break
        }

        // Header lines belong to no case: the next case starts after them.
        if case .result = kind {
            return
        }
        if blocks[top].pendingDiagnostics.isEmpty, blocks[top].pendingContext.isEmpty {
            blocks[top].pendingFirstLine = index + 1
        }
    }

    /// Whether `kind` at the indentation of non-root `block` begins a new sibling subtest.
    private func startsSiblingBlock(_ kind: KTAPLine, in block: Block) -> Bool {
        guard blocks.count > 1 else { return false }
        let blockStarted = block.plan != nil || !block.results.isEmpty
        switch kind {
        case .version: return blockStarted || block.version != nil
        case .subtestHeader: return blockStarted || block.subtestName != nil
        default: return false
        }
    }

    private mutating func openBlock(indent: Int, index: Int) {
        var block = Block(indent: indent, firstLine: blocks[blocks.count - 1].pendingFirstLine)
        block.pendingFirstLine = index
        blocks.append(block)
    }

    /// Pops the innermost block and parks it in its parent until a result line claims it.
    private mutating func closeInnermostBlock() {
        let block = blocks.removeLast()
        var problems = block.problems
        if let plan = block.plan, plan != block.results.count {
            problems.append("plan 1..\(plan) but \(block.results.count) results")
        }
        let parent = blocks.count - 1
        adoptOrphan(in: parent, reason: "a new subtest began before this suite's result line", lastLine: block.firstLine)
        blocks[parent].closedChild = ClosedBlock(
            name: block.subtestName, plan: block.plan, results: block.results, problems: problems,
            diagnostics: block.pendingDiagnostics, context: block.pendingContext, firstLine: block.firstLine)
    }

    /// Turns a closed block that never got its result line into a crashed case.
    private mutating func adoptOrphan(in blockIndex: Int, reason: String, lastLine: Int) {
        guard let orphan = blocks[blockIndex].closedChild else { return }
        blocks[blockIndex].closedChild = nil
        let number = (blocks[blockIndex].results.last?.number ?? blocks[blockIndex].results.count) + 1
        var crashed = KTAPCase(
            name: orphan.name ?? "unnamed_\(number)", path: [], number: nil, status: .crashed,
            directive: nil, reason: nil,
            diagnostics: blocks[blockIndex].pendingDiagnostics + orphan.diagnostics,
            context: blocks[blockIndex].pendingContext + orphan.context,
            subtests: orphan.results, plan: orphan.plan,
            problems: ["crashed: " + reason] + orphan.problems,
            firstLine: orphan.firstLine, lastLine: lastLine)
        if crashed.subtests.isEmpty, crashed.plan == nil {
            crashed.problems.append("no results at all")
        }
        blocks[blockIndex].results.append(crashed)
        blocks[blockIndex].pendingDiagnostics = []
        blocks[blockIndex].pendingContext = []
        blocks[blockIndex].pendingFirstLine = lastLine + 1
    }

    private mutating func appendResult(_ result: KTAPResultLine, to blockIndex: Int, index: Int) {
        var block = blocks[blockIndex]
        let child = block.closedChild
        block.closedChild = nil

        // The name comes from the result line, else the subtest header, else the number.
        let fallbackNumber = result.number ?? block.results.count + 1
        var name = result.name
        if name.isEmpty {
            name = child?.name ?? "unnamed_\(fallbackNumber)"
        }

        var testCase = KTAPCase(
            name: name, path: [], number: result.number,
            status: Self.status(of: result), directive: result.directive, reason: result.reason,
            diagnostics: block.pendingDiagnostics + (child?.diagnostics ?? []),
            context: block.pendingContext + (child?.context ?? []),
            subtests: child?.results ?? [], plan: child?.plan, problems: child?.problems ?? [],
            firstLine: min(block.pendingFirstLine, child?.firstLine ?? Int.max), lastLine: index)

        // A suite whose plan does not match its results did not run as announced.
        if !testCase.problems.isEmpty, testCase.status == .passed {
            testCase.status = .failed
        }
        if let childName = child?.name, !result.name.isEmpty, childName != result.name {
            testCase.problems.append("subtest header says \(childName) but the result line says \(result.name)")
        }
        let expected = (block.results.last?.number ?? 0) + 1
        if let number = result.number, number != expected {
            block.problems.append("result \(number) \(name) out of order at line \(index + 1), expected \(expected)")
        }

        block.results.append(testCase)
        block.pendingDiagnostics = []
        block.pendingContext = []
        block.pendingFirstLine = index + 1
        blocks[blockIndex] = block
    }

    static func status(of result: KTAPResultLine) -> KTAPStatus {
        switch result.directive {
        case .skip: return .skipped
        case .todo, .xfail: return result.ok ? .passed : .expectedFailure
        case .timeout, .error: return .failed
        case nil: return result.ok ? .passed : .failed
        }
    }

    static func assignPaths(_ testCase: inout KTAPCase, parent: [String]) {
        testCase.path = parent + [testCase.name]
        for index in testCase.subtests.indices {
            assignPaths(&testCase.subtests[index], parent: testCase.path)
        }
    }

    /// Counts leading spaces, with a tab as 8.
    static func indentation(of line: Substring) -> Int {
        var width = 0
        for character in line {
            if character == " " {
                width += 1
            } else if character == "\t" {
                width += 8
            } else {
                break
            }
        }
        return width
    }
}
