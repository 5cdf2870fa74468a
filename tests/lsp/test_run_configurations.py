"""Saved run configurations: lamina.saveRunConfiguration writes .lamina/run-configurations.json,
PyCharm's .run/<name>.run.xml and a .vscode/launch.json entry; lamina.run and
`lamina invoke --config NAME` both run them."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from lsp_harness import execute, server_env, write_echo_project
from pygls.exceptions import JsonRpcException

from lamina.project.ide_run_files import loads_jsonc

EXISTING_LAUNCH_JSON = """\
{
    // My own debug configurations: keep this comment.
    "version": "0.2.0",
    "configurations": [
        {
            "name": "Python: Current File",
            "type": "debugpy",
            "request": "launch",
            "program": "${file}", // and this one
        },
    ]
}
"""


@pytest.fixture
def echo(tmp_path: Path) -> Path:
    return write_echo_project(tmp_path / "echo project")


async def test_save_writes_the_three_files(echo, start_client):
    (echo / ".vscode").mkdir()
    (echo / ".vscode" / "launch.json").write_text(EXISTING_LAUNCH_JSON)
    client = await start_client(echo)
    answer = await execute(
        client,
        "lamina.saveRunConfiguration",
        {"name": "other greeting", "function": "EchoFunction", "event": "other",
         "env": {"GREETING": "hi", "DEBUG": True}},
    )  # fmt: skip
    assert answer["files"] == [
        ".lamina/run-configurations.json",
        ".run/other greeting.run.xml",
        ".vscode/launch.json",
    ]
    saved = json.loads((echo / ".lamina" / "run-configurations.json").read_text())
    assert saved == {
        "version": 1,
        "configurations": [
            {
                "name": "other greeting",
                "function": "EchoFunction",
                "event": "other",
                "env": {"GREETING": "hi", "DEBUG": "true"},
            }
        ],
    }

    xml = ElementTree.parse(echo / ".run" / "other greeting.run.xml").getroot()
    configuration = xml.find("configuration")
    assert configuration is not None
    assert configuration.get("name") == "other greeting"
    assert configuration.get("type") == "PythonConfigurationType"
    options = {o.get("name"): o.get("value") for o in configuration.findall("option")}
    assert options["MODULE_MODE"] == "true" and options["SCRIPT_NAME"] == "lamina"
    assert options["PARAMETERS"] == 'invoke --config "other greeting"'
    assert options["WORKING_DIRECTORY"] == "$PROJECT_DIR$"

    launch_text = (echo / ".vscode" / "launch.json").read_text()
    assert "// My own debug configurations: keep this comment." in launch_text
    assert "// and this one" in launch_text
    launch = loads_jsonc(launch_text)
    assert launch["configurations"][1] == {
        "name": "other greeting",
        "type": "lamina",
        "request": "launch",
        "runConfiguration": "other greeting",
    }

    # Saving again under the same name replaces it, everywhere.
    await execute(
        client,
        "lamina.saveRunConfiguration",
        {"name": "other greeting", "function": "EchoFunction", "event": "hello"},
    )
    saved = json.loads((echo / ".lamina" / "run-configurations.json").read_text())
    assert [c["event"] for c in saved["configurations"]] == ["hello"]
    assert len(loads_jsonc((echo / ".vscode" / "launch.json").read_text())["configurations"]) == 2


async def test_run_a_saved_configuration_from_the_editor_and_the_cli(echo, start_client):
    client = await start_client(echo)
    await execute(
        client,
        "lamina.saveRunConfiguration",
        {"name": "greet", "function": "EchoFunction", "event": "other", "env": {"GREETING": "hi"}},
    )
    result = await execute(client, "lamina.run", {"runConfiguration": "greet"})
    assert result["payload"]["event"] == {"name": "other"}
    assert result["payload"]["greeting"] == "hi"
    overridden = await execute(
        client, "lamina.run", {"runConfiguration": "greet", "event": "hello"}
    )
    assert overridden["payload"]["event"] == {"name": "hello"}

    # What PyCharm's run configuration runs: python -m lamina invoke --config NAME.
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", "--config", "greet"],
        cwd=echo, capture_output=True, text=True, timeout=60, env=server_env(),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["event"] == {"name": "other"} and answer["greeting"] == "hi"

    unknown = subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", "--config", "nope"],
        cwd=echo, capture_output=True, text=True, timeout=60, env=server_env(),
    )  # fmt: skip
    assert unknown.returncode == 2
    assert "no run configuration 'nope'" in unknown.stderr and "known: greet" in unknown.stderr


MISTAKES = [
    ({"name": "x", "function": "Nope"}, "unknown function 'Nope'"),
    ({"name": "x", "function": "EchoFunction", "event": "nope"}, "no event 'nope'"),
    ({"name": "", "function": "EchoFunction"}, 'needs "name"'),
    ({"name": 'a "quoted" name', "function": "EchoFunction"}, "with no double quote"),
]


async def test_mistakes(echo, start_client):
    client = await start_client(echo)
    for arguments, expected in MISTAKES:
        with pytest.raises(JsonRpcException) as caught:
            await execute(client, "lamina.saveRunConfiguration", arguments)
        assert expected in caught.value.message
    assert not (echo / ".lamina" / "run-configurations.json").exists()
