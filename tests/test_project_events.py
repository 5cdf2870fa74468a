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


def test_project_events_named_after_a_function_are_that_functions_only(tmp_path: Path) -> None:
    from lamina.lsp.event_selections import event_label
    from lamina.project import load_project

    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        + "".join(
            f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            f"      CodeUri: src/\n      Handler: app.{name.lower()}\n      Runtime: python3.12\n"
            for name in ("HelloWorldFunction", "Orders", "OrdersWorker")
        )
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "def helloworldfunction(e, c): pass\ndef orders(e, c): pass\ndef ordersworker(e, c): pass\n"
    )
    (tmp_path / "events").mkdir()
    for name in ("event", "hello-world-get", "orders", "orders-big", "orders-worker-batch"):
        (tmp_path / "events" / f"{name}.json").write_text("{}")
    functions = load_project(tmp_path).functions
    offered = {name: [e.name for e in spec.events] for name, spec in functions.items()}
    assert offered == {
        "HelloWorldFunction": ["event", "hello-world-get"],
        "Orders": ["event", "orders", "orders-big"],
        "OrdersWorker": ["event", "orders-worker-batch"],
    }
    # The language server's default event is the function's own, not the project's first.
    assert event_label(functions["HelloWorldFunction"], {}, None) == "hello-world-get"  # type: ignore[arg-type]
    assert event_label(functions["OrdersWorker"], {}, None) == "orders-worker-batch"  # type: ignore[arg-type]
