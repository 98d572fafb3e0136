import CFuzzerDriver
import Foundation
import FuzzTargets

/// `t2i-fuzz TARGET [libFuzzer options] [CORPUS…]`: fuzzes one parser (see `FuzzTarget`).
///
/// Built with `scripts/fuzz.sh` (`-sanitize=fuzzer,address`, `-DT2I_LIBFUZZER`) it runs libFuzzer's
/// driver with the remaining arguments. In an ordinary build there is no libFuzzer, and it replays
/// the given files and folders through the target instead, printing how many inputs ran: that is how
/// a crash a fuzzer found is reproduced in a debugger.
@main
struct FuzzMain {
    nonisolated(unsafe) static var target = FuzzTarget.safetensors

    static func main() {
        var arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
            // Built here, not before the guard: main never returns under libFuzzer, and a string
            // made before it would be reported as a leak by LeakSanitizer.
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: t2i-fuzz TARGET [libFuzzer options] [CORPUS…]; TARGET is one of \(names)\n".utf8))
            exit(2)
        }
        Self.target = target
        arguments.remove(at: 1)

        // libFuzzer keeps argv for the whole run, so the C strings are never freed.
        var argc = Int32(arguments.count)
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = UnsafeMutablePointer.allocate(capacity: arguments.count + 1)
        for (i, argument) in arguments.enumerated() { argv![i] = strdup(argument) }
        argv![arguments.count] = nil
        let status = t2i_fuzz_run_driver(&argc, &argv) { data, size in
            FuzzMain.target.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        if status != -1 { exit(status) }
        exit(replay(target, paths: Array(arguments.dropFirst())))
    }

    /// Runs every file under `paths` through `target`; 1 when a path cannot be read.
    static func replay(_ target: FuzzTarget, paths: [String]) -> Int32 {
        var count = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("\(path): no such file or folder\n".utf8))
                return 1
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run([UInt8](data))
                count += 1
            }
        }
        print("t2i-fuzz: replayed \(count) inputs through \(target.rawValue) without a crash (no libFuzzer in this build)")
        return 0
    }
}
