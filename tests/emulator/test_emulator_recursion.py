"""Recursive loops through the emulator's own async invokes and destinations are stopped after
16 invocations of one chain, as Lambda stops SQS/SNS/S3 loops (RecursiveLoop: Terminate), and
left running with RecursiveLoop: Allow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator.harness import EmulatorProcess, make_client, wait_until
from emulator.test_emulator_async import ARN, deploy_source

# Appends its name to <OUT>/calls.txt on every invocation.
COUNTER = """
import os

def handler(event, context):
    with open(os.path.join(os.environ["OUT"], "calls.txt"), "a") as f:
        f.write(context.function_name + "\\n")
    return {"hop": True}
"""


def _ping_pong(lam: Any, tmp_path: Path) -> tuple[str, str, Path]:
    out = tmp_path / "out"
    out.mkdir()
    names = [deploy_source(lam, COUNTER, tmp_path) for _ in range(2)]
    for name in names:
        lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"OUT": str(out)}}
        )
    a, b = names
    for source, target in ((a, b), (b, a)):
        lam.put_function_event_invoke_config(
            FunctionName=source, DestinationConfig={"OnSuccess": {"Destination": ARN + target}}
        )
    return a, b, out


def calls(out: Path) -> list[str]:
    path = out / "calls.txt"
    return path.read_text().split() if path.exists() else []


def test_a_loop_through_destinations_is_stopped_after_16_invocations(
    emulator: EmulatorProcess, tmp_path: Path
) -> None:
    lam = make_client(emulator.endpoint)
    a, b, out = _ping_pong(lam, tmp_path)
    lam.invoke(FunctionName=a, InvocationType="Event", Payload=json.dumps({"start": 1}))
    wait_until(lambda: "stopped: a recursive loop" in emulator.log() and a in emulator.log(), 60)
    seen = calls(out)
    assert len(seen) == 16
    assert seen == [a, b] * 8  # the chain alternates, and stops where the limit is


def test_recursive_loop_allow_lets_it_run_on(emulator: EmulatorProcess, tmp_path: Path) -> None:
    lam = make_client(emulator.endpoint)
    a, b, out = _ping_pong(lam, tmp_path)
    for name in (a, b):
        lam.put_function_recursion_config(FunctionName=name, RecursiveLoop="Allow")
    lam.invoke(FunctionName=a, InvocationType="Event", Payload=b"{}")
    wait_until(lambda: len(calls(out)) > 24, 60)
    lam.delete_function_event_invoke_config(FunctionName=b)  # break the loop
    lam.delete_function_event_invoke_config(FunctionName=a)


def test_a_data_dir_from_before_gets_the_chain_column(tmp_path: Path) -> None:
    import sqlite3

    from lamina.emulator.async_journal import AsyncJournal
    from lamina.emulator.database import Database

    path = tmp_path / "emulator.sqlite3"
    with sqlite3.connect(path) as conn:  # the table as earlier releases made it
        conn.execute(
            "CREATE TABLE async_events (id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT "
            "NOT NULL, function_name TEXT NOT NULL, qualifier TEXT, payload BLOB NOT NULL, "
            "client_context TEXT, accepted_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT "
            "0, due_at REAL NOT NULL)"
        )
        conn.execute(
            "INSERT INTO async_events (request_id, function_name, payload, accepted_at, due_at) "
            "VALUES ('r1', 'fn', x'7b7d', 1.0, 1.0)"
        )
    db = Database(path)
    try:
        events = AsyncJournal(db).open()
    finally:
        db.close()
    assert [(e.request_id, e.chain) for e in events] == [("r1", 0)]
