"""Unit tests for the upload notifier. humanize comes from the dev dependencies here."""

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
    function_name = "UploadNotifierFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = "128"
    aws_request_id = "5e0d9c8b-7a6f-4e3d-9c2b-1a0f9e8d7c6b"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def notifier() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "upload_notifier", SAMPLE / "src" / "upload_notifier.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name: str) -> dict[str, Any]:
    return json.loads((SAMPLE / "events" / f"{name}.json").read_text())


def test_report_upload(notifier: ModuleType) -> None:
    assert notifier.handler(event("report-uploaded"), FakeContext()) == {
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


def test_large_upload_key_is_decoded_and_flagged(
    notifier: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    result = notifier.handler(event("video-uploaded"), FakeContext())
    assert result["uploads"] == [
        {
            "bucket": "uploads-prod",
            "key": "videos/launch keynote.mp4",
            "size": 2147483648,
            "humanSize": "2.1 GB",
            "large": True,
        }
    ]
    assert caplog.messages == [
        "large upload: s3://uploads-prod/videos/launch keynote.mp4 is 2.1 GB"
    ]


def test_several_records_and_non_create_events(notifier: ModuleType) -> None:
    evt = event("report-uploaded")
    second = copy.deepcopy(evt["Records"][0])
    second["s3"]["object"].update(key="a.txt", size=123)
    deleted = copy.deepcopy(second)
    deleted["eventName"] = "ObjectRemoved:Delete"
    evt["Records"] += [second, deleted]
    result = notifier.handler(evt, FakeContext())
    assert [upload["humanSize"] for upload in result["uploads"]] == ["5.2 MB", "123 Bytes"]
    assert result["summary"] == "2 uploads, 5.2 MB in total"


def test_no_records(notifier: ModuleType) -> None:
    assert notifier.handler({}, FakeContext()) == {
        "uploads": [],
        "summary": "0 uploads, 0 Bytes in total",
    }
