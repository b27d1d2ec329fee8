#!/usr/bin/env python3
"""Drives headless Chromium through the DevTools protocol over --remote-debugging-pipe
(file descriptors 3 and 4, messages ended by a NUL byte): no WebSocket, no package beyond
Python's standard library.

    browser.py CHROMIUM URL

Loads URL in a fresh tab, prints `ready`, then answers one command per line on stdin with
one line on stdout:

    eval EXPRESSION          the expression's value, as JSON
    wait MILLISECONDS EXPR   `ok MILLISECONDS` as soon as EXPR is truthy in the page (checked
                             at once and on every change of the DOM, never by reloading), or
                             `timeout` after MILLISECONDS
    screenshot WIDTH HEIGHT PATH
                             a PNG of the page at that viewport size, then `ok`

A protocol error is printed as `error MESSAGE`. Chromium is closed when stdin ends.
Tests/EndToEndTests/WallboardBrowserTests.swift runs it (Chromium as root needs --no-sandbox).
"""
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile


class Browser:
    def __init__(self, chromium):
        commands_read, self.commands = os.pipe()
        self.replies, replies_write = os.pipe()
        self.profile = tempfile.TemporaryDirectory(prefix="callstats-chromium-")

        def child_fds():
            # Chromium reads commands from fd 3 and writes replies and events to fd 4. Copied
            # above both first, so that neither dup2 overwrites the other pipe's end.
            read_copy, write_copy = os.dup(commands_read), os.dup(replies_write)
            os.dup2(read_copy, 3)
            os.dup2(write_copy, 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
             "--user-data-dir=" + self.profile.name, "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def await_event(self, method):
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[index]
                    return event
            self.events.append(self.receive())

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Page.navigate", {"url": url})
        self.await_event("Page.loadEventFired")

    def evaluate(self, expression, await_promise=False):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("exception", {}).get("description")
                               or result["exceptionDetails"].get("text"))
        return result["result"].get("value")

    def wait(self, milliseconds, expression):
        # Resolved by a MutationObserver in the page: the moment the DOM changes is seen, no polling.
        script = """new Promise(function (resolve) {
          var start = performance.now();
          function holds() { try { return !!(%s); } catch (e) { return false; } }
          if (holds()) { resolve("ok 0"); return; }
          var observer = new MutationObserver(function () {
            if (holds()) { observer.disconnect(); resolve("ok " + Math.round(performance.now() - start)); }
          });
          observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
          setTimeout(function () { observer.disconnect(); resolve(holds() ? "ok " + Math.round(performance.now() - start) : "timeout"); }, %d);
        })""" % (expression, milliseconds)
        return self.evaluate(script, await_promise=True)

    def screenshot(self, width, height, path):
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                          "deviceScaleFactor": 1, "mobile": False})
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.profile.cleanup()


def main():
    chromium, url = sys.argv[1], sys.argv[2]
    # Ended by its test (SIGTERM), it still closes Chromium, which would outlive it.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))
    browser = Browser(chromium)
    try:
        browser.open(url)
        print("ready", flush=True)
        for line in sys.stdin:
            command, _, rest = line.rstrip("\n").partition(" ")
            try:
                if command == "eval":
                    print(json.dumps(browser.evaluate(rest)), flush=True)
                elif command == "wait":
                    milliseconds, _, expression = rest.partition(" ")
                    print(browser.wait(int(milliseconds), expression), flush=True)
                elif command == "screenshot":
                    width, height, path = rest.split(" ", 2)
                    browser.screenshot(int(width), int(height), path)
                    print("ok", flush=True)
                else:
                    print("error unknown command " + command, flush=True)
            except RuntimeError as error:
                print("error " + str(error).replace("\n", " "), flush=True)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
