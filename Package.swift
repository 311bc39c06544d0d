// swift-tools-version:6.0
// The lwcos host harness: builds the kernel ISO, boots it under QEMU, parses the kernel's
// KTAP output and drives gdb. No outside packages, so `swift build` works offline.
import PackageDescription

let package = Package(
    name: "lwcos",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lwcos", targets: ["lwcos"]),
        .library(name: "LwcosKit", targets: ["LwcosKit"]),
    ],
    targets: [
        .target(name: "LwcosKit"),
        .executableTarget(name: "lwcos", dependencies: ["LwcosKit"]),
        .testTarget(name: "LwcosKitTests", dependencies: ["LwcosKit"]),
        .testTarget(name: "KernelTests", dependencies: ["LwcosKit"]),
    ]
)
