import NIOCore

/// The pipeline end of one client connection: hands bytes, writability changes and the
/// connection's life cycle to the hub. Lives on the hub's event loop, like the hub.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let hub: Hub
    private var connection: ClientConnection?

    init(hub: Hub) {
        self.hub = hub
    }

    func channelActive(context: ChannelHandlerContext) {
        connection = hub.clientConnected(context.channel)
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
        // A reset or a broken pipe: the real server drops the connection, and so do we.
        context.close(promise: nil)
    }
}
