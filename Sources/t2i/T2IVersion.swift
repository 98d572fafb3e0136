/// The version `t2i --version` prints.
enum T2IVersion {
    static let string = "0.1.0"
}
