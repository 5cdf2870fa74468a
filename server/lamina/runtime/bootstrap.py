"""Lamina's runtime client: the child side of an execution environment.

Run as a script (`python .../bootstrap.py module.function`), never imported by Lamina itself, so it
works under any interpreter the user picks and imports nothing from Lamina. It talks to its parent
only through the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API, and mirrors awslambdaric's
behaviour (context object, log format, error JSON) field by field. The client itself is the
_lamina_runtime_client package next to this file, loaded as a top-level package (as Lambda's
/var/runtime holds awslambdaric), so `import lamina` stays impossible from the handler.

Kept lean on purpose: every import here is paid on every cold start. `_socket` instead of `socket`
(no enum), `traceback` only on the error path, and `logging` is configured lazily, the moment the
function imports it.
"""

# This file must stay importable on Python 3.10 with no third-party packages.
import os
import sys


def _client_folder() -> str:
    # This script may run from a precompiled .pyc elsewhere (child_command.bootstrap_script); its
    # code objects still carry the source's path.
    return os.path.dirname(os.path.abspath(_client_folder.__code__.co_filename))


def _load_client() -> object:
    """The client package, compiled once into its own __pycache__ where that is writable: the
    child runs with -B so the function's code gets no .pyc files, but ours should."""
    sys.path.insert(0, _client_folder())
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, False
    try:  # __import__, not importlib: one module less to load on every cold start
        __import__("_lamina_runtime_client.invoke_loop")
        return sys.modules["_lamina_runtime_client.invoke_loop"]
    finally:
        sys.dont_write_bytecode = dont_write
        del sys.path[0]


if __name__ == "__main__":
    _load_client().main(sys.argv, __file__)  # type: ignore[attr-defined]
