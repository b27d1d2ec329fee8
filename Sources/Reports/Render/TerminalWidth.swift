/// How many terminal columns a text takes, for aligning tables: East Asian wide and fullwidth
/// characters (CJK ideographs, kana, Hangul, fullwidth forms) and emoji shown as pictures take
/// two, invisible format characters none, everything else one. Counting characters instead
/// left every column after a Chinese or Japanese agent name misaligned.
enum TerminalWidth {
    static func of(_ text: String) -> Int {
        var width = 0
        for character in text { width += of(character) }
        return width
    }

    static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if isWide(first) { return 2 }
        // An emoji made a picture by its variation selector (U+FE0F), e.g. "☎️".
        if first.properties.isEmoji && scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        if scalars.allSatisfy({ $0.properties.generalCategory == .format }) { return 0 }
        return 1
    }

    /// Unicode's East Asian Width W and F ranges (UAX #11), and emoji presented as pictures.
    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isEmojiPresentation { return true }
        switch scalar.value {
        case 0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
             0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
             0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1B000...0x1B2FF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
