#!/usr/bin/env python3
"""Two or more builds of callstats, alternated: the simulated day at --speed max into
`callstats collect`, and only that (no Python references), so that a comparison of builds
takes a minute per pair on a host whose speed drifts.

    python3 bench/ingest_ab.py OLD_BINARY NEW_BINARY [--runs 3]

Each run starts the binary's own simulator (300 agents, 20 queues, 24 h, seed 5, as
bench/ingest.py) and prints the collector's rate end to end, its CPU time and peak RSS.
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("binaries", nargs="+")
parser.add_argument("--runs", type=int, default=3)
args = parser.parse_args()


def run(binary):
    work = tempfile.mkdtemp(prefix="callstats-ingest-")
    try:
        db = os.path.join(work, "calls.db")
        password = os.path.join(work, "password")
        with open(password, "w") as f:
            f.write("secret\n")
        os.chmod(password, 0o600)
        simulator = subprocess.Popen(
            [binary, "simulate", "--listen", "127.0.0.1:0", "--speed", "max", "--exit-when-done", "--seed", "5",
             "--agents", "300", "--queues", "20", "--duration", "24h"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        address = simulator.stdout.readline().strip().split(" ", 1)[1]
        start = time.perf_counter()
        collector = subprocess.Popen(
            [binary, "collect", "--server", address, "--user", "stats", "--password-file", password, "--db", db,
             "--once", "--tls", "off", "--log-level", "warning"])
        _, status, usage = os.wait4(collector.pid, 0)
        elapsed = time.perf_counter() - start
        simulator.wait()
        if status != 0:
            raise SystemExit(f"{binary}: collect failed with status {status}")
        connection = sqlite3.connect(db)
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        if "journal_block" in tables:  # schema 8 on: the journal in blocks
            lines = connection.execute("SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM journal_block").fetchone()[0]
        else:
            lines = connection.execute("SELECT count(*) FROM journal").fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        size = os.path.getsize(db)
        cpu = usage.ru_utime + usage.ru_stime
        print(f"{binary}: {lines / elapsed:,.0f} lines/s ({lines} lines in {elapsed:.2f} s), "
              f"CPU {cpu:.2f} s, peak RSS {usage.ru_maxrss / 1024:.0f} MB, database {size / lines:.1f} bytes per line", flush=True)
    finally:
        shutil.rmtree(work)


for _ in range(args.runs):
    for binary in args.binaries:
        run(binary)
