"""A burst of project reloads (an editor saving the template on every keystroke) costs at most
two loads at a time, and the model ends up reflecting the last version of the files."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lamina.lsp.project_index import ProjectIndex

TEMPLATE = """\
Resources:
  {name}:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: src/, Handler: app.handler, Runtime: python3.12}}
"""


def test_a_burst_of_reloads_is_one_load(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")

    async def burst() -> list[str]:
        index = ProjectIndex(tmp_path)
        for i in range(20):
            (tmp_path / "template.yaml").write_text(TEMPLATE.format(name=f"Fn{i}"))
            index.reload()  # within one turn of the loop: one load, not twenty
        loaded = await index.current()
        assert loaded is not None
        assert index.loads == 1, index.loads
        (tmp_path / "template.yaml").write_text(TEMPLATE.format(name="Fn20"))
        index.reload()  # a later change: the model follows the files
        loaded = await index.current()
        assert loaded is not None and index.loads == 2, index.loads
        return list(loaded.project.functions)

    assert asyncio.run(burst()) == ["Fn20"]
