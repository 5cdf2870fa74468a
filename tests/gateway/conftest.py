"""Fixtures for the gateway's tests: one `lamina api` per fixture app and module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    """The REST + HTTP API app (tests/gateway/apps/shop), on a copy it may edit."""
    api = ApiProcess("shop", tmp_path_factory.mktemp("shop"))
    try:
        yield api
    finally:
        api.stop()
