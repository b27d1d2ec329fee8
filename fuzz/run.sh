#!/usr/bin/env bash
# Builds the libFuzzer targets over the CTIProtocol sources and fuzzes each for SECONDS.
#
#   fuzz/run.sh [SECONDS] [TARGET...]        default: 300 s each, targets codec framer sheet
#   FUZZ_MERGE=1 fuzz/run.sh 600 codec       also minimise what was found into fuzz/corpus/
#
# Needs a Swift toolchain with libFuzzer (Linux: the swift.org toolchains have it) and zlib's
# development files. Each target starts from fuzz/seeds/TARGET (real lines) and the committed
# fuzz/corpus/TARGET, grows a working corpus in the build folder, and stops at the first
# crash or violated property, leaving the input in the build folder's crashes/ (the command
# to replay it is printed). Exit status: 0 when every target ran clean.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(codec framer sheet)
build="${FUZZ_BUILD_DIR:-.build-fuzz/fuzzers}"
jobs_flags=()
[ -n "${FUZZ_JOBS:-}" ] && jobs_flags=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
mkdir -p "$build/crashes"

# What parses the server's bytes: framing, JSON, server messages, sheets. Left out: the
# client side (Commands/, which needs swift-crypto for login hashing, and ClientMessage.swift,
# which only the simulator uses to read the collector's requests).
sources=(Sources/CTIProtocol/Framing/*.swift Sources/CTIProtocol/JSON/*.swift Sources/CTIProtocol/Sheet/*.swift)
for file in Sources/CTIProtocol/Messages/*.swift; do
    [ "$file" = Sources/CTIProtocol/Messages/ClientMessage.swift ] || sources+=("$file")
done

harness() {
    case "$1" in
        codec) echo fuzz/CodecFuzzer.swift ;;
        framer) echo fuzz/FramerFuzzer.swift ;;
        sheet) echo fuzz/SheetFuzzer.swift ;;
        *) echo "unknown target: $1 (codec, framer, sheet)" >&2; exit 2 ;;
    esac
}

max_len() {
    case "$1" in
        framer) echo 16384 ;;
        *) echo 65536 ;;
    esac
}

status=0
for target in "${targets[@]}"; do
    binary="$build/$target"
    echo "== building $target"
    swiftc -swift-version 6 -warnings-as-errors -O -g -sanitize=fuzzer,address -parse-as-library \
        -module-name CTIProtocol -I Sources/CallStatsZlib \
        "${sources[@]}" "$(harness "$target")" -lz -use-ld=lld -o "$binary"

    work="$build/corpus/$target"
    mkdir -p "$work" "fuzz/corpus/$target"
    dict=()
    [ "$target" = codec ] && dict=(-dict=fuzz/json.dict)
    echo "== fuzzing $target for $seconds s"
    set +e
    "$binary" "$work" "fuzz/corpus/$target" "fuzz/seeds/$target" \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" "${dict[@]}" "${jobs_flags[@]}" \
        2>&1 | tee "$build/$target.log" | grep -E '^(#[0-9]+ +(INITED|DONE|pulse)|stat::|==[0-9]+==|Test unit written|SUMMARY)'
    code=${PIPESTATUS[0]}
    set -e
    if [ "$code" -ne 0 ]; then
        echo "!! $target failed (exit $code): see $build/$target.log; replay: $binary $build/crashes/$target-*"
        status=1
        continue
    fi
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
        # Minimise the committed corpus plus everything found into a fresh folder: only the
        # inputs that add coverage are kept.
        fresh="$build/merged-$target"
        rm -rf "$fresh" && mkdir -p "$fresh"
        "$binary" -merge=1 -max_len="$(max_len "$target")" "$fresh" "fuzz/corpus/$target" "fuzz/seeds/$target" "$work" \
            > "$build/$target-merge.log" 2>&1
        rm -rf "fuzz/corpus/$target" && mv "$fresh" "fuzz/corpus/$target"
        echo "== fuzz/corpus/$target: $(ls "fuzz/corpus/$target" | wc -l) files, $(du -sh "fuzz/corpus/$target" | cut -f1)"
    fi
done
exit $status
