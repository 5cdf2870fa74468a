"""The extension init phase, in the environment's first process: Lambda's order of start-up.

Run as a script, with the function's interpreter (`python -S -B extension_launcher.py -- EXT...
-- RUNTIME COMMAND...`), when the function's layers bring external extensions
(`/opt/extensions/*`). It starts every extension, tells Lamina their pids, and waits (a long poll
on Lamina's own path beside the Extensions API) until each has registered; an extension that
exits first is reported, and init fails. Then it becomes the runtime (exec), so the runtime
process is the environment's root as without extensions, and the extensions are its children:
in its process group (frozen and thawed with it) and in its process tree (answered by the sealed
Runtime API, killed with the environment).

Imports only the standard library, and works on Python 3.9: it runs under the function's Python.
"""

import contextlib
import http.client
import json
import os
import subprocess
import sys
import threading

LAMINA_PREFIX = "/2020-01-01/lamina/extensions"


def _call(method: str, path: str, payload: object = None) -> dict:  # type: ignore[type-arg]
    host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=None)
    try:
        body = json.dumps(payload).encode() if payload is not None else None
        connection.request(method, LAMINA_PREFIX + path, body=body)
        answer = connection.getresponse().read()
    finally:
        connection.close()
    try:
        result = json.loads(answer or b"{}")
    except ValueError:
        return {}
    return result if isinstance(result, dict) else {}


def _watch(name: str, proc: "subprocess.Popen[bytes]") -> None:
    status = proc.wait()
    with contextlib.suppress(OSError):
        _call("POST", "/exited", {"name": name, "status": status})


def main(argv: list) -> None:  # type: ignore[type-arg]
    separator = argv.index("--", 2)
    paths, runtime = argv[2:separator], argv[separator + 1 :]
    log_fd = int(os.environ.pop("LAMINA_EXTENSION_LOG_FD", "1"))
    extension_env = {k: v for k, v in os.environ.items() if not k.startswith("LAMINA_")}
    started = {}
    for path in paths:
        name = os.path.basename(path)
        try:
            proc = subprocess.Popen(
                [path],
                env=extension_env,
                stdin=subprocess.DEVNULL,
                stdout=log_fd,
                stderr=log_fd,
            )
        except OSError as e:
            message = f"{name}: cannot start extension: {e.strerror}\n"
            os.write(log_fd, message.encode())
            _call("POST", "/exited", {"name": name, "status": 127})
            continue
        started[name] = proc.pid
        threading.Thread(target=_watch, args=(name, proc), daemon=True).start()
    _call("POST", "/started", {"pids": started})
    if not _call("GET", "/ready").get("ok"):
        sys.exit(1)  # Lamina has the init error: an extension failed or exited
    if log_fd > 2:
        os.close(log_fd)
    os.execvp(runtime[0], runtime)


if __name__ == "__main__":
    main(sys.argv)
