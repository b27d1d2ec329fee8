#!/bin/bash
# CPU time of each of the collector's threads (BENCHMARKS.md): a stand-in for the callstats
# binary that runs `collect` and samples /proc/PID/task/*/schedstat every 0.1 s until it exits,
# then writes each thread's time on a CPU and waiting for one to $THREAD_TIMES
# (default /tmp/callstats-thread-times.txt). Every other command is passed through.
#
#   CALLSTATS=.build/release/callstats python3 bench/ingest_ab.py bench/thread_times.sh --runs 1
#   cat /tmp/callstats-thread-times.txt
binary="${CALLSTATS:-$(dirname "$0")/../.build/release/callstats}"
if [ "$1" != collect ]; then
  exec "$binary" "$@"
fi
"$binary" "$@" &
pid=$!
python3 - "$pid" "${THREAD_TIMES:-/tmp/callstats-thread-times.txt}" <<'PY' &
import os, sys, time
pid, out = sys.argv[1], sys.argv[2]
last = {}
start = time.time()
while os.path.exists(f"/proc/{pid}/task"):
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        break
    for task in tasks:
        try:
            name = open(f"/proc/{pid}/task/{task}/comm").read().strip()
            run, wait, _ = open(f"/proc/{pid}/task/{task}/schedstat").read().split()
            last[task] = (name, int(run) / 1e9, int(wait) / 1e9)
        except (OSError, ValueError):
            pass
    time.sleep(0.1)
with open(out, "w") as f:
    f.write(f"wall {time.time() - start:.2f}\n")
    for task, (name, run, wait) in sorted(last.items(), key=lambda item: -item[1][1]):
        if run > 0.05:
            f.write(f"{task} {name:20s} run {run:6.2f} s  runqueue-wait {wait:6.2f} s\n")
PY
wait "$pid"
status=$?
wait
exit $status
