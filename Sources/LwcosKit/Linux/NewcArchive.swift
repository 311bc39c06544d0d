import Foundation

/// A cpio archive in the `newc` format (magic `070701`) written by the harness, for
/// entries that GNU cpio can copy only from a file system: device nodes, which need root
/// to create with mknod.
///
/// Linux unpacks archives that follow one another in one initramfs file, so these entries
/// can be appended to an archive that GNU cpio wrote. Each entry is a 110-byte ASCII header
/// of the magic and 13 eight-digit hexadecimal fields, the name with its NUL, padding to a
/// multiple of 4, the data, and padding to a multiple of 4 again. The last entry is
/// `TRAILER!!!`. A unit test lists such an archive with GNU cpio.
public struct NewcArchive: Sendable, Equatable {
    /// One file, folder or device node.
    public struct Entry: Sendable, Equatable {
        /// The path without a leading `/`, as GNU cpio stores `find .` output without `./`.
        public var name: String
        /// `st_mode`: the file type bits and the permission bits.
        public var mode: UInt32
        /// Device number of a character or block device, or (0, 0).
        public var deviceMajor: UInt32
        public var deviceMinor: UInt32
        public var data: Data

        /// File type bits of `st_mode`, as in `<sys/stat.h>`.
        public static let directoryType: UInt32 = 0o040000
        public static let characterDeviceType: UInt32 = 0o020000
        public static let regularFileType: UInt32 = 0o100000

        public static func directory(_ name: String, permissions: UInt32 = 0o755) -> Entry {
            Entry(name: name, mode: directoryType | permissions, deviceMajor: 0, deviceMinor: 0, data: Data())
        }

        public static func characterDevice(_ name: String, major: UInt32, minor: UInt32, permissions: UInt32) -> Entry {
            Entry(name: name, mode: characterDeviceType | permissions, deviceMajor: major, deviceMinor: minor, data: Data())
        }

        public static func file(_ name: String, data: Data, permissions: UInt32 = 0o644) -> Entry {
            Entry(name: name, mode: regularFileType | permissions, deviceMajor: 0, deviceMinor: 0, data: data)
        }
    }

    public static let magic = "070701"
    public static let trailerName = "TRAILER!!!"

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Encodes the entries and the trailer. Owner and group are 0 and every modification
    /// time is 0, so the bytes depend only on the entries.
    public func encoded() -> Data {
        var archive = Data()
        for (index, entry) in entries.enumerated() {
            let isDirectory = entry.mode & 0o170000 == Entry.directoryType
            // Inode numbers only need to differ between entries of this archive: Linux
            // looks at them only for regular files with more than one link.
            Self.append(
                entry, inode: UInt32(index + 1), links: isDirectory ? 2 : 1, to: &archive)
        }
        Self.append(
            Entry(name: Self.trailerName, mode: 0, deviceMajor: 0, deviceMinor: 0, data: Data()),
            inode: 0, links: 1, to: &archive)
        return archive
    }

    private static func append(_ entry: Entry, inode: UInt32, links: UInt32, to archive: inout Data) {
        let name = Data(entry.name.utf8) + Data([0])
        let fields: [UInt32] = [
            inode, entry.mode, 0, 0, links, 0, UInt32(entry.data.count),
            0, 0, entry.deviceMajor, entry.deviceMinor, UInt32(name.count), 0,
        ]
        var header = magic
        for field in fields {
            header += String(format: "%08X", field)
        }
        archive += Data(header.utf8)
        archive += name
        padToFour(&archive)
        archive += entry.data
        padToFour(&archive)
    }

    private static func padToFour(_ archive: inout Data) {
        let remainder = archive.count % 4
        if remainder != 0 {
            archive += Data(repeating: 0, count: 4 - remainder)
        }
    }
}
