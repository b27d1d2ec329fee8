#!/usr/bin/env python3
"""Serves a capture (bench/capture.py --bootstrap) to one client as fast as the socket takes
it: the collector's ingest rate without a simulator sharing the machine.

usage: serve_capture.py CAPTURE [--port 5098]
Waits for one connection and its first line (the client's login_id), sends the whole capture
(its first lines are the login replies the client then waits for), and closes once the client
has read everything and closed."""
import argparse, socket

parser = argparse.ArgumentParser()
parser.add_argument("capture")
parser.add_argument("--port", type=int, default=5098)
args = parser.parse_args()

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", args.port))
server.listen(1)
print(f"listening 127.0.0.1:{args.port}", flush=True)
client, _ = server.accept()
client.recv(4096)
with open(args.capture, "rb") as capture:
    client.sendfile(capture)
client.shutdown(socket.SHUT_WR)
try:
    while client.recv(65536):
        pass
except OSError:
    pass
client.close()
