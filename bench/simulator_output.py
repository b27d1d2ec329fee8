#!/usr/bin/env python3
"""Simulator output rate at --speed max to a reader that discards what it reads
(BENCHMARKS.md, "Simulator"). Logs in like the reference client, then counts lines.

usage: bench/simulator_output.py [--agents 100] [--queues 10] [--hours 8] [--binary .build/release/callstats]"""
import argparse, hashlib, json, socket, subprocess, time

parser = argparse.ArgumentParser()
parser.add_argument("--agents", type=int, default=100)
parser.add_argument("--queues", type=int, default=10)
parser.add_argument("--hours", type=int, default=8)
parser.add_argument("--binary", default=".build/release/callstats")
args = parser.parse_args()

simulator = subprocess.Popen(
    [args.binary, "simulate", "--listen", "127.0.0.1:0", "--speed", "max", "--exit-when-done", "--clock-delay", "0",
     "--agents", str(args.agents), "--queues", str(args.queues), "--duration", f"{args.hours}h"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
host, port = simulator.stdout.readline().split(" ", 1)[1].strip().rsplit(":", 1)
sock = socket.create_connection((host, int(port)))
reader = sock.makefile("rb")
def send(obj):
    sock.sendall(json.dumps(obj).encode() + b"\n")
send({"class": "login_id", "commandid": 1, "company": "default", "ident": "bench", "userlogin": "stats", "xivoversion": "1.2"})
session = json.loads(reader.readline())["sessionid"]
send({"class": "login_pass", "commandid": 2, "hashedpassword": hashlib.sha1(f"{session}:secret".encode()).hexdigest()})
capas = json.loads(reader.readline())["capalist"]
send({"class": "login_capas", "commandid": 3, "capaid": capas[0], "state": "available", "lastconnwins": False, "loginkind": "user"})
start = time.perf_counter()
lines = 0
size = 0
while True:
    chunk = sock.recv(1 << 20)
    if not chunk:
        break
    lines += chunk.count(b"\n")
    size += len(chunk)
elapsed = time.perf_counter() - start
simulator.wait()
print(f"simulator --speed max: {lines} lines, {size / 1e6:.1f} MB in {elapsed:.2f} s: {lines / elapsed:,.0f} messages/s, {size / elapsed / 1e6:.1f} MB/s")
