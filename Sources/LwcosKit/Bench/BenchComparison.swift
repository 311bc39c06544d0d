import Foundation

/// The rows of an lwcos run and a Linux run joined by name, for the comparison table and
/// the chart of `lwcos bench --linux`.
public struct BenchComparison: Sendable, Equatable {
    /// One benchmark name with the row each system printed for it, if any.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var lwcos: BenchRow?
        public var linux: BenchRow?

        /// The unit of the lwcos row, or of the Linux row when lwcos printed none.
        public var unit: String {
            (lwcos ?? linux)?.unit.rawValue ?? ""
        }

        /// lwcos median / Linux median, or nil unless both rows were measured in the same
        /// unit and the Linux median is above 0.
        public var ratio: Double? {
            guard let lwcos, let linux, lwcos.unit == linux.unit,
                let numerator = BenchComparison.median(of: lwcos),
                let denominator = BenchComparison.median(of: linux), denominator > 0
            else { return nil }
            return Double(numerator) / Double(denominator)
        }

        /// Why a figure is missing: the n/a reasons, and a unit mismatch.
        public var notes: [String] {
            var notes: [String] = []
            for (system, row) in [(BenchSystem.lwcos, lwcos), (.linux, linux)] {
                if let row, case .notApplicable(let reason) = row.value {
                    notes.append("\(system.displayName) n/a: \(reason ?? "no reason given")")
                }
            }
            if let lwcos, let linux, lwcos.unit != linux.unit {
                notes.append("units differ: lwcos \(lwcos.unit.rawValue), Linux \(linux.unit.rawValue)")
            }
            return notes
        }
    }

    /// The lwcos rows in their order, then the rows only Linux printed, in its order.
    public var entries: [Entry]

    /// Joins the rows by name. Without a Linux run every entry has only its lwcos row.
    public init(lwcos: BenchDocument, linux: BenchDocument?) {
        var entries = lwcos.rows.map { Entry(name: $0.name, lwcos: $0, linux: linux?.row(named: $0.name)) }
        for row in linux?.rows ?? [] where lwcos.row(named: row.name) == nil {
            entries.append(Entry(name: row.name, lwcos: nil, linux: row))
        }
        self.entries = entries
    }

    /// The median of a measured row, or nil for an n/a row.
    public static func median(of row: BenchRow) -> UInt64? {
        guard case .measured(let median, _, _, _) = row.value else { return nil }
        return median
    }

    /// The table cell of a row's median: the number, `n/a`, or `-` when there is no row.
    static func cell(_ row: BenchRow?) -> String {
        guard let row else { return "-" }
        return median(of: row).map(String.init) ?? "n/a"
    }

    /// Formats a ratio with two decimals, or with three significant digits below 1, so that
    /// 0.00312 does not print as 0.00.
    public static func formatRatio(_ ratio: Double) -> String {
        guard ratio.isFinite, ratio > 0 else { return String(ratio) }
        let decimals = min(8, max(2, 2 - Int(log10(ratio).rounded(.down))))
        return String(format: "%.\(decimals)f", ratio)
    }
}
