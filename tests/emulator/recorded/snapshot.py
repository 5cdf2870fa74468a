"""AWS's recorded answers (LocalStack's AWS-validated snapshot files) and the comparison of
the emulator's answers against them.

The files live beside the repository, in ../shared/recordings/localstack/lambda_ (CI has them
at the same place). Each case's `recorded-content` holds the values the test captured, after
LocalStack's transformers replaced volatile values with placeholders (`<uuid:1>`,
`<function-name:1>`, `<region>`, `date`...). The comparison binds each placeholder to the
emulator's value the first time it meets it, and from then on requires the same value for it,
and different values for different placeholders (so `<uuid:1>` ≠ `<uuid:2>` checks that a
RevisionId changed). The account id of the recordings is 111111111111; the emulator's
123456789012 is mapped to it first. Response headers, request ids and retry counts are not
compared (LocalStack's transformers remove them too).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
RECORDINGS = REPO.parent / "shared" / "recordings" / "localstack" / "lambda_"
API_FILE = RECORDINGS / "test_lambda_api.snapshot.json"
ESM_FILES = tuple(
    RECORDINGS / "event_source_mapping" / f"test_lambda_integration_{kind}.snapshot.json"
    for kind in ("sqs", "kinesis", "dynamodbstreams")
)
RECORDED_ACCOUNT = "111111111111"
OUR_ACCOUNT = "123456789012"
# Values the recordings replaced without a placeholder in angle brackets.
WILDCARDS = {"date", "datetime", "sent-timestamp", "sender-id", "lambda-url"}
# Placeholders that LocalStack puts for every value of a key (not one value each): they match
# any value, every time.
KEY_PLACEHOLDERS = {
    "<code-size>",
    "<location>",
    "<layer-location>",
    "<repo_uri>",
    "<approximate-first-receive-timestamp>",
    "<approximate-arrival-timestamp>",
    "<approximate-creation-datetime>",
    "<execution-start>",
    "<datetime>",
}
PLACEHOLDER = re.compile(r"<[^<>\s]+>")


@cache
def recorded_cases(path: Path) -> dict[str, dict[str, Any]]:
    """Case id (Class::test[param]) -> its recorded content. A missing file is an error: the
    recordings are part of the test set."""
    if not path.is_file():
        raise FileNotFoundError(
            f"the recordings are missing: {path} (they live beside the repository, in "
            "../shared/recordings)"
        )
    data = json.loads(path.read_text())
    return {test_id.split("::", 1)[1]: body["recorded-content"] for test_id, body in data.items()}


def all_case_ids() -> list[tuple[Path, str]]:
    """Every case of the counted set: test_lambda_api and the SQS/Kinesis/DynamoDB Streams
    mapping files."""
    return [(path, case) for path in (API_FILE, *ESM_FILES) for case in recorded_cases(path)]


def clean_response(response: dict[str, Any]) -> dict[str, Any]:
    """A boto3 response or ClientError.response as LocalStack's transformers leave it."""
    out = {
        key: clean_response(value) if isinstance(value, dict) else value
        for key, value in response.items()
    }
    meta = out.get("ResponseMetadata")
    if isinstance(meta, dict):
        out["ResponseMetadata"] = {"HTTPHeaders": {}, "HTTPStatusCode": meta["HTTPStatusCode"]}
    return out


@dataclass
class Comparison:
    """One case's placeholder bindings, and the differences found."""

    bindings: dict[str, str] = field(default_factory=dict)
    bound_values: dict[str, str] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)
    # Paths (regular expressions) whose values come from the stand-in for another AWS service,
    # compared for presence only.
    skip: tuple[str, ...] = ()

    def compare(self, recorded: Any, actual: Any, path: str = "$") -> None:
        if len(self.differences) >= 10:
            return
        if self.skip and any(re.fullmatch(pattern, path) for pattern in self.skip):
            return
        if isinstance(recorded, dict):
            if not isinstance(actual, dict):
                self.differences.append(f"{path}: expected an object, got {_short(actual)}")
                return
            missing = sorted(set(recorded) - set(actual))
            extra = sorted(set(actual) - set(recorded))
            if missing:
                self.differences.append(f"{path}: missing {missing}")
            if extra:
                self.differences.append(
                    f"{path}: unexpected {extra} = {_short({k: actual[k] for k in extra})}"
                )
            for key in recorded:
                if key in actual:
                    self.compare(recorded[key], actual[key], f"{path}.{key}")
            return
        if isinstance(recorded, list):
            if not isinstance(actual, list) or len(actual) != len(recorded):
                self.differences.append(
                    f"{path}: expected {len(recorded)} items, got {_short(actual)}"
                )
                return
            for index, (r, a) in enumerate(zip(recorded, actual, strict=True)):
                self.compare(r, a, f"{path}[{index}]")
            return
        if isinstance(recorded, str):
            self._compare_text(recorded, actual, path)
            return
        if recorded != actual or type(recorded) is not type(actual):
            self.differences.append(f"{path}: expected {_short(recorded)}, got {_short(actual)}")

    def _compare_text(self, recorded: str, actual: Any, path: str) -> None:
        if recorded in WILDCARDS:
            if actual is None:
                self.differences.append(f"{path}: expected a date, got null")
            return
        names = PLACEHOLDER.findall(recorded)
        if not isinstance(actual, str):
            if _any_value(recorded) and actual is not None:
                return
            if len(names) == 1 and names[0] == recorded and actual is not None:
                self._bind(names[0], json.dumps(actual), path)
            else:
                self.differences.append(
                    f"{path}: expected {_short(recorded)}, got {_short(actual)}"
                )
            return
        actual = actual.replace(OUR_ACCOUNT, RECORDED_ACCOUNT)
        if not names:
            if recorded != actual:
                self.differences.append(
                    f"{path}: expected {_short(recorded)}, got {_short(actual)}"
                )
            return
        # Bound placeholders stand for their value; the others match anything (lazily).
        parts = PLACEHOLDER.split(recorded)
        pattern = re.escape(parts[0])
        fresh: list[str] = []
        for name, literal in zip(names, parts[1:], strict=True):
            if _any_value(name):
                pattern += ".+?"
            elif name in self.bindings:
                pattern += re.escape(self.bindings[name])
            else:
                pattern += "(.+?)"
                fresh.append(name)
            pattern += re.escape(literal)
        found = re.fullmatch(pattern, actual, re.DOTALL)
        if found is None:
            self.differences.append(f"{path}: expected {_short(recorded)}, got {_short(actual)}")
            return
        for name, value in zip(fresh, found.groups(), strict=True):
            self._bind(name, value, path)

    def _bind(self, name: str, value: str, path: str) -> None:
        known = self.bindings.get(name)
        if known is None:
            other = self.bound_values.get(value)
            if other is not None and other != name:
                self.differences.append(
                    f"{path}: {name} has the value of {other} ({_short(value)}); AWS gives "
                    "two different values"
                )
                return
            self.bindings[name] = value
            self.bound_values[value] = name
        elif known != value:
            self.differences.append(f"{path}: {name} was {_short(known)}, now {_short(value)}")


def _any_value(recorded: str) -> bool:
    """A placeholder LocalStack puts for every value of its kind (all timestamps are one)."""
    return recorded in KEY_PLACEHOLDERS or recorded.startswith("<timestamp:")


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 300 else text[:300] + "..."
