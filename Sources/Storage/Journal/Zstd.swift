import CallStatsZstd

/// zstd compression of journal blocks (docs/RECORDING.md, "The journal's blocks").
///
/// zstd rather than the zlib already linked: on the simulated day's lines, in blocks of 1,024,
/// zstd level 3 gives 15.7 bytes per line at about 880 MB/s, zlib level 6 15.9 bytes at about
/// 115 MB/s (BENCHMARKS.md, "Journal compression"): the same size for an eighth of the CPU.
///
/// Not `Sendable`: it reuses one compression context, owned by one writer.
package final class ZstdCompressor {
    private let context: OpaquePointer
    static let level: Int32 = 3

    package init() throws(JournalFormatError) {
        guard let context = ZSTD_createCCtx() else {
            throw JournalFormatError(problem: "zstd could not allocate a compression context")
        }
        self.context = context
        // The frame's checksum (4 bytes a block) makes a damaged block an error when read,
        // never different lines.
        for (parameter, value) in [(ZSTD_c_compressionLevel, Self.level), (ZSTD_c_checksumFlag, 1)] {
            let code = ZSTD_CCtx_setParameter(context, parameter, value)
            guard ZSTD_isError(code) == 0 else {
                throw JournalFormatError(problem: "zstd refused a parameter: " + Self.name(code))
            }
        }
    }

    deinit {
        ZSTD_freeCCtx(context)
    }

    /// One zstd frame holding `input`, with its size in the frame header and its checksum.
    package func compress(_ input: UnsafeRawBufferPointer) throws(JournalFormatError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Self.bound(input.count))
        let written = output.withUnsafeMutableBytes { out in Result { () throws(JournalFormatError) in try compress(input, into: out) } }
        output.removeSubrange(try written.get()...)
        return output
    }

    /// The most bytes `compress` writes for `count` bytes of input.
    static func bound(_ count: Int) -> Int {
        ZSTD_compressBound(count)
    }

    /// Compresses `input` into `output` (at least `bound(input.count)` bytes); returns the bytes written.
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(JournalFormatError) -> Int {
        let written = ZSTD_compress2(context, output.baseAddress, output.count, input.baseAddress, input.count)
        guard ZSTD_isError(written) == 0 else {
            throw JournalFormatError(problem: "zstd could not compress a block: " + Self.name(written))
        }
        return written
    }

    static func name(_ code: Int) -> String {
        ZSTD_getErrorName(code).map { String(cString: $0) } ?? "error \(code)"
    }
}

enum Zstd {
    /// The largest block content accepted when reading: far above what a writer makes
    /// (`JournalBlockBuilder.maximumBytes` plus its entries), so a damaged size field cannot
    /// make a reader allocate without bound.
    static let maximumContentSize = 64 * 1024 * 1024

    /// The content of the zstd frame `input`, in `output` (resized to fit).
    static func decompress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(JournalFormatError) {
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest values.
        guard size < UInt64.max - 1, size <= UInt64(maximumContentSize) else {
            throw JournalFormatError(problem: "a block is not a zstd frame of known size")
        }
        let count = Int(size)
        if output.count != count {
            output = [UInt8](repeating: 0, count: count)
        }
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_decompress(out.baseAddress, count, input.baseAddress, input.count)
        }
        guard ZSTD_isError(written) == 0, written == count else {
            throw JournalFormatError(problem: "a block could not be decompressed: " + ZstdCompressor.name(written))
        }
    }
}
