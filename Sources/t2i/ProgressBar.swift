import Foundation
import Diffusion

/// Draws `stage [#####-----] step/total  loss  images/s  ETA` on one terminal line (stderr), and
/// prints a plain line every so often when stderr is not a terminal (logs, CI).
final class ProgressBar: TrainingObserver {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast

    func didStep(_ r: StepReport) {
        let now = Date()
        let last = r.step == r.totalSteps
        guard last || now.timeIntervalSince(lastDraw) >= (isTerminal ? 0.2 : 30) else { return }
        lastDraw = now
        let width = 24
        let filled = Int(Double(width) * Double(r.step) / Double(max(r.totalSteps, 1)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "%@ [%@] %d/%d  loss %.4f  lr %.2e  %.0f img/s  ETA %@",
                          r.stage, bar, r.step, r.totalSteps, r.loss, r.learningRate, r.imagesPerSecond,
                          Self.duration(r.secondsLeft))
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (last ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func note(_ message: String) {
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + message + "\n").utf8))
    }

    /// "1h02m", "4m05s", "12s".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
