import Foundation

/// The products of a build: the kernel always, the initramfs when the user programs built.
public struct BuildProducts: Sendable, Equatable {
    /// `build/initramfs.cpio`, or nil when `make build` failed and only the kernel was built.
    public var initramfs: String?
    /// Why the user programs are missing: the error of `make build`. Nil when they built.
    public var userProgramsError: HarnessError?

    public init(initramfs: String?, userProgramsError: HarnessError? = nil) {
        self.initramfs = initramfs
        self.userProgramsError = userProgramsError
    }

    /// The multiboot2 modules every ISO gets: the initramfs, when there is one.
    public var modules: [BootModule] {
        initramfs.map { [BootModule.initramfs(source: $0)] } ?? []
    }

    /// A one-paragraph warning for a build without user programs, or nil when they built.
    public var warning: String? {
        guard let userProgramsError else { return nil }
        return "the user programs failed to build, so the ISO has no initramfs and the kernel "
            + "runs without /init (no shell, no user tests); 'make build' reported:\n\(userProgramsError)"
    }

    /// Returns the initramfs, or throws naming `command` when the user programs failed to build.
    public func requireInitramfs(for command: String) throws(HarnessError) -> String {
        guard let initramfs else {
            let reason = userProgramsError.map { ":\n\($0)" } ?? ""
            throw .missingFile(
                path: "build/initramfs.cpio",
                hint: "\(command) needs the user programs, and 'make build' failed\(reason)")
        }
        return initramfs
    }
}

/// Builds the kernel and the user programs with the repository's Makefile.
public struct KernelBuild: Sendable {
    public var repository: Repository
    public var tools: ToolLocator

    public init(repository: Repository, tools: ToolLocator = ToolLocator()) {
        self.repository = repository
        self.tools = tools
    }

    /// Runs `make -C <root> build`, which builds both kernel ELFs, every user program into
    /// `build/rootfs` and `build/initramfs.cpio`, passing each line of its standard output
    /// to `onLine`.
    ///
    /// When `make build` fails, the kernel alone may still build: `make kernel` runs next,
    /// and the products carry no initramfs and the first error, so commands that can boot
    /// without user programs still work. When `make kernel` fails too, its error is thrown
    /// with the tail of both of its output streams.
    @discardableResult
    public func run(onLine: (@Sendable (String) -> Void)? = nil) throws(HarnessError) -> BuildProducts {
        try tools.require(HostTool.build)
        guard let make = tools.find(HostTool.make.rawValue) else {
            throw .missingTool(.make)
        }

        // The whole build first; the kernel alone when the user programs fail.
        var products = BuildProducts(initramfs: repository.initramfsPath)
        do {
            try ChildProcess.check(make, ["-C", repository.root, "build"], onLine: onLine)
        } catch .interrupted {
            throw .interrupted
        } catch {
            products = BuildProducts(initramfs: nil, userProgramsError: error)
            try ChildProcess.check(make, ["-C", repository.root, "kernel"], onLine: onLine)
        }

        for path in [repository.kernelDebugELF, repository.kernelISOELF]
        where !FileManager.default.fileExists(atPath: path) {
            throw .missingFile(
                path: path,
                hint: "'make kernel' succeeded but did not produce it; the Makefile's kernel target must build it")
        }
        if products.initramfs != nil {
            for path in [repository.initramfsPath, repository.rootfsDirectory + "/init"]
            where !FileManager.default.fileExists(atPath: path) {
                products = BuildProducts(
                    initramfs: nil,
                    userProgramsError: .missingFile(
                        path: path, hint: "'make build' succeeded but did not produce it"))
            }
        }
        return products
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
