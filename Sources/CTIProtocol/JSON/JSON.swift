/// Namespace for the JSON codec used on the CTI wire.
///
/// The CTI server sends one JSON object per line, and a busy call center sends thousands of
/// lines a second, so parsing is a hand-written byte-level recursive descent over raw memory
/// (no Foundation, no intermediate copies). Serialisation mirrors Python's
/// `json.dumps(separators=(',', ':'), ensure_ascii=True)`, because that is what the real
/// server (`xivo-ctid`, Python) emits and what a recorded stream should look like byte for byte.
public enum JSON {
    /// Nesting deeper than this is rejected instead of recursing further: the parser is
    /// recursive, and a hostile or broken peer must not be able to overflow the stack.
    public static let maximumDepth = 512
}
