import Foundation

/// Builds the kernel with the repository's Makefile.
public struct KernelBuild: Sendable {
    public var repository: Repository
    public var tools: ToolLocator

    public init(repository: Repository, tools: ToolLocator = ToolLocator()) {
        self.repository = repository
        self.tools = tools
    }

    /// Runs `make -C <root> kernel`, passing each line of its standard output to `onLine`,
    /// and checks that both kernel ELFs exist afterwards. When make fails, the error contains
    /// the tail of both its output streams.
    public func run(onLine: (@Sendable (String) -> Void)? = nil) throws(HarnessError) {
        try tools.require(HostTool.build)
        guard let make = tools.find(HostTool.make.rawValue) else {
            throw .missingTool(.make)
        }
        try ChildProcess.check(make, ["-C", repository.root, "kernel"], onLine: onLine)

        for path in [repository.kernelDebugELF, repository.kernelISOELF]
        where !FileManager.default.fileExists(atPath: path) {
            throw .missingFile(
                path: path,
                hint: "'make kernel' succeeded but did not produce it; the Makefile's kernel target must build it")
        }
    }
}

/// Stages and builds a bootable ISO with GRUB.
public struct ISOBuilder: Sendable {
    public var repository: Repository
    public var tools: ToolLocator

    public init(repository: Repository, tools: ToolLocator = ToolLocator()) {
        self.repository = repository
        self.tools = tools
    }

    /// Builds `build/lwcos-<name>.iso` from `build/kernel.iso.elf` and returns its path.
    ///
    /// The staging folder `build/iso-<name>` is rebuilt from scratch, so a module dropped
    /// from `boot` does not linger in the next ISO.
    @discardableResult
    public func build(name: String, boot: BootConfiguration) throws(HarnessError) -> String {
        try tools.require(HostTool.iso)
        guard let mkrescue = tools.find(HostTool.grubMkrescue.rawValue) else {
            throw .missingTool(.grubMkrescue)
        }
        let kernel = repository.kernelISOELF
        guard FileManager.default.fileExists(atPath: kernel) else {
            throw .missingFile(path: kernel, hint: "build the kernel first with 'lwcos build' or 'make kernel'")
        }
        let config = try boot.grubConfig()

        // Stage the tree: boot/kernel.elf, boot/grub/grub.cfg and any modules.
        let staging = repository.isoStagingDirectory(name: name)
        let files = FileManager.default
        do {
            if files.fileExists(atPath: staging) {
                try files.removeItem(atPath: staging)
            }
            try files.createDirectory(atPath: staging + "/boot/grub", withIntermediateDirectories: true)
            try files.copyItem(atPath: kernel, toPath: staging + "/boot/kernel.elf")
            try config.write(toFile: staging + "/boot/grub/grub.cfg", atomically: true, encoding: .utf8)
            for module in boot.modules {
                let target = staging + module.isoPath
                try files.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try files.copyItem(atPath: module.source, toPath: target)
            }
        } catch {
            throw .fileSystem(path: staging, message: "\(error)")
        }

        // grub-mkrescue prints its progress on standard error; it shows only on failure.
        let iso = repository.isoPath(name: name)
        try ChildProcess.check(mkrescue, ["-o", iso, staging])
        return iso
    }
}
