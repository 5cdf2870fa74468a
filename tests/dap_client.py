"""A small Debug Adapter Protocol client over a socket, for driving debugpy in tests."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from typing import Any


class DapClient:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.seq = 0
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.responses: dict[int, dict[str, Any]] = {}

    def close(self) -> None:
        self.sock.close()

    # --- wire ---------------------------------------------------------------------------------

    def send(self, command: str, **arguments: Any) -> int:
        self.seq += 1
        message = {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        body = json.dumps(message).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def _read_message(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(head.split(b"Content-Length:")[1].strip().split(b"\r\n")[0])
        while len(rest) < length:
            self.buffer = head + b"\r\n\r\n" + rest
            self._recv()
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
        self.buffer = rest[length:]
        message: dict[str, Any] = json.loads(rest[:length])
        return message

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the debug adapter closed the connection")
        self.buffer += chunk

    def _pump(self) -> None:
        message = self._read_message()
        if message["type"] == "event":
            self.events.append(message)
        elif message["type"] == "response":
            self.responses[message["request_seq"]] = message

    # --- waiting ------------------------------------------------------------------------------

    def response(self, seq: int) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while seq not in self.responses:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no response to request {seq}")
            self._pump()
        reply = self.responses.pop(seq)
        if not reply.get("success"):
            raise RuntimeError(f"{reply.get('command')} failed: {reply.get('message')}")
        return reply.get("body") or {}

    def request(self, command: str, **arguments: Any) -> dict[str, Any]:
        return self.response(self.send(command, **arguments))

    def event(self, name: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, event in enumerate(self.events):
                if event["event"] == name:
                    del self.events[: i + 1]
                    body: dict[str, Any] = event.get("body") or {}
                    return body
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {name!r} event")
            self._pump()

    # --- the usual attach sequence ------------------------------------------------------------

    def attach(
        self,
        config: dict[str, Any],
        breakpoints: dict[str, list[int]],
        exception_filters: tuple[str, ...] = (),
    ) -> None:
        """initialize, attach, breakpoints, configurationDone. debugpy answers `attach` only after
        configurationDone, so its reply is collected last."""
        self.request("initialize", clientID="lamina-tests", adapterID="debugpy", pathFormat="path",
                     linesStartAt1=True, columnsStartAt1=True)  # fmt: skip
        attach_args = {k: v for k, v in config.items() if k not in ("type", "request", "name")}
        attach_seq = self.send("attach", **attach_args)
        self.event("initialized")
        for path, lines in breakpoints.items():
            self.request(
                "setBreakpoints", source={"path": path}, breakpoints=[{"line": n} for n in lines]
            )
        self.request("setExceptionBreakpoints", filters=list(exception_filters))
        self.request("configurationDone")
        self.response(attach_seq)

    def resume(self, thread_id: int) -> None:
        """`continue`. The debuggee may finish and end its environment before it answers (the
        adapter runs inside it), so a closed connection here is a normal end."""
        seq = self.send("continue", threadId=thread_id)
        with contextlib.suppress(ConnectionError):
            self.response(seq)

    def stopped_frames(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        stopped = self.event("stopped")
        frames = self.request("stackTrace", threadId=stopped["threadId"])["stackFrames"]
        return stopped, frames

    def local(self, frame_id: int, name: str) -> str:
        scopes = self.request("scopes", frameId=frame_id)["scopes"]
        ref = next(s["variablesReference"] for s in scopes if s["name"] == "Locals")
        variables = self.request("variables", variablesReference=ref)["variables"]
        value: str = next(v["value"] for v in variables if v["name"] == name)
        return value
