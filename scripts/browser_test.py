#!/usr/bin/env python3
"""Drives t2i serve's page in headless Chromium over the DevTools protocol (standard library only):
types a prompt, sets the seed and steps, clicks Generate with real mouse events, watches the live
progress, waits for the image in the gallery, checks the parameters shown under it, clicks "Use these
settings" and checks the form, and saves a screenshot. Run by scripts/browser_test.sh.

    browser_test.py --page http://127.0.0.1:PORT/ --devtools 9222 --screenshot /tmp/t2i-browser.png
"""
import argparse
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.request


class DevTools:
    """A minimal WebSocket client (RFC 6455, client frames masked) speaking CDP to one page."""

    def __init__(self, ws_url):
        rest = ws_url[len("ws://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake failed: " + head.decode(errors="replace"))
        self.next_id = 0
        self.events = []

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("devtools connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _message(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            parts.append(payload)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    def call(self, method, **params):
        self.next_id += 1
        body = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(body) < 126:
            header += bytes([0x80 | len(body)])
        elif len(body) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(body))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(body))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(body)))
        while True:
            message = self._message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression, seconds=60, what=None):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {what or expression}")

    def click(self, selector):
        box = self.js(f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                      " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def type_into(self, selector, text):
        self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.select(); }})()")
        self.call("Input.insertText", text=text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", required=True)
    parser.add_argument("--devtools", type=int, required=True)
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--prompt", default="a small blue square in the top left on a black background")
    parser.add_argument("--steps", default="150")
    parser.add_argument("--seed", default="42")
    args = parser.parse_args()

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 30
    targets = []
    while time.monotonic() < deadline:
        try:
            targets = json.load(opener.open(f"http://127.0.0.1:{args.devtools}/json/list", timeout=5))
            if any(t.get("type") == "page" for t in targets):
                break
        except OSError:
            pass
        time.sleep(0.2)
    page = next(t for t in targets if t.get("type") == "page")
    tools = DevTools(page["webSocketDebuggerUrl"])
    tools.call("Page.enable")
    tools.call("Emulation.setDeviceMetricsOverride", width=1100, height=720, deviceScaleFactor=1, mobile=False)
    tools.call("Page.navigate", url=args.page)
    tools.wait("document.readyState === 'complete' && document.querySelectorAll('#sampler_name option').length > 0",
               what="the page and its sampler list")
    model = tools.wait("document.getElementById('model').textContent.includes('[') && document.getElementById('model').textContent")
    samplers = tools.js("[...document.querySelectorAll('#sampler_name option')].map(o => o.value).join(', ')")
    print(f"page loaded: {model}; samplers: {samplers}")

    tools.type_into("#prompt", args.prompt)
    tools.type_into("#seed", args.seed)
    tools.type_into("#steps", args.steps)
    tools.js("document.getElementById('sampler_name').value = 'DDIM'")
    tools.click("#generate")
    progress = tools.wait("(() => { const s = document.getElementById('status').textContent; return s.startsWith('step ') ? s : null; })()",
                          what="live progress")
    bar = tools.js("document.querySelector('#bar div').style.width")
    print(f"progress seen: '{progress}' (bar {bar})")
    tools.wait("document.querySelectorAll('#gallery .card').length === 1", seconds=120, what="the image in the gallery")
    card = tools.js("(() => { const c = document.querySelector('#gallery .card'); const i = c.querySelector('img');"
                    " return {width: i.naturalWidth, height: i.naturalHeight, complete: i.complete, params: c.querySelector('.params').textContent,"
                    " status: document.getElementById('status').textContent}; })()")
    print(f"gallery: image {card['width']}x{card['height']}; parameters: {card['params']}")
    print(f"status: {card['status']}")
    failures = []
    if card["width"] != 32 or card["height"] != 32:
        failures.append("the image did not decode at 32x32")
    for wanted in (args.prompt, f"Steps: {args.steps}", f"Seed: {args.seed}", "Sampler: ddim"):
        if wanted not in card["params"]:
            failures.append(f"parameters lack '{wanted}'")
    # "Use these settings": change the form, click the card's button, see the settings come back.
    tools.type_into("#prompt", "something else")
    tools.type_into("#seed", "7")
    tools.click("#gallery .card button.use")
    restored = tools.js("({prompt: document.getElementById('prompt').value, seed: document.getElementById('seed').value,"
                        " steps: document.getElementById('steps').value})")
    print(f"after 'Use these settings': {restored}")
    if restored != {"prompt": args.prompt, "seed": args.seed, "steps": args.steps}:
        failures.append("'Use these settings' did not restore the form")
    shot = tools.call("Page.captureScreenshot", format="png")
    with open(args.screenshot, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print(f"screenshot: {args.screenshot}")
    for failure in failures:
        print("FAILED:", failure)
    print("browser test passed" if not failures else "browser test FAILED")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
