import Foundation
import TensorCore
import NN
import Optim
import Datasets

/// Everything needed to continue a training stage exactly where it stopped (DESIGN §6): weights,
/// AdamW moments, EMA, step, the noise generator's counter and the data position.
///
/// Stored as one safetensors file: the flat buffers as 1-D F32 tensors, the counters in
/// `__metadata__`, and a layout signature (every parameter name and shape) so a checkpoint from a
/// different model is refused instead of silently loaded into the wrong slots.
public struct TrainingCheckpoint {
    public var step: Int
    public var dataPosition: DatasetPosition
    public var generatorCounter: UInt64
    public var adamStep: Int
    public var emaUpdates: Int

    public init(step: Int, dataPosition: DatasetPosition, generatorCounter: UInt64, adamStep: Int, emaUpdates: Int) {
        self.step = step
        self.dataPosition = dataPosition
        self.generatorCounter = generatorCounter
        self.adamStep = adamStep
        self.emaUpdates = emaUpdates
    }

    /// A short fingerprint of a layout: parameter names and shapes in order.
    public static func signature(_ layout: ParameterLayout) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a 64
        for e in layout.entries {
            for byte in (e.name + ":" + e.parameter.shape.map(String.init).joined(separator: "x") + ";").utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
        }
        return String(hash, radix: 16) + "-\(layout.count)"
    }

    /// Writes the checkpoint atomically.
    public func save(to url: URL, layout: ParameterLayout, parameters: FlatBuffer, adam: AdamW, ema: ExponentialMovingAverage?) throws {
        var w = SafetensorsWriter(metadata: [
            "step": String(step), "epoch": String(dataPosition.epoch), "index": String(dataPosition.index),
            "generator_counter": String(generatorCounter), "adam_step": String(adamStep),
            "ema_updates": String(emaUpdates), "layout": Self.signature(layout),
        ])
        func add(_ name: String, _ buffer: FlatBuffer) throws {
            try w.add(name, floats: buffer.scalars, shape: [buffer.count])
        }
        try add("parameters", parameters)
        try add("adam.exp_avg", adam.firstMoment)
        try add("adam.exp_avg_sq", adam.secondMoment)
        if let ema { try add("ema", ema.shadow) }
        try w.write(to: url)
    }

    /// Reads a checkpoint into the given buffers, refusing one written for another layout.
    public static func load(from url: URL, layout: ParameterLayout, parameters: FlatBuffer, adam: inout AdamW,
                            ema: inout ExponentialMovingAverage?) throws -> TrainingCheckpoint {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: url, mode: .read)
        } catch {
            throw TrainingError("corrupt checkpoint, not loaded: \(error)")
        }
        let m = file.metadata
        func int(_ key: String) throws -> Int {
            guard let s = m[key], let v = Int(s) else { throw TrainingError("\(url.path): checkpoint metadata lacks '\(key)'") }
            return v
        }
        guard m["layout"] == signature(layout) else {
            throw TrainingError("\(url.path): checkpoint was written for a different model (layout \(m["layout"] ?? "?"), expected \(signature(layout)))")
        }
        func read(_ name: String, into buffer: FlatBuffer) throws {
            let values = try file.floats(name)
            guard values.count == buffer.count else {
                throw TrainingError("\(url.path): '\(name)' holds \(values.count) values, expected \(buffer.count)")
            }
            buffer.scalars = values
        }
        let checkpoint = TrainingCheckpoint(
            step: try int("step"), dataPosition: DatasetPosition(epoch: try int("epoch"), index: try int("index")),
            generatorCounter: UInt64(m["generator_counter"] ?? "") ?? 0, adamStep: try int("adam_step"),
            emaUpdates: try int("ema_updates"))
        try read("parameters", into: parameters)
        try read("adam.exp_avg", into: adam.firstMoment)
        try read("adam.exp_avg_sq", into: adam.secondMoment)
        adam.restore(step: checkpoint.adamStep)
        if var average = ema {
            guard file.tensors["ema"] != nil else { throw TrainingError("\(url.path): checkpoint has no EMA weights") }
            try read("ema", into: average.shadow)
            average.restore(updates: checkpoint.emaUpdates)
            ema = average
        }
        return checkpoint
    }
}
