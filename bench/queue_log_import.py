#!/usr/bin/env python3
"""Imports one synthetic queue_log from a file and from XiVO's PostgreSQL table, beside the
floors of the same run: `psql \\copy` of the table's rows to /dev/null (reading the rows out of
PostgreSQL, nothing done with them) and a plain Python parser of the file (split each line,
read its time). Prints lines/s for each.

usage: queue_log_import.py CALLSTATS [--lines N] [--keep DIR]

The queue_log is a call center's (50 agents logged in, 3 queues, a call every 1 to 4 s, most
answered after a ring or two, some abandoned, wrap-ups and pauses), written in Asterisk 13's
file form and loaded into XiVO's table (`time` as varchar, the PBX's wall clock in UTC here).
The PostgreSQL server is a throwaway cluster on a free port (initdb; as root it runs as the
postgres user), as the tests start it.
"""
import argparse, os, random, shutil, socket, subprocess, sys, tempfile, time

BIN = sorted(d for d in (os.listdir("/usr/lib/postgresql") if os.path.isdir("/usr/lib/postgresql") else []))
PG = f"/usr/lib/postgresql/{BIN[-1]}/bin" if BIN else None
PASSWORD = "bench-password"


def generate(path, count, seed=1):
    rnd = random.Random(seed)
    t0 = 1_700_000_000
    agents = [f"{1000 + i}" for i in range(50)]
    queues = ["sales", "support", "billing"]
    events = []  # (time, order, line)
    order = 0

    def add(t, rest):
        nonlocal order
        order += 1
        events.append((t, order, f"{t}|{rest}"))

    add(t0, "NONE|NONE|NONE|QUEUESTART|")
    for agent in agents:
        add(t0 + 1, f"NONE|NONE|Agent/{agent}|AGENTCALLBACKLOGIN|{agent}@default")
    t = t0 + 10
    call = 0
    while len(events) < count:
        t += rnd.randint(1, 4)
        call += 1
        cid = f"{t}.{call}"
        queue = rnd.choice(queues)
        add(t, f"{cid}|{queue}|NONE|ENTERQUEUE||06{rnd.randint(10000000, 99999999)}|1")
        wait = rnd.randint(0, 60)
        if rnd.random() < 0.85:
            agent = rnd.choice(agents)
            if rnd.random() < 0.3:
                add(t + wait // 2, f"{cid}|{queue}|Agent/{rnd.choice(agents)}|RINGNOANSWER|15000")
            talk = rnd.randint(20, 400)
            add(t + wait, f"{cid}|{queue}|Agent/{agent}|CONNECT|{wait}|{cid}9|{rnd.randint(1, 10)}")
            end = rnd.choice(["COMPLETEAGENT", "COMPLETECALLER"])
            add(t + wait + talk, f"{cid}|{queue}|Agent/{agent}|{end}|{wait}|{talk}|1")
            add(t + wait + talk, f"{cid}|{queue}|Agent/{agent}|WRAPUPSTART|10")
        else:
            add(t + wait, f"{cid}|{queue}|NONE|ABANDON|1|1|{wait}")
        if rnd.random() < 0.02:
            agent = rnd.choice(agents)
            add(t, f"NONE|NONE|Agent/{agent}|PAUSEALL|lunch")
            add(t + rnd.randint(60, 1800), f"NONE|NONE|Agent/{agent}|UNPAUSEALL|")
    events.sort()
    with open(path, "w") as out:
        for _, _, line in events[:count]:
            out.write(line + "\n")
    return min(count, len(events))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_server(cmd):
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"] + cmd if os.geteuid() == 0 else cmd


def timed(cmd, env=None):
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])}... failed: {result.stderr}")
    return elapsed, result.stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("callstats")
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--keep")
    args = parser.parse_args()
    if PG is None:
        sys.exit("no PostgreSQL server: apt-get install -y postgresql")
    folder = args.keep or tempfile.mkdtemp(prefix="callstats-bench-ql-")
    os.makedirs(folder, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    path = os.path.join(folder, "queue_log")
    start = time.perf_counter()
    lines = generate(path, args.lines)
    print(f"queue_log: {lines} lines, {os.path.getsize(path) / 1e6:.1f} MB (generated in {time.perf_counter() - start:.1f} s)")

    # The table: XiVO's, rows loaded with \copy from the file's fields.
    csv = os.path.join(folder, "rows.tsv")
    with open(path) as source, open(csv, "w") as out:
        for line in source:
            f = line.rstrip("\n").split("|")
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(f[0]))) + ".000000"
            data = f[5:10] + [""] * (5 - len(f[5:10]))
            if len(f) > 10:
                data[4] = "|".join(f[9:])
            out.write("\t".join([stamp] + f[1:5] + data) + "\n")
    data_dir = os.path.join(folder, "data")
    pwfile = os.path.join(folder, "pw")
    with open(pwfile, "w") as out:
        out.write(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    subprocess.run(as_server([f"{PG}/initdb", "-D", data_dir, "-U", "bench", f"--pwfile={pwfile}", "--auth-host=scram-sha-256",
                              "--auth-local=trust", "-N"]), check=True, capture_output=True, cwd="/")
    port = free_port()
    server = subprocess.Popen(as_server([f"{PG}/postgres", "-D", data_dir, "-p", str(port), "-k", data_dir,
                                         "-c", "listen_addresses=127.0.0.1"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
    env = dict(os.environ, PGPASSWORD=PASSWORD)
    psql = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "bench", "-d", "postgres", "-qAt"]
    try:
        for _ in range(100):
            if subprocess.run(psql + ["-c", "SELECT 1"], env=env, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(psql + ["-c", """CREATE TABLE queue_log (time varchar(26), callid varchar(80), queuename varchar(256),
            agent varchar(80), event varchar(20), data1 varchar(30), data2 varchar(30), data3 varchar(30), data4 varchar(30),
            data5 varchar(30), id serial PRIMARY KEY)"""], env=env, check=True)
        load, _ = timed(psql + ["-c", f"\\copy queue_log (time, callid, queuename, agent, event, data1, data2, data3, data4, data5) FROM '{csv}'"], env)
        subprocess.run(psql + ["-c", "VACUUM ANALYZE queue_log"], env=env, check=True)
        results = []
        floor, _ = timed(psql + ["-c", "\\copy (SELECT * FROM queue_log ORDER BY id) TO '/dev/null'"], env)
        results.append(("psql \\copy of the rows to /dev/null (the floor)", floor))
        parse = f"""
import sys
n = 0
for line in open(sys.argv[1], 'rb'):
    f = line.rstrip(b'\\n').split(b'|')
    int(f[0]); n += 1
print(n)
"""
        python, _ = timed([sys.executable, "-c", parse, path])
        results.append(("Python: split each line, read its time", python))
        table, summary = timed([args.callstats, "import", "queue-log", "--db", os.path.join(folder, "table.db"), "--postgres",
                                f"postgres://bench@127.0.0.1:{port}/postgres?sslmode=disable", "--pbx-tz", "UTC"], env)
        results.append(("callstats import queue-log --postgres", table))
        print("  " + summary)
        file, summary = timed([args.callstats, "import", "queue-log", "--db", os.path.join(folder, "file.db"), path])
        results.append(("callstats import queue-log FILE", file))
        print("  " + summary)
        print(f"loading the table with psql \\copy: {load:.2f} s")
        for name, seconds in results:
            print(f"{name}: {seconds:.2f} s, {lines / seconds:,.0f} lines/s")
        print(f"load average: {os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()
        server.wait()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


main()
