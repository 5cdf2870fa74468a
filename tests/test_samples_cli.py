"""The samples through the real `lamina` CLI, continued: dependencies installed once, `functions
--json`, events, and the errors a user meets (bad event file, unknown function or event)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_cli import SAMPLES, invoke, lamina

# --- with-deps -----------------------------------------------------------------------------------

REPORT_UPLOAD = {
    "uploads": [
        {
            "bucket": "uploads-prod",
            "key": "reports/2026/q3-sales.parquet",
            "size": 5242880,
            "humanSize": "5.2 MB",
            "large": False,
        }
    ],
    "summary": "1 upload, 5.2 MB in total",
}


def installed_dependencies(project: Path) -> list[Path]:
    return sorted((project / ".lamina" / "state" / "cache").glob("deps-*"))


def test_with_deps_installs_requirements_once_into_the_project_cache(
    sample: Callable[[str], Path],
) -> None:
    project = sample("with-deps")
    assert not (project / ".lamina").exists()
    first = invoke(project, "UploadNotifierFunction", "--event", "report-uploaded")
    assert (first.code, first.result) == (0, REPORT_UPLOAD)
    assert first.logs == [
        ("INFO", "upload: s3://uploads-prod/reports/2026/q3-sales.parquet (5,242,880 bytes)")
    ]
    assert (project / ".lamina" / ".gitignore").read_text() == "state/\n"
    [deps] = installed_dependencies(project)
    assert (deps / "humanize" / "__init__.py").is_file()
    assert (deps / ".lamina-complete").is_file()
    assert [p.name for p in deps.glob("humanize-*.dist-info")] == ["humanize-4.17.0.dist-info"]
    marker_mtime = (deps / ".lamina-complete").stat().st_mtime_ns

    second = invoke(project, "UploadNotifierFunction", "--event", "video-uploaded")
    assert second.code == 0
    assert second.result == {
        "uploads": [
            {
                "bucket": "uploads-prod",
                "key": "videos/launch keynote.mp4",
                "size": 2147483648,
                "humanSize": "2.1 GB",
                "large": True,
            }
        ],
        "summary": "1 upload, 2.1 GB in total",
    }
    assert second.logs == [
        ("WARNING", "large upload: s3://uploads-prod/videos/launch keynote.mp4 is 2.1 GB")
    ]
    assert installed_dependencies(project) == [deps]
    assert (deps / ".lamina-complete").stat().st_mtime_ns == marker_mtime

    # Named with --python, the same interpreter the template's Runtime picked (same cache key):
    # humanize still comes from the cache, never from any site-packages.
    [row] = json.loads(lamina("functions", "--json", cwd=project).stdout)
    third = invoke(
        project, "UploadNotifierFunction", "--event", "report-uploaded", "--python", row["python"]
    )
    assert (third.code, third.result) == (0, REPORT_UPLOAD)
    assert installed_dependencies(project) == [deps]


# --- functions, events ---------------------------------------------------------------------------


def handler_line(path: Path) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith("def handler("))


FUNCTIONS = {
    "http-api": ("ItemsFunction", "items-api", "items_api", 10, 256, "HttpApi"),
    "sqs-batch": ("OrdersWorkerFunction", "OrdersWorkerFunction", "orders_worker", 30, 256, "SQS"),
    "warm-cache": ("RatesFunction", "warm-cache-rates", "exchange_rates", 5, 128, "Schedule"),
    "with-deps": (
        "UploadNotifierFunction",
        "UploadNotifierFunction",
        "upload_notifier",
        10,
        128,
        "S3",
    ),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_json(sample: Callable[[str], Path], name: str) -> None:
    project = sample(name)
    logical_id, function_name, module, timeout, memory, source = FUNCTIONS[name]
    proc = lamina("functions", "--json", cwd=project)
    assert (proc.returncode, proc.stderr) == (0, "")
    events = sorted((p for p in (project / "events").glob("*.json")), key=lambda p: p.stem.lower())
    rows = json.loads(proc.stdout)
    # The interpreter the template's python3.12 picks: this machine's 3.12, wherever it is.
    interpreters = [{key: row.pop(key) for key in ("python", "pythonVersion")} for row in rows]
    assert [i["pythonVersion"] for i in interpreters] == ["3.12"]
    assert Path(interpreters[0]["python"]).name.startswith("python3")
    assert [row.pop("pythonSource") for row in rows] != [None]
    assert rows == [
        {
            "logicalId": logical_id,
            "functionName": function_name,
            "handler": f"{module}.handler",
            "runtime": "python3.12",
            "codeUri": "src",
            "handlerFile": f"src/{module}.py:{handler_line(project / 'src' / f'{module}.py')}",
            "timeout": timeout,
            "memorySize": memory,
            "events": [p.stem for p in events],
            "eventSources": [source],  # the template's event, by its SAM type
            "source": "template",
        }
    ]


def test_functions_json_lists_http_api_events_by_name(sample: Callable[[str], Path]) -> None:
    proc = lamina("functions", "--json", "--project-dir", sample("http-api"), cwd=SAMPLES)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)[0]["events"] == [
        "create-item",
        "create-item-bad-json",
        "create-item-invalid",
        "delete-items",
        "get-item",
        "get-item-missing",
        "list-items",
        "unknown-route",
    ]


def test_events_list_shows_the_project_events(sample: Callable[[str], Path]) -> None:
    proc = lamina("events", "list", cwd=sample("sqs-batch"))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith(
        "Event sources (lamina events generate SOURCE [--set KEY=VALUE]):\n"
    )
    assert "  sqs                    SQS messages delivered in a batch" in proc.stdout
    assert proc.stdout.endswith(
        "\nThe project's sample events:\n"
        "  OrdersWorkerFunction   mixed-batch          events/mixed-batch.json\n"
        "  OrdersWorkerFunction   single-order         events/single-order.json\n"
    )


def test_events_generate_sqs(tmp_path: Path) -> None:
    proc = lamina("events", "generate", "sqs", "--set", "body=hello", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    [record] = json.loads(proc.stdout)["Records"]
    uuid.UUID(record.pop("messageId"))
    assert record.pop("receiptHandle").startswith("AQEB")
    attributes = record.pop("attributes")
    assert sorted(attributes) == [
        "ApproximateFirstReceiveTimestamp",
        "ApproximateReceiveCount",
        "SenderId",
        "SentTimestamp",
    ]
    assert attributes["ApproximateReceiveCount"] == "1"
    assert record == {
        "body": "hello",
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(b"hello").hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:my-queue",
        "awsRegion": "us-east-1",
    }


# --- mistakes the user can make: one line, exit 2 ------------------------------------------------


def test_bad_event_file_is_one_line_with_file_and_line(sample: Callable[[str], Path]) -> None:
    project = sample("http-api")
    broken = project / "events" / "broken.json"
    broken.write_text('{\n  "version": "2.0",\n  "rawPath": "/items"\n  "body": null\n}\n')
    for event in ("broken", "events/broken.json"):
        proc = lamina("invoke", "ItemsFunction", "--event", event, cwd=project)
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr == (
            f"error: {broken}:4: the event is not valid JSON: "
            "Expecting ',' delimiter: line 4 column 3 (char 46)\n"
        )


def test_unknown_function_lists_the_known_ones(sample: Callable[[str], Path]) -> None:
    proc = lamina("invoke", "NoSuchFunction", cwd=sample("sqs-batch"))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "error: unknown function 'NoSuchFunction' (known: OrdersWorkerFunction)\n"


def test_unknown_event_lists_the_available_ones(sample: Callable[[str], Path]) -> None:
    proc = lamina("invoke", "OrdersWorkerFunction", "--event", "nope", cwd=sample("sqs-batch"))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "error: no event 'nope' for function OrdersWorkerFunction "
        "(available: mixed-batch, single-order)\n"
    )
