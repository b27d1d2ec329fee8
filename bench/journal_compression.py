#!/usr/bin/env python3
"""Journal compression choices (BENCHMARKS.md, "Journal compression").

Reads lines (one per line, as `callstats journal` prints them) and compresses them in blocks
of consecutive lines with zlib and zstd at several levels, and line by line with a zstd
dictionary trained on the first lines: bytes per line and compression speed.

usage: callstats journal --db calls.db | python3 bench/journal_compression.py [--skip 1000000] [--lines 200000]
needs: pip install zstandard
"""
import argparse, sys, time, zlib
import zstandard

parser = argparse.ArgumentParser()
parser.add_argument("--skip", type=int, default=1_000_000)
parser.add_argument("--lines", type=int, default=200_000)
args = parser.parse_args()

lines = []
for index, line in enumerate(sys.stdin.buffer):
    if index < args.skip:
        continue
    if len(lines) >= args.lines:
        break
    lines.append(line.rstrip(b"\n"))
total = sum(len(line) + 1 for line in lines)
print(f"{len(lines)} lines, {total / len(lines):.1f} bytes average")

def measure(name, compress_block, block):
    start = time.perf_counter()
    size = sum(len(compress_block(b"\n".join(lines[i:i + block]))) for i in range(0, len(lines), block))
    elapsed = time.perf_counter() - start
    print(f"{name:>12} blocks of {block:>4}: {size / len(lines):5.1f} bytes/line, {total / elapsed / 1e6:5.0f} MB/s")

for block in (64, 256, 1024, 4096):
    for level in (1, 6):
        measure(f"zlib {level}", lambda data: zlib.compress(data, level), block)
    for level in (1, 3, 6):
        compressor = zstandard.ZstdCompressor(level=level)
        measure(f"zstd {level}", compressor.compress, block)

trained = zstandard.train_dictionary(110 * 1024, lines[:20_000])
compressor = zstandard.ZstdCompressor(level=3, dict_data=trained)
rest = lines[20_000:]
start = time.perf_counter()
size = sum(len(compressor.compress(line)) for line in rest)
elapsed = time.perf_counter() - start
print(f"zstd 3 line by line, 110 KiB dictionary: {size / len(rest):5.1f} bytes/line, "
      f"{sum(len(l) + 1 for l in rest) / elapsed / 1e6:5.0f} MB/s")
