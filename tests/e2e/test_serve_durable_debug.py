"""`lamina serve --debug FUNCTION` on a durable function: one debug session for the whole
execution. The editor attaches once; a breakpoint in a step is hit in the first invocation and
again in the replay after a one-day wait (skipped), without attaching again. In `make e2e`: a
debug session across two invocations takes longer than the default suite's tests should."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from dap_client import DapClient
from emulator.harness import ROLE, free_port, make_client, start_emulator, unique, wait_until

from lamina.deploy.package import build_zip

SOURCE = """\
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def record(path, word):
    with open(path, "a") as f:
        f.write(word + "\\n")
    return word


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: record(event["ledger"], "add"), name="add")
    context.wait(Duration.from_days(1))
    done = context.step(lambda _: record(event["ledger"], "double"), name="double")
    return {"x": event["x"] * 2, "done": done}
"""


def test_serve_debug_keeps_one_session_across_replays(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text(SOURCE)
    ledger = tmp_path / "ledger"
    ledger.write_text("")
    name = unique("durdbg")
    port = free_port()
    server = start_emulator(tmp_path / "data", "--skip-time", "--debug", f"{name}:{port}")
    try:
        lam = make_client(server.endpoint)
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=ROLE,
            Handler="app.handler",
            Timeout=30,
            Code={"ZipFile": build_zip(source)},
            Tags={"lamina:source": str(source)},
            DurableConfig={"ExecutionTimeout": 300},
        )
        started = lam.invoke(
            FunctionName=name,
            InvocationType="Event",
            Payload=json.dumps({"x": 21, "ledger": str(ledger)}),
        )
        arn = started["DurableExecutionArn"]
        wait_until(lambda: f"debug {name}: request " in server.log(), 60)
        match = re.search(r"waits for a debugger on \S+; attach with (.*)", server.log())
        assert match, server.log()
        config = json.loads(match.group(1))
        write_line = 7  # f.write(word + "\n") in record()
        words: list[tuple[str, str]] = []
        client = DapClient(config["connect"]["port"], timeout=120)
        try:
            client.attach(config, {str(source / "app.py"): [write_line]})
            for _ in range(2):
                stopped, frames = client.stopped_frames()
                assert (frames[0]["source"]["path"], frames[0]["line"]) == (
                    str(source / "app.py"),
                    write_line,
                )
                words.append((client.local(frames[0]["id"], "word"), ledger.read_text()))
                client.resume(stopped["threadId"])
        finally:
            client.close()
        # The second stop was the replay after the wait: the first step had run, once.
        assert words == [("'add'", ""), ("'double'", "add\n")], server.log()
        deadline = time.monotonic() + 60
        while lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not end"
            time.sleep(0.2)
        execution = lam.get_durable_execution(DurableExecutionArn=arn)
        assert execution["Status"] == "SUCCEEDED"
        assert json.loads(execution["Result"]) == {"x": 42, "done": "double"}
        assert ledger.read_text().split() == ["add", "double"]
        log = server.log()
        assert log.count(f"debug {name}: request ") == 2  # one start, one replay
        assert log.count("waits for a debugger") == 1
        assert f"replays {arn} in the attached session" in log
    finally:
        server.stop()
