/// How a sampler picks its inference timesteps among the training timesteps (diffusers'
/// `timestep_spacing`; Lin et al. 2023, "Common diffusion noise schedules and sample steps are flawed", table 2).
public enum TimestepSpacing: String, CaseIterable, Sendable {
    /// Evenly from T−1 down to 0, rounded.
    case linspace
    /// Multiples of ⌊T/steps⌋ from 0, plus `steps_offset`, descending.
    case leading
    /// Evenly from T down, minus one, so the first step is T−1.
    case trailing
}

// NumPy's arithmetic, reproduced so that timesteps agree with diffusers to the last rounding.
extension TimestepSpacing {
    /// `np.linspace(start, stop, count)`: i·step + start in float64, the last value exactly `stop`.
    static func numpyLinspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        var values = (0..<count).map { Double($0) * step + start }
        values[count - 1] = stop
        return values
    }

    /// `np.arange(start, stop, step)` for float64: ⌈(stop−start)/step⌉ values, the first two
    /// `start` and `start + step`, the rest `start + i·δ` with δ = (start + step) − start (NumPy's `fill`).
    static func numpyArange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
        let count = Swift.max(0, Int(((stop - start) / step).rounded(.up)))
        guard count > 1 else { return count == 1 ? [start] : [] }
        let delta = (start + step) - start
        return (0..<count).map { i in i == 0 ? start : (i == 1 ? start + step : start + Double(i) * delta) }
    }

    /// `np.round`: half to even.
    static func round(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

    /// The integer timesteps of DDPMScheduler / DDIMScheduler `set_timesteps`, descending.
    func discreteTimesteps(steps: Int, trainSteps: Int, offset: Int) -> [Int] {
        switch self {
        case .linspace:
            // np.linspace(0, T - 1, steps).round()[::-1]
            return Self.numpyLinspace(0, Double(trainSteps - 1), steps).reversed().map { Int(Self.round($0)) }
        case .leading:
            // (np.arange(0, steps) * (T // steps)).round()[::-1] + steps_offset
            let ratio = trainSteps / steps
            return (0..<steps).reversed().map { $0 * ratio + offset }
        case .trailing:
            // np.round(np.arange(T, 0, -T / steps)) - 1
            return Self.numpyArange(Double(trainSteps), 0, -Double(trainSteps) / Double(steps)).map { Int(Self.round($0)) - 1 }
        }
    }

    /// `np.interp(x, arange(len(values)), values)` in float64, exact at the sample points.
    static func interpolate(_ values: [Float], at x: Double) -> Double {
        let last = values.count - 1
        if x <= 0 { return Double(values[0]) }
        if x >= Double(last) { return Double(values[last]) }
        let j = Int(x.rounded(.down))
        if x == Double(j) { return Double(values[j]) }
        let slope = Double(values[j + 1]) - Double(values[j])
        return slope * (x - Double(j)) + Double(values[j])
    }
}
