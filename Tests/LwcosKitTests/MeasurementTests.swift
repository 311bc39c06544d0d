import Foundation
import Testing

@testable import LwcosKit

@Suite("Measurement environment")
struct MeasurementEnvironmentTests {
    @Test("QEMU version from --version output")
    func qemuVersion() {
        let output = """
            QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
            Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers
            """
        #expect(MeasurementEnvironment.qemuVersion(fromVersionOutput: output) == "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
        #expect(MeasurementEnvironment.qemuVersion(fromVersionOutput: "qemu 9\n") == "qemu 9")
        #expect(MeasurementEnvironment.qemuVersion(fromVersionOutput: "") == "unknown")
    }

    @Test("CPU model from /proc/cpuinfo")
    func cpuModel() {
        let cpuInfo = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model\t\t: 1
            model name\t: AMD EPYC   7B13 64-Core Processor
            processor\t: 1
            model name\t: other
            """
        #expect(MeasurementEnvironment.cpuModel(fromCPUInfo: cpuInfo) == "AMD EPYC 7B13 64-Core Processor")
        #expect(MeasurementEnvironment.cpuModel(fromCPUInfo: "processor\t: 0\nBogoMIPS\t: 50.00\n") == nil)
    }

    @Test("header line with icount off")
    func header() {
        let environment = MeasurementEnvironment(
            accelerator: .kvm, instructionCounting: false, qemuVersion: "7.2.22", hostCPU: "AMD EPYC",
            date: "2026-12-04T20:43:37Z")
        #expect(environment.headerLine == "accelerator kvm, icount off, QEMU 7.2.22, host CPU AMD EPYC, 2026-12-04T20:43:37Z")
    }

    @Test("date in ISO 8601 UTC")
    func date() {
        #expect(MeasurementEnvironment.isoDate(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }
}

@Suite("Boot time")
struct BootTimeTests {
    @Test("summary of an odd count")
    func oddCount() throws {
        let summary = try #require(SampleSummary([0.9, 0.5, 0.7]))
        #expect(summary.median == 0.7)
        #expect(summary.minimum == 0.5)
        #expect(summary.maximum == 0.9)
        #expect(summary.count == 3)
    }

    @Test("summary of an even count")
    func evenCount() throws {
        let summary = try #require(SampleSummary([4, 1, 3, 2]))
        #expect(summary.median == 2.5)
        #expect(summary.minimum == 1)
        #expect(summary.maximum == 4)
    }

    @Test("summary of one and of none")
    func edgeCounts() throws {
        let one = try #require(SampleSummary([1.25]))
        #expect(one.median == 1.25)
        #expect(one.minimum == 1.25)
        #expect(one.maximum == 1.25)
        #expect(SampleSummary([]) == nil)
    }

    @Test("KTAP version line match")
    func ktapLine() {
        #expect(MilestoneClock.isKTAPVersionLine("KTAP version 1"))
        #expect(MilestoneClock.isKTAPVersionLine("    KTAP version 1\r"))
        #expect(!MilestoneClock.isKTAPVersionLine("KTAP version 2"))
        #expect(!MilestoneClock.isKTAPVersionLine("[info] KTAP version 1"))
    }

    @Test("table counts boots that missed a milestone")
    func table() {
        let samples = [
            BootTimeSample(firstSerialLine: 0.4, ktapVersionLine: 0.5, qemuExit: 1.0),
            BootTimeSample(firstSerialLine: 0.6, ktapVersionLine: nil, qemuExit: 1.5),
        ]
        let environment = MeasurementEnvironment(
            accelerator: .tcg, instructionCounting: false, qemuVersion: "7.2.22", hostCPU: "AMD EPYC",
            date: "2026-12-04T20:43:37Z")
        #expect(BootTimeFormatter.table(samples, iso: "build/lwcos-boottime.iso", environment: environment) == """
            lwcos boottime: 2 boots of build/lwcos-boottime.iso, wall time on the monotonic clock
            accelerator tcg, icount off, QEMU 7.2.22, host CPU AMD EPYC, 2026-12-04T20:43:37Z

            from QEMU start to   median s  min s  max s  boots
            first serial line       0.500  0.400  0.600    2/2
            KTAP version 1 line     0.500  0.500  0.500    1/2
            QEMU exit               1.250  1.000  1.500    2/2
            """)
    }
}
