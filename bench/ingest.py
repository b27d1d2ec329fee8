#!/usr/bin/env python3
"""End-to-end ingest benchmark (BENCHMARKS.md, "Collector").

Runs `callstats simulate --speed max` and `callstats collect --once` as separate processes
over TCP, and reports the collector's rate (journal lines per second of its run) and its
peak RSS. In the same run:
  * a plain Python script (json + sqlite3, batched executemany) that only parses and
    journals lines, reading them over TCP from a second simulator with the same seed, as
    the collector does (the simulator shares the machine with it);
  * the same Python, over the very lines the collector journaled, read from a file;
  * the sqlite3 shell's .import of the same lines into a one-column table.

usage: bench/ingest.py [--agents 300] [--queues 20] [--hours 24] [--seed 5] [--binary .build/release/callstats]
"""
import argparse, json, os, resource, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cti_client import Client

parser = argparse.ArgumentParser()
parser.add_argument("--agents", type=int, default=300)
parser.add_argument("--queues", type=int, default=20)
parser.add_argument("--hours", type=int, default=24)
parser.add_argument("--seed", type=int, default=5)
parser.add_argument("--binary", default=".build/release/callstats")
args = parser.parse_args()

work = tempfile.mkdtemp(prefix="callstats-ingest-")
db = os.path.join(work, "calls.db")
password = os.path.join(work, "password")
with open(password, "w") as f:
    f.write("secret\n")
os.chmod(password, 0o600)

