"""Which Python the emulator runs a function on: the one its Runtime asks for.

As `lamina invoke` and the language server do (runtime/interpreters.py): `python3.X` on PATH,
pyenv, uv and conda interpreters, then the `interpreters` setting of the folder the emulator
was started in; with no match, the emulator's own interpreter, said once per runtime in its log
(AWS_EXECUTION_ENV stays the function's Runtime). Each answer is kept for the emulator's life:
probing an interpreter starts a process.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from lamina.runtime.interpreters import choose_interpreter, runtime_version
from lamina.runtime.package_set import InterpreterError

log = logging.getLogger(__name__)


class FunctionPython:
    def __init__(self, interpreters: Mapping[str, object] | None = None) -> None:
        self.interpreters = interpreters
        self._chosen: dict[str, str] = {}

    def for_runtime(self, function: str, runtime: str) -> str:
        """The interpreter's path for a function of `runtime`; "" for the pool's default
        (a runtime that isn't python3.X)."""
        if runtime_version(runtime) is None:
            return ""
        chosen = self._chosen.get(runtime)
        if chosen is not None:
            return chosen
        try:
            choice = choose_interpreter(function, runtime, interpreters=self.interpreters)
        except InterpreterError as e:  # nothing can run: the pool's own interpreter
            log.warning("%s", e)
            self._chosen[runtime] = ""
            return ""
        for warning in choice.warnings:
            log.warning("%s", warning)
        self._chosen[runtime] = choice.path
        return choice.path
