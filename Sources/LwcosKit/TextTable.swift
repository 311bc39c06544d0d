/// A plain-text table with aligned columns, for figures printed on a terminal.
public struct TextTable: Sendable {
    public enum Alignment: Sendable {
        case left, right
    }

    public var headers: [String]
    public var alignments: [Alignment]
    public var rows: [[String]] = []

    /// `alignments` has one entry per header.
    public init(headers: [String], alignments: [Alignment]) {
        precondition(headers.count == alignments.count, "TextTable: one alignment per header")
        self.headers = headers
        self.alignments = alignments
    }

    /// Appends a row. Missing cells are empty; cells past the last header are kept and
    /// printed unaligned after the last column, which suits a trailing free-text note.
    public mutating func append(_ cells: [String]) {
        rows.append(cells)
    }

    /// Renders the headers and rows, columns separated by two spaces, without trailing
    /// spaces. Widths count characters, which matches the terminal for ASCII text.
    public func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.prefix(headers.count).enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for column in headers.indices {
                let cell = column < cells.count ? cells[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                parts.append(alignments[column] == .left ? cell + padding : padding + cell)
            }
            parts += cells.dropFirst(headers.count)
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") {
                text.removeLast()
            }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
