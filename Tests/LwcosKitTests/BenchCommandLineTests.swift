import Testing

@testable import LwcosKit

@Suite("Bench command line")
struct BenchCommandLineTests {
    @Test("--linux and --svg")
    func linuxAndChart() throws {
        let options = try CommandLineOptions.parse(["bench", "--linux", "--svg", "docs/bench.svg", "--icount"])
        #expect(options.compareWithLinux)
        #expect(options.svgPath == "docs/bench.svg")
        #expect(options.instructionCounting)
    }

    @Test("bench boots 1 GiB unless --memory says otherwise")
    func memory() throws {
        #expect(try CommandLineOptions.parse(["bench"]).memory == BenchRunner.defaultMemory)
        #expect(try CommandLineOptions.parse(["bench", "--memory", "512M"]).memory == "512M")
        #expect(try CommandLineOptions.parse(["test"]).memory == "256M")
    }

    @Test("defaults leave Linux and the chart out")
    func defaults() throws {
        let options = try CommandLineOptions.parse(["bench"])
        #expect(!options.compareWithLinux)
        #expect(options.svgPath == nil)
    }

    @Test("invalid uses", arguments: [
        (["bench", "--linux=yes"], "option '--linux' takes no value\nsee 'lwcos bench --help'"),
        (["bench", "--svg"], "option '--svg' requires a value\nsee 'lwcos bench --help'"),
        (["bench", "--svg", ""], "invalid value '' for --svg: expected a file path\nsee 'lwcos bench --help'"),
        (["test", "--linux"], "unknown option '--linux' for 'lwcos test'\nsee 'lwcos test --help'"),
    ])
    func invalid(arguments: [String], message: String) {
        do {
            _ = try CommandLineOptions.parse(arguments)
            Issue.record("expected a usage error for \(arguments)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("help names the new options")
    func help() {
        let text = HelpText.forCommand(.bench)
        #expect(text.contains("--linux"))
        #expect(text.contains("--svg FILE"))
        #expect(text.contains("linux-image-amd64"))
    }
}
