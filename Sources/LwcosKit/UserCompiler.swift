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
        if Self.links(arguments), FileManager.default.fileExists(atPath: repository.userLibrary) {
            result.append(repository.userLibrary)
        }
        return result
    }

    /// Returns whether musl-gcc links with these arguments. -c, -S and -E stop before
    /// linking, where gcc would warn that the archive is unused.
    static func links(_ arguments: [String]) -> Bool {
        !arguments.contains { ["-c", "-S", "-E"].contains($0) }
    }

    /// Returns the message for a failed link when `build/user/libuser.a`, which contains the
    /// lwC calls of `lwc.h`, is missing. Returns nil when the library is not the cause.
    public func missingLibraryHint(_ arguments: [String]) -> String? {
        guard Self.links(arguments), !FileManager.default.fileExists(atPath: repository.userLibrary) else {
            return nil
        }
        return "\(repository.userLibrary) does not exist, so the lwC calls of lwc.h were not "
            + "linked; run `make user` or `swift run lwcos build` first"
    }

    /// Runs musl-gcc and returns its result; its messages are in the result's output streams.
    public func compile(_ arguments: [String]) throws(HarnessError) -> CommandResult {
        guard let compiler = tools.find(HostTool.muslGCC.rawValue) else {
            throw .missingTool(.muslGCC)
        }
        return try ChildProcess.run(compiler, compilerArguments(arguments))
    }
}
