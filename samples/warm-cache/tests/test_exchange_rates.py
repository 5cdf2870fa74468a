"""Unit tests for the warm-cache sample: what survives between invokes of one environment."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parents[1]


class FakeContext:
    function_name = "warm-cache-rates"
    function_version = "$LATEST"
    memory_limit_in_mb = "128"
    aws_request_id = "d2b1f0e4-3c5a-4e7b-8f9d-1a2b3c4d5e6f"

    def get_remaining_time_in_millis(self) -> int:
        return 5_000


def new_environment() -> ModuleType:
    """Load the module afresh, the way a new execution environment runs init."""
    spec = importlib.util.spec_from_file_location(
        "exchange_rates", SAMPLE / "src" / "exchange_rates.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment's own temp dir, as Lamina (via TMPDIR) or Lambda (/tmp) gives it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def event(name: str) -> dict[str, Any]:
    return json.loads((SAMPLE / "events" / f"{name}.json").read_text())


def test_warm_invokes_reuse_globals_and_the_temp_file(tmp_dir: Path) -> None:
    rates = new_environment()
    first = rates.handler(event("keep-warm"), FakeContext())
    second = rates.handler(event("convert"), FakeContext())
    cache_file = tmp_dir / "exchange-rates.json"
    assert first == {
        "invocations": 1,
        "coldStart": True,
        "cacheHit": False,
        "cachedAt": first["cachedAt"],
        "cacheFile": str(cache_file),
    }
    assert second == {
        "invocations": 2,
        "coldStart": False,
        "cacheHit": True,
        "cachedAt": first["cachedAt"],
        "cacheFile": str(cache_file),
        "conversion": {"amount": 250, "from": "EUR", "to": "JPY", "result": 41195.65},
    }
    assert json.loads(cache_file.read_text())["cachedAt"] == first["cachedAt"]


def test_a_new_environment_starts_cold(
    tmp_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_environment().handler(event("keep-warm"), FakeContext())
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("next-environment")))
    result = new_environment().handler(event("keep-warm"), FakeContext())
    assert (result["invocations"], result["coldStart"], result["cacheHit"]) == (1, True, False)


def test_a_stale_cache_file_is_refetched(tmp_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rates = new_environment()
    first = rates.handler({}, FakeContext())
    monkeypatch.setattr(rates, "RATES_TTL_SECONDS", 0)
    second = rates.handler({}, FakeContext())
    assert second["cacheHit"] is False
    assert second["invocations"] == 2
    assert second["cachedAt"] >= first["cachedAt"]


def test_a_corrupt_cache_file_is_replaced(tmp_dir: Path) -> None:
    (tmp_dir / "exchange-rates.json").write_text("{not json")
    result = new_environment().handler({"amount": 10, "from": "USD", "to": "GBP"}, FakeContext())
    assert result["cacheHit"] is False
    assert result["conversion"]["result"] == 7.9


def test_an_unknown_currency_raises(tmp_dir: Path) -> None:
    rates = new_environment()
    with pytest.raises(
        ValueError, match=r"^unknown currency 'XYZ'; known: CHF, EUR, GBP, JPY, USD$"
    ):
        rates.handler(event("convert-unknown-currency"), FakeContext())
