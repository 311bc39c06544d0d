import Foundation
import Testing

@testable import LwcosKit

private let lwcosOutput = """
    BENCH version 1
    BENCH cr3_switch cycles 57 57 57 2000
    BENCH lwcreate_close cycles 450099 449931 450351 1000
    BENCH getppid cycles 884 850 930 2000
    BENCH zero_row cycles 0 0 0 10
    BENCH end
    """

private let linuxOutput = """
    BENCH version 1
    BENCH lwcreate_close cycles n/a n/a n/a 0 lwC system calls are not available (ENOSYS)
    BENCH getppid cycles 1170 1118 1222 2000
    BENCH pipe<&>_row ns 1000 900 1100 2000
    BENCH end
    """

private func chart(subtitle: String = "accelerator tcg, icount off") -> String {
    let comparison = BenchComparison(
        lwcos: BenchParser.parse(lwcosOutput),
        linux: BenchParser.parse(linuxOutput))
    return BenchChart(comparison: comparison, subtitle: subtitle).render()
}

private func count(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite("Bench chart")
struct BenchChartTests {
    @Test("one bar per median above 0")
    func barsPerFigure() {
        let svg = chart()
        // lwcos: cr3_switch, lwcreate_close, getppid (zero_row has median 0). Linux: getppid, pipe row.
        #expect(count("<rect class=\"bar lwcos\"", in: svg) == 3)
        #expect(count("<rect class=\"bar linux\"", in: svg) == 2)
        #expect(count("<rect class=\"bar ", in: svg) == count("<rect", in: svg) - 3)
        #expect(count("<rect class=\"swatch\"", in: svg) == 2)
    }

    @Test("labels for rows, legend and missing figures")
    func labels() {
        let svg = chart()
        for name in ["cr3_switch", "lwcreate_close", "getppid", "zero_row"] {
            #expect(svg.contains(">\(name)</text>"), "missing label \(name)")
        }
        #expect(svg.contains(">pipe&lt;&amp;&gt;_row (ns)</text>"))
        #expect(svg.contains(">lwcos</text>"))
        #expect(svg.contains(">Linux</text>"))
        #expect(svg.contains(">884</text>"))
        #expect(svg.contains(">1170</text>"))
        #expect(svg.contains(">n/a</text>"))
        #expect(count(">-</text>", in: svg) == 3)
        #expect(svg.contains(">0</text>"))
        #expect(svg.contains("<title>getppid on Linux: median 1170 cycles</title>"))
    }

    @Test("document shape and escaped subtitle")
    func document() {
        let svg = chart(subtitle: "QEMU 7.2 \"Debian\" & <host>")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("QEMU 7.2 &quot;Debian&quot; &amp; &lt;host&gt;"))
        #expect(count("<g", in: svg) == count("</g>", in: svg))
    }

    @Test("axis spans the decades around the medians")
    func decades() {
        let comparison = BenchComparison(lwcos: BenchParser.parse(lwcosOutput), linux: nil)
        let chart = BenchChart(comparison: comparison, subtitle: "")
        // 57 to 450099: from 1, a decade below 10, up to 1M.
        #expect(chart.decades == 0...6)
        let exact = BenchChart(
            comparison: BenchComparison(lwcos: BenchParser.parse("BENCH version 1\nBENCH a cycles 1000 1000 1000 1\nBENCH end"), linux: nil),
            subtitle: "")
        #expect(exact.decades == 2...3)
        #expect(chart.render().contains(">1M</text>"))
        #expect(chart.render().contains(">1</text>"))
    }

    @Test("decade labels", arguments: [(0, "1"), (1, "10"), (3, "1k"), (5, "100k"), (6, "1M"), (9, "1G"), (11, "100G"), (12, "1e12")])
    func decadeLabel(decade: Int, expected: String) {
        #expect(BenchChart.decadeLabel(decade) == expected)
    }

    @Test("chart without figures")
    func empty() {
        let comparison = BenchComparison(lwcos: BenchParser.parse("BENCH version 1\nBENCH end"), linux: nil)
        let svg = BenchChart(comparison: comparison, subtitle: "").render()
        #expect(svg.contains("no measured figures"))
        #expect(count("<rect class=\"bar", in: svg) == 0)
    }
}
