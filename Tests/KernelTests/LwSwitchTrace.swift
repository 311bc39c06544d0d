import Foundation

@testable import LwcosKit

/// One gdb batch run through the first lwSwitch of the fixture `lwc_pingpong`, whose
/// output the gdb lwC tests read.
///
/// gdb stops at `lwc_switch_to` as the root lwC switches into its child, prints the
/// values the tests compare, runs the helpers of tools/gdb/lwc.py, steps with `next`
/// until CR3 changes, then runs to the child's saved user RIP. Each value is printed on
/// its own line as `NAME=value`, so the tests never depend on gdb's `$N = ` numbering.
struct LwSwitchTrace: Sendable {
    /// The ISO and the serial log are `build/lwcos-<name>.iso` and `build/<name>-serial.log`.
    static let name = "swift-gdb-lwswitch"

    /// The most `next` commands the run takes before giving up on a CR3 change. The
    /// switch path has about 25 source lines before the `tlb_switch_to` call.
    static let maxSteps = 100

    /// gdb's whole output, standard output then standard error.
    var output: String

    /// The gdb script that steps until CR3 changes. `while` needs a script file: in an
    /// `-ex` argument, gdb would read the loop body from standard input. `$last_pc` is the
    /// address of the step that changed CR3.
    static let stepScript = """
        set $steps = 0
        while $cr3 == $cr3_before && $steps < \(maxSteps)
          set $last_pc = $pc
          next
          set $steps = $steps + 1
        end

        """

    /// Finds the saved state of this thread in the target lwC by its tid and stores its
    /// user RIP in `$saved_rip`. One line, because `python` in an `-ex` argument takes
    /// only one.
    static let savedRIPCommand = "python t = gdb.parse_and_eval('$target'); "
        + "tid = int(gdb.parse_and_eval('$tid')); "
        + "slots = [t['saved'][i] for i in range(t['saved'].type.range()[1] + 1)]; "
        + "gdb.set_convenience_variable('saved_rip', next(s['frame']['rip'] for s in slots if int(s['tid']) == tid))"

    /// Returns the commands gdb runs once the breakpoint at `lwc_switch_to` is hit.
    static func commands(stepScriptPath: String) -> [String] {
        [
            // At entry: who switches, from where, to where.
            "set $target = target",
            "set $tid = boot_cpu.current->tid",
            "set $cr3_before = $cr3",
            savedRIPCommand,
            #"printf "TID=%d\n", $tid"#,
            #"printf "CALLER_ROOT=%#lx\n", boot_cpu.current->lwc->vm->root"#,
            #"printf "TARGET_ROOT=%#lx\n", $target->vm->root"#,
            #"printf "CR3_BEFORE=%#lx\n", $cr3"#,
            #"printf "SAVED_RIP=%#lx\n", $saved_rip"#,
            #"printf "PCID_HARDWARE=%d\n", 'pcid.c'::features.hardware"#,

            // The helpers of tools/gdb/lwc.py, while the caller's table is loaded.
            #"echo HELPERS_BEGIN\n"#,
            "proc list",
            "lwc list",
            "lwc show 1",
            "pt walk $saved_rip",
            #"echo HELPERS_END\n"#,

            // Step over the switch until CR3 contains the target's table.
            "source " + stepScriptPath,
            #"printf "STEPS=%d\n", $steps"#,
            #"printf "CR3_AFTER=%#lx\n", $cr3"#,
            #"printf "TARGET_PCID=%d\n", $target->vm->pcid"#,
            #"echo CHANGED_BY="#,
            "info line *$last_pc",

            // Let the system call return: the CPU must arrive in user mode at the RIP the
            // target saved, with the target's table still loaded.
            "hbreak *$saved_rip",
            "continue",
            #"printf "USER_PC=%#lx\n", $pc"#,
            #"printf "USER_CR3=%#lx\n", $cr3"#,
            #"printf "USER_CS=%#lx\n", $cs"#,
            #"printf "USER_RAX=%ld\n", $rax"#,
        ]
    }

    /// Boots `iso` under gdb, stopped at `lwc_switch_to`, and returns the trace.
    static func run(repository: Repository, iso: String, program: String) throws(HarnessError) -> LwSwitchTrace {
        let scriptDirectory = repository.buildDirectory + "/swift-fixtures/gdb"
        let scriptPath = scriptDirectory + "/step-until-cr3.gdb"
        do {
            try FileManager.default.createDirectory(atPath: scriptDirectory, withIntermediateDirectories: true)
            try Data(stepScript.utf8).write(to: URL(fileURLWithPath: scriptPath))
        } catch {
            throw .fileSystem(path: scriptPath, message: "\(error)")
        }

        let session = GDBSession(
            repository: repository, qemu: QEMUConfiguration(iso: iso), symbolFiles: [program], name: name)
        let output = try session.runBatch(
            breakpoint: "lwc_switch_to", commands: commands(stepScriptPath: scriptPath), timeout: KernelRun.bootTimeout)
        return LwSwitchTrace(output: output)
    }

    var lines: [String] {
        output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Returns the text after `NAME=` on the first line that starts with it.
    func value(_ name: String) -> String? {
        lines.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// Returns the value of `NAME=` as a number, decimal or 0x-prefixed hexadecimal.
    func number(_ name: String) -> UInt64? {
        guard let text = value(name)?.trimmingCharacters(in: .whitespaces) else { return nil }
        if text.hasPrefix("0x") {
            return UInt64(text.dropFirst(2), radix: 16)
        }
        if text == "0" {
            return 0
        }
        return UInt64(text) ?? Int64(text).map { UInt64(bitPattern: $0) }
    }

    /// The lines between `HELPERS_BEGIN` and `HELPERS_END`.
    var helperLines: [String] {
        guard let begin = lines.firstIndex(of: "HELPERS_BEGIN"),
            let end = lines[begin...].firstIndex(of: "HELPERS_END")
        else { return [] }
        return Array(lines[(begin + 1)..<end])
    }
}
