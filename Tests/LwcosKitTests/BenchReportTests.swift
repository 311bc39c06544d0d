import Foundation
import Testing

@testable import LwcosKit

private let environment = MeasurementEnvironment(
    accelerator: .tcg, instructionCounting: true, qemuVersion: "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)",
    hostCPU: "AMD EPYC", date: "2026-12-04T20:43:37Z")

private let completeOutput = """
    [info] boot: lwcos starting
    BENCH version 1
    BENCH cr3_switch cycles 57 57 57 2000
    BENCH clone_16mib cycles 950195 950195 950195 1000
    BENCH clone_256mib cycles n/a n/a n/a 0 not enough memory: boot with more (-m)
    BENCH end
    """

private func report(_ output: String, status: Int32?, timedOut: Bool = false, interrupted: Bool = false) -> BenchReport {
    BenchReport(
        kernelWords: ["lwcos.mode=bench", "lwcos.filter=c*"], document: BenchParser.parse(output),
        exit: QEMUExit(exitStatus: status, timedOut: timedOut, interrupted: interrupted),
        serialLines: output.components(separatedBy: "\n"), timeout: 300)
}

@Suite("Bench report")
struct BenchReportTests {
    @Test("judging exit status and bench output", arguments: [
        (Int32?(33), "complete", false, false, RunOutcome.passed),
        (33, "truncated", false, false, .truncated),
        (33, "malformed", false, false, .failed),
        (35, "complete", false, false, .failed),
        (37, "truncated", false, false, .panic),
        (0, "truncated", false, false, .reset),
        (1, "complete", false, false, .qemuError),
        (nil, "truncated", true, false, .timeout),
        (nil, "truncated", false, true, .interrupted),
        (nil, "complete", false, false, .qemuError),
    ] as [(Int32?, String, Bool, Bool, RunOutcome)])
    func judge(status: Int32?, outputName: String, timedOut: Bool, interrupted: Bool, expected: RunOutcome) {
        let outputs = [
            "complete": completeOutput,
            "truncated": "BENCH version 1\nBENCH a ns 1 1 1 1",
            "malformed": "BENCH version 1\nBENCH a ns 1 1\nBENCH end",
        ]
        let document = BenchParser.parse(outputs[outputName] ?? "")
        let exit = QEMUExit(exitStatus: status, timedOut: timedOut, interrupted: interrupted)
        #expect(BenchReport.judge(exit: exit, document: document) == expected)
    }

    @Test("explanation lists the problems")
    func explanation() {
        let truncated = report("BENCH version 1\nBENCH a ns 1 1 1 1", status: 33)
        #expect(truncated.outcomeExplanation == """
            bench run truncated (QEMU exit status 33): the machine powered off before 'BENCH end'
              problem: missing 'BENCH end' line: the output was truncated after 1 row
            """)
        let invalid = report("BENCH version 1\nBENCH a ns 1 1\nBENCH end", status: 33)
        #expect(invalid.outcomeExplanation.hasPrefix(
            "bench run failed (QEMU exit status 33): the kernel's bench output is invalid\n  problem: serial line 2: "))
        let timedOut = report("", status: nil, timedOut: true)
        #expect(timedOut.outcomeExplanation.hasPrefix(
            "bench run timed out: no exit after 300.0 s; raise the limit with --timeout SECONDS"))
    }

    @Test("table aligns columns")
    func table() {
        let text = BenchFormatter.table(report(completeOutput, status: 33), environment: environment)
        #expect(text == """
            lwcos bench: accelerator tcg, icount on (-icount shift=0: deterministic counts derived from instructions executed), QEMU 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3), host CPU AMD EPYC, 2026-12-04T20:43:37Z
            kernel command line: lwcos.mode=bench lwcos.filter=c*

            name          unit    median     p10     p90  iterations
            cr3_switch    cycles      57      57      57        2000
            clone_16mib   cycles  950195  950195  950195        1000
            clone_256mib  cycles     n/a     n/a     n/a           0  not enough memory: boot with more (-m)
            """)
    }

    @Test("table of a run without rows")
    func emptyTable() {
        let text = BenchFormatter.table(report("", status: 37), environment: environment)
        #expect(text.hasSuffix("\n\n(no rows)"))
    }

    @Test("JSON has the environment and every row")
    func json() throws {
        let data = try BenchFormatter.json([report(completeOutput, status: 33)], environment: environment)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])

        let header = try #require(object["environment"] as? [String: Any])
        #expect(header["accelerator"] as? String == "tcg")
        #expect(header["icount"] as? Bool == true)
        #expect(header["qemuVersion"] as? String == "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
        #expect(header["hostCPU"] as? String == "AMD EPYC")
        #expect(header["date"] as? String == "2026-12-04T20:43:37Z")

        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(run["system"] as? String == "lwcos")
        #expect(run["outcome"] as? String == "passed")
        #expect(run["passed"] as? Bool == true)
        #expect(run["qemuExitStatus"] as? Int == 33)
        #expect(run["kernelCommandLine"] as? String == "lwcos.mode=bench lwcos.filter=c*")
        #expect((run["problems"] as? [String])?.isEmpty == true)

        let rows = try #require(run["rows"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["cr3_switch", "clone_16mib", "clone_256mib"])
        #expect(rows[1]["median"] as? Int == 950195)
        #expect(rows[1]["iterations"] as? Int == 1000)
        #expect(rows[1]["reason"] is NSNull)
        #expect(rows[2]["median"] is NSNull)
        #expect(rows[2]["p10"] is NSNull)
        #expect(rows[2]["p90"] is NSNull)
        #expect(rows[2]["iterations"] as? Int == 0)
        #expect(rows[2]["reason"] as? String == "not enough memory: boot with more (-m)")
    }

    @Test("JSON outcome of a truncated run")
    func jsonTruncated() throws {
        let data = try BenchFormatter.json([report("BENCH version 1", status: 33)], environment: environment)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"outcome\" : \"truncated\""))
        #expect(text.contains("\"ended\" : false"))
    }

    @Test("boot through a stand-in QEMU")
    func bootStandIn() throws {
        // A shell script in QEMU's place prints recorded bench output and exits 33, so
        // the streaming path is tested without the kernel.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("fake-qemu").path
        let iso = folder.appendingPathComponent("bench.iso").path
        let outputFile = folder.appendingPathComponent("output.txt").path
        try completeOutput.write(toFile: outputFile, atomically: true, encoding: .utf8)
        try "#!/bin/sh\ncat '\(outputFile)'\nexit 33\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try "".write(toFile: iso, atomically: true, encoding: .utf8)

        let configuration = QEMUConfiguration(iso: iso, instructionCounting: true, executable: script)
        let report = try BenchRunner.boot(
            QEMUMachine(configuration: configuration), kernelWords: ["lwcos.mode=bench"], timeout: 30)
        #expect(report.outcome == .passed)
        #expect(report.exit.exitStatus == 33)
        #expect(report.document.rows.count == 3)
        #expect(report.serialLines.first == "[info] boot: lwcos starting")
    }
}

@Suite("Text table")
struct TextTableTests {
    @Test("alignment and trailing note")
    func render() {
        var table = TextTable(headers: ["name", "value"], alignments: [.left, .right])
        table.append(["a", "1"])
        table.append(["longer", "12345", "a note"])
        table.append(["short"])
        #expect(table.render() == "name    value\na           1\nlonger  12345  a note\nshort")
    }
}
