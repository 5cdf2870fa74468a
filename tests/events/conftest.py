"""Sample events are built at a fixed clock; their region default follows the environment's
AWS_REGION/AWS_DEFAULT_REGION, which these tests clear (a test that wants one sets it)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
