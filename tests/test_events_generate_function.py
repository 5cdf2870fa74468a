"""`lamina events generate --function F` for functions that no API route calls: the source comes
from F's template events (a Schedule gives a scheduled event, an SQS event with a plain queue ARN
an SQS batch from that queue); events no source matches are named in the one-line error."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.12, CodeUri: src/, Handler: app.handler}
Resources:
  Nightly:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Cron: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:jobs-queue}
  Listener:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Iot: {Type: IoTRule, Properties: {Sql: SELECT * FROM 'x'}}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sources")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (root / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    return root


def generate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina", "events", "generate", *args],
        cwd=root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_schedule_gives_a_scheduled_event(project: Path) -> None:
    done = generate(project, "--function", "Nightly")
    assert done.returncode == 0, done.stderr
    event = json.loads(done.stdout)
    assert (event["source"], event["detail-type"]) == ("aws.events", "Scheduled Event")


def test_an_sqs_event_names_its_queue_and_set_still_wins(project: Path) -> None:
    done = generate(project, "--function", "Worker", "--set", "body=hi")
    assert done.returncode == 0, done.stderr
    (record,) = json.loads(done.stdout)["Records"]
    assert record["eventSourceARN"].endswith(":jobs-queue")
    assert record["body"] == "hi"


def test_events_no_source_matches_are_named(project: Path) -> None:
    done = generate(project, "--function", "Listener")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: Listener has no API event in the template "
        "(its events: IoTRule; no generated source matches)"
    )
