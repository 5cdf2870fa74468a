"""Messages found on real projects, as the language server gives them (issue 16): lenses over a
handler several functions share say which function each acts on, and a run of a target whose
function is missing fails with Lambda's Runtime.HandlerNotFound, the answer `lamina invoke`
gives."""

from __future__ import annotations

from lsp_harness import execute, lenses, open_document

SHARED_HANDLER_TEMPLATE = """\
Resources:
  ReadFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
  WriteFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
  OtherFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: other.handler
      Runtime: python3.12
"""


async def test_every_lens_over_a_shared_handler_names_its_function(tmp_path, start_client):
    (tmp_path / "template.yaml").write_text(SHARED_HANDLER_TEMPLATE)
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "other.py").write_text("def handler(event, context):\n    return 2\n")
    client = await start_client(tmp_path)
    open_document(client, tmp_path / "app.py")
    found = await lenses(client, tmp_path / "app.py")
    seen = []
    for lens in found:
        assert lens.command is not None and lens.range.start.line == 0
        seen.append((lens.command.title, list(lens.command.arguments or [])))
    assert seen == [
        (title.format(name=name), [{"function": name}])
        for name in ("ReadFunction", "WriteFunction")
        for title in ("▶ Run {name}", "⚙ Debug {name}", "⇪ Sync {name}", "{{ }} Event {name}: none")
    ]
    # A handler only one function uses keeps the short titles.
    open_document(client, tmp_path / "other.py")
    titles = [lens.command.title for lens in await lenses(client, tmp_path / "other.py")]
    assert titles == ["▶ Run", "⚙ Debug", "⇪ Sync", "{ } Event: none"]


async def test_a_missing_function_runs_and_fails_with_handler_not_found(tmp_path, start_client):
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    client = await start_client(tmp_path)
    result = await execute(client, "lamina.run", {"function": "app.py:missing"})
    assert result["ok"] is False, result
    assert (result["error"]["errorType"], result["error"]["errorMessage"]) == (
        "Runtime.HandlerNotFound",
        "Handler 'missing' missing on module 'app'",
    )
    assert "Error Type: Runtime.HandlerNotFound" in result["logs"]


EVENTS_TEMPLATE = """\
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: hello.handler
      Runtime: python3.12
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.handler
      Runtime: python3.12
"""


async def test_each_functions_default_event_is_its_own(tmp_path, start_client):
    """Project events named after a function (`orders-big` for Orders) are that function's
    only; the others (`event`) are everyone's: a function's lens and run use its own first."""
    (tmp_path / "template.yaml").write_text(EVENTS_TEMPLATE)
    for name in ("hello", "orders"):
        (tmp_path / f"{name}.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "events").mkdir()
    for name in ("event", "hello-world-get", "orders-big"):
        (tmp_path / "events" / f"{name}.json").write_text(f'{{"from": "{name}"}}')
    client = await start_client(tmp_path)
    for module, event in (("hello", "hello-world-get"), ("orders", "orders-big")):
        open_document(client, tmp_path / f"{module}.py")
        titles = [lens.command.title for lens in await lenses(client, tmp_path / f"{module}.py")]
        assert titles[-1] == f"{{ }} Event: {event}"
    for function, event in (("HelloWorldFunction", "hello-world-get"), ("Orders", "orders-big")):
        result = await execute(client, "lamina.run", {"function": function})
        assert (result["event"], result["payload"]) == (event, {"from": event})
