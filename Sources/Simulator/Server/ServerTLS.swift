import NIOSSL

extension SimulatorTLS {
    /// The server context: the real server wraps its sockets with `ssl.PROTOCOL_TLSv1`, so
    /// TLS 1.0 and nothing else; a client that cannot speak it fails here as it would there.
    func makeContext() throws(SimulatorError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile)
        } catch {
            throw .tls("certificate \(certificateChainFile): \(error)")
        }
        guard !chain.isEmpty else { throw .tls("certificate \(certificateChainFile): no PEM certificate in it") }
        do {
            key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        } catch {
            throw .tls("key \(privateKeyFile): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = .tlsv1
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tls("\(error)")
        }
    }
}
