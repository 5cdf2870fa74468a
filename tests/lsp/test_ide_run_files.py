"""The IDEs' run files: a launch.json entry spliced into JSON with comments, and PyCharm's XML."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from lamina.project.ide_run_files import (
    loads_jsonc,
    pycharm_run_configuration,
    splice_launch_entry,
    vscode_launch_entry,
)
from lamina.project.spec import ProjectError

PATH = Path(".vscode/launch.json")


@pytest.mark.parametrize(
    "text",
    [
        '{"version": "0.2.0", "configurations": []}',
        '{\n\t// tabs\n\t"version": "0.2.0",\n\t"configurations": [\n\t]\n}\n',
        '{\n  "version": "0.2.0" /* no configurations yet */\n}\n',
        "{}",
        '{\n    "configurations": [\n        {"name": "other", "type": "x"},  // keep\n    ],\n}\n',
    ],
)
def test_the_entry_is_added_and_the_rest_kept(text: str) -> None:
    spliced = splice_launch_entry(text, vscode_launch_entry("run it"), PATH)
    document = loads_jsonc(spliced)
    assert document["configurations"][-1]["runConfiguration"] == "run it"
    before = loads_jsonc(text)
    assert {k: v for k, v in document.items() if k != "configurations"} == {
        k: v for k, v in before.items() if k != "configurations"
    }
    for comment in ("// tabs", "/* no configurations yet */", "// keep"):
        assert (comment in spliced) == (comment in text)
    again = splice_launch_entry(spliced, vscode_launch_entry("run it"), PATH)
    assert loads_jsonc(again) == document  # replaced, not added twice


def test_not_json() -> None:
    with pytest.raises(ProjectError, match="not valid JSON"):
        splice_launch_entry("{ nope", vscode_launch_entry("x"), PATH)


def test_pycharm_xml_escapes_the_name() -> None:
    root = ElementTree.fromstring(pycharm_run_configuration("a <b> & 'c'", "proj"))
    configuration = root.find("configuration")
    assert configuration is not None and configuration.get("name") == "a <b> & 'c'"
    options = {o.get("name"): o.get("value") for o in configuration.findall("option")}
    assert options["PARAMETERS"] == "invoke --config \"a <b> & 'c'\""
