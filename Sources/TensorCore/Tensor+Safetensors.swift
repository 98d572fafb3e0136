extension Tensor {
    /// Tensor `name` of a safetensors file, converted to Float32 (F16, BF16, F64 and integers widen).
    public init(_ file: SafetensorsFile, _ name: String) throws {
        let info = try file.info(name)
        self.init(shape: info.shape, data: try file.floats(name))
    }
}

extension SafetensorsWriter {
    /// Adds `tensor` under `name`, stored as `dtype` (F32, F16 or BF16).
    public mutating func add(_ name: String, _ tensor: Tensor, as dtype: SafetensorsDType = .f32) throws {
        try add(name, floats: tensor.scalars, shape: tensor.shape, as: dtype)
    }
}
