"""A project load stops at its safe points once it is superseded, and only then."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lamina.project.load_cancel import LoadSuperseded, checkpoint, stop_when
from lamina.project.loader import load_project


def write_project(root: Path, functions: int) -> None:
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (root / "template.yaml").write_text(
        "Resources:\n"
        + "".join(
            f"  Function{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
            for i in range(functions)
        )
    )


class Counter:
    """superseded() that turns true after `after` checks, counting them."""

    def __init__(self, after: int | None) -> None:
        self.after = after
        self.checks = 0

    def __call__(self) -> bool:
        self.checks += 1
        return self.after is not None and self.checks > self.after


def test_a_load_nobody_supersedes_passes_its_checkpoints(tmp_path: Path) -> None:
    write_project(tmp_path, 2_000)
    never = Counter(None)
    with stop_when(never):
        project = load_project(tmp_path)
    assert len(project.functions) == 2_000
    # In the YAML (every 4,096 values), between resources, between functions.
    assert never.checks > 2 * 2_000


@pytest.mark.parametrize("after", [0, 2, 1_000, 3_000])
def test_a_superseded_load_stops_at_the_next_checkpoint(tmp_path: Path, after: int) -> None:
    """In the YAML parse (0, 2), among the resources (1,000) and the functions (3,000)."""
    write_project(tmp_path, 2_000)
    superseded = Counter(after)
    with stop_when(superseded), pytest.raises(LoadSuperseded):
        load_project(tmp_path)
    assert superseded.checks == after + 1


def test_checkpoints_elsewhere_do_nothing(tmp_path: Path) -> None:
    checkpoint()  # no load under way in this context
    write_project(tmp_path, 3)
    with stop_when(Counter(0)):
        seen: list[BaseException] = []

        def other_thread() -> None:  # a thread of its own has a context of its own
            try:
                checkpoint()
                load_project(tmp_path)
            except BaseException as e:  # pragma: no cover - the failure this test looks for
                seen.append(e)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert seen == []
        with pytest.raises(LoadSuperseded):
            checkpoint()
    checkpoint()
