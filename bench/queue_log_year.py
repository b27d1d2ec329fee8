#!/usr/bin/env python3
"""A year of the simulator's queue_log imported from its file (BENCHMARKS.md, "queue_log import").

Imports a queue_log file (made by `callstats-bench queue-log-days`) into a new database and
reports lines per second and peak RSS. In the same run, on the same file:
  * a plain Python parser: reads the file, splits each line into its fields and checks the
    time is a number (what any importer must do at least, without storing anything);
  * with --postgres URL (password in PGPASSWORD): `psql \\copy` of the same rows into a table
    (the floor of getting them into PostgreSQL), then `callstats import queue-log --postgres`
    from that table, when the binary has it;
  * afterwards, `report nightly` for --nightly-days days spread over the file, each timed.

usage: bench/queue_log_year.py FILE [--binary .build/release/callstats] [--postgres URL] [--nightly-days 5]
"""
import argparse, atexit, os, resource, shutil, subprocess, sys, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--binary", default=".build/release/callstats")
parser.add_argument("--postgres")
parser.add_argument("--nightly-days", type=int, default=5)
args = parser.parse_args()

work = tempfile.mkdtemp(prefix="callstats-queue-log-")
# Two 3 GB databases: gone however the run ends (a failed step exits at once).
atexit.register(shutil.rmtree, work, True)
lines = sum(1 for _ in open(args.file, "rb"))
print(f"{args.file}: {lines} lines, {os.path.getsize(args.file) / 1e6:.0f} MB")


def timed(label, command, count=lines):
    """Runs `command`, prints wall and CPU seconds, lines/s and the child's peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.exit(f"{label}: exit {result.returncode}: {result.stderr.strip()}")
    rate = f"{count / wall:,.0f} lines/s" if count else ""
    print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rate}, peak RSS of the largest child so far {after.ru_maxrss / 1024:.0f} MB")
    return result.stdout


def python_parser():
    start = time.monotonic()
    events = {}
    with open(args.file, "rb") as f:
        for raw in f:
            fields = raw.rstrip(b"\n").split(b"|")
            if len(fields) < 5 or not fields[0].isdigit():
                continue
            events[fields[4]] = events.get(fields[4], 0) + 1
    wall = time.monotonic() - start
    print(f"python parser: {wall:.2f} s, {lines / wall:,.0f} lines/s ({len(events)} kinds of event)")


db = os.path.join(work, "file.db")
print(timed("callstats import queue-log (file)", [args.binary, "import", "queue-log", "--db", db, args.file]).strip())
python_parser()

if args.postgres:
    table = "queue_log_bench"
    psql = ["psql", args.postgres, "-v", "ON_ERROR_STOP=1", "-q"]
    subprocess.run(psql + ["-c", f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id serial PRIMARY KEY, "
                           "time varchar(26), callid varchar(80), queuename varchar(256), agent varchar(80), event varchar(32), "
                           "data1 varchar(256), data2 varchar(256), data3 varchar(256), data4 varchar(256), data5 varchar(256))"], check=True)
    # The file's epochs as XiVO's text times (UTC here), at most five data fields.
    csv_path = os.path.join(work, "rows.csv")
    with open(args.file, "rb") as f, open(csv_path, "w") as out:
        for raw in f:
            fields = raw.decode().rstrip("\n").split("|")
            if len(fields) < 5 or not fields[0].isdigit():
                continue
            data = fields[5:10] + [""] * (5 - len(fields[5:10]))
            if len(fields) > 10:
                data[4] = "|".join(fields[9:])
            stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(int(fields[0])))
            out.write("\t".join([stamp] + fields[1:5] + data) + "\n")
    timed("psql \\copy (the floor)", psql + ["-c", f"\\copy {table} (time, callid, queuename, agent, event, data1, data2, data3, data4, data5) FROM '{csv_path}'"])
    pg_db = os.path.join(work, "postgres.db")
    help_text = subprocess.run([args.binary, "import", "queue-log", "--help"], capture_output=True, text=True).stdout
    if "--postgres" in help_text:
        print(timed("callstats import queue-log --postgres", [args.binary, "import", "queue-log", "--db", pg_db,
                                                              "--postgres", args.postgres, "--table", table, "--pbx-tz", "UTC"]).strip())
    else:
        print("callstats import queue-log --postgres: not in this binary")

# The nightly report on days spread over the file.
first = last = None
with open(args.file, "rb") as f:
    for raw in f:
        if raw[:10].isdigit():
            first = int(raw[:10])
            break
with open(args.file, "rb") as f:
    f.seek(max(0, os.path.getsize(args.file) - 4096))
    for raw in f.read().splitlines():
        if raw[:10].isdigit():
            last = int(raw[:10])
days = max(1, (last - first) // 86400)
for n in range(args.nightly_days):
    day = time.strftime("%Y-%m-%d", time.gmtime(first + 86400 * (n * days // max(1, args.nightly_days) + 1)))
    out = os.path.join(work, "nightly")
    timed(f"report nightly {day}", [args.binary, "report", "nightly", "--db", db, "--date", day, "--tz", "UTC", "--out", out], count=0)

print(f"database: {os.path.getsize(db) / 1e6:.0f} MB")
