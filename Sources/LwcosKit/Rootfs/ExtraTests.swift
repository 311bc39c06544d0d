import Foundation

/// The test programs of `lwcos test --extra DIR`, added to `/tests` of a staged rootfs.
public enum ExtraTests {
    /// Returns every regular executable file in `directory`, sorted by name, as a file for
    /// `/tests`. Throws when the folder is missing or empty, when a file is not a static
    /// ELF, or when a name is already taken by a test in `builtIn`.
    public static func files(in directory: String, builtIn: Set<String>) throws(HarnessError) -> [RootfsFile] {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingFile(path: directory, hint: "--extra must name a folder of test programs")
        }
        let names: [String]
        do {
            names = try files.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw .missingFile(path: directory, hint: "--extra must name a readable folder: \(error)")
        }

        var result: [RootfsFile] = []
        for name in names {
            let path = directory + "/" + name
            guard isRegularExecutable(path) else { continue }
            if builtIn.contains(name) {
                throw .invalidProgram(
                    path: path,
                    reason: "its name clashes with the built-in test /tests/\(name) "
                        + "(build/rootfs/tests/\(name)); rename it")
            }
            try StaticELF.validate(path)
            result.append(.program(path, at: "/tests/" + name))
        }
        guard !result.isEmpty else {
            throw .missingFile(path: directory + "/*", hint: "--extra found no executable file in the folder")
        }
        return result
    }

    /// Whether `path` is a regular file (after following symbolic links) with an execute bit.
    static func isRegularExecutable(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return (status.st_mode & S_IFMT) == S_IFREG && (status.st_mode & 0o111) != 0
    }
}
