/// One key/value text entry of a PNG (a `tEXt` or `iTXt` chunk), in file order.
///
/// Keys are 1–79 printable Latin-1 characters with no leading, trailing or doubled spaces
/// (PNG spec §11.3.4.3); values are any text without NUL characters.
public typealias PNGTextEntry = (key: String, value: String)
