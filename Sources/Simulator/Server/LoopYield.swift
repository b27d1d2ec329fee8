#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// "Run this again after the sockets have had a turn", without sleeping.
///
/// NIO runs the tasks that tasks queue within the same loop tick, before it polls any socket,
/// so a model step that re-queued itself with `execute` would starve every client's requests
/// (and the writability news that paces the model). A timer a little in the future does make
/// the loop poll first, but it sleeps, and on a busy machine every such sleep costs a
/// scheduler quantum. Instead, a byte written to this pipe makes the next poll return at once
/// with the pipe readable; its read handler, running in the I/O phase beside the clients'
/// events of that same poll, calls `onWake`.
final class LoopYield: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var channel: Channel?
    private var armed = false
    private let onWake: () -> Void

    private init(onWake: @escaping () -> Void) {
        self.onWake = onWake
    }

    /// Creates the pipe on `eventLoop` (call from it).
    static func make(on eventLoop: EventLoop, onWake: @escaping () -> Void) throws -> LoopYield {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw IOError(errnoCode: errno, reason: "pipe") }
        let yielder = LoopYield(onWake: onWake)
        let box = NIOLoopBound(yielder, eventLoop: eventLoop)
        // One read per readiness, so the byte written by `onWake` itself waits for the next poll.
        _ = NIOPipeBootstrap(group: eventLoop)
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(box.value)
                    box.value.channel = channel
                }
            }
            .takingOwnershipOfDescriptors(input: fds[0], output: fds[1])
        return yielder
    }

    /// Makes `onWake` run at the loop's next poll (once, however often this is called).
    func arm() {
        guard !armed, let channel else { return }
        armed = true
        var one = channel.allocator.buffer(capacity: 1)
        one.writeInteger(UInt8(1))
        channel.writeAndFlush(one, promise: nil)
    }

    func close() {
        channel?.close(promise: nil)
        channel = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        armed = false
        onWake()
    }
}
