"""Unit tests for the orders worker: partial batch failures, record by record."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parents[1]


class FakeContext:
    function_name = "OrdersWorkerFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = "256"
    aws_request_id = "0b6a3c52-6f0e-4b8e-9a4d-5e2f1c7d8a90"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def worker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "orders_worker", SAMPLE / "src" / "orders_worker.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name: str) -> dict[str, Any]:
    return json.loads((SAMPLE / "events" / f"{name}.json").read_text())


def batch(*bodies: str) -> dict[str, Any]:
    """An SQS event with one record per body, built from the sample record."""
    record = event("single-order")["Records"][0]
    records = []
    for number, body in enumerate(bodies, start=1):
        copied = copy.deepcopy(record)
        copied["messageId"] = f"msg-{number}"
        copied["body"] = body
        records.append(copied)
    return {"Records": records}


def test_a_valid_order_leaves_no_failures(worker: ModuleType) -> None:
    assert worker.handler(event("single-order"), FakeContext()) == {"batchItemFailures": []}


def test_mixed_batch_reports_only_the_bad_messages(
    worker: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    result = worker.handler(event("mixed-batch"), FakeContext())
    assert result == {
        "batchItemFailures": [
            {"itemIdentifier": "4d42ee73-a8b9-4bde-abd3-c0ffd88926bc"},  # not JSON
            {"itemIdentifier": "2a5dabd4-9ead-4952-9d30-b93aca1754f5"},  # no quantity
            {"itemIdentifier": "fb0c00b3-ac9b-424b-9068-5d99317775a3"},  # unknown sku
            {"itemIdentifier": "ca243187-d065-4e35-b390-7c4cc3eb30f6"},  # quantity 500
        ]
    }
    assert "order ord-1002: 1 x MUG-RED = 12.50" in caplog.messages
    assert "order ord-1003: 3 x TEA-EARLGREY = 20.25" in caplog.messages
    assert "batch of 6: 2 processed, 4 failed" in caplog.messages


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[1, 2]", "body is not a JSON object"),
        ('{"orderId": "o", "sku": "MUG-RED", "quantity": true}', "got True"),
        ('{"orderId": "o", "sku": "MUG-RED", "quantity": 0}', "got 0"),
        ('{"orderId": "o", "sku": "MUG-RED", "quantity": 2.5}', "got 2.5"),
        ('{"sku": "MUG-RED"}', "missing fields: orderId, quantity"),
    ],
)
def test_unprocessable_bodies_fail(
    worker: ModuleType, caplog: pytest.LogCaptureFixture, body: str, reason: str
) -> None:
    result = worker.handler(
        batch('{"orderId": "ok", "sku": "MUG-BLUE", "quantity": 1}', body), FakeContext()
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-2"}]}
    assert any(
        message.startswith("message msg-2 failed: ") and reason in message
        for message in caplog.messages
    )


def test_an_unexpected_error_fails_only_that_message(
    worker: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flaky(order: dict[str, Any]) -> int:
        if order["orderId"] == "boom":
            raise ConnectionError("payments service unavailable")
        return 0

    monkeypatch.setattr(worker, "process_order", flaky)
    bodies = [
        json.dumps({"orderId": oid, "sku": "MUG-RED", "quantity": 1}) for oid in ("a", "boom", "c")
    ]
    assert worker.handler(batch(*bodies), FakeContext()) == {
        "batchItemFailures": [{"itemIdentifier": "msg-2"}]
    }


def test_an_empty_batch(worker: ModuleType) -> None:
    assert worker.handler({"Records": []}, FakeContext()) == {"batchItemFailures": []}
