import ArgumentParser
import Datasets
import Foundation

/// Runs `body`; when Ctrl-C stopped it (an `Interruption`, or a dataset write that was interrupted
/// and cleaned up), prints that one line to stderr and exits with 130, as a shell reports SIGINT.
func exitingOnInterruption<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as Interruption {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(130)
    } catch let error as DatasetError {
        if case .interrupted = error {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(130)
        }
        throw error
    }
}
