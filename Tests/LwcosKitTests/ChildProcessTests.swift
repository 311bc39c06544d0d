import Foundation
import Testing

@testable import LwcosKit

/// Lines collected from the reader thread.
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ line: String) {
        lock.lock()
        storage.append(line)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

@Suite("Child processes")
struct ChildProcessTests {
    @Test("lines stream without line terminators")
    func streaming() throws {
        let lines = Lines()
        let result = try ChildProcess.run(
            "/bin/sh", ["-c", "printf 'one\\r\\ntwo\\n\\nlast'; echo oops >&2; exit 3"], onLine: lines.append)
        #expect(lines.all == ["one", "two", "", "last"])
        #expect(result.status == 3)
        #expect(!result.signaled)
        #expect(!result.timedOut)
        #expect(result.standardOutput == "one\r\ntwo\n\nlast")
        #expect(result.standardError == "oops\n")
    }

    @Test("timeout kills the whole process group")
    func timeout() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("lwcos-timeout-\(getpid()).pid").path
        let result = try ChildProcess.run(
            "/bin/sh", ["-c", "sleep 30 & echo $! > \(pidFile); echo started; wait"], timeout: 0.5)
        #expect(result.timedOut)
        #expect(result.signaled)
        #expect(result.status == SIGKILL)
        #expect(result.duration < 10)

        // The grandchild shared the child's process group, so it is gone too.
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let grandchild = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        var state = ""
        for _ in 0..<50 {
            state = (try? String(contentsOfFile: "/proc/\(grandchild)/stat", encoding: .utf8)) ?? ""
            // A killed process is gone or a zombie ("Z") waiting for its new parent.
            if state.isEmpty || state.contains(") Z ") { break }
            usleep(20_000)
        }
        #expect(state.isEmpty || state.contains(") Z "), "grandchild \(grandchild) still running: \(state)")
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    @Test("check throws with the status and output")
    func checkFailure() {
        #expect(throws: HarnessError.commandFailed(command: "/bin/sh -c 'echo bad; exit 2'", status: 2, output: "bad\n")) {
            try ChildProcess.check("/bin/sh", ["-c", "echo bad; exit 2"])
        }
    }

    @Test("standard input is empty")
    func nullInput() throws {
        let result = try ChildProcess.run("/bin/sh", ["-c", "cat; echo done"])
        #expect(result.standardOutput == "done\n")
    }

    @Test("offload returns the value")
    func offload() async throws {
        let value = try await ChildProcess.offload { () throws(HarnessError) in 42 }
        #expect(value == 42)
    }

    @Test("shell quoting")
    func quoting() {
        #expect(ShellQuoting.quote("plain/path-1.iso") == "plain/path-1.iso")
        #expect(ShellQuoting.quote("a b") == "'a b'")
        #expect(ShellQuoting.quote("it's") == "'it'\\''s'")
        #expect(ShellQuoting.quote("") == "''")
    }
}
