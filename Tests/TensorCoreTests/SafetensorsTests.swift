import Foundation
import Testing
import TensorCore

@Suite struct SafetensorsReadTests {
    let fixture = TestFiles.fixtures.appendingPathComponent("safetensors/python_dtypes.safetensors")

    @Test(arguments: [SafetensorsFile.LoadMode.memoryMap, .read])
    func readsFileWrittenByPython(mode: SafetensorsFile.LoadMode) throws {
        let file = try SafetensorsFile(contentsOf: fixture, mode: mode)
        #expect(file.metadata == ["format": "pt", "writer": "make_fixtures.py"])
        #expect(file.names == ["bf16", "f16", "f32", "i32", "i64", "scalar"])

        #expect(try file.info("f32").shape == [2, 3])
        #expect(try file.floats("f32") == [-0.5, -0.25, 0, 0.25, 0.5, 0.75])
        #expect(try file.info("f16").dtype == .f16)
        #expect(try file.floats("f16") == [0.5, -1.25, 65504, 6.103515625e-05])
        #expect(try file.info("bf16").dtype == .bf16)
        #expect(try file.floats("bf16") == [1, -2.5, 3.140625, 65280])
        #expect(try file.int32s("i32") == [-3, 0, 7, Int32.max])
        #expect(try file.info("i64").shape == [3, 1])
        #expect(try file.int64s("i64") == [-(1 << 40), 5, 1 << 62])
        #expect(try file.info("scalar").shape == [])
        #expect(try file.floats("scalar") == [1.5])
    }

    @Test func missingTensorNamesTensorAndFile() throws {
        let file = try SafetensorsFile(contentsOf: fixture)
        let error = #expect(throws: SafetensorsError.self) { try file.floats("unet.conv_in.weight") }
        #expect(error?.kind == .missingTensor)
        #expect(error?.tensor == "unet.conv_in.weight")
        #expect(error?.description.contains(fixture.path) == true)
    }

    @Test func int32RefusesValuesThatDoNotFit() throws {
        let file = try SafetensorsFile(contentsOf: fixture)
        let error = #expect(throws: SafetensorsError.self) { try file.int32s("i64") }
        #expect(error?.kind == .unsupportedConversion)
        #expect(error?.tensor == "i64")
    }
}

@Suite struct SafetensorsRoundTripTests {
    /// Raw bytes of every dtype survive write → read bit for bit, through a real file.
    @Test(arguments: SafetensorsDType.allCases)
    func rawBytesRoundTrip(dtype: SafetensorsDType) throws {
        let shape = [3, 5]
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<(15 * dtype.byteSize)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var writer = SafetensorsWriter(metadata: ["step": "12", "note": "quote \" backslash \\ tab \t é"])
        try writer.add("layer.weight", dtype: dtype, shape: shape, bytes: bytes)
        try writer.add("empty", dtype: dtype, shape: [0, 4], bytes: [])
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try writer.write(to: url)

        for mode in [SafetensorsFile.LoadMode.memoryMap, .read] {
            let file = try SafetensorsFile(contentsOf: url, mode: mode)
            #expect(file.metadata == writer.metadata)
            #expect(try file.info("layer.weight").dtype == dtype)
            #expect(try file.info("layer.weight").shape == shape)
            #expect(try file.bytes("layer.weight") == bytes)
            #expect(try file.info("empty").shape == [0, 4])
            #expect(try file.bytes("empty") == [])
        }
        #expect(try Data(contentsOf: url) == Data(writer.serialized()))
    }

