import CallStatsZlib
import Testing
@testable import CTIProtocol

@Suite("Sheet payloads")
struct SheetPayloadTests {
    private let xml = #"<?xml version="1.0" encoding="utf-8"?><profile><user><internal name="channel"><![CDATA[SIP/barometrix_jyldev-00000009]]></internal><sheet_info order="0020" name="Numéro" type="text"><![CDATA[0230210083]]></sheet_info></user></profile>"#

    /// Compresses like the server: 4-byte big-endian length, then zlib data; base64 of it all.
    /// Built here with zlib's `compress` directly, independently of `SheetPayload.init(text:)`.
    private func serverPayload(_ text: String, announce: Int? = nil, truncateBy: Int = 0) -> String {
        let raw = Array(text.utf8)
        var bound = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(bound))
        let code = compress(&compressed, &bound, raw, uLong(raw.count))
        #expect(code == Z_OK)
        compressed.removeSubrange(Int(bound)...)
        compressed.removeLast(truncateBy)
        let n = UInt32(announce ?? raw.count)
        let header = [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        return Base64.encode(header + compressed)
    }

    @Test func compressedPayloadFromPython() throws {
        // python3: base64.b64encode(struct.pack('>I', len(xml)) + zlib.compress(xml)), with the
        // XML above (235 bytes in UTF-8).
        let payload = SheetPayload(
            base64: "AAAA63icTY5BDoIwEEWvUrtHKm40KTVGN26Mie4IIVUGrWmnZCgGj+Q5vJhEQvTv3ub9J1eds+wB1BiPKZ9NBWeAF18avKa8DVW04Csla/KVsaBk2wApaTAAobYMtYOUX24aESxXcpJttuvTOjvuDvFZk3cQyHTF/WlLeERi2DLPlYxHh5LNDSAUBivPPJVAKRci6TsG+b517xd5zsKz7jFAF/6ORDIXyUyIxfwr/al6GFrjsf0DXPtOSQ==",
            compressed: true, serial: "xml")
        #expect(try payload.text() == xml)
        #expect(try payload.bytes().count == 235)
    }

    @Test func compressedPayloadBuiltWithZlib() throws {
        let payload = SheetPayload(base64: serverPayload(xml), compressed: true, serial: "xml")
        #expect(try payload.text() == xml)
        // The convenience initialiser produces a payload that decodes the same way.
        #expect(try SheetPayload(text: xml, compressed: true).text() == xml)
        #expect(try SheetPayload(text: xml, compressed: false).text() == xml)
    }

    @Test func badPayloadsAreErrors() {
        func error(_ payload: SheetPayload, maximumSize: Int = SheetPayload.defaultMaximumSize) -> SheetError? {
            do {
                _ = try payload.text(maximumSize: maximumSize)
                return nil
            } catch {
                return error
            }
        }
        #expect(error(SheetPayload(base64: "not base64!", compressed: true, serial: nil)) == .invalidBase64)
        #expect(error(SheetPayload(base64: "AAA=", compressed: true, serial: nil)) == .missingLengthHeader)
        // Announces 4 GiB - 1: refused before allocating anything.
        #expect(error(SheetPayload(base64: Base64.encode([0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x9C]), compressed: true, serial: nil))
                == .announcedLengthTooLarge(announced: 0xFFFF_FFFF, limit: SheetPayload.defaultMaximumSize))
        #expect(error(SheetPayload(base64: serverPayload(xml), compressed: true, serial: nil), maximumSize: 100)
                == .announcedLengthTooLarge(announced: 235, limit: 100))
        // Inflates to more than announced: stopped at the announced size.
        #expect(error(SheetPayload(base64: serverPayload(xml, announce: 100), compressed: true, serial: nil))
                == .longerThanAnnounced(announced: 100))
        #expect(error(SheetPayload(base64: serverPayload(xml, announce: 300), compressed: true, serial: nil))
                == .lengthMismatch(announced: 300, actual: 235))
        // Truncated zlib stream.
        if case .decompressionFailed = error(SheetPayload(base64: serverPayload(xml, truncateBy: 10), compressed: true, serial: nil)) {
        } else {
            Issue.record("truncated data was accepted")
        }
        // Not zlib at all.
        if case .decompressionFailed = error(SheetPayload(base64: Base64.encode([0, 0, 0, 5, 1, 2, 3, 4, 5, 6]), compressed: true, serial: nil)) {
        } else {
            Issue.record("garbage was accepted")
        }
        #expect(error(SheetPayload(base64: Base64.encode([0x3C, 0xFF, 0x3E]), compressed: false, serial: nil)) == .notUTF8)
    }

    @Test func base64() {
        #expect(Base64.encode(Array("".utf8)) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode(Array("foob".utf8)) == "Zm9vYg==")
        #expect(Base64.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(Base64.decode("Zm9vYmE=") == Array("fooba".utf8))
        #expect(Base64.decode("Zm9v\nYmFy") == Array("foobar".utf8))
        #expect(Base64.decode("Zm9vYg") == Array("foob".utf8))  // unpadded is unambiguous
        #expect(Base64.decode("Zm9vY") == nil)
        #expect(Base64.decode("Zm9v=Yg==") == nil)
        #expect(Base64.decode("Zg===") == nil)
        #expect(Base64.decode("Z===") == nil)
        #expect(Base64.decode("Zm-v") == nil)
    }
}
