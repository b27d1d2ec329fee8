#!/usr/bin/env python3
"""Writes the fuzzers' seed inputs (fuzz/seeds/TARGET/) from real lines.

usage: fuzz/make-seeds.py PROTOCOL_RST PROTOCOL_NOTES_MD [CAPTURE]

- every code block of the protocol document and of the protocol notes, verbatim (the fuzzer
  also learns from the near-JSON ones with `<placeholders>`), and compacted when it parses;
- from CAPTURE (a capture of `callstats simulate` by bench/capture.py --bootstrap), up to three
  lines of each message shape (class, function, list), the shortest, median and longest;
- a `sheet` line with the real server's compressed payload, and the framer and sheet targets'
  inputs built from the same lines (see the harnesses for their input layouts).
Seed names are the SHA-1 of their content, as libFuzzer names corpus files."""
import base64, hashlib, json, os, re, struct, sys, zlib

root = os.path.dirname(os.path.abspath(__file__))

def write(target, data):
    folder = os.path.join(root, "seeds", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def doc_blocks(rst, notes):
    blocks = []
    text = open(rst, encoding="utf-8").read()
    for match in re.finditer(r"\.\. code-block:: \w+\n\n((?:[ \t]+.*\n|\n)+)", text):
        blocks.append(match.group(1).strip())
    for block in re.findall(r"```\w*\n(.*?)```", open(notes, encoding="utf-8").read(), re.S):
        for line in block.splitlines():
            line = re.sub(r"^[SC] ", "", line.strip())
            line = re.sub(r"\s+\((int|strings|ints)\)$", "", line)
            if line.startswith("{"):
                blocks.append(line)
    return blocks

def compact(text):
    try:
        return json.dumps(json.loads(text), separators=(",", ":")).encode()
    except ValueError:
        return None

def shape(line):
    try:
        m = json.loads(line)
    except ValueError:
        return "malformed"
    return (m.get("class"), m.get("function"), m.get("listname"))

rst, notes = sys.argv[1], sys.argv[2]
lines = []
for block in doc_blocks(rst, notes):
    lines.append(block.encode())
    if compact(block):
        lines.append(compact(block))

if len(sys.argv) > 3:
    by_shape = {}
    for raw in open(sys.argv[3], "rb"):
        by_shape.setdefault(shape(raw), []).append(raw.rstrip(b"\r\n"))
    for group in by_shape.values():
        group.sort(key=len)
        for pick in {0, len(group) // 2, len(group) - 1}:
            lines.append(group[pick])

xml = ('<?xml version="1.0" encoding="utf-8"?><profile><user><internal name="channel"><![CDATA[SIP/barometrix_jyldev-00000009]]>'
       '</internal><sheet_info order="0020" name="Numéro" type="text"><![CDATA[0230210083]]></sheet_info></user></profile>').encode()
compressed = struct.pack(">I", len(xml)) + zlib.compress(xml)
for payload, flag in [(compressed, True), (xml, False)]:
    lines.append(json.dumps({"class": "sheet", "timenow": 1361447017.29, "compressed": flag, "serial": "xml",
                             "payload": base64.b64encode(payload).decode(), "channel": "SIP/barometrix_jyldev-00000009"},
                            separators=(",", ":")).encode())

for line in lines:
    write("codec", line)
# Framer: limit byte, seed byte, then a stream of real lines (some with \r\n, some too long).
sample = lines[::max(1, len(lines) // 40)][:40]
stream = b"".join(line.replace(b"\n", b" ") + (b"\r\n" if i % 5 == 0 else b"\n") for i, line in enumerate(sample))
for limit_byte, seed in [(255, 0), (250, 7), (199, 3), (60, 11), (8, 1)]:
    write("framer", bytes([limit_byte, seed]) + stream[:8000])
# Sheet: mode byte (bit 0 compressed, bit 1 base64 text given), then the payload.
write("sheet", b"\x01" + compressed)
write("sheet", b"\x00" + xml)
write("sheet", b"\x03" + base64.b64encode(compressed))
write("sheet", b"\x02" + base64.b64encode(xml))
write("sheet", b"\x01" + struct.pack(">I", 3) + zlib.compress(b"abc"))
