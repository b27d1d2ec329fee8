#!/usr/bin/env python3
"""The simulated big day into `callstats collect`, once per page size, alternated: the database
file is made beforehand with the page size given (0: the collector's own choice), so one build
compares page sizes (BENCHMARKS.md, "Collector: end-to-end ingest").

    python3 bench/page_size_ab.py .build/release/callstats 4096,8192 --runs 4
"""
import argparse
import os, shutil, sqlite3, subprocess, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("sizes", help="page sizes, comma-separated; 0 for the collector's own")
parser.add_argument("--runs", type=int, default=3)
args = parser.parse_args()
binary, sizes, runs = args.binary, [int(x) for x in args.sizes.split(",")], args.runs

def run(size):
    work = tempfile.mkdtemp(prefix="cs-ps-")
    try:
        db = os.path.join(work, "calls.db"); pw = os.path.join(work, "pw")
        open(pw, "w").write("secret\n"); os.chmod(pw, 0o600)
        if size:
            c = sqlite3.connect(db); c.execute(f"PRAGMA page_size={size}"); c.execute("PRAGMA journal_mode=WAL"); c.close()
            os.chmod(db, 0o600)
        sim = subprocess.Popen([binary, "simulate", "--listen", "127.0.0.1:0", "--speed", "max", "--exit-when-done", "--seed", "5",
             "--agents", "300", "--queues", "20", "--duration", "24h"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        addr = sim.stdout.readline().strip().split(" ", 1)[1]
        start = time.perf_counter()
        col = subprocess.Popen([binary, "collect", "--server", addr, "--user", "stats", "--password-file", pw, "--db", db,
             "--once", "--tls", "off", "--log-level", "warning"])
        _, status, usage = os.wait4(col.pid, 0); el = time.perf_counter() - start; sim.wait()
        c = sqlite3.connect(db); n = c.execute("SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM journal_block").fetchone()[0]; ps = c.execute("PRAGMA page_size").fetchone()[0]; c.close()
        print(f"page {ps}: {n/el:,.0f} lines/s, CPU {usage.ru_utime+usage.ru_stime:.2f} s (user {usage.ru_utime:.2f}, sys {usage.ru_stime:.2f}), RSS {usage.ru_maxrss/1024:.0f} MB, status {status}", flush=True)
    finally:
        shutil.rmtree(work)
for _ in range(runs):
    for s in sizes: run(s)
