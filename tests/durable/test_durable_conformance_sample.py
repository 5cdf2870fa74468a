"""A few of AWS's conformance requirements in every `make test` (the full run is in
tests/e2e/test_durable_conformance.py): a step, a retried step, a wait, judged by the
package's own validator against `lamina serve --skip-time`."""

from __future__ import annotations

from typing import Any

import pytest
from emulator.harness import EmulatorProcess

from durable.conformance.runner import run
from durable.conftest import DEPENDENCY_CACHE

pytest.importorskip("aws_durable_execution_conformance_tests")


def test_sample_requirements_pass(skip_time_emulator: EmulatorProcess, lam: Any) -> None:
    outcomes = run(
        skip_time_emulator.endpoint,
        ["step", "wait"],
        DEPENDENCY_CACHE,
        only={"1-1", "1-11", "1-20", "2-1"},
    )
    assert {o.requirement: o.status for o in outcomes} == dict.fromkeys(
        ["1-1", "1-11", "1-20", "2-1"], "passed"
    ), [o.detail for o in outcomes]
