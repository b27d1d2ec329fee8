#!/usr/bin/env python3
"""Repeats the whole days of a queue_log file (from `callstats-bench queue-log-days`) one after
the other, each copy shifted by the file's length in days, times and uniqueids alike, so that
some weeks of simulated days make a year of history (BENCHMARKS.md, "queue_log import").

usage: bench/queue_log_repeat.py IN OUT --days D --copies N
  IN's first D days (from its first line) are kept; OUT gets N copies of them.
"""
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("input")
parser.add_argument("output")
parser.add_argument("--days", type=int, required=True)
parser.add_argument("--copies", type=int, required=True)
args = parser.parse_args()

with open(args.input, "rb") as f:
    lines = f.read().split(b"\n")
first = int(lines[0].split(b"|", 1)[0])
span = args.days * 86400
kept = [line.split(b"|") for line in lines if line[:10].isdigit() and int(line.split(b"|", 1)[0]) < first + span]
written = 0
with open(args.output, "wb") as out:
    for copy in range(args.copies):
        shift = copy * span
        for fields in kept:
            fields = list(fields)
            fields[0] = str(int(fields[0]) + shift).encode()
            # uniqueids are "epoch.sequence": shifted too, so each copy's calls are its own
            for i in (1, 6):
                if i < len(fields) and b"." in fields[i] and fields[i].split(b".", 1)[0].isdigit():
                    epoch, rest = fields[i].split(b".", 1)
                    fields[i] = str(int(epoch) + shift).encode() + b"." + rest
            out.write(b"|".join(fields) + b"\n")
            written += 1
print(f"{written} lines, {args.copies} copies of {args.days} days")
