import CallStatsTestSupport
import CTIProtocol
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

typealias ServerSideChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

/// Event loops of our own, so that other suites running in parallel on NIO's shared
/// singleton cannot delay these tests' timers and sockets.
enum TestEventLoops {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 4)
}

/// A scripted CTI server on 127.0.0.1 (port chosen by the system): each test accepts the
/// collector's connections one by one and plays its side of the conversation.
final class FakeCTIServer: Sendable {
    let port: Int
    private let accepted: AsyncQueue<ServerSideChannel>
    private let acceptLoop: Task<Void, Never>

    private init(port: Int, accepted: AsyncQueue<ServerSideChannel>, acceptLoop: Task<Void, Never>) {
        self.port = port
        self.accepted = accepted
        self.acceptLoop = acceptLoop
    }

    /// Parts of the server's side answered on the event loop, at once, rather than by the
    /// test's script: for tests about timing, where a script delayed by a busy test machine
    /// would look like a slow server.
    struct Autopilot: OptionSet, Sendable {
        let rawValue: Int
        /// Send the STARTTLS offer as soon as the connection is accepted.
        static let offerStartTLS = Autopilot(rawValue: 1)
        /// Answer login_id, login_pass and login_capas.
        static let login = Autopilot(rawValue: 2)
        /// Answer keepalives.
        static let keepalive = Autopilot(rawValue: 4)
        /// Answer getipbxlist, and every listid with an empty list.
        static let bootstrap = Autopilot(rawValue: 8)
    }

    /// Listens on `port` of 127.0.0.1 (0: one the system chooses).
    static func start(autopilot: Autopilot = [], port: Int = 0) async throws -> FakeCTIServer {
        let listener = try await ServerBootstrap(group: TestEventLoops.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(TestLineDecoder()))
                    if !autopilot.isEmpty {
                        try child.pipeline.syncOperations.addHandler(AutopilotHandler(autopilot))
                    }
                    return try ServerSideChannel(wrappingChannelSynchronously: child)
                }
            }
        guard let port = listener.channel.localAddress?.port else {
            throw TestFailure("the fake server has no port")
        }
        let queue = AsyncQueue<ServerSideChannel>()
        let loop = Task<Void, Never> {
            do {
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        await queue.push(connection)
                    }
                }
            } catch {
                // Stopped: the listener is closed.
            }
        }
        return FakeCTIServer(port: port, accepted: queue, acceptLoop: loop)
    }

    /// Waits for the collector's next connection and runs `script` as the server's side of it;
    /// the connection is closed when the script returns.
    func nextConnection<T: Sendable>(timeout: Double = 60,
                                     _ script: (FakeConnection) async throws -> T) async throws -> T
    {
        guard let channel = await accepted.pop(timeout: timeout) else {
            throw TestFailure("no connection from the collector within \(timeout) s")
        }
        return try await channel.executeThenClose { inbound, outbound in
            let connection = FakeConnection(channel: channel.channel, inbound: inbound, outbound: outbound)
            return try await script(connection)
        }
    }

    /// Whether a connection arrives within `timeout` (it is closed at once).
    func connectionArrives(within timeout: Double) async -> Bool {
        guard let channel = await accepted.pop(timeout: timeout) else { return false }
        try? await channel.executeThenClose { _, _ in }
        return true
    }

    func stop() {
        acceptLoop.cancel()
    }

    deinit {
        acceptLoop.cancel()
    }
}

/// The server's side of one connection.
final class FakeConnection {
    let channel: any Channel
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Every line received from the collector, in order.
    private(set) var received: [String] = []
    /// Every line sent to the collector, in order (without the newline).
    private(set) var sent: [[UInt8]] = []

    init(channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
         outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>)
    {
        self.channel = channel
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    // MARK: Reading

    /// The next line from the collector; `nil` when it closed the connection. Throws when
    /// nothing comes within `timeout` (the connection is then closed).
    func readLineOrClose(timeout: Double = 60) async throws -> String? {
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            channel.close(promise: nil)
        }
        let started = Date()
        defer { timer.cancel() }
        let buffer: ByteBuffer?
        do {
            buffer = try await iterator.next()
        } catch {
            buffer = nil
        }
        guard let buffer else {
            if Date().timeIntervalSince(started) >= timeout * 0.95 {
                throw TestFailure("no line from the collector within \(timeout) s (received so far: \(received))")
            }
            return nil
        }
        let line = String(buffer: buffer)
        received.append(line)
        return line
    }

    func readLine(timeout: Double = 60) async throws -> String {
        guard let line = try await readLineOrClose(timeout: timeout) else {
            throw TestFailure("the collector closed the connection (received: \(received))")
        }
        return line
    }

    /// The next line, decoded as the real server decodes it.
    func readCommand(timeout: Double = 60) async throws -> ClientMessage {
        let line = try await readLine(timeout: timeout)
        do {
            return try ClientMessage.decode(line)
        } catch {
            throw TestFailure("the collector sent a line the server would reject (\(error)): \(line)")
        }
    }

