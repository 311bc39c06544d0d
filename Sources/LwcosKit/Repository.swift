import Foundation

/// The lwcos repository on disk and the paths the harness reads and writes in it.
public struct Repository: Sendable, Equatable {
    /// Absolute path of the folder that contains `Package.swift` and `Makefile`.
    public var root: String

    public init(root: String) {
        self.root = root
    }

    /// Walks up from `start` to the first folder holding both `Package.swift` and `Makefile`.
    public static func locate(from start: String = FileManager.default.currentDirectoryPath)
        throws(HarnessError) -> Repository
    {
        var folder = URL(fileURLWithPath: start).standardizedFileURL
        while true {
            let manifest = folder.appendingPathComponent("Package.swift").path
            let makefile = folder.appendingPathComponent("Makefile").path
            if FileManager.default.fileExists(atPath: manifest),
                FileManager.default.fileExists(atPath: makefile)
            {
                return Repository(root: folder.path)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path {
                throw .repositoryRootNotFound(start: start)
            }
            folder = parent
        }
    }

    /// Uses `explicitRoot` when given (made absolute), else walks up from the current folder.
    /// Throws when the root has no Makefile.
    public static func resolve(explicitRoot: String?) throws(HarnessError) -> Repository {
        guard let explicitRoot else {
            return try locate()
        }
        let url = URL(
            fileURLWithPath: explicitRoot,
            relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
        let root = url.standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: root + "/Makefile") else {
            throw .missingFile(path: root + "/Makefile", hint: "--root must name the lwcos repository")
        }
        return Repository(root: root)
    }

    public var buildDirectory: String { root + "/build" }
    /// The kernel with full DWARF, for gdb.
    public var kernelDebugELF: String { buildDirectory + "/kernel.elf" }
    /// The debug-stripped kernel that goes into the ISO.
    public var kernelISOELF: String { buildDirectory + "/kernel.iso.elf" }
    public var gdbScript: String { root + "/tools/gdb/lwcos.gdb" }
    /// The guest's file tree as `make build` lays it out: `/init`, `/bin`, `/tests`, ...
    public var rootfsDirectory: String { buildDirectory + "/rootfs" }
    /// `rootfsDirectory` packed as a cpio `newc` archive.
    public var initramfsPath: String { buildDirectory + "/initramfs.cpio" }
    /// The helpers user programs link against (the KTAP helper, liblwc).
    public var userLibrary: String { buildDirectory + "/user/libuser.a" }
    /// The headers of `userLibrary`.
    public var userIncludeDirectory: String { root + "/user/lib" }

    public func isoPath(name: String) -> String { buildDirectory + "/lwcos-\(name).iso" }
    public func isoStagingDirectory(name: String) -> String { buildDirectory + "/iso-\(name)" }
    /// A copy of the rootfs with files added, such as `build/rootfs-exec`.
    public func stagedRootfsDirectory(name: String) -> String { buildDirectory + "/rootfs-\(name)" }
    public func stagedInitramfsPath(name: String) -> String { buildDirectory + "/initramfs-\(name).cpio" }
}
