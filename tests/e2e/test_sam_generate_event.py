"""Lamina's sample events against `sam local generate-event` (aws-sam-cli in .venv-sam, which
`make e2e` creates): for every type both build, every field SAM's sample has that AWS fixes is in
Lamina's, and each option SAM and Lamina share lands in the same field; the types Lamina does not
build are the ones listed in docs/events.md (none today)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from event_shapes import SAM_OPTIONS, SAM_TO_LAMINA, fixed_paths, in_data_map, leaves

from lamina.events import generate, list_sources

ROOT = Path(__file__).resolve().parents[2]
SAM = Path(os.environ.get("LAMINA_SAM", ROOT / ".venv-sam" / "bin" / "sam"))
MAPPING = (
    "import json, os, samcli; print(open(os.path.join(os.path.dirname(samcli.__file__),"
    " 'lib/generated_sample_events/event-mapping.json')).read())"
)
IDS = [f"{service}-{kind}" for service, kind in sorted(SAM_TO_LAMINA)]
# SAM's types that take no option (beyond the debug/config ones every command has).
NO_OPTIONS = {
    ("cloudwatch", "logs"),
    ("cloudfront", "modify-response-header"),
    ("appsync", "resolver"),
    ("batch", "get-job"),
    ("batch", "submit-job"),
    *[("lex", kind) for kind in ("book-car", "book-hotel", "make-appointment", "order-flowers")],
    *[("lex-v2", kind) for kind in ("banking-bot", "book-car", "book-hotel")],
    *[
        ("alexa-smart-home", f"smart-home-{kind}")
        for kind in ("discovery-request", "control-turn-on-request", "control-turn-off-request")
    ],
}
WITH_OPTIONS = [key for key in sorted(SAM_TO_LAMINA) if key not in NO_OPTIONS]
SNAPSHOT = ROOT / "tests" / "events" / "sam_fixed_paths.json"
# Where Lamina follows AWS's documented sample rather than SAM's: an SQS message's SenderId is the
# sender's IAM principal id (AIDA...), which is the account id only for the root user.
# Firehose hands a transformation its records' data base64-encoded; SAM's sample puts --data in
# as given. An Amazon Connect contact's SystemEndpoint is the number the customer called (the
# instance's), not the caller's own, which SAM's sample puts in both.
DIFFERENT_BY_CHOICE = {
    "Records[0].attributes.SenderId",
    "records[0].data",
    "Details.ContactData.SystemEndpoint.Address",
}
# SAM's types Lamina does not build: docs/events.md would list them (a new SAM type lands here).
NOT_BUILT = 0


def sam_mapping() -> dict[str, dict[str, dict[str, object]]]:
    out = subprocess.run(
        [str(SAM.parent / "python"), "-c", MAPPING], capture_output=True, check=True
    )
    mapping: dict[str, dict[str, dict[str, object]]] = json.loads(out.stdout)
    return mapping


def sam_event(service: str, kind: str, *options: str) -> dict[str, object]:
    out = subprocess.run(
        [str(SAM), "local", "generate-event", service, kind, *options],
        capture_output=True, text=True, check=True, env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )  # fmt: skip
    event: dict[str, object] = json.loads(out.stdout)
    return event


def test_every_sam_type_is_built_or_listed() -> None:
    mapping = sam_mapping()
    every = {(service, kind) for service, kinds in mapping.items() for kind in kinds}
    assert (len(mapping), len(every)) == (26, 68)
    assert set(SAM_TO_LAMINA) <= every
    assert len(every - set(SAM_TO_LAMINA)) == NOT_BUILT
    names = {source.name for source in list_sources()}
    assert set(SAM_TO_LAMINA.values()) <= names


@pytest.mark.parametrize(("service", "kind"), sorted(SAM_TO_LAMINA), ids=IDS)
def test_lamina_has_every_field_of_sams_sample(service: str, kind: str) -> None:
    sam = sam_event(service, kind)
    lamina = generate(SAM_TO_LAMINA[service, kind])
    assert sorted(fixed_paths(sam) - fixed_paths(lamina)) == []


@pytest.mark.parametrize(
    ("service", "kind"), WITH_OPTIONS, ids=[f"{service}-{kind}" for service, kind in WITH_OPTIONS]
)
def test_each_shared_option_lands_where_sams_does(service: str, kind: str) -> None:
    tags = sam_mapping()[service][kind]["tags"]
    assert isinstance(tags, dict)
    shared = {option: SAM_OPTIONS[option] for option in tags if option in SAM_OPTIONS}
    assert shared, f"sam local generate-event {service} {kind} shares no option with Lamina"
    sam = leaves(sam_event(service, kind, *(f"--{o}={v}" for o, (_, v) in shared.items())))
    lamina = leaves(generate(SAM_TO_LAMINA[service, kind], {k: v for k, v in shared.values()}))
    for option, (_, value) in shared.items():
        # SAM's samples hold several records where Lamina's hold one: compare the first
        where = {
            re.sub(r"\[\d+\]", "[0]", path)
            for path, leaf in sam.items()
            if isinstance(leaf, str) and value in leaf and not in_data_map(path)
        } - DIFFERENT_BY_CHOICE
        missing = {path for path in where if value not in str(lamina.get(path, ""))}
        assert not missing, f"--{option}={value}: in SAM's {sorted(where)}, not in Lamina's"


def snapshot() -> dict[str, list[str]]:
    """SAM's fixed key paths per type, which the fast test (tests/test_events_sam_shapes.py)
    holds Lamina to without SAM installed."""
    return {
        f"{service} {kind}": sorted(fixed_paths(sam_event(service, kind)))
        for service, kind in sorted(SAM_TO_LAMINA)
    }


def test_the_fast_tests_snapshot_is_sams_current_output() -> None:
    assert json.loads(SNAPSHOT.read_text()) == snapshot()


if __name__ == "__main__":  # rewrite the snapshot: PYTHONPATH=tests python tests/e2e/test_sam_...
    SNAPSHOT.write_text(json.dumps(snapshot(), indent=1) + "\n")
