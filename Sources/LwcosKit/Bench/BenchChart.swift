import Foundation

/// An SVG bar chart of a bench comparison: one group per row, with an lwcos bar and a
/// Linux bar, on a logarithmic axis so that a 50-cycle row and a 5-million-cycle row both
/// stay readable. `lwcos bench --svg FILE` writes it, and any web browser opens it.
///
/// Every median above 0 gets one `<rect class="bar ...">` whose length is its decade
/// position on the axis, with the figure written after its end. A missing figure gets the
/// text `-` and an n/a figure the text `n/a` in its place, and a median of 0, which a
/// logarithmic axis cannot show, the text `0`.
public struct BenchChart: Sendable {
    public var comparison: BenchComparison
    /// The subtitle, such as the measurement environment's header line.
    public var subtitle: String

    // Layout in SVG user units (pixels when opened as is).
    static let width = 960.0
    static let labelWidth = 220.0
    static let plotLeft = labelWidth + 10
    static let plotRight = width - 110
    static let top = 88.0
    static let barHeight = 13.0
    static let groupGap = 12.0
    static let bottomMargin = 40.0

    static let colors: [BenchSystem: String] = [.lwcos: "#1f6fb4", .linux: "#e07b14"]

    public init(comparison: BenchComparison, subtitle: String) {
        self.comparison = comparison
        self.subtitle = subtitle
    }

    /// Exponents of the powers of ten the axis spans: from one decade below the power of
    /// ten at or under the smallest median above 0, so that its bar is at least a decade
    /// long, up to the largest median. Nil when no median is above 0.
    var decades: ClosedRange<Int>? {
        let medians = comparison.entries.flatMap { [$0.lwcos, $0.linux] }.compactMap { $0.flatMap(BenchComparison.median) }
            .filter { $0 > 0 }
        guard let smallest = medians.min(), let largest = medians.max() else { return nil }
        let low = Int(log10(Double(smallest)).rounded(.down)) - 1
        let high = max(low + 1, Int(log10(Double(largest)).rounded(.up)))
        return low...high
    }

