"""Sample events: the function's own events/ folder first, then the project's."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.project import FunctionSpec, ProjectError, SampleEvent, events_for, find_event


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, FunctionSpec]:
    code_dir = tmp_path / "hello_world"
    for path in (
        tmp_path / "events" / "event.json",
        tmp_path / "events" / "Api-Get.json",
        tmp_path / "events" / "sqs.json",
        code_dir / "events" / "event.json",
        code_dir / "events" / "b.json",
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    (tmp_path / "events" / "notes.txt").write_text("not an event", encoding="utf-8")
    (tmp_path / "events" / "nested").mkdir()
    (tmp_path / "events" / "nested" / "deep.json").write_text("{}", encoding="utf-8")
    return tmp_path, FunctionSpec("Hello", "app.handler", code_dir)


def test_events_for_orders_own_first_and_deduplicates(layout: tuple[Path, FunctionSpec]) -> None:
    root, spec = layout
    own, shared = spec.code_dir / "events", root / "events"
    assert events_for(spec, root) == [
        SampleEvent("b", own / "b.json"),
        SampleEvent("event", own / "event.json"),
        SampleEvent("Api-Get", shared / "Api-Get.json"),
        SampleEvent("sqs", shared / "sqs.json"),
    ]


def test_function_at_the_project_root_lists_each_event_once(
    layout: tuple[Path, FunctionSpec],
) -> None:
    root, _spec = layout
    spec = FunctionSpec("Root", "app.handler", root)
    assert [event.name for event in events_for(spec, root)] == ["Api-Get", "event", "sqs"]


def test_no_events(tmp_path: Path) -> None:
    assert events_for(FunctionSpec("F", "app.handler", tmp_path), tmp_path) == []


def test_find_event_by_name_and_path(
    layout: tuple[Path, FunctionSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, spec = layout
    assert find_event(spec, root, "event") == spec.code_dir / "events" / "event.json"
    assert find_event(spec, root, "sqs.json") == root / "events" / "sqs.json"
    assert find_event(spec, root, "events/event.json", cwd=root) == root / "events" / "event.json"
    assert find_event(spec, root, "events/nested/deep.json", cwd=root / "hello_world") == (
        root / "events" / "nested" / "deep.json"
    )
    assert find_event(spec, root, str(root / "events" / "notes.txt")) == (
        root / "events" / "notes.txt"
    )
    monkeypatch.chdir(root / "events")
    assert find_event(spec, root, "nested/deep.json") == root / "events" / "nested" / "deep.json"


def test_find_event_unknown_lists_available_names(layout: tuple[Path, FunctionSpec]) -> None:
    root, spec = layout
    with pytest.raises(ProjectError) as caught:
        find_event(spec, root, "missing", cwd=root)
    assert str(caught.value) == (
        "no event 'missing' for function Hello (available: b, event, Api-Get, sqs)"
    )
    with pytest.raises(ProjectError) as caught:
        find_event(spec, root, "events/missing.json", cwd=root)
    assert str(caught.value) == (
        "no event file 'events/missing.json' for function Hello (available: b, event, Api-Get, sqs)"
    )


def test_find_event_without_any_events(tmp_path: Path) -> None:
    spec = FunctionSpec("F", "app.handler", tmp_path / "src")
    with pytest.raises(ProjectError) as caught:
        find_event(spec, tmp_path, "event", cwd=tmp_path)
    assert str(caught.value) == (
        f"no event 'event' for function F (no *.json events in {tmp_path / 'src' / 'events'} "
        f"or {tmp_path / 'events'})"
    )
