"""The samples, end to end through the real `lamina` CLI (a subprocess per command).

Every test works on a copy of its sample in tmp_path, so the repository stays clean (the
with-deps sample gets a `.lamina/state/cache` of its own there).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime import sandbox

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LOG_LINE = re.compile(
    r"^\[(?P<level>[A-Z]+)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(?P<id>\S+)\t(?P<msg>.*)$"
)
REPORT_LINE = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (?P<memory>\d+) MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t$"
)


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment without the developer's AWS settings (region, profile, keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra)
    return env


def lamina(
    *args: str | Path, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # Bytes, decoded here: text mode would turn the \r inside Lambda's error log lines into \n.
    proc = subprocess.run(
        [sys.executable, "-m", "lamina", *map(str, args)],
        cwd=cwd,
        input=stdin.encode() if stdin is not None else None,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        env=env or cli_env(),
        timeout=180,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


@dataclass
class Invocation:
    code: int
    result: Any
    request_id: str
    memory_mb: int
    logs: list[tuple[str, str]]  # (level, message) of the function's log lines
    stderr: str


def invoke(cwd: Path, function: str, *args: str | Path, **kwargs: Any) -> Invocation:
    """`lamina invoke`, checking the platform lines: START, the function's output, END, REPORT."""
    proc = lamina("invoke", function, *args, cwd=cwd, **kwargs)
    lines = proc.stderr.removesuffix("\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("START ")]
    assert len(starts) == 1, proc.stderr
    start = starts[0]
    # Before START, only Lamina's own notices (e.g. that no AWS credentials were found).
    assert all(line.startswith("lamina: ") for line in lines[:start]), proc.stderr
    match = re.fullmatch(r"START RequestId: (\S+) Version: \$LATEST", lines[start])
    assert match, lines[start]
    request_id = match[1]
    uuid.UUID(request_id)
    assert lines[-2] == f"END RequestId: {request_id}", proc.stderr
    report = REPORT_LINE.match(lines[-1])
    assert report and report["id"] == request_id, lines[-1]
    logs = []
    for line in lines[start + 1 : -2]:
        if line.startswith("[ERROR] "):  # an unhandled error: one line, the trace joined by \r
            logs.append(("ERROR", line[len("[ERROR] ") :]))
            continue
        log = LOG_LINE.match(line)
        assert log and log["id"] == request_id, line
        logs.append((log["level"], log["msg"]))
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1, proc.stdout
    return Invocation(
        proc.returncode,
        json.loads(proc.stdout),
        request_id,
        int(report["memory"]),
        logs,
        proc.stderr,
    )


@pytest.fixture
def sample(tmp_path: Path) -> Callable[[str], Path]:
    """sample(name) -> a fresh copy of samples/<name> in tmp_path."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        ignore = shutil.ignore_patterns(".lamina", "__pycache__", ".pytest_cache")
        shutil.copytree(SAMPLES / name, target, ignore=ignore)
        return target

    return copy


# --- http-api ------------------------------------------------------------------------------------

JSON_HEADERS = {"content-type": "application/json", "x-service": "items-api"}
NOTEBOOK = {"id": "1", "name": "Notebook", "price": 4.5, "tags": ["office"]}
DESK_LAMP = {"id": "2", "name": "Desk lamp", "price": 39.0, "tags": ["office", "lighting"]}

HTTP_CASES = [
    (
        "list-items",
        200,
        {},
        {"items": [NOTEBOOK, DESK_LAMP], "count": 2, "total": 3},
        [("INFO", "GET /items")],
    ),
    ("get-item", 200, {}, DESK_LAMP, [("INFO", "GET /items/2")]),
    (
        "get-item-missing",
        404,
        {},
        {"message": "item 99 not found"},
        [("INFO", "GET /items/99"), ("WARNING", "GET /items/99 -> 404 item 99 not found")],
    ),
    (
        "create-item",
        201,
        {"location": "/items/4"},
        {"id": "4", "name": "Espresso cup", "price": 12.5, "tags": ["kitchen"]},
        [("INFO", "POST /items"), ("INFO", "created item 4 (Espresso cup)")],
    ),
    (
        "create-item-bad-json",
        400,
        {},
        {"message": "request body is not valid JSON: Expecting ',' delimiter (line 1, column 39)"},
        [
            ("INFO", "POST /items"),
            (
                "WARNING",
                "POST /items -> 400 request body is not valid JSON: Expecting ',' delimiter (line 1, column 39)",
            ),
        ],
    ),
    (
        "create-item-invalid",
        400,
        {},
        {
            "message": "invalid item",
            "errors": ["name must be a non-empty string", "price must be a non-negative number"],
        },
        [("INFO", "POST /items"), ("WARNING", "POST /items -> 400 invalid item")],
    ),
    (
        "delete-items",
        405,
        {"allow": "GET, POST"},
        {"message": "method DELETE not allowed on /items"},
        [
            ("INFO", "DELETE /items"),
            ("WARNING", "DELETE /items -> 405 method DELETE not allowed on /items"),
        ],
    ),
    (
        "unknown-route",
        404,
        {},
        {"message": "no route for GET /orders"},
        [("INFO", "GET /orders"), ("WARNING", "GET /orders -> 404 no route for GET /orders")],
    ),
]


def test_http_api_has_a_case_for_every_sample_event() -> None:
    names = sorted(path.stem for path in (SAMPLES / "http-api" / "events").glob("*.json"))
    assert names == sorted(case[0] for case in HTTP_CASES)


@pytest.mark.parametrize(
    ("event", "status", "headers", "body", "logs"), HTTP_CASES, ids=[c[0] for c in HTTP_CASES]
)
def test_http_api_events(
    sample: Callable[[str], Path],
    event: str,
    status: int,
    headers: dict[str, str],
    body: Any,
    logs: list[tuple[str, str]],
) -> None:
    run = invoke(sample("http-api"), "ItemsFunction", "--event", event)
    assert run.code == 0
    assert run.result == {
        "statusCode": status,
        "headers": {**JSON_HEADERS, **headers, "x-request-id": run.request_id},
        "body": json.dumps(body),
    }
    assert run.logs == logs
    assert run.memory_mb == 256  # Globals.Function.MemorySize


def test_http_api_by_function_name_path_target_and_stdin(sample: Callable[[str], Path]) -> None:
    project = sample("http-api")
    expected = {"statusCode": 200, "headers": {**JSON_HEADERS}, "body": json.dumps(DESK_LAMP)}
    event_text = (project / "events" / "get-item.json").read_text()
    runs = [
        invoke(project, "items-api", "--event", "events/get-item.json"),
        invoke(project, "src/items_api.py:handler", "--event", "get-item"),
        invoke(project, "ItemsFunction", "--event", "-", stdin=event_text),
        invoke(project.parent, "ItemsFunction", "--event", "get-item", "--project-dir", project),
        invoke(project, "ItemsFunction", "--event", "get-item", "--runtime-client", "awslambdaric"),
    ]
    for run in runs:
        assert run.code == 0, run.stderr
        assert run.result == {
            **expected,
            "headers": {**JSON_HEADERS, "x-request-id": run.request_id},
        }
        assert run.logs == [("INFO", "GET /items/2")]


def test_http_api_env_vars_file_overrides_the_template(sample: Callable[[str], Path]) -> None:
    project = sample("http-api")
    overrides = {"ItemsFunction": {"LOG_LEVEL": "DEBUG", "SERVICE_NAME": "items-api-dev"}}
    (project / "env.json").write_text(json.dumps(overrides))
    run = invoke(project, "ItemsFunction", "--event", "get-item", "--env-vars", "env.json")
    assert run.code == 0
    assert run.result["headers"]["x-service"] == "items-api-dev"
    assert run.logs == [
        ("INFO", "GET /items/2"),
        ("DEBUG", "route /items/(?P<id>[^/]+) matched GET /items/2"),
    ]


# --- sqs-batch -----------------------------------------------------------------------------------


def test_sqs_batch_single_order(sample: Callable[[str], Path]) -> None:
    run = invoke(sample("sqs-batch"), "OrdersWorkerFunction", "--event", "single-order")
    assert (run.code, run.result) == (0, {"batchItemFailures": []})
    assert run.logs == [
        ("INFO", "order ord-1001: 2 x MUG-RED = 25.00"),
        ("INFO", "batch of 1: 1 processed, 0 failed"),
    ]
    assert run.memory_mb == 256


def test_sqs_batch_mixed_batch_reports_partial_failures(sample: Callable[[str], Path]) -> None:
    run = invoke(sample("sqs-batch"), "OrdersWorkerFunction", "--event", "mixed-batch")
    assert run.code == 0
    assert run.result == {
        "batchItemFailures": [
            {"itemIdentifier": "4d42ee73-a8b9-4bde-abd3-c0ffd88926bc"},
            {"itemIdentifier": "2a5dabd4-9ead-4952-9d30-b93aca1754f5"},
            {"itemIdentifier": "fb0c00b3-ac9b-424b-9068-5d99317775a3"},
            {"itemIdentifier": "ca243187-d065-4e35-b390-7c4cc3eb30f6"},
        ]
    }
    assert run.logs == [
        ("INFO", "order ord-1002: 1 x MUG-RED = 12.50"),
        (
            "WARNING",
            "message 4d42ee73-a8b9-4bde-abd3-c0ffd88926bc failed: body is not JSON: Expecting value",
        ),
        ("INFO", "order ord-1003: 3 x TEA-EARLGREY = 20.25"),
        (
            "WARNING",
            "message 2a5dabd4-9ead-4952-9d30-b93aca1754f5 failed: missing fields: quantity",
        ),
        ("WARNING", "message fb0c00b3-ac9b-424b-9068-5d99317775a3 failed: unknown sku 'LAMP-DESK'"),
        (
            "WARNING",
            "message ca243187-d065-4e35-b390-7c4cc3eb30f6 failed: quantity must be an integer from 1 to 20, got 500",
        ),
        ("INFO", "batch of 6: 2 processed, 4 failed"),
    ]


# --- warm-cache ----------------------------------------------------------------------------------


def test_warm_cache_each_cli_invoke_is_a_new_environment_with_its_own_tmpdir(
    sample: Callable[[str], Path], tmp_path: Path
) -> None:
    project = sample("warm-cache")
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    env = cli_env(TMPDIR=str(system_tmp))
    runs = [invoke(project, "RatesFunction", "--event", "convert", env=env) for _ in range(2)]
    for run in runs:
        assert run.code == 0
        cache_file = Path(run.result.pop("cacheFile"))
        cached_at = datetime.fromisoformat(run.result.pop("cachedAt"))
        assert cached_at.utcoffset() is not None and cached_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        assert run.result == {
            "invocations": 1,
            "coldStart": True,
            "cacheHit": False,
            "conversion": {"amount": 250, "from": "EUR", "to": "JPY", "result": 41195.65},
        }
        assert cache_file.name == "exchange-rates.json"
        if sandbox.available():  # a private /tmp, as on Lambda, gone with the environment
            assert cache_file == Path("/tmp/exchange-rates.json")
            assert not cache_file.exists() and not list(system_tmp.iterdir())
        else:  # the environment's temp dir sits in Lamina's own, and goes when it ends
            assert cache_file.parent.parent == system_tmp
            assert cache_file.parent.name.startswith("lamina-env-")
            assert not cache_file.parent.exists()
        assert run.logs == [
            ("INFO", "fetching exchange rates"),
            ("INFO", "invocation 1 in this environment; rates cache miss"),
        ]
        assert run.memory_mb == 128
    assert len({run.request_id for run in runs}) == 2


def test_warm_cache_scheduled_ping(sample: Callable[[str], Path]) -> None:
    run = invoke(sample("warm-cache"), "warm-cache-rates", "--event", "keep-warm")
    assert run.code == 0
    assert sorted(run.result) == ["cacheFile", "cacheHit", "cachedAt", "coldStart", "invocations"]
    assert (run.result["invocations"], run.result["coldStart"], run.result["cacheHit"]) == (
        1,
        True,
        False,
    )


def test_warm_cache_function_error_shape(sample: Callable[[str], Path]) -> None:
    project = sample("warm-cache")
    run = invoke(project, "RatesFunction", "--event", "convert-unknown-currency")
    assert run.code == 1
    message = "unknown currency 'XYZ'; known: CHF, EUR, GBP, JPY, USD"
    trace = run.result.pop("stackTrace")
    assert run.result == {
        "errorMessage": message,
        "errorType": "ValueError",
        "requestId": run.request_id,
    }
    source = str(project / "src" / "exchange_rates.py")
    assert [entry.split(", in ")[1].split("\n")[0] for entry in trace] == ["handler", "convert"]
    assert all(entry.startswith(f'  File "{source}", line ') for entry in trace)
    assert run.logs[:2] == [
        ("INFO", "fetching exchange rates"),
        ("INFO", "invocation 1 in this environment; rates cache miss"),
    ]
    level, text = run.logs[2]
    assert level == "ERROR"
    assert text.startswith(f"ValueError: {message}\rTraceback (most recent call last):\r")


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