    /// Renders the chart as a standalone SVG document.
    public func render() -> String {
        let groupHeight = 2 * Self.barHeight + Self.groupGap
        let plotHeight = Double(comparison.entries.count) * groupHeight
        let height = Self.top + plotHeight + Self.bottomMargin
        var svg: [String] = []
        svg.append(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(Self.width))\" height=\"\(Self.number(height))\" "
                + "viewBox=\"0 0 \(Self.number(Self.width)) \(Self.number(height))\" font-family=\"sans-serif\" font-size=\"12\">")
        svg.append("<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"white\"/>")
        svg.append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">lwcos and Linux: median per benchmark row, logarithmic axis</text>")
        svg.append("<text x=\"10\" y=\"40\" font-size=\"10\" fill=\"#555\">\(Self.escape(subtitle))</text>")
        svg += legend()

        if let decades {
            svg += axis(decades: decades, plotHeight: plotHeight)
            for (index, entry) in comparison.entries.enumerated() {
                svg += group(entry, top: Self.top + Double(index) * groupHeight, decades: decades)
            }
        } else {
            svg.append("<text x=\"\(Self.number(Self.plotLeft))\" y=\"\(Self.number(Self.top + 14))\">no measured figures</text>")
            for (index, entry) in comparison.entries.enumerated() {
                svg += group(entry, top: Self.top + Double(index) * groupHeight, decades: nil)
            }
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private func legend() -> [String] {
        var lines: [String] = []
        var x = 10.0
        for system in [BenchSystem.lwcos, .linux] {
            lines.append(
                "<rect class=\"swatch\" x=\"\(Self.number(x))\" y=\"52\" width=\"12\" height=\"12\" fill=\"\(Self.colors[system] ?? "gray")\"/>")
            lines.append("<text x=\"\(Self.number(x + 16))\" y=\"62\">\(system.displayName)</text>")
            x += 80
        }
        lines.append(
            "<text x=\"\(Self.number(x))\" y=\"62\" fill=\"#555\">- no such row on that system, n/a does not apply there; "
                + "units are cycles unless the row names another</text>")
        return lines
    }

    /// Draws a vertical grid line at each power of ten and labels it below the plot.
    private func axis(decades: ClosedRange<Int>, plotHeight: Double) -> [String] {
        var lines: [String] = ["<g class=\"axis\" stroke=\"#ccc\">"]
        for decade in decades {
            let x = Self.number(position(pow(10, Double(decade)), decades: decades))
            lines.append("<line x1=\"\(x)\" y1=\"\(Self.number(Self.top - 6))\" x2=\"\(x)\" y2=\"\(Self.number(Self.top + plotHeight))\"/>")
        }
        lines.append("</g>")
        for decade in decades {
            let x = Self.number(position(pow(10, Double(decade)), decades: decades))
            lines.append(
                "<text x=\"\(x)\" y=\"\(Self.number(Self.top + plotHeight + 16))\" text-anchor=\"middle\" fill=\"#555\">\(Self.decadeLabel(decade))</text>")
        }
        return lines
    }

    private func group(_ entry: BenchComparison.Entry, top: Double, decades: ClosedRange<Int>?) -> [String] {
        let unit = entry.unit == BenchUnit.cycles.rawValue ? "" : " (\(entry.unit))"
        var lines = ["<g class=\"row\">"]
        lines.append(
            "<text class=\"label\" x=\"\(Self.number(Self.labelWidth))\" y=\"\(Self.number(top + Self.barHeight + 4))\" "
                + "text-anchor=\"end\">\(Self.escape(entry.name + unit))</text>")
        for (offset, system) in [BenchSystem.lwcos, .linux].enumerated() {
            let row = system == .lwcos ? entry.lwcos : entry.linux
            let y = top + Double(offset) * Self.barHeight
            let textY = Self.number(y + Self.barHeight - 3)
            guard let row else {
                lines.append("<text x=\"\(Self.number(Self.plotLeft + 4))\" y=\"\(textY)\" fill=\"#555\">-</text>")
                continue
            }
            guard let median = BenchComparison.median(of: row) else {
                lines.append("<text x=\"\(Self.number(Self.plotLeft + 4))\" y=\"\(textY)\" fill=\"#555\">n/a</text>")
                continue
            }
            guard median > 0, let decades else {
                lines.append("<text x=\"\(Self.number(Self.plotLeft + 4))\" y=\"\(textY)\">\(median)</text>")
                continue
            }
            let end = position(Double(median), decades: decades)
            let title = "\(entry.name) on \(system.displayName): median \(median) \(row.unit.rawValue)"
            lines.append(
                "<rect class=\"bar \(system.rawValue)\" x=\"\(Self.number(Self.plotLeft))\" y=\"\(Self.number(y))\" "
                    + "width=\"\(Self.number(end - Self.plotLeft))\" height=\"\(Self.number(Self.barHeight - 1))\" "
                    + "fill=\"\(Self.colors[system] ?? "gray")\"><title>\(Self.escape(title))</title></rect>")
            lines.append("<text x=\"\(Self.number(end + 4))\" y=\"\(textY)\">\(median)</text>")
        }
        lines.append("</g>")
        return lines
    }

    /// Returns the x coordinate of `value` on the logarithmic axis spanning `decades`.
    private func position(_ value: Double, decades: ClosedRange<Int>) -> Double {
        let span = Double(decades.upperBound - decades.lowerBound)
        let fraction = (log10(value) - Double(decades.lowerBound)) / span
        return Self.plotLeft + fraction * (Self.plotRight - Self.plotLeft)
    }

    /// Labels a power of ten with an SI prefix: 1, 10, 100, 1k, ..., 1G, then 1e12 and up.
    static func decadeLabel(_ decade: Int) -> String {
        let prefixes = [(9, "G"), (6, "M"), (3, "k"), (0, "")]
        for (exponent, prefix) in prefixes where decade >= exponent && decade < exponent + 3 {
            return "1" + String(repeating: "0", count: decade - exponent) + prefix
        }
        return "1e\(decade)"
    }

    /// Formats a coordinate with at most one decimal, without a trailing `.0`.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    /// Escapes the five characters XML reserves.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
