"""The command line an environment starts with, once layers bring extensions or a wrapper.

- `AWS_LAMBDA_EXEC_WRAPPER`: Lambda's Python bootstrap runs the wrapper with the runtime's own
  command line as its arguments (`wrapper /var/lang/bin/python3.X /var/runtime/bootstrap.py`),
  so a wrapper can add interpreter options before the last argument, set variables, or run
  something else (the Lambda Web Adapter's `/opt/bootstrap` runs `$LAMBDA_TASK_ROOT/$_HANDLER`).
  Lamina passes `python -S -B <bootstrap.py>`, the handler in `_HANDLER` as on Lambda (and the
  runtime client's choice in `LAMINA_RUNTIME_CLIENT`). A wrapper
  that doesn't exist, or isn't executable, fails init as Lambda's bootstrap does (`<path>: does
  not exist`, exit 127; `<path>: is not an executable`, exit 126). `/opt/...` and
  `/var/task/...` are looked up in the layers and the code dir (opt_files.py).
- External extensions (`/opt/extensions/*`): the environment's first process is
  extension_launcher.py, which starts them, waits for their registration, then execs the
  runtime's command (wrapped or not).
"""

from __future__ import annotations

import os
from pathlib import Path

from lamina.runtime.config import FunctionConfig
from lamina.runtime.opt_files import EXEC_WRAPPER, ExternalExtension, resolve

LAUNCHER = Path(__file__).with_name("extension_launcher.py")


def exec_wrapper(config: FunctionConfig) -> tuple[str, str] | None:
    """(the wrapper as the function names it, where it is here), if the function has one."""
    named = dict(config.environment).get(EXEC_WRAPPER)
    if not named:
        return None
    return named, resolve(named, config.opt_roots, config.code_dir)


def wrapped(
    command: list[str],
    config: FunctionConfig,
    python: str,
    extensions: tuple[ExternalExtension, ...],
) -> list[str]:
    """`command` (the runtime client's) behind the function's exec wrapper and extensions."""
    wrapper = exec_wrapper(config)
    if wrapper is not None:
        named, path = wrapper
        if command[-1] == "awslambdaric":  # said by a variable: the script comes last
            command = command[:-1]
        if command[-1] == config.handler and command[-2].endswith((".py", ".pyc")):
            command = command[:-1]  # the handler goes in _HANDLER
        elif command[-1] == config.handler and command[-3].endswith("debug_launcher.py"):
            command = command[:-2]  # the debug launcher's client and handler: variables too
        if not os.path.isfile(path):
            command = ["/bin/sh", "-c", 'echo "$1: does not exist"; exit 127', "sh", named]
        elif not os.access(path, os.X_OK):
            command = ["/bin/sh", "-c", 'echo "$1: is not an executable"; exit 126', "sh", named]
        else:
            command = [path, *command]
    if extensions:
        paths = [str(extension.path) for extension in extensions]
        command = [python, "-S", "-B", str(LAUNCHER), "--", *paths, "--", *command]
    return command
