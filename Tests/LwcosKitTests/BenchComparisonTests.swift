import Foundation
import Testing

@testable import LwcosKit

private let environment = MeasurementEnvironment(
    accelerator: .tcg, instructionCounting: false, qemuVersion: "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)",
    hostCPU: "AMD EPYC", date: "2026-12-04T21:30:00Z")

private let lwcosOutput = """
    BENCH version 1
    BENCH cr3_switch cycles 57 57 57 2000
    BENCH lwcreate_close cycles 450099 449931 450351 1000
    BENCH getppid cycles 884 850 930 2000
    BENCH execve cycles 2000000 1900000 2100000 1000
    BENCH user_cow_fault cycles n/a n/a n/a 0 failed: mmap: Out of memory
    BENCH end
    """

private let linuxOutput = """
    [    0.0] Linux version 6.1.0-57-amd64
    BENCH version 1
    BENCH lwcreate_close cycles n/a n/a n/a 0 lwC system calls are not available (ENOSYS)
    BENCH getppid cycles 1170 1118 1222 2000
    BENCH execve cycles 4000000 3900000 4100000 1000
    BENCH user_cow_fault cycles 56082 54600 71708 2000
    BENCH pipe_pingpong ns 173 168 204 2000
    BENCH end
    [   17.0] reboot: Power down
    """

private let linuxKernel = LinuxKernel(path: "/boot/vmlinuz-6.1.0-57-amd64", release: "6.1.0-57-amd64")

private func lwcosReport() -> BenchReport {
    BenchReport(
        kernelWords: ["lwcos.mode=bench"], document: BenchParser.parse(lwcosOutput),
        exit: QEMUExit(exitStatus: 33), serialLines: lwcosOutput.components(separatedBy: "\n"))
}

private func linuxReport(_ output: String = linuxOutput, status: Int32? = 0) -> BenchReport {
    BenchReport(
        system: .linux, kernelWords: LinuxBenchRunner.commandLine,
        document: BenchParser.parse(output),
        exit: QEMUExit(exitStatus: status), serialLines: output.components(separatedBy: "\n"), timeout: 300)
}

private func comparison() -> BenchComparison {
    BenchComparison(lwcos: lwcosReport().document, linux: linuxReport().document)
}

@Suite("Bench comparison")
struct BenchComparisonTests {
    @Test("rows joined by name, Linux-only rows last")
    func joinOrder() {
        let entries = comparison().entries
        #expect(entries.map(\.name) == [
            "cr3_switch", "lwcreate_close", "getppid", "execve", "user_cow_fault", "pipe_pingpong",
        ])
        #expect(entries[0].linux == nil)
        #expect(entries[5].lwcos == nil)
        #expect(entries[5].unit == "ns")
    }

    @Test("ratio only when both rows are measured")
    func ratios() throws {
        let entries = comparison().entries
        let getppid = try #require(entries.first { $0.name == "getppid" })
        #expect(try #require(getppid.ratio) == 884.0 / 1170.0)
        let execve = try #require(entries.first { $0.name == "execve" })
        #expect(execve.ratio == 0.5)
        #expect(entries.first { $0.name == "cr3_switch" }?.ratio == nil)
        #expect(entries.first { $0.name == "lwcreate_close" }?.ratio == nil)
        #expect(entries.first { $0.name == "user_cow_fault" }?.ratio == nil)
        #expect(entries.first { $0.name == "pipe_pingpong" }?.ratio == nil)
    }

    @Test("ratio needs the same unit and a Linux median above 0")
    func ratioGuards() {
        let lwcos = BenchParser.parse("BENCH version 1\nBENCH a cycles 10 10 10 1\nBENCH b cycles 10 10 10 1\nBENCH end")
        let linux = BenchParser.parse("BENCH version 1\nBENCH a ns 5 5 5 1\nBENCH b cycles 0 0 0 1\nBENCH end")
        let entries = BenchComparison(lwcos: lwcos, linux: linux).entries
        #expect(entries[0].ratio == nil)
        #expect(entries[0].notes == ["units differ: lwcos cycles, Linux ns"])
        #expect(entries[1].ratio == nil)
    }

    @Test("without Linux every entry has only its lwcos row")
    func withoutLinux() {
        let entries = BenchComparison(lwcos: lwcosReport().document, linux: nil).entries
        #expect(entries.count == 5)
        #expect(entries.allSatisfy { $0.linux == nil && $0.ratio == nil })
    }

    @Test("ratio formatting", arguments: [
        (0.7556, "0.756"), (0.5, "0.500"), (0.0312, "0.0312"), (1.0, "1.00"), (1.504, "1.50"), (57.5, "57.50"),
        (1234.0, "1234.00"),
    ])
    func formatRatio(ratio: Double, expected: String) {
        #expect(BenchComparison.formatRatio(ratio) == expected)
    }

    @Test("comparison table")
    func table() {
        let text = BenchFormatter.comparisonTable(
            lwcos: lwcosReport(), linux: linuxReport(), linuxKernel: linuxKernel, environment: environment)
        #expect(text == """
            lwcos bench: accelerator tcg, icount off, QEMU 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3), host CPU AMD EPYC, 2026-12-04T21:30:00Z
            lwcos command line: lwcos.mode=bench
            Linux 6.1.0-57-amd64 (/boot/vmlinuz-6.1.0-57-amd64) command line: console=ttyS0 quiet rdinit=/init LWCOS_MODE=bench panic=-1
            medians in each row's unit; lwcos/Linux below 1 means lwcos is faster; - means that system printed no such row

            name            unit    lwcos median  Linux median  lwcos/Linux
            cr3_switch      cycles            57             -            -
            lwcreate_close  cycles        450099           n/a            -  Linux n/a: lwC system calls are not available (ENOSYS)
            getppid         cycles           884          1170        0.756
            execve          cycles       2000000       4000000        0.500
            user_cow_fault  cycles           n/a         56082            -  lwcos n/a: failed: mmap: Out of memory
            pipe_pingpong   ns                 -           173            -
            """)
    }

    @Test("JSON carries both runs")
    func json() throws {
        let data = try BenchFormatter.json([lwcosReport(), linuxReport()], environment: environment)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.map { $0["system"] as? String } == ["lwcos", "linux"])
        #expect(runs[1]["outcome"] as? String == "passed")
        #expect(runs[1]["qemuExitStatus"] as? Int == 0)
        #expect(runs[1]["kernelCommandLine"] as? String == "console=ttyS0 quiet rdinit=/init LWCOS_MODE=bench panic=-1")
        let linuxRows = try #require(runs[1]["rows"] as? [[String: Any]])
        #expect(linuxRows.count == 5)
    }
}
