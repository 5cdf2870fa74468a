"""The samples, end to end through the real `lamina` CLI (a subprocess per command).

Every test works on a copy of its sample in tmp_path, so the repository stays clean (the
with-deps sample gets a `.lamina/state/cache` of its own there).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sample_cli import SAMPLES, cli_env, invoke

from lamina.runtime import sandbox

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
