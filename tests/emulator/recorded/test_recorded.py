"""The recorded-response suite: AWS's recorded answers (LocalStack's AWS-validated snapshots,
read in place from ../shared/recordings) replayed against `lamina serve` and compared after
normalising ids, dates and ARNs (snapshot.py says how).

Every rebuilt case is one test. The pass rate over the counted set (scope.py) is printed at the
end of the run and written to build/recorded-cases.txt, with each left-out case and its reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.harness import make_client, start_emulator
from emulator.recorded import (  # noqa: F401 - they register their cases
    cases_aliases,
    cases_concurrency,
    cases_config,
    cases_dead_letter,
    cases_event_invoke,
    cases_functions,
    cases_functions_more,
    cases_layers,
    cases_limits,
    cases_mapping_sources,
    cases_mappings,
    cases_permissions,
    cases_record_age,
    cases_revisions,
    cases_settings,
    cases_sqs,
    cases_sqs_forwarding,
    cases_stream_batch_reports,
    cases_stream_destinations,
    cases_stream_filters,
    cases_stream_item_failures,
    cases_streams,
    cases_urls,
    cases_versions,
    cases_vpc,
)
from emulator.recorded.context import CASES, MID_TRANSITION, CaseContext
from emulator.recorded.scope import KNOWN_DIFFERENCES, not_served_reason, out_of_scope_reason
from emulator.recorded.snapshot import REPO, Comparison, all_case_ids, recorded_cases

RESULTS: dict[str, str] = {}  # case id -> "identical" | "different"


def counted_cases() -> list[tuple[Path, str]]:
    return [(path, case) for path, case in all_case_ids() if out_of_scope_reason(case) is None]


ALL_REBUILT = [(path, case) for path, case in counted_cases() if case in CASES]
# The cases that put messages or records on moto and wait for the function (a few seconds
# each) run in full in `make e2e` (tests/e2e/test_recorded_full.py); `make test` runs one
# case of each of their tests, and every other case.
SLOW_MODULES = {
    cases_sqs.__name__,
    cases_sqs_forwarding.__name__,
    cases_streams.__name__,
    cases_stream_batch_reports.__name__,
    cases_stream_filters.__name__,
    cases_dead_letter.__name__,
    cases_stream_destinations.__name__,
    cases_stream_item_failures.__name__,
}
# Cases that wait out a minute (MaximumRecordAgeInSeconds), or two visibility timeouts of 8 s:
# only in the full run.
FULL_RUN_ONLY = {cases_record_age.__name__}
FULL_RUN_ONLY_CASES = {"test_report_batch_item_failures"}
FULL = os.environ.get("LAMINA_E2E") == "1"


def _sample(rebuilt: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    seen: set[object] = set()
    out = []
    for path, case in rebuilt:
        function = CASES[case][0]
        if function.__module__ in FULL_RUN_ONLY or case in FULL_RUN_ONLY_CASES:
            continue
        if function.__module__ in SLOW_MODULES:
            if function in seen:
                continue
            seen.add(function)
        out.append((path, case))
    return out


REBUILT = ALL_REBUILT if FULL else _sample(ALL_REBUILT)


# Long enough for a call that follows another at once to see the transition in progress.
UPDATE_DELAY_MS = "1500"


@pytest.fixture(scope="module")
def lam(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[Any]:
    # moto server stands in for the mappings' queues and streams (--sqs-endpoint serves all three)
    server = start_emulator(
        tmp_path_factory.mktemp("recorded") / "data", "--sqs-endpoint", moto_endpoint
    )
    try:
        yield make_client(server.endpoint)
    finally:
        server.stop()
        write_report()


@pytest.fixture(scope="module")
def lam_delayed(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("recorded-delayed") / "data"
    server = start_emulator(
        data, "--update-delay", UPDATE_DELAY_MS, "--sqs-endpoint", moto_endpoint
    )
    try:
        yield make_client(server.endpoint)
    finally:
        server.stop()


@pytest.mark.parametrize(("path", "case_id"), REBUILT, ids=[case for _, case in REBUILT])
def test_recorded_case(
    lam: Any, moto_endpoint: str, request: pytest.FixtureRequest, path: Path, case_id: str
) -> None:
    function, param = CASES[case_id]
    client = request.getfixturevalue("lam_delayed") if case_id in MID_TRANSITION else lam
    ctx = CaseContext(client, moto=moto_endpoint)
    try:
        function(ctx, param)
    finally:
        ctx.cleanup()
    comparison = Comparison(skip=ctx.source_values)
    recorded = recorded_cases(path)[case_id]
    recorded = {key: value for key, value in recorded.items() if key not in ctx.not_compared}
    comparison.compare(recorded, ctx.captured)
    RESULTS[case_id] = "different" if comparison.differences else "identical"
    if case_id in KNOWN_DIFFERENCES:
        assert comparison.differences, (
            f"{case_id} now matches AWS: remove it from KNOWN_DIFFERENCES"
        )
    else:
        assert not comparison.differences, "\n".join(comparison.differences)


def test_recordings_are_there() -> None:
    """The counted set is read from ../shared/recordings; missing files fail, never skip."""
    assert len(all_case_ids()) > 300


def test_the_goal_is_reachable() -> None:
    """Issue 17's goal, 95 % of the counted set identical, as the lists stand: every rebuilt
    case outside KNOWN_DIFFERENCES must be identical (test_recorded_case), so the known
    differences, the deliberate gaps and the cases not rebuilt are all that may differ. A list
    grown past 5 % fails here, even in a sample run."""
    counted = [case for _, case in counted_cases()]
    may_differ = {
        case
        for case in counted
        if case in KNOWN_DIFFERENCES or case not in CASES or not_served_reason(case)
    }
    assert set(KNOWN_DIFFERENCES) <= set(counted), "a known difference outside the counted set"
    identical = len(counted) - len(may_differ)
    assert identical / len(counted) >= 0.95, (identical, len(counted), sorted(may_differ))


def write_report() -> None:
    every = all_case_ids()
    counted = counted_cases()
    identical = sorted(case for case, result in RESULTS.items() if result == "identical")
    lines = [
        f"recorded cases: {len(every)}; counted: {len(counted)}; rebuilt: {len(ALL_REBUILT)}; "
        f"run: {len(RESULTS)}; identical: {len(identical)} "
        f"({100 * len(identical) / max(len(counted), 1):.1f} % of the counted set)"
        + ("" if FULL else " -- a sample run (make test); make e2e runs them all"),
        "",
        "Left out:",
    ]
    lines += [
        f"  {case}: {out_of_scope_reason(case)}" for _, case in every if out_of_scope_reason(case)
    ]
    lines += ["", "Known differences:"]
    lines += [f"  {case}: {reason}" for case, reason in sorted(KNOWN_DIFFERENCES.items())]
    lines += ["", "Not served (deliberate gaps, counted as differences):"]
    lines += [
        f"  {case}: {not_served_reason(case)}" for _, case in counted if not_served_reason(case)
    ]
    lines += ["", "Not rebuilt yet:"]
    lines += [
        f"  {case}" for _, case in counted if case not in CASES and not not_served_reason(case)
    ]
    # The full run's report is the figure; a sample run writes beside it.
    report = REPO / "build" / ("recorded-cases.txt" if FULL else "recorded-cases-sample.txt")
    report.parent.mkdir(exist_ok=True)
    report.write_text("\n".join(lines) + "\n")
    print("\n" + lines[0] + f"\n(the full list: {report})")
