"""A minimal CTI client for the benchmark scripts: logs in as the reference client does and,
with the bootstrap, asks for the lists, queue statistics and queue entries like
`callstats collect`. Every line received goes to `on_line` (its bytes without the line end)."""
import hashlib, json, socket


class Client:
    def __init__(self, host, port, on_line):
        self.sock = socket.create_connection((host, int(port)))
        self.reader = self.sock.makefile("rb")
        self.on_line = on_line
        self.command = 0

    def send(self, obj):
        self.command += 1
        obj["commandid"] = self.command
        self.sock.sendall(json.dumps(obj).encode() + b"\n")

    def _until(self, classname):
        for raw in self.reader:
            raw = raw.rstrip(b"\n")
            self.on_line(raw)
            message = json.loads(raw)
            if message.get("class") == classname:
                return message
        raise SystemExit("the server closed during the login")

    def login(self, user, password, ident="bench"):
        self.send({"class": "login_id", "company": "default", "ident": ident, "userlogin": user, "xivoversion": "1.2"})
        session = self._until("login_id")["sessionid"]
        self.send({"class": "login_pass", "hashedpassword": hashlib.sha1(f"{session}:{password}".encode()).hexdigest()})
        capas = self._until("login_pass")["capalist"]
        self.send({"class": "login_capas", "capaid": capas[0], "state": "available", "lastconnwins": False, "loginkind": "user"})

    def read_to_end(self, bootstrap):
        """Every line until the server closes; with `bootstrap`, the collector's requests first."""
        if bootstrap:
            self.send({"class": "getipbxlist"})
            self.send({"class": "subscribetoqueuesstats"})
            for name in ["users", "phones", "agents", "queues", "queuemembers"]:
                self.send({"class": "getlist", "function": "listid", "listname": name, "tipbxid": "xivo"})
        for raw in self.reader:
            raw = raw.rstrip(b"\n")
            self.on_line(raw)
            if bootstrap and b'"listid"' in raw:
                message = json.loads(raw)
                for tid in message.get("list", []):
                    for function in ["updateconfig", "updatestatus"]:
                        self.send({"class": "getlist", "function": function, "listname": message["listname"],
                                   "tipbxid": "xivo", "tid": tid})
                    if message["listname"] == "queues":
                        self.send({"class": "subscribe", "message": "queueentryupdate", "queueid": int(tid)})

    def close(self):
        self.sock.close()
