import CTIProtocol
import NIOCore

/// One client's protocol state (the real server's `interface_cti.CTI` instance): where it is
/// in the login, what it subscribed to, and the bytes produced for it but not yet written.
/// Confined to the hub's event loop.
final class ClientConnection {
    enum Phase: Equatable {
        /// Connected; waiting for `login_id`.
        case connected
        /// `login_id` accepted: `sessionid` sent, waiting for `login_pass`.
        case identified(sessionID: String, login: String, userId: Int?)
        /// `login_pass` accepted: receives broadcasts, may ask for lists; `login_capas` pending.
        case authenticated(userId: Int)
        /// `login_capas` accepted: fully logged in.
        case loggedIn(userId: Int)
    }

    /// Connection number, from 1 in accept order (ties truth records to a client).
    let id: Int
    let channel: Channel
    var framer: LineFramer
    var phase: Phase = .connected
    var loginTimeout: Scheduled<Void>?
    var subscribedToStats = false
    var entrySubscriptions: Set<Int> = []
    /// Protocol 2.x: `{"class":"starttls"}` was sent and not answered yet.
    var startTLSPending = false
    /// Speaking TLS: accepted on the direct TLS listener, or upgraded by STARTTLS.
    var tlsActive = false
    /// Output produced during the current hub step, written in one go at its end.
    var pending: ByteBuffer
    /// An error reply is on its way and the connection will close: no more input or output.
    var closing = false
    var messagesSent = 0
    /// Reading paused because the client sends requests without reading the replies.
    var readingPaused = false
    /// Completes once everything written so far has reached the socket (writes complete in
    /// order): closing after it loses nothing.
    var lastWrite: EventLoopFuture<Void>?

    init(id: Int, channel: Channel, maximumLineLength: Int) {
        self.id = id
        self.channel = channel
        framer = LineFramer(maximumLineLength: maximumLineLength)
        pending = channel.allocator.buffer(capacity: 0)
    }

    /// Receives what the server sends to every connection (`send_cti_event`): from
    /// `login_pass` on, as in the real server.
    var receivesBroadcasts: Bool {
        switch phase {
        case .authenticated, .loggedIn: return !closing
        default: return false
        }
    }

    var isLoggedIn: Bool {
        if case .loggedIn = phase { return !closing }
        return false
    }

    var userId: Int? {
        switch phase {
        case .authenticated(let u), .loggedIn(let u): return u
        case .identified(_, _, let u): return u
        case .connected: return nil
        }
    }
}
