// libFuzzer target: the `sheet` payload decoder (strict base64, then a 4-byte length and zlib).
//
// A sheet's bytes are base64 inside a JSON string, which byte mutations of whole lines rarely
// get through; this target mutates the decoded bytes directly. The first input byte picks the
// mode, the rest is the payload:
// - bit 0: compressed (length header + zlib) or plain;
// - bit 1: the rest is the base64 text itself (exercises the base64 decoder's error paths)
//   rather than bytes to encode.
// Properties: base64 round-trips; a payload never yields more than its cap; a compressed
// payload yields exactly its announced length; `text()` succeeds exactly on valid UTF-8.

@_cdecl("LLVMFuzzerTestOneInput")
public func sheetFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    SheetFuzzing.check(mode: input[0], rest: Array(input[1...]))
    return 0
}

enum SheetFuzzing {
    static let cap = 64 * 1024

    static func check(mode: UInt8, rest: [UInt8]) {
        let compressed = mode & 1 == 1
        let base64: String
        if mode & 2 == 2 {
            base64 = String(decoding: rest, as: UTF8.self)
        } else {
            base64 = Base64.encode(rest)
            sheetRequire(Base64.decode(base64) == rest, "base64 does not round-trip")
        }
        let payload = SheetPayload(base64: base64, compressed: compressed, serial: "xml")
        let bytes: [UInt8]
        do {
            bytes = try payload.bytes(maximumSize: cap)
        } catch {
            _ = error.description
            return
        }
        sheetRequire(bytes.count <= cap, "payload larger than the cap")
        if compressed, let decoded = Base64.decode(base64), decoded.count >= 4 {
            let announced = Int(decoded[0]) << 24 | Int(decoded[1]) << 16 | Int(decoded[2]) << 8 | Int(decoded[3])
            sheetRequire(bytes.count == announced, "inflated \(bytes.count) bytes, announced \(announced)")
        }
        let validUTF8 = String(validating: bytes, as: UTF8.self) != nil
        do {
            let text = try payload.text(maximumSize: cap)
            sheetRequire(validUTF8 && Array(text.utf8) == bytes, "text() accepted invalid UTF-8 or changed bytes")
        } catch {
            sheetRequire(!validUTF8 && error == .notUTF8, "text() failed (\(error)) on valid bytes")
        }
    }
}

func sheetRequire(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz property violated: \(message())") }
}
