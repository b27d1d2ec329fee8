import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// `--tls-cert` and `--tls-key`: HTTPS instead of HTTP, from PEM files. Everything is loaded
/// and checked before the server starts, so a missing file, a file that is not PEM, or a key
/// that is not the certificate's own ends the command with one line that names the file,
/// rather than a failure on the first connection.
public enum ServeTLS {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The server's TLS configuration; the certificate file holds the chain, leaf first.
    public static func configuration(certificateFile: String, keyFile: String) throws(Failure) -> TLSConfiguration {
        try requireReadable(certificateFile, option: "--tls-cert")
        try requireReadable(keyFile, option: "--tls-key")
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw Failure(description: "--tls-cert \(certificateFile): not a PEM certificate")
        }
        guard !chain.isEmpty else { throw Failure(description: "--tls-cert \(certificateFile): no PEM certificate in it") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw Failure(description: "--tls-key \(keyFile): not an unencrypted PEM private key")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // Making the context is where BoringSSL checks that the key belongs to the certificate.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "--tls-key \(keyFile) is not the private key of the certificate in --tls-cert \(certificateFile)")
        }
        return configuration
    }

    /// HTTP/1.1, over TLS when given a certificate and its key.
    public static func server(certificateFile: String?, keyFile: String?) throws(Failure) -> HTTPServerBuilder {
        guard let certificateFile, let keyFile else { return .http1() }
        let configuration = try configuration(certificateFile: certificateFile, keyFile: keyFile)
        do {
            return try .tls(.http1(), tlsConfiguration: configuration)
        } catch {
            throw Failure(description: "TLS: \(error)")
        }
    }

    private static func requireReadable(_ path: String, option: String) throws(Failure) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw Failure(description: "\(option) \(path): no such file")
        }
        guard !isFolder.boolValue else { throw Failure(description: "\(option) \(path): is a folder, not a PEM file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Failure(description: "\(option) \(path): cannot be read (permission denied)")
        }
    }
}
