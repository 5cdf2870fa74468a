"""What the external-extension tests share: an extension shaped like aws-samples' python examples,
a function that prints, a collector the extension reports to, and a layer written to disk."""

from __future__ import annotations

import json
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lamina.runtime import sandbox

# An external extension: it registers, subscribes a telemetry listener, and tells the test (at
# REPORT_URL, a variable it shares with the function as on Lambda) what it sees.
EXTENSION = """\
#!{python}
import http.client, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer

NAME = os.path.basename(__file__)
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
received = []

def call(method, path, body=None, headers=None):
    host, port = API.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers=headers or {{}})
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read()

def report(what):
    host, port = os.environ["REPORT_URL"].rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port))
    c.request("POST", "/", body=json.dumps(what))
    c.getresponse().read()

class Listener(BaseHTTPRequestHandler):
    def do_POST(self):
        batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        received.extend(batch)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass

# As AWS's telemetry example: the sandbox names itself sandbox.localdomain.
server = HTTPServer(("{listen}", 0), Listener)
threading.Thread(target=server.serve_forever, daemon=True).start()
status, headers, body = call("POST", "/2020-01-01/extension/register",
    {{"events": ["INVOKE", "SHUTDOWN"]}}, {{"Lambda-Extension-Name": NAME}})
ext_id = headers["Lambda-Extension-Identifier"]
report({{"registered": json.loads(body)}})
print(f"[{{NAME}}] registered", flush=True)
status, _, body = call("PUT", "/2022-07-01/telemetry", {{
    "schemaVersion": "2022-12-13",
    "destination": {{"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{{server.server_port}}"}},
    "types": ["platform", "function"],
    "buffering": {{"timeoutMs": 25, "maxBytes": 262144, "maxItems": 1000}},
}}, {{"Lambda-Extension-Identifier": ext_id}})
report({{"subscribed": status}})
while True:
    status, _, body = call("GET", "/2020-01-01/extension/event/next",
                           headers={{"Lambda-Extension-Identifier": ext_id}})
    event = json.loads(body)
    if event["eventType"] == "INVOKE":
        print(f"[{{NAME}}] INVOKE {{event['requestId']}}", flush=True)
        time.sleep(0.2)
        report({{"invoke-done": event["requestId"], "event": event}})
    else:
        time.sleep(0.5)
        report({{"shutdown": event, "telemetry": received}})
        sys.exit(0)
"""

LISTEN = "sandbox.localdomain" if sandbox.available() else "127.0.0.1"

HANDLER = """
import os
print("said at init")
def handler(event, context):
    print("hello from the handler")
    return {"ok": True}
"""


class Collector:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                collector.items.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def first(self, key: str) -> Any:
        found = [item[key] for item in self.items if key in item]
        assert found, f"no {key!r} in {self.items}"
        return found[0]


def layer(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if not text.startswith("#!") else text)
        if name.startswith(("extensions/", "bin/")) or text.startswith("#!"):
            path.chmod(0o755)
    return root
