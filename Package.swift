// swift-tools-version:6.0
// The layers of DESIGN §1, bottom to top: C bridges, TensorCore, (NN, Optim), Tokenizers/Imaging/
// (Datasets), (Diffusion), and the `t2i` tool. A target imports only targets listed below it here.
import PackageDescription

let package = Package(
    name: "t2i",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "t2i", targets: ["t2i"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        // C bridges: nothing but the C surface.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        // libjpeg(-turbo) behind a small C target: its error_exit longjmps back inside the C function
        // that called libjpeg, never across a Swift frame.
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        // A small C++ target so that no C++ type, exception or longjmp crosses into Swift.
        .target(
            name: "CSentencePiece",
            cxxSettings: [.unsafeFlags(["-std=c++17"])],
            linkerSettings: [.linkedLibrary("sentencepiece_train"), .linkedLibrary("sentencepiece")]
        ),

        // libFuzzer's driver, present only in the fuzzing build (scripts/fuzz.sh).
        .target(name: "CFuzzerDriver"),
        // Open MPI behind a small C target: MPI's handles are macros Swift cannot import.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("mpi")]),

        // The CPU backend's exp/erf loops in AVX2, chosen at run time (TensorCore's VectorISA).
        .target(name: "CVectorMath"),
        // Re-selects OpenBLAS's kernels at load where it fell back to pre-AVX2 ones on a CPU newer than
        // the library (dlsym only: no link-time tie to a DYNAMIC_ARCH build).
        .target(name: "COpenBLASCore", linkerSettings: [.linkedLibrary("dl")]),

        // Tensor engine.
        .target(name: "TensorCore", dependencies: ["CBLAS", "CVectorMath", "COpenBLASCore"]),

        // Building blocks.
        .target(name: "NN", dependencies: ["TensorCore"]),
        .target(name: "Optim", dependencies: ["TensorCore", "NN"]),

        // Text and images.
        .target(name: "Tokenizers", dependencies: ["CSentencePiece"]),
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG", "TensorCore"]),
        .target(name: "Datasets", dependencies: ["Imaging", "TensorCore"]),

        // Models, diffusion, the pipeline and the trainers.
        // Process groups for data-parallel training (one process, or an mpirun job).
        .target(name: "Distributed", dependencies: ["CMPI"]),
        .target(name: "Diffusion", dependencies: ["TensorCore", "NN", "Optim", "Tokenizers", "Imaging", "Datasets", "Distributed", "Yams"]),

        // Serving: `t2i serve`'s HTTP routes, job queue and web page.
        .target(
            name: "Serving",
            dependencies: [
                "TensorCore", "Imaging", "Diffusion",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // The tool: wiring only.
        .executableTarget(
            name: "t2i",
            dependencies: [
                "TensorCore", "Tokenizers", "Imaging", "Datasets", "Diffusion", "Serving",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fuzzing entry points for the parsers of outside bytes, and their driver (scripts/fuzz.sh).
        .target(name: "FuzzTargets", dependencies: ["TensorCore", "Imaging", "Datasets", "Diffusion"]),
        .executableTarget(name: "t2i-fuzz", dependencies: ["FuzzTargets", "CFuzzerDriver"]),

        // Tests find committed fixtures in Tests/Fixtures through #filePath.
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Optim"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion"]),
        .testTarget(name: "T2ICommandTests", dependencies: ["t2i"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        // The tests speak raw HTTP to live servers: HummingbirdTesting would add AsyncHTTPClient
        // and its TLS stack to every build for nothing.
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Diffusion", "Imaging"]),
    ],
    swiftLanguageModes: [.v6]
)
