"""The whole recorded-response suite (tests/emulator/recorded), mapping cases included: every
SQS, Kinesis and DynamoDB Streams case that puts messages or records on moto server and waits
for the function (about 4 minutes in all). `make test` runs a sample of those; the figure in
build/recorded-cases.txt and docs/emulator.md comes from this run."""

from __future__ import annotations

from emulator.recorded.test_recorded import (  # noqa: F401 - pytest collects them from here
    FULL,
    lam,
    lam_delayed,
    test_recorded_case,
    test_recordings_are_there,
)


def test_it_is_the_full_run() -> None:
    assert FULL, "tests/e2e runs with LAMINA_E2E=1: the recorded suite should run every case"
