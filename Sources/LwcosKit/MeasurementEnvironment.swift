import Foundation

/// The machine and emulator a measurement ran on, printed above the figures so that readers
/// can tell figures from different hosts or QEMU versions apart.
public struct MeasurementEnvironment: Sendable, Equatable {
    public var accelerator: Accelerator
    /// Whether QEMU ran with `-icount shift=0`.
    public var instructionCounting: Bool
    /// QEMU's version as `qemu-system-x86_64 --version` prints it, such as
    /// `7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)`.
    public var qemuVersion: String
    /// The first `model name` of /proc/cpuinfo, or `unknown` where there is none.
    public var hostCPU: String
    /// When the measurement started, in ISO 8601 UTC, such as `2026-12-04T20:51:07Z`.
    public var date: String

    public init(
        accelerator: Accelerator, instructionCounting: Bool, qemuVersion: String, hostCPU: String, date: String
    ) {
        self.accelerator = accelerator
        self.instructionCounting = instructionCounting
        self.qemuVersion = qemuVersion
        self.hostCPU = hostCPU
        self.date = date
    }

    /// Runs `qemu --version`, reads /proc/cpuinfo and takes the current date.
    public static func collect(
        accelerator: Accelerator, instructionCounting: Bool,
        qemuExecutable: String = QEMUConfiguration.defaultExecutable, tools: ToolLocator = ToolLocator()
    ) throws(HarnessError) -> MeasurementEnvironment {
        guard let executable = tools.find(qemuExecutable) else {
            throw .missingTool(.qemu)
        }
        let output = try ChildProcess.check(executable, ["--version"], timeout: 30).standardOutput
        let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return MeasurementEnvironment(
            accelerator: accelerator, instructionCounting: instructionCounting,
            qemuVersion: qemuVersion(fromVersionOutput: output),
            hostCPU: cpuModel(fromCPUInfo: cpuInfo) ?? "unknown",
            date: isoDate(Date()))
    }

    /// Takes the version from the first line of `qemu-system-x86_64 --version`, which reads
    /// `QEMU emulator version 7.2.22 (Debian ...)`. Returns the whole first line when it has
    /// another shape.
    static func qemuVersion(fromVersionOutput output: String) -> String {
        let firstLine = output.split(separator: "\n").first.map(String.init) ?? ""
        let prefix = "QEMU emulator version "
        guard firstLine.hasPrefix(prefix) else {
            return firstLine.isEmpty ? "unknown" : firstLine
        }
        return String(firstLine.dropFirst(prefix.count))
    }

    /// Returns the value of the first `model name` line of /proc/cpuinfo, with runs of
    /// spaces collapsed, or nil when there is none (for example on arm64 Linux).
    static func cpuModel(fromCPUInfo text: String) -> String? {
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard key == "model name" else { continue }
            let value = line[line.index(after: colon)...].split(separator: " ").joined(separator: " ")
            return value.isEmpty ? nil : value
        }
        return nil
    }

    static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// One line naming everything that shapes the figures, for the top of a table.
    public var headerLine: String {
        let icount = instructionCounting
            ? "icount on (-icount shift=0: deterministic counts derived from instructions executed)"
            : "icount off"
        return "accelerator \(accelerator.rawValue), \(icount), QEMU \(qemuVersion), host CPU \(hostCPU), \(date)"
    }
}
