import Foundation

/// A program on the host that the build, the ISO or a boot needs, with the Debian
/// package that installs it.
public enum HostTool: String, CaseIterable, Sendable {
    case qemu = "qemu-system-x86_64"
    case grubMkrescue = "grub-mkrescue"
    case xorriso = "xorriso"
    case mformat = "mformat"
    case gdb = "gdb"
    case make = "make"
    case clang = "clang"
    case nasm = "nasm"
    case lld = "ld.lld"
    case cpio = "cpio"
    case muslGCC = "musl-gcc"

    /// The Debian package, or packages, that provide the program.
    public var debianPackage: String {
        switch self {
        case .qemu: return "qemu-system-x86"
        // grub-mkrescue is in grub-common, but it needs the BIOS modules of grub-pc-bin.
        case .grubMkrescue: return "grub-common grub-pc-bin"
        case .xorriso: return "xorriso"
        case .mformat: return "mtools"
        case .gdb: return "gdb"
        case .make: return "make"
        case .clang: return "clang"
        case .nasm: return "nasm"
        case .lld: return "lld"
        case .cpio: return "cpio"
        case .muslGCC: return "musl-tools"
        }
    }

    /// A one-line message naming the missing program and how to install it.
    public var installHint: String {
        "\(rawValue) not found on PATH: install it with 'apt-get install \(debianPackage)' "
            + "or run 'make deps'"
    }

    /// Tools needed to build the kernel (`make kernel`).
    public static let build: [HostTool] = [.make, .clang, .nasm, .lld]
    /// Tools needed to build a bootable ISO.
    public static let iso: [HostTool] = [.grubMkrescue, .xorriso, .mformat]
}

/// Finds programs on `PATH`.
public struct ToolLocator: Sendable {
    public var searchPath: [String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        searchPath = path.split(separator: ":").map(String.init)
    }

    /// Returns the absolute path of `name`, or nil when no folder on `PATH` has it.
    public func find(_ name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        for folder in searchPath where !folder.isEmpty {
            let candidate = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    /// Throws `HarnessError.missingTool` for the first tool of `tools` not on `PATH`.
    public func require(_ tools: [HostTool]) throws(HarnessError) {
        for tool in tools where find(tool.rawValue) == nil {
            throw .missingTool(tool)
        }
    }
}
