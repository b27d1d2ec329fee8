#!/usr/bin/env python3
"""Logs in to a CTI server as the reference client does and writes every line it receives
to a file, until the server closes: a capture for the decode and record benchmarks.

usage: capture.py HOST PORT USER PASSWORD OUTPUT [--bootstrap]
With --bootstrap it also asks for the lists, queue statistics and queue entries, like
callstats collect."""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cti_client import Client

host, port, user, password, output = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
with open(output, "wb") as out:
    client = Client(host, port, lambda raw: out.write(raw + b"\n"))
    client.login(user, password, ident="capture")
    client.read_to_end(bootstrap="--bootstrap" in sys.argv)
    client.close()
