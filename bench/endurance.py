#!/usr/bin/env python3
"""Endurance benchmark (BENCHMARKS.md, "Endurance").

Runs `callstats simulate` at a finite --speed and `callstats collect --once` against it, as
two processes over TCP, and samples once a second of real time, until the simulated day is
over and the collector has exited:
  * the collector's resident memory (VmRSS in /proc/PID/status);
  * its commit lag: how long ago, in real seconds, the newest line committed to the journal
    happened at the server. The simulator's clock starts when it logs "simulated clock
    started" (t0) at --start and runs --speed times real time, so at real time t the server
    is at start + (t - t0) * speed; the lag is (that - event_time of the newest journal row)
    / speed. It counts every delay between the server and the disk: the socket, the read
    loop, the batch and its commit. (The database is opened read-only for each sample.)

Prints the peak RSS, the slope of a least-squares line through RSS (MB per simulated hour,
after the first 10 % of the run and over its second half), the largest and the 99th
percentile commit lag, and the slope of the lag; writes the samples as CSV and a chart as SVG.

usage: bench/endurance.py --name NAME [--agents 100] [--queues 10] [--hours 24] [--speed 120]
                          [--hold-peak] [--load-factor 1] [--seed 7]
                          [--binary .build/release/callstats] [--svg docs/endurance-NAME.svg]
"""
import argparse, csv, math, os, re, sqlite3, subprocess, sys, tempfile, threading, time
from datetime import datetime, timezone

parser = argparse.ArgumentParser()
parser.add_argument("--name", required=True, help="what the run is called in the chart and the files")
parser.add_argument("--title", help="the chart's title")
parser.add_argument("--agents", type=int, default=100)
parser.add_argument("--queues", type=int, default=10)
parser.add_argument("--hours", type=float, default=24)
parser.add_argument("--speed", type=float, default=120)
parser.add_argument("--hold-peak", action="store_true")
parser.add_argument("--load-factor", type=float, default=1)
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--start", default="2026-11-02T00:00:00Z")
parser.add_argument("--binary", default=".build/release/callstats")
parser.add_argument("--svg", help="where to write the chart (default docs/endurance-NAME.svg)")
parser.add_argument("--csv", help="where to write the samples (default: in the run's temporary folder)")
parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
args = parser.parse_args()

svg_path = args.svg or f"docs/endurance-{args.name}.svg"
work = tempfile.mkdtemp(prefix=f"callstats-endurance-{args.name}-")
db = os.path.join(work, "calls.db")
csv_path = args.csv or os.path.join(work, "samples.csv")
password = os.path.join(work, "password")
with open(password, "w") as f:
    f.write("secret\n")
