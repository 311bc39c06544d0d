import Foundation

/// The host's Debian kernel image, which `lwcos bench --linux` boots next to lwcos.
public struct LinuxKernel: Sendable, Equatable {
    /// The Debian package that installs `/boot/vmlinuz-*`.
    public static let debianPackage = "linux-image-amd64"
    public static let bootDirectory = "/boot"
    static let imagePrefix = "vmlinuz-"

    /// The image, such as `/boot/vmlinuz-6.1.0-57-amd64`.
    public var path: String
    /// The release after `vmlinuz-`, such as `6.1.0-57-amd64`.
    public var release: String

    public init(path: String, release: String) {
        self.path = path
        self.release = release
    }

    /// Finds the `vmlinuz-*` with the highest release in `directory`.
    public static func newest(in directory: String = bootDirectory) throws(HarnessError) -> LinuxKernel {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard let release = newestRelease(among: names) else {
            throw .missingFile(
                path: directory + "/" + imagePrefix + "*",
                hint: "install the host's Debian kernel with 'apt-get install \(debianPackage)' or run 'make deps'")
        }
        let path = directory + "/" + imagePrefix + release
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .fileSystem(path: path, message: "the kernel image is not readable; run lwcos as a user who can read it")
        }
        return LinuxKernel(path: path, release: release)
    }

    /// Returns the highest release among `vmlinuz-<release>` names, comparing digit runs
    /// as numbers so that `6.1.0-57` comes after `6.1.0-9`.
    static func newestRelease(among names: [String]) -> String? {
        let releases = names.filter { $0.hasPrefix(imagePrefix) && $0.count > imagePrefix.count }
            .map { String($0.dropFirst(imagePrefix.count)) }
        return releases.max { $0.compare($1, options: .numeric) == .orderedAscending }
    }
}
