#!/usr/bin/env python3
"""Logs in to a CTI server as the reference client does and writes every line it receives
to a file, until the server closes: a capture for the decode and record benchmarks.

usage: capture.py HOST PORT USER PASSWORD OUTPUT [--bootstrap]
With --bootstrap it also asks for the lists, queue statistics and queue entries, like
callstats collect."""
import hashlib, json, socket, sys

host, port, user, password, output = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
bootstrap = "--bootstrap" in sys.argv
sock = socket.create_connection((host, port))
reader = sock.makefile("rb")
command = 0

def send(obj):
    global command
    command += 1
    obj["commandid"] = command
    sock.sendall(json.dumps(obj).encode() + b"\n")

def read():
    line = reader.readline()
    if not line:
        sys.exit("server closed during login")
    out.write(line)
    return json.loads(line)

with open(output, "wb") as out:
    send({"class": "login_id", "company": "default", "ident": "capture", "userlogin": user, "xivoversion": "1.2"})
    message = read()
    while message.get("class") != "login_id":
        message = read()
    session = message["sessionid"]
    send({"class": "login_pass", "hashedpassword": hashlib.sha1(f"{session}:{password}".encode()).hexdigest()})
    while message.get("class") != "login_pass":
        message = read()
    send({"class": "login_capas", "capaid": message["capalist"][0], "state": "available", "lastconnwins": False, "loginkind": "user"})
    if bootstrap:
        send({"class": "subscribetoqueuesstats"})
        for name in ["users", "phones", "agents", "queues", "queuemembers"]:
            send({"class": "getlist", "function": "listid", "listname": name, "tipbxid": "xivo"})
    for line in reader:
        out.write(line)
        if bootstrap and b'"listid"' in line:
            message = json.loads(line)
            for tid in message["list"]:
                for function in ["updateconfig", "updatestatus"]:
                    send({"class": "getlist", "function": function, "listname": message["listname"], "tipbxid": "xivo", "tid": tid})
                if message["listname"] == "queues":
                    send({"class": "subscribe", "message": "queueentryupdate", "queueid": int(tid)})