os.chmod(password, 0o600)
start_epoch = datetime.fromisoformat(args.start.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()
end_epoch = start_epoch + args.hours * 3600

simulate = [args.binary, "simulate", "--listen", "127.0.0.1:0", "--speed", f"{args.speed:g}", "--exit-when-done",
            "--seed", str(args.seed), "--agents", str(args.agents), "--queues", str(args.queues),
            "--duration", f"{int(args.hours * 3600)}s", "--start", args.start,
            "--load-factor", f"{args.load_factor:g}"]
if args.hold_peak:
    simulate.append("--hold-peak")
simulator = subprocess.Popen(simulate, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
listening = simulator.stdout.readline().strip()
if not listening.startswith("listening "):
    sys.exit(f"simulator did not start: {listening!r} {simulator.stderr.read()}")
address = listening.split(" ", 1)[1]

# The simulator's log, read as it comes: the clock's start is t0.
clock_started = threading.Event()
t0 = [None]
simulator_log = open(os.path.join(work, "simulate.log"), "w")


dropped = [None]  # real time when the simulator dropped the collector as too slow


def read_simulator_log():
    for line in simulator.stderr:
        if t0[0] is None and "simulated clock started" in line:
            t0[0] = time.time()
            clock_started.set()
        if dropped[0] is None and "client too slow" in line:
            dropped[0] = time.time()
        simulator_log.write(line)


reader = threading.Thread(target=read_simulator_log, daemon=True)
reader.start()

collector_log = open(os.path.join(work, "collect.log"), "w")
collector = subprocess.Popen(
    [args.binary, "collect", "--server", address, "--user", "stats", "--password-file", password,
     "--db", db, "--once", "--tls", "off", "--log-level", "info"],
    stdout=collector_log, stderr=subprocess.STDOUT)
collector_status = [None]


def wait_collector():
    _, status, usage = os.wait4(collector.pid, 0)
    collector_status[0] = (status, usage)


waiter = threading.Thread(target=wait_collector, daemon=True)
waiter.start()
if not clock_started.wait(timeout=120):
    collector.kill()
    simulator.kill()
    sys.exit("the simulated clock did not start within 120 s (did the collector log in?)")


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def newest_row():
    """(event_time, received_at, seq) of the newest committed journal row, read-only."""
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            # The newest block: its latest event and its last line (the journal is in blocks).
            rows = connection.execute(
                "SELECT last_event_time, last_received_at, last_seq FROM journal_block ORDER BY first_seq DESC LIMIT 1").fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return rows[0] if rows else None


samples = []  # (real seconds since t0, simulated hours, rss MB, lag s, journal rows)
wall_start = time.monotonic()
next_tick = time.monotonic()
while collector_status[0] is None:
    next_tick += 1
    delay = next_tick - time.monotonic()
    if delay > 0:
        waiter.join(timeout=delay)
    if collector_status[0] is not None:
        break
    now = time.time()
    rss = rss_mb(collector.pid)
    row = newest_row()
    server_now = min(start_epoch + (now - t0[0]) * args.speed, end_epoch)
    if rss is None or row is None:
        continue
    event_time, _, seq = row
    lag = max(0.0, (server_now - event_time) / args.speed)
    samples.append((now - t0[0], (server_now - start_epoch) / 3600, rss, lag, seq))
    if len(samples) % 60 == 0:
        print(f"  {samples[-1][1]:6.2f} simulated h: RSS {rss:6.1f} MB, commit lag {lag:6.3f} s, {seq} rows",
              file=sys.stderr, flush=True)

status, usage = collector_status[0]
simulator.wait()
reader.join(timeout=5)
wall = time.monotonic() - wall_start
if status != 0:
    sys.exit(f"collect failed with status {status}; see {work}/collect.log")
if len(samples) < 10:
    sys.exit("too few samples")

with open(csv_path, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["real_s", "simulated_h", "rss_mb", "commit_lag_s", "journal_rows"])
    for s in samples:
        writer.writerow([f"{s[0]:.3f}", f"{s[1]:.5f}", f"{s[2]:.2f}", f"{s[3]:.4f}", s[4]])


def fit(points):
    """Least-squares line through (x, y): (slope, intercept)."""
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    slope = sxy / sxx if sxx > 0 else 0.0
    return slope, my - slope * mx


settled = samples[len(samples) // 10:]
second_half = samples[len(samples) // 2:]
rss_fit = fit([(s[1], s[2]) for s in settled])
rss_fit_second = fit([(s[1], s[2]) for s in second_half])
lag_fit = fit([(s[1], s[3]) for s in settled])
lags = sorted(s[3] for s in samples)
p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
peak_rss = max(s[2] for s in samples)
rows = newest_row()[2]
rss_settled = [s[2] for s in settled]

load = f"load factor {args.load_factor:g}" + (", held at the peak" if args.hold_peak else ", day profile")
print(f"run: {args.name}: {args.agents} agents, {args.queues} queues, {args.hours:g} simulated h at --speed {args.speed:g} "
      f"({load}), seed {args.seed}")
print(f"wall time: {wall / 60:.1f} min, {len(samples)} samples, {rows} journal rows "
      f"({rows / samples[-1][0]:,.0f} lines/s on average)")
print(f"collector RSS: peak {peak_rss:.1f} MB (ru_maxrss {usage.ru_maxrss / 1024:.1f} MB); after the first 10 %: "
      f"{min(rss_settled):.1f} to {max(rss_settled):.1f} MB")
print(f"RSS slope after the first 10 %: {rss_fit[0]:+.3f} MB per simulated hour; "
      f"over the second half: {rss_fit_second[0]:+.3f} MB per simulated hour")
print(f"commit lag: max {lags[-1]:.3f} s, p99 {p99:.3f} s, median {lags[len(lags) // 2]:.3f} s; "
      f"slope after the first 10 %: {lag_fit[0]:+.4f} s per simulated hour")
print(f"collector CPU time: {usage.ru_utime + usage.ru_stime:.1f} s; samples: {csv_path}")
if dropped[0] is not None:
    # At a finite speed the simulator does not wait: 32 MiB unread and the client is cut off
    # (the --once collector then ends after recording what it had received).
    behind = min(start_epoch + (dropped[0] - t0[0]) * args.speed, end_epoch)
    print(f"FELL BEHIND: the simulator disconnected the collector as too slow at "
          f"{(behind - start_epoch) / 3600:.2f} simulated h (32 MiB of output unread)")


# --- the chart ------------------------------------------------------------------------

def nice_ticks(low, high, count=5):
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = 10 * magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            step = multiple * magnitude
            break
    first = (low // step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def label(value):
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.3g}"


def panel(out, top, height, series, fitted, y_name, colour, x_max, y_floor_zero=True):
    left, width = 80, 780
    ys = [p[1] for p in series]
    ticks_y = nice_ticks(0 if y_floor_zero else min(ys), max(ys) * 1.05)
    y_low, y_high = ticks_y[0], ticks_y[-1]
    ticks_x = nice_ticks(0, x_max, 8)
    x_high = ticks_x[-1]

    def px(x):
        return left + width * x / x_high

    def py(y):
        return top + height - height * (y - y_low) / (y_high - y_low)

    out.append(f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="#fff" stroke="#888"/>')
    for t in ticks_y:
        out.append(f'<line x1="{left}" y1="{py(t):.1f}" x2="{left + width}" y2="{py(t):.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{label(t)}</text>')
    for t in ticks_x:
        out.append(f'<line x1="{px(t):.1f}" y1="{top}" x2="{px(t):.1f}" y2="{top + height}" stroke="#f0f0f0"/>')
        out.append(f'<text x="{px(t):.1f}" y="{top + height + 16}" text-anchor="middle">{label(t)}</text>')
    out.append(f'<text x="{left - 56}" y="{top + height / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 {left - 56} {top + height / 2:.1f})">{y_name}</text>')
    step = max(1, len(series) // 2000)
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in series[::step])
    out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.2" points="{points}"/>')
    if fitted:
        (slope, intercept), x_from = fitted
        x1, x2 = x_from, series[-1][0]
        out.append(f'<line x1="{px(x1):.1f}" y1="{py(slope * x1 + intercept):.1f}" x2="{px(x2):.1f}" '
                   f'y2="{py(slope * x2 + intercept):.1f}" stroke="#c00" stroke-width="1.5" stroke-dasharray="6 4"/>')


x_max = samples[-1][1]
title = args.title or f"Endurance: {args.name}"
out = ['<svg xmlns="http://www.w3.org/2000/svg" width="900" height="560" viewBox="0 0 900 560" '
       'font-family="sans-serif" font-size="12" fill="#222">',
       '<rect width="900" height="560" fill="#fafafa"/>',
       f'<text x="450" y="22" text-anchor="middle" font-size="15" font-weight="bold">{title}</text>',
       f'<text x="450" y="40" text-anchor="middle" fill="#555">{args.agents} agents, {args.queues} queues, '
       f'{args.hours:g} simulated h at {args.speed:g}x ({load}); one sample per real second</text>']
panel(out, 60, 190, [(s[1], s[2]) for s in samples], (rss_fit, settled[0][1]), "collector RSS (MB)", "#1f5fa8", x_max)
out.append(f'<text x="860" y="74" text-anchor="end" fill="#c00">fit after 10 %: {rss_fit[0]:+.3f} MB per simulated hour; '
           f'peak {peak_rss:.1f} MB</text>')
panel(out, 300, 190, [(s[1], s[3]) for s in samples], (lag_fit, settled[0][1]), "commit lag (s)", "#2a8a3a", x_max)
out.append(f'<text x="860" y="314" text-anchor="end" fill="#c00">max {lags[-1]:.3f} s, p99 {p99:.3f} s; '
           f'fit {lag_fit[0]:+.4f} s per simulated hour</text>')
out.append('<text x="470" y="530" text-anchor="middle">simulated hours</text>')
out.append('</svg>')
os.makedirs(os.path.dirname(svg_path) or ".", exist_ok=True)
with open(svg_path, "w") as f:
    f.write("\n".join(out) + "\n")
print(f"chart: {svg_path}")
simulator_log.close()
if args.keep:
    print(f"kept: {work}")
else:
    for name in os.listdir(work):
        if os.path.join(work, name) != csv_path:
            os.remove(os.path.join(work, name))
    if not os.listdir(work):
        os.rmdir(work)
if dropped[0] is not None:
    sys.exit(2)
