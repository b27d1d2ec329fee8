#!/usr/bin/env python3
"""Counts the pages each commit wrote to a WAL, by table or index.

usage: wal_pages.py DATABASE WAL [--last N]
DATABASE maps page numbers to tables (SQLite's dbstat); WAL is a copy kept whole, e.g. by
`callstats-bench record --predecoded --keep-wal WAL --db DATABASE`. Prints the average pages
per commit over the last N commits (default 40), most first."""
import argparse, collections, sqlite3, struct

parser = argparse.ArgumentParser()
parser.add_argument("database")
parser.add_argument("wal")
parser.add_argument("--last", type=int, default=40)
args = parser.parse_args()

owner = {page: name for name, page in sqlite3.connect(args.database).execute("SELECT name, pageno FROM dbstat")}
commits, current = [], collections.Counter()
with open(args.wal, "rb") as wal:
    page_size = struct.unpack(">I", wal.read(32)[8:12])[0]
    while True:
        header = wal.read(24)
        if len(header) < 24:
            break
        page, size_after_commit = struct.unpack(">II", header[:8])
        wal.seek(page_size, 1)
        current[owner.get(page, "?")] += 1
        if size_after_commit:  # the last frame of a commit
            commits.append(current)
            current = collections.Counter()
tail = commits[-args.last:]
total = collections.Counter()
for commit in tail:
    total.update(commit)
print(f"{len(commits)} commits, {page_size}-byte pages; per commit over the last {len(tail)}: {sum(total.values()) / len(tail):,.1f}")
for name, pages in total.most_common():
    print(f"{pages / len(tail):8.1f}  {name}")
