import Foundation
import Testing
import TensorCore

/// OpenBLAS picks its kernels by CPU model; on a model newer than the library it falls back to the
/// SSE3 "Prescott" set, five times slower than the AVX-512 one (Emerald Rapids under Debian 12's
/// 0.3.21). `COpenBLASCore` re-selects at load by the CPU's features.
@Suite struct OpenBLASKernelSetTests {
    @Test("a pre-AVX2 fallback is replaced by the best set the CPU's features run, and nothing else is")
    func replacementRule() {
        let cases: [(current: String, avx2FMA: Bool, avx512: Bool, expected: String?)] = [
            ("Prescott", true, true, "SkylakeX"),     // Emerald Rapids under 0.3.21
            ("Prescott", true, false, "Haswell"),     // an unknown AVX2 CPU
            ("prescott", true, true, "SkylakeX"),     // names compare without case, as OpenBLAS's do
            ("Nehalem", true, false, "Haswell"),
            ("Sandybridge", true, true, "SkylakeX"),  // an AVX-512 CPU OpenBLAS mistook for AVX-only
            ("Unknown", true, false, "Haswell"),
            ("Prescott", false, false, nil),          // a real pre-AVX2 CPU keeps its set
            ("Sandybridge", false, false, nil),
            ("Prescott", false, true, nil),           // AVX-512 without FMA/AVX2 is not a real CPU: keep
            ("Haswell", true, true, nil),             // sets OpenBLAS chose by model stay
            ("Zen", true, true, nil),
            ("SkylakeX", true, true, nil),
            ("Cooperlake", true, true, nil),
            ("Excavator", true, false, nil),
        ]
        for c in cases {
            #expect(CPUBackend.blasReplacement(for: c.current, avx2FMA: c.avx2FMA, avx512: c.avx512) == c.expected,
                    "\(c.current), avx2+fma \(c.avx2FMA), avx-512 \(c.avx512)")
        }
    }

    @Test("this process runs a kernel set its CPU's features would not replace, or the one OPENBLAS_CORETYPE names")
    func runningSetFitsThisCPU() {
        let running = CPUBackend.blasRunningKernels
        #expect(running != "unknown", "OpenBLAS did not name its kernel set")
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            #expect(running.lowercased() == forced.lowercased(), "OPENBLAS_CORETYPE=\(forced), running \(running)")
            return
        }
        let features = CPUBackend.cpuVectorFeatures
        #expect(CPUBackend.blasReplacement(for: running, avx2FMA: features.avx2FMA, avx512: features.avx512) == nil,
                "OpenBLAS runs \(running) on a CPU with avx2+fma \(features.avx2FMA), avx-512 \(features.avx512)")
        // The description names the set OpenBLAS fell back to only where it differs.
        let detected = CPUBackend.blasDetectedKernels
        #expect(CPUBackend.blasKernels == (running == detected ? running
                : "\(running) (re-selected: OpenBLAS fell back to \(detected) on this CPU)"))
    }
}