def start_simulator():
    """The simulated day at --speed max; returns the process and the address it listens on."""
    process = subprocess.Popen(
        [args.binary, "simulate", "--listen", "127.0.0.1:0", "--speed", "max", "--exit-when-done",
         "--seed", str(args.seed), "--agents", str(args.agents), "--queues", str(args.queues),
         "--duration", f"{args.hours}h"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    listening = process.stdout.readline().strip()
    if not listening.startswith("listening "):
        sys.exit(f"simulator did not start: {listening!r}")
    return process, listening.split(" ", 1)[1]

simulator, address = start_simulator()

start = time.perf_counter()
collector = subprocess.Popen(
    [args.binary, "collect", "--server", address, "--user", "stats", "--password-file", password,
     "--db", db, "--once", "--tls", "off", "--log-level", "warning"])
_, status, usage = os.wait4(collector.pid, 0)
elapsed = time.perf_counter() - start
simulator.wait()
if status != 0:
    sys.exit(f"collect failed with status {status}")

connection = sqlite3.connect(db)
connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
database_bytes = os.path.getsize(db)
derived = sum(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in
              ["agent_status_change", "agent_state_interval", "channel_event", "call", "queue_visit", "queue_stat_sample"])
connection.close()
# The journal as received, through `callstats journal` (it is stored in compressed blocks):
# each line with its seq, received time and event time; and the lines alone, as a file.
capture = os.path.join(work, "lines.txt")
received = []
size = 0
with open(capture, "wb") as f:
    journal = subprocess.Popen([args.binary, "journal", "--db", db, "--with-times"], stdout=subprocess.PIPE)
    for row in journal.stdout:
        seq, received_at, event_time, line = row.split(b"\t", 3)
        received.append(float(received_at))
        size += len(line) - 1
        f.write(line)
    if journal.wait() != 0:
        sys.exit("callstats journal failed")
lines = len(received)
print(f"simulated day: {args.agents} agents, {args.queues} queues, {args.hours} h, seed {args.seed}")
print(f"collector: {lines} lines ({size / lines:.0f} bytes average) + {derived} derived rows in {elapsed:.2f} s: "
      f"{lines / elapsed:,.0f} lines/s; peak RSS {usage.ru_maxrss / 1024:.1f} MB")
print(f"database after a checkpoint: {database_bytes / 1e6:.1f} MB, {database_bytes / lines:.1f} bytes per journal line")
cpu = usage.ru_utime + usage.ru_stime
print(f"collector CPU time: {cpu:.2f} s ({lines / cpu:,.0f} lines per CPU second)")
# The simulator starts its day 1 s after the login (the bootstrap is answered in the
# meantime), so the collector's wall time includes a second of waiting. The rate while the
# day streamed: from the first line after the longest pause among the first lines (that
# second) to the last line received.
head = received[:20000]
pause = max(range(1, len(head)), key=lambda i: head[i] - head[i - 1]) if len(head) > 1 else 0
streamed = len(received) - pause
window = received[-1] - received[pause]
if window > 0:
    print(f"while the day streamed: {streamed / window:,.0f} lines/s ({streamed} lines in {window:.2f} s, "
          f"after a {head[pause] - head[pause - 1] if pause else 0:.2f} s pause at line {pause})")

def journal_database(path):
    """The plain script's database: WAL, as the collector's, and a journal table."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE journal (seq INTEGER PRIMARY KEY, received_at REAL, event_time REAL, class TEXT, line BLOB)")
    return connection

# Plain Python under the collector's conditions: a second simulator with the same seed, read
# over TCP (logging in and asking for the same lists as the collector), every line parsed and
# journaled in batches of 5,000, while the simulator shares the machine.
simulator, tcp_address = start_simulator()
host, port = tcp_address.rsplit(":", 1)
tcp_db = os.path.join(work, "python-tcp.db")
t = time.perf_counter()
out = journal_database(tcp_db)
batch = []
tcp_lines = 0
def journal(raw):
    global batch, tcp_lines
    message = json.loads(raw)
    batch.append((time.time(), message.get("timenow"), message.get("class"), raw))
    tcp_lines += 1
    if len(batch) >= 5000:
        out.executemany("INSERT INTO journal (received_at, event_time, class, line) VALUES (?, ?, ?, ?)", batch)
        out.commit()
        batch = []
client = Client(host, port, journal)
client.login("stats", "secret", ident="ingest")
client.read_to_end(bootstrap=True)
out.executemany("INSERT INTO journal (received_at, event_time, class, line) VALUES (?, ?, ?, ?)", batch)
out.commit()
out.close()
tcp_elapsed = time.perf_counter() - t
client.close()
simulator.wait()
print(f"python json + sqlite3 executemany, over TCP from the simulator: {tcp_lines} lines in {tcp_elapsed:.2f} s: "
      f"{tcp_lines / tcp_elapsed:,.0f} lines/s")

# Plain Python: parse and journal, batched.
python_db = os.path.join(work, "python.db")
t = time.perf_counter()
out = journal_database(python_db)
batch = []
with open(capture, "rb") as f:
    for raw in f:
        raw = raw.rstrip(b"\n")
        message = json.loads(raw)
        batch.append((time.time(), message.get("timenow"), message.get("class"), raw))
        if len(batch) >= 5000:
            out.executemany("INSERT INTO journal (received_at, event_time, class, line) VALUES (?, ?, ?, ?)", batch)
            out.commit()
            batch = []
out.executemany("INSERT INTO journal (received_at, event_time, class, line) VALUES (?, ?, ?, ?)", batch)
out.commit()
out.close()
python_elapsed = time.perf_counter() - t
print(f"python json + sqlite3 executemany: {lines / python_elapsed:,.0f} lines/s ({python_elapsed:.2f} s)")

# The sqlite3 shell's .import into a one-column table (a separator that never occurs).
shell_db = os.path.join(work, "shell.db")
script = f"PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\nCREATE TABLE journal (line TEXT);\n.mode ascii\n.separator \"\\037\" \"\\n\"\n.import {capture} journal\n"
t = time.perf_counter()
subprocess.run(["sqlite3", shell_db], input=script, text=True, check=True, stdout=subprocess.DEVNULL)
shell_elapsed = time.perf_counter() - t
count = sqlite3.connect(shell_db).execute("SELECT count(*) FROM journal").fetchone()[0]
print(f"sqlite3 shell .import: {count / shell_elapsed:,.0f} lines/s ({shell_elapsed:.2f} s, {count} rows)")
print(f"collector / python: {(lines / elapsed) / (lines / python_elapsed):.2f}; "
      f"collector / python over TCP: {(lines / elapsed) / (tcp_lines / tcp_elapsed):.2f}")
