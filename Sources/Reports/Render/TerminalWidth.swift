/// How many terminal columns a text takes, for aligning tables: East Asian wide and fullwidth
/// characters (CJK ideographs, kana, Hangul, fullwidth forms) and emoji shown as pictures take
/// two, combining marks and invisible format characters none, everything else one (East Asian
/// ambiguous characters too, as terminals outside CJK locales draw them). Counting characters
/// instead left every column after a Chinese or Japanese agent name misaligned.
enum TerminalWidth {
    static func of(_ text: String) -> Int {
        var width = 0
        for character in text { width += of(character) }
        return width
    }

    /// A grapheme cluster takes the width of its first scalar: the marks, joiners, skin tones
    /// and variation selectors after it are drawn on it or with it.
    static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if isEastAsianWide(first) { return 2 }
        if first.properties.isEmojiPresentation {
            // U+FE0E asks for the text form, e.g. "⌚︎".
            return scalars.contains { $0.value == 0xFE0E } ? 1 : 2
        }
        // An emoji made a picture by U+FE0F, e.g. "☎️" or the keycap "1️⃣".
        if first.properties.isEmoji && scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        if scalars.allSatisfy(isZeroWidth) { return 0 }
        return 1
    }

    /// Combining marks (alone, as at the start of a text: after a base they are part of its
    /// cluster) and format characters such as U+200B.
    static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }

    /// East Asian Width W or F (UAX #11, EastAsianWidth.txt), apart from the emoji among them,
    /// which `isEmojiPresentation` covers. Ranges take in the unassigned code points between
    /// assigned W ones, which the file also makes W.
    static func isEastAsianWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F,    // Hangul Jamo initial consonants
             0x2329...0x232A,    // angle brackets
             0x2E80...0x303E,    // CJK radicals, Kangxi radicals, ideographic description, CJK symbols and punctuation
             0x3041...0x3247,    // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes, enclosed CJK
             0x3250...0x4DBF,    // enclosed CJK, CJK compatibility, CJK Extension A (not the Yijing hexagrams after it)
             0x4E00...0xA4CF,    // CJK Unified Ideographs, Yi
             0xA960...0xA97F,    // Hangul Jamo Extended-A
             0xAC00...0xD7A3,    // Hangul syllables
             0xF900...0xFAFF,    // CJK compatibility ideographs
             0xFE10...0xFE19,    // vertical forms
             0xFE30...0xFE6F,    // CJK compatibility forms, small form variants
             0xFF00...0xFF60,    // fullwidth forms
             0xFFE0...0xFFE6,    // fullwidth signs
             0x16FE0...0x16FE4, 0x16FF0...0x16FF1,  // ideographic symbols and punctuation
             0x17000...0x18CFF,  // Tangut, Tangut components, Khitan
             0x18D00...0x18D08,  // Tangut supplement
             0x1AFF0...0x1B2FF,  // Kana Extended-B, Kana Supplement, Kana Extended-A, small kana, Nushu
             0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248, 0x1F250...0x1F251, 0x1F260...0x1F265,  // enclosed ideographic supplement
             0x20000...0x2FFFD,  // CJK Extensions B to F, compatibility supplement
             0x30000...0x3FFFD:  // CJK Extensions G and later
            return true
        default:
            return false
        }
    }
}
