import Foundation
import Testing

@testable import LwcosKit

/// gdb in batch mode through a real lwSwitch: the fixture `lwc_pingpong` creates a child
/// lwC and switches into it once. Both tests read the one run of `LwSwitchTrace`.
@Suite("gdb through lwSwitch")
struct GDBLwcTests {
    /// CR3 bits 51:12 hold the PML4's physical address; bits 11:0 the PCID when
    /// CR4.PCIDE is set.
    static let cr3AddressMask: UInt64 = 0x000f_ffff_ffff_f000

    @Test("CR3 and user RIP across lwSwitch")
    func switchChangesCR3() async throws {
        let trace = try await KernelRun.shared.lwSwitchTrace()
        let output = trace.output
        #expect(trace.lines.contains { $0.hasPrefix("Hardware assisted breakpoint 1 at ") }, "\(output)")
        #expect(trace.lines.contains { $0.hasPrefix("Breakpoint 1, lwc_switch_to (") }, "\(output)")

        // At entry the caller's table is loaded.
        let callerRoot = try #require(trace.number("CALLER_ROOT"), "\(output)")
        let targetRoot = try #require(trace.number("TARGET_ROOT"), "\(output)")
        let before = try #require(trace.number("CR3_BEFORE"), "\(output)")
        #expect(before & Self.cr3AddressMask == callerRoot, "\(output)")
        #expect(callerRoot != targetRoot, "\(output)")

        // Stepping changes CR3 to the target's table, in the step over tlb_switch_to.
        let steps = try #require(trace.number("STEPS"), "\(output)")
        #expect(steps > 0, "\(output)")
        #expect(steps < UInt64(LwSwitchTrace.maxSteps), "CR3 did not change within \(LwSwitchTrace.maxSteps) steps: \(output)")
        let after = try #require(trace.number("CR3_AFTER"), "\(output)")
        #expect(after & Self.cr3AddressMask == targetRoot, "\(output)")
        let changingLine = try #require(try Self.sourceLine(trace, repository: await KernelRun.shared.repository()),
                                        "\(output)")
        #expect(changingLine.contains("tlb_switch_to("), "\(changingLine)\n\(output)")

        // The PCID in CR3: none without the hardware path (TCG has no PCID), else the target's.
        let hardware = try #require(trace.number("PCID_HARDWARE"), "\(output)")
        let targetPCID = try #require(trace.number("TARGET_PCID"), "\(output)")
        if hardware == 0 {
            #expect(after & 0xfff == 0, "\(output)")
        } else {
            #expect(after & 0xfff == targetPCID, "\(output)")
            #expect(targetPCID != 0, "\(output)")
        }

