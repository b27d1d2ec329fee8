#!/usr/bin/env python3
"""`callstats serve` under a wall of screens and an API load, beside a collector recording
live: the issue's benchmark (BENCHMARKS.md, "Serve").

A simulator at --speed 1 (live) and `collect` recording it; after --warmup seconds (the
agents log in), `serve` on that database. Then two phases of --seconds each:
  1. baseline: the collector's commit lag, serve idle;
  2. load: --sse clients hold /events open (each counts the boards pushed to it), and wrk
     sends about --rate requests/s of /api/v1/queues (--connections connections, each waiting
     connections/rate between requests: Debian's wrk has no fixed-rate mode);
printing wrk's latency percentiles, serve's RSS (peak VmHWM), the boards each SSE client got,
and the commit lag of both phases (newest journal block's event time against the simulated
clock, as bench/endurance.py reads it).

usage: python3 bench/serve_load.py [--binary .build/release/callstats] [--agents 200] ...
"""
import argparse, asyncio, os, re, sqlite3, subprocess, sys, tempfile, threading, time
from datetime import datetime, timezone

parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=".build/release/callstats")
parser.add_argument("--agents", type=int, default=200)
parser.add_argument("--queues", type=int, default=20)
parser.add_argument("--duration", default="40m", help="the simulated day (logins in its first 5 %%)")
parser.add_argument("--warmup", type=float, default=120)
parser.add_argument("--seconds", type=int, default=60)
parser.add_argument("--sse", type=int, default=200)
parser.add_argument("--rate", type=float, default=500)
parser.add_argument("--connections", type=int, default=50)
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()

start = "2026-11-02T08:00:00Z"
start_epoch = datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp()
work = tempfile.mkdtemp(prefix="callstats-serve-load-")
db = os.path.join(work, "calls.db")
password = os.path.join(work, "password")
with open(password, "w") as f:
    f.write("secret\n")
os.chmod(password, 0o600)

simulator = subprocess.Popen(
    [args.binary, "simulate", "--listen", "127.0.0.1:0", "--speed", "1", "--seed", str(args.seed),
     "--agents", str(args.agents), "--queues", str(args.queues), "--duration", args.duration, "--start", start],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
address = simulator.stdout.readline().strip().split(" ", 1)[1]
t0 = [None]
clock_started = threading.Event()


def read_simulator_log():
    for line in simulator.stderr:
        if t0[0] is None and "simulated clock started" in line:
            t0[0] = time.time()
            clock_started.set()


threading.Thread(target=read_simulator_log, daemon=True).start()
collector = subprocess.Popen(
    [args.binary, "collect", "--server", address, "--user", "stats", "--password-file", password,
     "--db", db, "--tls", "off"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "collect.log"), "w"))
processes = [simulator, collector]


def finish(message=None):
    for process in reversed(processes):
        process.terminate()
        process.wait()
    if message:
        sys.exit(message)


if not clock_started.wait(timeout=120):
    finish("the simulated clock did not start")
time.sleep(args.warmup)

serve = subprocess.Popen([args.binary, "serve", "--db", db, "--listen", "127.0.0.1:0", "--tz", "UTC"],
                         stdout=subprocess.PIPE, stderr=open(os.path.join(work, "serve.log"), "w"), text=True)
processes.append(serve)
match = re.search(r"http://127\.0\.0\.1:(\d+)", serve.stdout.readline())
if not match:
    finish("serve did not start")
port = int(match.group(1))


def lag():
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    try:
        row = connection.execute("SELECT last_event_time FROM journal_block ORDER BY first_seq DESC LIMIT 1").fetchone()
    finally:
        connection.close()
    return max(0.0, start_epoch + (time.time() - t0[0]) - row[0])


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def sample(seconds):
    """Commit lag and serve's RSS, four times a second."""
    lags, rss = [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        lags.append(lag())
        rss.append(status(serve.pid, "VmRSS"))
        time.sleep(0.25)
    return lags, rss


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def describe(lags):
    return f"median {percentile(lags, 0.5):.3f} s, p99 {percentile(lags, 0.99):.3f} s, max {max(lags):.3f} s"


baseline_lags, idle_rss = sample(args.seconds)

# The screens: each holds /events open and counts the boards it is pushed.
boards = [0] * args.sse
closed = [0]
stop = threading.Event()


async def screen(index):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /events HTTP/1.1\r\nHost: wall\r\n\r\n")
    await writer.drain()
    while not stop.is_set():
        try:
            line = await asyncio.wait_for(reader.readline(), 0.5)
        except asyncio.TimeoutError:
            continue
        if not line:
            closed[0] += 1
            return
        if line.startswith(b"event: board"):
            boards[index] += 1
    writer.close()


def screens():
    async def run():
        await asyncio.gather(*(screen(i) for i in range(args.sse)))
    asyncio.run(run())


wall = threading.Thread(target=screens)
wall.start()
time.sleep(2)  # every stream opened and given its first board before the API load starts
first_boards = min(boards)

script = os.path.join(work, "rate.lua")
with open(script, "w") as f:
    f.write('wrk.path = "/api/v1/queues"\n')
    f.write(f"function delay() return {args.connections * 1000 / args.rate:.3f} end\n")
wrk = subprocess.Popen(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", script,
                        f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
load_lags, load_rss = sample(args.seconds)
report = wrk.communicate()[0]
stop.set()
wall.join()
peak = status(serve.pid, "VmHWM")
finish()

print(f"center: {args.agents} agents, {args.queues} queues, --speed 1; serve after {args.warmup:g} s; {args.seconds} s a phase")
print(report.strip())
print(f"SSE: {args.sse} clients, {closed[0]} closed by the server; boards pushed to each during the load: "
      f"min {min(boards) - first_boards}, max {max(boards) - first_boards}")
print(f"serve RSS: idle {max(idle_rss):.1f} MB, under load max {max(load_rss):.1f} MB, peak (VmHWM) {peak:.1f} MB")
print(f"commit lag, baseline: {describe(baseline_lags)}")
print(f"commit lag, under load: {describe(load_lags)}")
