import Foundation

/// Compiles C programs for lwcos with musl-gcc, as `lwcos cc` does.
public struct UserCompiler: Sendable {
    public var repository: Repository
    public var tools: ToolLocator

    public init(repository: Repository, tools: ToolLocator = ToolLocator()) {
        self.repository = repository
        self.tools = tools
    }

    /// Returns the musl-gcc arguments for the user's `arguments` (sources, `-o OUT`, flags, in
    /// their order): `-static -O2 -I<root>/user/lib`, the user's arguments, then
    /// `build/user/libuser.a` when it exists and the command links.
    public func compilerArguments(_ arguments: [String]) -> [String] {
        var result = ["-static", "-O2", "-I" + repository.userIncludeDirectory] + arguments
        // -c, -S and -E stop before linking, where gcc would warn that the archive is unused.
        let links = !arguments.contains { ["-c", "-S", "-E"].contains($0) }
        if links, FileManager.default.fileExists(atPath: repository.userLibrary) {
            result.append(repository.userLibrary)
        }
        return result
    }

    /// Runs musl-gcc and returns its result; its messages are in the result's output streams.
    public func compile(_ arguments: [String]) throws(HarnessError) -> CommandResult {
        guard let compiler = tools.find(HostTool.muslGCC.rawValue) else {
            throw .missingTool(.muslGCC)
        }
        return try ChildProcess.run(compiler, compilerArguments(arguments))
    }
}