    @Test func floatsStoredAsEachFloatTypeReadBackExactly() throws {
        // Values exactly representable in every float type read back unchanged.
        let values: [Float] = [0, -0.0, 1, -2.5, 0.375, 256, .infinity, -.infinity]
        var writer = SafetensorsWriter()
        try writer.add("a32", floats: values, shape: [8], as: .f32)
        try writer.add("a16", floats: values, shape: [2, 4], as: .f16)
        try writer.add("b16", floats: values, shape: [4, 2], as: .bf16)
        try writer.add("i32", int32s: [Int32.min, -1, 0, Int32.max], shape: [4])
        try writer.add("i64", int64s: [Int64.min, 0, Int64.max], shape: [3])
        let file = try SafetensorsFile(bytes: writer.serialized(), name: "mem")
        for name in ["a32", "a16", "b16"] {
            let back = try file.floats(name)
            #expect(back.map(\.bitPattern) == values.map(\.bitPattern), "\(name)")
        }
        #expect(try file.int32s("i32") == [Int32.min, -1, 0, Int32.max])
        #expect(try file.int64s("i64") == [Int64.min, 0, Int64.max])
    }

    @Test func halfPrecisionRoundsToNearestEven() {
        // bf16 keeps the top 16 bits: 1 + 2^-8 is a tie → even (1.0); 1 + 3·2^-8 is a tie → up.
        #expect(HalfPrecision.bf16Bits(1.0) == 0x3F80)
        #expect(HalfPrecision.bf16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)
        #expect(HalfPrecision.bf16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)
        #expect(HalfPrecision.bf16Bits(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(HalfPrecision.float(fromBF16: HalfPrecision.bf16Bits(.nan)).isNaN)
        // f16: 65520 is halfway between 65504 and 65536 (out of range) → rounds to infinity.
        #expect(HalfPrecision.f16Bits(65504) == 0x7BFF)
        #expect(HalfPrecision.f16Bits(65520) == 0x7C00)
        #expect(HalfPrecision.f16Bits(1 + 1.0 / 2048) == 0x3C00)
        #expect(HalfPrecision.f16Bits(1 + 3.0 / 2048) == 0x3C02)
    }

    @Test func headerIsPaddedSoDataIsEightByteAligned() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", floats: [1, 2, 3], shape: [3])
        let bytes = writer.serialized()
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 12)
    }

    @Test func writerRejectsWrongByteCountAndDuplicates() throws {
        var writer = SafetensorsWriter()
        let wrong = #expect(throws: SafetensorsError.self) {
            try writer.add("w", dtype: .f32, shape: [2, 2], bytes: [0, 0, 0, 0])
        }
        #expect(wrong?.kind == .shapeMismatch)
        #expect(wrong?.tensor == "w")
        try writer.add("w", floats: [1], shape: [1])
        let dup = #expect(throws: SafetensorsError.self) { try writer.add("w", floats: [1], shape: [1]) }
        #expect(dup?.kind == .duplicateTensor)
    }

    /// Writes a file for Python to read when `T2I_SAFETENSORS_EXPORT` names a path; checked with
    /// `scripts/make_fixtures.py --check-safetensors PATH` (the Swift → Python direction).
    @Test("needs T2I_SAFETENSORS_EXPORT=PATH: writes a file for the Python check", .enabled(if: ProcessInfo.processInfo.environment["T2I_SAFETENSORS_EXPORT"] != nil))
    func exportForPythonCheck() throws {
        let path = try #require(ProcessInfo.processInfo.environment["T2I_SAFETENSORS_EXPORT"])
        var writer = SafetensorsWriter(metadata: ["format": "pt", "writer": "t2i"])
        try writer.add("f32", floats: [-0.5, 0.25, 3], shape: [3], as: .f32)
        try writer.add("f16", floats: [0.5, -1.25, 65504, 6.103515625e-05], shape: [2, 2], as: .f16)
        try writer.add("bf16", floats: [1, -2.5, 3.140625, 65280], shape: [4], as: .bf16)
        try writer.add("i32", int32s: [-3, 0, 7, Int32.max], shape: [4])
        try writer.add("i64", int64s: [-(1 << 40), 5, 1 << 62], shape: [3, 1])
        try writer.write(to: URL(fileURLWithPath: path))
    }
}

