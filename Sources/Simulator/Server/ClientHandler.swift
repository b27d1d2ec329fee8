import NIOCore
import NIOSSL

/// The pipeline end of one client connection: hands bytes, writability changes and the
/// connection's life cycle to the hub. Lives on the hub's event loop, like the hub.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let hub: Hub
    private let directTLS: Bool
    private var connection: ClientConnection?

    init(hub: Hub, directTLS: Bool = false) {
        self.hub = hub
        self.directTLS = directTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        connection = hub.clientConnected(context.channel, directTLS: directTLS)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection else { return }
        let buffer = unwrapInboundIn(data)
        hub.received(buffer, from: connection)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let connection { hub.writabilityChanged(connection) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { hub.clientDisconnected(connection) }
        connection = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset, a broken pipe, a failed TLS handshake: the real server drops the
        // connection, and so do we.
        if let connection, error is NIOSSLError || error is BoringSSLError {
            hub.logger.info("TLS failed, closing", metadata: ["conn": "\(connection.id)", "reason": "\(error)"])
        }
        context.close(promise: nil)
    }
}
