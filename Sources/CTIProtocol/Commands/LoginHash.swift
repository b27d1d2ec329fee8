import Crypto

/// The protocol 1.2 password proof.
public enum LoginHash {
    /// Lowercase hex of sha1(`sessionid + ":" + password`), over UTF-8 bytes, as the server
    /// computes it. SHA-1 is the protocol's choice, not ours: it only has to match.
    public static func hashedPassword(sessionID: String, password: String) -> String {
        var hasher = Insecure.SHA1()
        var input = Array(sessionID.utf8)
        input.append(UInt8(ascii: ":"))
        input.append(contentsOf: password.utf8)
        input.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        let digest = hasher.finalize()
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