@Suite struct SafetensorsValidationTests {
    /// A file made of an 8-byte length, the given header text and `data`.
    func craft(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws -> URL {
        let h = Array(header.utf8)
        let length = declaredLength ?? UInt64(h.count)
        var bytes = withUnsafeBytes(of: length.littleEndian) { Array($0) }
        bytes += h + data
        let url = try TestFiles.scratchFolder().appendingPathComponent("bad.safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    func openError(_ url: URL) -> SafetensorsError? {
        let error = #expect(throws: SafetensorsError.self) { _ = try SafetensorsFile(contentsOf: url) }
        #expect(error?.path == url.path)
        #expect(error?.description.contains(url.path) == true)
        return error
    }

    @Test func missingFile() throws {
        let url = try TestFiles.scratchFolder().appendingPathComponent("nope.safetensors")
        #expect(openError(url)?.kind == .fileNotFound)
    }

    @Test func fileShorterThanLengthPrefix() throws {
        let url = try TestFiles.scratchFolder().appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: url)
        #expect(openError(url)?.kind == .truncated)
    }

    @Test func headerLengthAboveBound() throws {
        let url = try craft(header: "{}", declaredLength: 1 << 40)
        #expect(openError(url)?.kind == .headerTooLarge)
    }

    @Test func headerLengthPastEndOfFile() throws {
        let url = try craft(header: "{}", declaredLength: 4096)
        #expect(openError(url)?.kind == .truncated)
    }

    @Test func malformedJSON() throws {
        let url = try craft(header: #"{"w": {"dtype": "F32", "#)
        #expect(openError(url)?.kind == .invalidHeader)
    }

    @Test func unknownDType() throws {
        let url = try craft(header: #"{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0])
        let error = openError(url)
        #expect(error?.kind == .unknownDType)
        #expect(error?.tensor == "w")
    }

    @Test func shapeInconsistentWithByteRange() throws {
        let url = try craft(header: #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, data: Array(repeating: 0, count: 16))
        let error = openError(url)
        #expect(error?.kind == .shapeMismatch)
        #expect(error?.tensor == "w")
    }

    @Test func rangeOutsideFile() throws {
        let url = try craft(header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: Array(repeating: 0, count: 8))
        let error = openError(url)
        #expect(error?.kind == .rangeOutsideFile)
        #expect(error?.tensor == "w")
    }

    @Test func overlappingRanges() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let url = try craft(header: header, data: Array(repeating: 0, count: 12))
        let error = openError(url)
        #expect(error?.kind == .overlappingRanges)
        #expect(error?.tensor == "b")
    }

    @Test func nonStringMetadata() throws {
        let url = try craft(header: #"{"__metadata__":{"step":12}}"#)
        #expect(openError(url)?.kind == .invalidHeader)
    }

    @Test func nonIntegerShape() throws {
        let url = try craft(header: #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        let error = openError(url)
        #expect(error?.kind == .invalidHeader)
        #expect(error?.tensor == "w")
    }
}

@Suite struct AtomicFileTests {
    @Test func replacesFileAndLeavesNoTemporaries() throws {
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.bin")
        try AtomicFile.write([1, 2, 3], to: url)
        try AtomicFile.write([4, 5], to: url)
        #expect(try Data(contentsOf: url) == Data([4, 5]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.bin"])
    }

    @Test func failedWriteNamesFileAndKeepsOldContents() throws {
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("keep.bin")
        try AtomicFile.write([9, 9], to: url)
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try AtomicFile.write(to: url) { append in
                try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try append($0) }
                throw Interrupted()
            }
        }
        #expect(try Data(contentsOf: url) == Data([9, 9]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["keep.bin"])

        let missing = folder.appendingPathComponent("no/such/dir/x.bin")
        let error = #expect(throws: FileWriteError.self) { try AtomicFile.write([1], to: missing) }
        #expect(error?.path == missing.path)
    }
}
