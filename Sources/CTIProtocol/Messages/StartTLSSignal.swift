/// The server's side of the STARTTLS exchange (from 15.20).
public enum StartTLSSignal: Sendable, Hashable {
    /// `{"class":"starttls"}`: the server offers TLS; the client may answer.
    case offered
    /// `{"class":"starttls","starttls":true}`: the server's echo of the client's answer; when
    /// true, the TLS handshake starts right after this line.
    case answered(Bool)
}
