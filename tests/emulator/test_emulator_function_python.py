"""The emulator runs each function on its Runtime's interpreter, as `lamina invoke` does: a
python3.9 and a python3.12 function on one `lamina serve` each report their own Python (the
pyenv interpreters of this machine image; CI runs where they exist)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.harness import ROLE, handler_zip, unique
from lamina.runtime.interpreters import choose_interpreter

SOURCE = """
import os, sys
def handler(event, context):
    return {"version": "%d.%d" % sys.version_info[:2], "env": os.environ["AWS_EXECUTION_ENV"]}
"""


def _have(version: str) -> bool:
    choice = choose_interpreter("probe", f"python{version}")
    return choice.version == version


@pytest.mark.skipif(
    not (_have("3.9") and _have("3.12")), reason="needs Python 3.9 and 3.12 interpreters"
)
def test_each_function_runs_on_its_runtimes_python(lam: Any, tmp_path: Path) -> None:
    answers = {}
    for runtime in ("python3.9", "python3.12"):
        name = unique("py")
        lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": handler_zip(extra={"app.py": SOURCE})},
        )
        response = lam.invoke(FunctionName=name, Payload=b"{}")
        answers[runtime] = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, answers[runtime]
    assert answers["python3.9"] == {"version": "3.9", "env": "AWS_Lambda_python3.9"}
    assert answers["python3.12"] == {"version": "3.12", "env": "AWS_Lambda_python3.12"}
