import Foundation

/// A file to add to a staged rootfs.
public struct RootfsFile: Sendable, Equatable {
    /// The source of the bytes.
    public enum Contents: Sendable, Equatable {
        /// A file on the host, copied as it is.
        case copy(String)
        /// Bytes written by the harness, such as `/etc/lwcos-exec`.
        case bytes(Data)
    }

    public var contents: Contents
    /// The absolute path in the guest, such as `/bin/hello`.
    public var guestPath: String
    /// Permission bits in the guest, such as 0o755.
    public var mode: Int

    public init(contents: Contents, guestPath: String, mode: Int) {
        self.contents = contents
        self.guestPath = guestPath
        self.mode = mode
    }

    /// An executable copied from the host into the guest at `guestPath`.
    public static func program(_ source: String, at guestPath: String) -> RootfsFile {
        RootfsFile(contents: .copy(source), guestPath: guestPath, mode: 0o755)
    }
}

/// A copy of `build/rootfs` with files added, packed into an initramfs of its own.
///
/// `build/rootfs` itself stays as `make build` left it: each stage lives in
/// `build/rootfs-<name>` and packs to `build/initramfs-<name>.cpio`, so concurrent stages
/// with different names do not touch each other.
public struct RootfsStage: Sendable {
    public var repository: Repository
    public var name: String
    public var tools: ToolLocator

    public init(repository: Repository, name: String, tools: ToolLocator = ToolLocator()) {
        self.repository = repository
        self.name = name
        self.tools = tools
    }

    public var directory: String { repository.stagedRootfsDirectory(name: name) }
    public var archive: String { repository.stagedInitramfsPath(name: name) }

    /// Copies the rootfs, adds `files` (replacing any file already at their paths), packs
    /// the tree and returns the archive's path.
    @discardableResult
    public func build(adding files: [RootfsFile]) throws(HarnessError) -> String {
        try tools.require([.cpio])
        let source = repository.rootfsDirectory
        guard FileManager.default.fileExists(atPath: source + "/init") else {
            throw .missingFile(path: source + "/init", hint: "build the user programs with 'make build'")
        }

        // `cp -a` keeps the modes that end up in the archive, such as the sticky bit of /tmp.
        try removeIfPresent(directory)
        try ChildProcess.check(try locate("cp"), ["-a", source, directory])
        for file in files {
            try add(file)
        }
        try pack()
        return archive
    }

    /// Returns the names in `/tests` of the rootfs that `make build` produced.
    public func builtInTests() -> Set<String> {
        let names = try? FileManager.default.contentsOfDirectory(atPath: repository.rootfsDirectory + "/tests")
        return Set(names ?? [])
    }

    private func add(_ file: RootfsFile) throws(HarnessError) {
        guard file.guestPath.hasPrefix("/"), !file.guestPath.split(separator: "/").contains("..") else {
            throw .fileSystem(path: file.guestPath, message: "a guest path must be absolute and must not contain '..'")
        }
        let target = directory + file.guestPath
        let files = FileManager.default
        do {
            try files.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if files.fileExists(atPath: target) {
                try files.removeItem(atPath: target)
            }
            switch file.contents {
            case .copy(let source):
                try files.copyItem(atPath: source, toPath: target)
            case .bytes(let data):
                try data.write(to: URL(fileURLWithPath: target))
            }
            try files.setAttributes([.posixPermissions: file.mode], ofItemAtPath: target)
        } catch {
            throw .fileSystem(path: target, message: "\(error)")
        }
    }

    /// Packs the staged tree as `find . | LC_ALL=C sort | cpio -o -H newc -R 0:0` would,
    /// without a shell: the sorted list goes to cpio through a file.
    private func pack() throws(HarnessError) {
        let listing = try ChildProcess.check(try locate("find"), ["."], directory: directory)
        let names = listing.standardOutput.split(separator: "\n").map(String.init)
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let list = archive + ".list"
        do {
            try Data((names.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: list))
        } catch {
            throw .fileSystem(path: list, message: "\(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: list) }

        guard let cpio = tools.find(HostTool.cpio.rawValue) else { throw .missingTool(.cpio) }
        try removeIfPresent(archive)
        // --force-local: without it cpio reads a ':' in the archive's path as a remote host.
        try ChildProcess.check(
            cpio, ["-o", "-H", "newc", "-R", "0:0", "--quiet", "--force-local", "-F", archive],
            directory: directory, input: .file(list))
    }

    private func removeIfPresent(_ path: String) throws(HarnessError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .fileSystem(path: path, message: "\(error)")
        }
    }

    /// Finds a coreutils or findutils program, which every Debian system has.
    private func locate(_ name: String) throws(HarnessError) -> String {
        guard let path = tools.find(name) else {
            throw .commandFailed(command: name, status: -1, output: "\(name) not found on PATH")
        }
        return path
    }
}
