"""The extension init phase, in the environment's first process: Lambda's order of start-up.

Run as a script, with the function's interpreter (`python -S -B extension_launcher.py -- EXT...
-- RUNTIME COMMAND...`), when the function's layers bring external extensions
(`/opt/extensions/*`). It starts every extension, tells Lamina their pids, and waits (a long poll
on Lamina's own path beside the Extensions API) until each has registered; an extension that
exits first is reported, and init fails. Then it becomes the runtime (exec), so the runtime
process is the environment's root as without extensions, and the extensions are its children:
in its process group (frozen and thawed with it) and in its process tree (answered by the sealed
Runtime API, killed with the environment).

Imports only what the interpreter has built in (no http.client, subprocess or threading: they
cost ~50 ms here on every cold start), and works on Python 3.9: it runs under the function's
Python. HTTP/1.1 by hand over `_socket`, as the bootstrap's client does.
"""

import _socket
import os
import select
import sys

LAMINA_PREFIX = "/2020-01-01/lamina/extensions"
POLL_S = 0.01  # how often an extension's early exit is looked for while waiting


def _connect() -> "_socket.socket":
    host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
    sock.connect((host or "127.0.0.1", int(port)))
    return sock


def _request(sock: "_socket.socket", method: str, path: str, body: str = "") -> None:
    data = body.encode()
    head = f"{method} {LAMINA_PREFIX}{path} HTTP/1.1\r\nHost: runtime\r\nContent-Length: {len(data)}\r\n\r\n"
    sock.sendall(head.encode() + data)


def _read_all(sock: "_socket.socket") -> bytes:
    """The answer's body (the server answers with Content-Length, on this connection)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return body


def _post(path: str, body: str) -> None:
    sock = _connect()
    try:
        _request(sock, "POST", path, body)
        _read_all(sock)
    finally:
        sock.close()


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _object(**fields: str) -> str:
    """A JSON object of already-encoded values (no json module: see above)."""
    return "{" + ", ".join(f"{_quoted(key)}: {value}" for key, value in fields.items()) + "}"


def _start(path: str, env: dict, log_fd: int) -> int:  # type: ignore[type-arg]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, log_fd, 1),
        (os.POSIX_SPAWN_DUP2, log_fd, 2),
    ]
    return os.posix_spawn(path, [path], env, file_actions=actions)


def main(argv: list) -> None:  # type: ignore[type-arg]
    separator = argv.index("--", 2)
    paths, runtime = argv[2:separator], argv[separator + 1 :]
    log_fd = int(os.environ.pop("LAMINA_EXTENSION_LOG_FD", "1"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAMINA_")}
    started = {}
    for path in paths:
        name = os.path.basename(path)
        try:
            started[_start(path, env, log_fd)] = name
        except OSError as e:
            os.write(log_fd, f"{name}: cannot start extension: {e.strerror}\n".encode())
            _post("/exited", _object(name=_quoted(name), status="127"))
    pids = _object(**{name: str(pid) for pid, name in started.items()})
    _post("/started", _object(pids=pids))
    sock = _connect()
    _request(sock, "GET", "/ready")
    while not select.select([sock], [], [], POLL_S)[0]:
        while started:  # an extension that exits now never registered: say so
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            name = started.pop(pid, "?")
            code = os.waitstatus_to_exitcode(status)
            _post("/exited", _object(name=_quoted(name), status=str(code)))
    answer = _read_all(sock)
    sock.close()
    if b'"ok": true' not in answer:
        sys.exit(1)  # Lamina has the init error: an extension failed or exited
    if log_fd > 2:
        os.close(log_fd)
    os.execvp(runtime[0], runtime)


if __name__ == "__main__":
    main(sys.argv)