        // The system call returns to user mode in the target, at the RIP it saved.
        let savedRIP = try #require(trace.number("SAVED_RIP"), "\(output)")
        #expect(savedRIP != 0, "\(output)")
        #expect(savedRIP < 0x0000_8000_0000_0000, "a user address expected: \(output)")
        #expect(trace.lines.contains { $0.hasPrefix("Breakpoint 2, ") }, "\(output)")
        #expect(trace.number("USER_PC") == savedRIP, "\(output)")
        let userCR3 = try #require(trace.number("USER_CR3"), "\(output)")
        #expect(userCR3 & Self.cr3AddressMask == targetRoot, "\(output)")
        let userCS = try #require(trace.number("USER_CS"), "\(output)")
        #expect(userCS & 3 == 3, "CPL 3 expected: \(output)")
        // lwCreate's second return, in the child: its descriptor for the creator (rule 3).
        let result = try #require(trace.value("USER_RAX").flatMap { Int64($0) }, "\(output)")
        #expect(result >= 0, "\(output)")
    }

    @Test("lwc.py helpers at lwSwitch")
    func helpers() async throws {
        let trace = try await KernelRun.shared.lwSwitchTrace()
        let helperText = trace.helperLines.joined(separator: "\n")
        let context = "helpers:\n\(helperText)\n\nwhole output:\n\(trace.output)"
        #expect(!trace.helperLines.isEmpty, "\(context)")
        #expect(!trace.output.contains("Python Exception"), "\(context)")
        let tid = try #require(trace.number("TID"), "\(context)")
        let callerRoot = try #require(trace.number("CALLER_ROOT"), "\(context)")
        let targetRoot = try #require(trace.number("TARGET_ROOT"), "\(context)")
        let savedRIP = try #require(trace.number("SAVED_RIP"), "\(context)")

        // proc list: init and the fixture, which has two lwCs.
        let fixtureRow = trace.helperLines.first { $0.contains(" lwc_pingpong ") }
        #expect(fixtureRow?.split(separator: " ").last == "2", "\(context)")
        #expect(trace.helperLines.contains { $0.split(separator: " ").starts(with: ["1", "0", "alive", "init"]) },
                "\(context)")

        // lwc list: the root lwC (id 0) with the caller's table and the running thread,
        // and the child (id 1) with the target's table and no thread.
        let rows = trace.helperLines.compactMap(LwcListRow.init)
        #expect(rows.count == 2, "\(context)")
        let root = rows.first { $0.id == 0 }
        let child = rows.first { $0.id == 1 }
        #expect(root?.pml4 == callerRoot, "\(context)")
        #expect(root?.isRoot == true, "\(context)")
        #expect(root?.threads == String(tid), "\(context)")
        #expect(child?.pml4 == targetRoot, "\(context)")
        #expect(child?.isRoot == false, "\(context)")
        #expect(child?.threads == "-", "\(context)")

        // lwc show 1: the child's regions and its descriptor for the root lwC.
        #expect(trace.helperLines.contains("lwC 1: regions"), "\(context)")
        #expect(trace.helperLines.contains { $0.contains(" r-x ") }, "\(context)")
        let descriptorRows = trace.helperLines.filter { $0.contains(" lwc ") }
        #expect(descriptorRows.contains { $0.contains("-> lwC 0") }, "\(context)")

        // pt walk: four levels in the loaded (caller's) table, down to a physical address
        // with the same page offset as the RIP.
        #expect(trace.helperLines.contains { $0.hasPrefix(String(format: "CR3 %#llx (root %#llx, ", callerRoot, callerRoot)) },
                "\(context)")
        for level in ["PML4[", "PDPT[", "PD  [", "PT  ["] {
            let entry = trace.helperLines.first { $0.hasPrefix("  " + level) }
            #expect(entry != nil, "\(level) \(context)")
            #expect(entry?.contains(" P ") == true, "\(level) not present: \(context)")
        }
        let physicalLine = try #require(trace.helperLines.first { $0.hasPrefix("  -> physical 0x") }, "\(context)")
        let physical = try #require(UInt64(physicalLine.dropFirst("  -> physical 0x".count), radix: 16), "\(context)")
        #expect(physical & 0xfff == savedRIP & 0xfff, "\(context)")
        #expect(physical >= 0x1000, "\(context)")
    }

    /// Reads the source line of the step that changed CR3: gdb's `info line` output
    /// (`Line N of "FILE" starts at ...`) names it, and the repository has the file.
    static func sourceLine(_ trace: LwSwitchTrace, repository: Repository) throws -> String? {
        guard let text = trace.value("CHANGED_BY"),
            let match = text.firstMatch(of: /^Line ([0-9]+) of "([^"]+)"/),
            let number = Int(match.1)
        else { return nil }
        let source = try String(contentsOfFile: repository.root + "/" + match.2, encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return number >= 1 && number <= lines.count ? String(lines[number - 1]) : nil
    }
}

/// One row of `lwc list`: `ID PML4 PCID UID GID SYSTRAP REFS THREADS [(root lwC)]`.
struct LwcListRow {
    var id: Int
    var pml4: UInt64
    var threads: String
    var isRoot: Bool

    init?(_ line: String) {
        let fields = line.split(separator: " ")
        guard fields.count >= 8, let id = Int(fields[0]), fields[1].hasPrefix("0x"),
            let pml4 = UInt64(fields[1].dropFirst(2), radix: 16)
        else { return nil }
        self.id = id
        self.pml4 = pml4
        threads = String(fields[7])
        isRoot = line.hasSuffix(" (root lwC)")
    }
}