    /// Reads commands until one satisfies `predicate`; returns it and the ones before it.
    func readCommands(until predicate: (ClientMessage) -> Bool, timeout: Double = 60) async throws
        -> (match: ClientMessage, before: [ClientMessage])
    {
        var before: [ClientMessage] = []
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw TestFailure("the expected command did not come (received: \(received))") }
            let command = try await readCommand(timeout: remaining)
            if predicate(command) { return (command, before) }
            before.append(command)
        }
    }

    /// Waits until the collector closes the connection, ignoring what it sends meanwhile.
    func waitForClose(timeout: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await readLineOrClose(timeout: max(0.01, deadline.timeIntervalSinceNow)) != nil {}
    }

    // MARK: Writing

    func send(_ line: String) async throws {
        try await sendRaw(Array((line + "\n").utf8))
    }

    func send(lines: [String]) async throws {
        try await sendRaw(Array(lines.map { $0 + "\n" }.joined().utf8))
    }

    /// Sends bytes as given (several lines, part of a line...), recording the complete lines.
    func sendRaw(_ bytes: [UInt8]) async throws {
        pendingSent.append(contentsOf: bytes)
        while let newline = pendingSent.firstIndex(of: 0x0A) {
            sent.append(Array(pendingSent[..<newline]))
            pendingSent.removeSubrange(...newline)
        }
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    private var pendingSent: [UInt8] = []

    /// Sends the STARTTLS echo in clear text and switches the connection to TLS, as the real
    /// server does after the client's `{"class":"starttls","status":true}`.
    func acceptStartTLS(context: NIOSSLContext) async throws {
        let echo = #"{"class":"starttls","starttls":true,"timenow":1550000000.5}"#
        sent.append(Array(echo.utf8))
        let channel = self.channel
        try await channel.eventLoop.submit {
            // Written (in clear) before the TLS handler goes in front of the pipeline.
            channel.writeAndFlush(ByteBuffer(string: echo + "\n"), promise: nil)
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
        }.get()
    }

    // MARK: Scripts

    /// Plays a successful login and returns the three login commands received. The replies'
    /// `timenow` are `serverTime` plus 0.1, 0.2 and 0.3 s.
    @discardableResult
    func serveLogin(sessionID: String = "21UaGDfst7", version: String = "1.2", ipbx: String = "xivo",
                    serverTime: Double = 1_550_000_000) async throws -> [ClientMessage]
    {
        let loginID = try await readCommand()
        try await send(#"{"class":"login_id","sessionid":"\#(sessionID)","xivoversion":"\#(version)","timenow":\#(serverTime + 0.1)}"#)
        let loginPass = try await readCommand()
        try await send(#"{"class":"login_pass","replyid":2,"capalist":[3],"timenow":\#(serverTime + 0.2)}"#)
        let loginCapas = try await readCommand()
        try await send(#"{"class":"login_capas","replyid":3,"ipbxid":"\#(ipbx)","userid":"12","appliname":"Supervisor","capaxlets":[],"capas":{},"timenow":\#(serverTime + 0.3)}"#)
        return [loginID, loginPass, loginCapas]
    }

    /// Reads the requests sent right after the login: `getipbxlist`, the `listid`s and
    /// `subscribetoqueuesstats`.
    func readBootstrap() async throws -> [ClientMessage] {
        let (last, before) = try await readCommands(until: { $0.classname == "subscribetoqueuesstats" })
        return before + [last]
    }
}

/// Splits the collector's byte stream into lines for the fake server.
struct TestLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: 0x0A) else { return .needMoreData }
        let length = newline - buffer.readerIndex
        guard let line = buffer.readSlice(length: length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

extension NIOSSLContext {
    static func testServer(certificate: String, key: String) throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificate.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }
}

/// Plays the parts of the server chosen in `FakeCTIServer.Autopilot`, on the event loop; every
/// line is still passed on to the script.
final class AutopilotHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let offer = #"{"class":"starttls","timenow":1550000000.0}"#
    private let autopilot: FakeCTIServer.Autopilot

    init(_ autopilot: FakeCTIServer.Autopilot) {
        self.autopilot = autopilot
    }

    func channelActive(context: ChannelHandlerContext) {
        if autopilot.contains(.offerStartTLS) {
            write(Self.offer, context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        if let command = try? ClientMessage.decode(Array(line.readableBytesView)) {
            switch command.kind {
            case .loginID where autopilot.contains(.login):
                write(#"{"class":"login_id","sessionid":"21UaGDfst7","xivoversion":"1.2","timenow":1550000000.1}"#, context: context)
            case .loginPass where autopilot.contains(.login):
                write(#"{"class":"login_pass","replyid":2,"capalist":[3],"timenow":1550000000.2}"#, context: context)
            case .loginCapas where autopilot.contains(.login):
                write(#"{"class":"login_capas","replyid":3,"ipbxid":"xivo","userid":"12","timenow":1550000000.3}"#, context: context)
            case .getIPBXList where autopilot.contains(.bootstrap):
                write(#"{"class":"getipbxlist","replyid":\#(command.commandID ?? 0),"ipbxlist":["xivo"]}"#, context: context)
            case .getList("listid", let listname, _, _) where autopilot.contains(.bootstrap):
                write(#"{"class":"getlist","function":"listid","listname":"\#(listname)","tipbxid":"xivo","list":[]}"#, context: context)
            case .keepalive where autopilot.contains(.keepalive):
                write(#"{"class":"keepalive","replyid":\#(command.commandID ?? 0),"warning_string":"unimplemented"}"#, context: context)
            default:
                break
            }
        }
        context.fireChannelRead(data)
    }

    private func write(_ line: String, context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(ByteBuffer(string: line + "\n")), promise: nil)
    }
}
