import Foundation

/// Checks that a host file is a program lwcos can run: a static x86-64 ELF64 executable.
///
/// The kernel's loader takes `ET_EXEC` and position-independent `ET_DYN` files but has no
/// dynamic linker, so a file with a `PT_INTERP` program header (an interpreter such as
/// `/lib/ld-musl-x86_64.so.1`) is rejected here, before a boot that could only fail.
public enum StaticELF {
    static let magic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]
    static let classELF64: UInt8 = 2
    static let littleEndian: UInt8 = 1
    static let typeExecutable: UInt16 = 2
    static let typeSharedObject: UInt16 = 3
    static let machineX86_64: UInt16 = 62
    static let programHeaderInterpreter: UInt32 = 3
    /// Size of the ELF64 file header and of one ELF64 program header, in bytes.
    static let fileHeaderSize = 64
    static let programHeaderSize = 56

    /// The one-line fix for a program that is not a static ELF.
    public static let buildHint = "build it with 'musl-gcc -static' or 'lwcos cc'"

    /// Throws `HarnessError.invalidProgram` unless the file at `path` is a static x86-64 ELF
    /// executable.
    public static func validate(_ path: String) throws(HarnessError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .missingFile(path: path, hint: "give the path of a static x86-64 ELF program")
        }
        try validate(data, path: path)
    }

    /// Checks the bytes of a program; `path` names it in the error.
    public static func validate(_ data: Data, path: String) throws(HarnessError) {
        let bytes = [UInt8](data)
        func invalid(_ reason: String) -> HarnessError {
            .invalidProgram(path: path, reason: reason)
        }

        // The identification bytes and the fixed header fields.
        guard bytes.count >= fileHeaderSize, Array(bytes[0..<4]) == magic else {
            throw invalid("not an ELF file; \(buildHint)")
        }
        guard bytes[4] == classELF64, bytes[5] == littleEndian else {
            throw invalid("not a 64-bit little-endian ELF file; lwcos runs x86-64 programs: \(buildHint)")
        }
        let type = readUInt16(bytes, at: 16)
        let machine = readUInt16(bytes, at: 18)
        guard machine == machineX86_64 else {
            throw invalid("ELF machine \(machine) is not x86-64 (62); \(buildHint)")
        }
        guard type == typeExecutable || type == typeSharedObject else {
            throw invalid("ELF type \(type) is not an executable; \(buildHint)")
        }

        // A PT_INTERP program header names a dynamic linker, which lwcos does not have.
        let tableOffset = Int(readUInt64(bytes, at: 32))
        let entrySize = Int(readUInt16(bytes, at: 54))
        let entryCount = Int(readUInt16(bytes, at: 56))
        guard entrySize >= programHeaderSize,
            tableOffset >= 0, tableOffset <= bytes.count,
            entryCount <= (bytes.count - tableOffset) / entrySize
        else {
            throw invalid("its program header table lies outside the file; the file is truncated or corrupt")
        }
        for index in 0..<entryCount {
            let entry = tableOffset + index * entrySize
            if readUInt32(bytes, at: entry) == programHeaderInterpreter {
                throw invalid("dynamically linked; lwcos runs only static programs: \(buildHint)")
            }
        }
    }

    static func readUInt16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }
}
