import Foundation

/// Foundation's file errors in plain words: "No space left on device" rather than
/// `Error Domain=NSCocoaErrorDomain Code=640 "There isn’t enough space." UserInfo={…}` (issue 13 §6).
public enum FileErrorText {
    /// The reason of a file error, in a few words (the system's text for a POSIX error).
    public static func reason(of error: any Error) -> String {
        if let error = error as? FileWriteError { return error.reason }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        guard ns.domain == NSCocoaErrorDomain else { return "\(error)" }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteFileExists: return "something with that name is in the way"
        case .fileWriteOutOfSpace: return "no space left on device"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "not UTF-8 text"
        case .fileReadTooLarge: return "too large to read"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "not a valid file name"
        default: return ns.code < 512 ? "cannot read it" : "cannot write it"
        }
    }

    /// The file a Foundation error names, if it names one.
    public static func path(of error: any Error) -> String? {
        let ns = error as NSError
        if let path = ns.userInfo[NSFilePathErrorKey] as? String { return path }
        if let url = ns.userInfo[NSURLErrorKey] as? URL { return url.path }
        if let path = ns.userInfo["NSDestinationFilePath"] as? String { return path }
        return nil
    }

    /// Whether `error` is one of Foundation's (Cocoa or POSIX domain), not one of t2i's own.
    public static func isFoundationError(_ error: any Error) -> Bool {
        let domain = (error as NSError).domain
        return domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain
    }
}
