"""AWS's durable execution conformance requirements, run against `lamina serve`.

The requirements are the YAML files of `aws-durable-execution-conformance-tests`, read from the
installed package. template.yaml here maps each requirement id to a handler (the functions'
TestingMetadata.TestDescription, as the package expects), or names it NotImplemented with a
reason. Each function is created on the emulator as a durable function, and every requirement
is judged by the package's own `validate.validate_description`, with its `Invoker` pointed at
the emulator (logical ids are mapped directly instead of through CloudFormation).

    python -m durable.conformance.runner --endpoint http://127.0.0.1:3001 [--suite step]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

HERE = Path(__file__).parent
TEMPLATE = HERE / "template.yaml"
HANDLERS = HERE / "handlers"
ROLE = "arn:aws:iam::123456789012:role/lamina-conformance"
SUITES = (
    "step",
    "wait",
    "child",
    "callback",
    "wait_for_callback",
    "wait_for_condition",
    "parallel",
    "map",
    "invoke",
    "plugin",
)

# A requirement neither template.yaml's functions nor its NotImplemented list name.
NO_HANDLER = "no handler written yet"


@dataclass
class Outcome:
    requirement: str
    suite: str
    status: str  # passed | failed | not implemented
    detail: str = ""


def requirement_files() -> dict[str, Path]:
    """Requirement id -> its YAML file, as installed (never copied into Lamina)."""
    from aws_durable_execution_conformance_tests.config import TESTS_DIR

    return {p.stem: p for suite in SUITES for p in sorted((Path(TESTS_DIR) / suite).glob("*.yaml"))}


def suite_of(path: Path) -> str:
    return path.parent.name


def load_template() -> dict[str, Any]:
    from aws_durable_execution_conformance_tests.validate import _CfnSafeLoader

    with TEMPLATE.open() as f:
        loader = _CfnSafeLoader(f)
        try:
            data: dict[str, Any] = loader.get_single_data()
        finally:
            loader.dispose()
    return data


def deploy(lam: Any, cache_dir: Path, logical_ids: set[str]) -> dict[str, str]:
    """Create these functions of the template on the emulator; logical id -> function name."""
    from lamina.deploy.package import build_zip

    # The handlers only: Lambda's python3.13 runtime ships the SDK, as Lamina's interpreter does
    # with the durable extra (tests/durable/ installs it from requirements.txt, as users do).
    # Thirty functions each importing their own boto3 from an uncompiled package made cold
    # starts overrun Lambda's 10 s init limit on a loaded machine.
    code = build_zip(HANDLERS, excludes={"__pycache__", "requirements.txt"})
    suffix = uuid.uuid4().hex[:6]
    names: dict[str, str] = {}
    template = load_template()
    defaults = template.get("Globals", {}).get("Function", {})
    resources = template["Resources"]
    # Resources without TestingMetadata are the functions the invoke suite's handlers
    # call; every function gets their names (ECHO_FUNCTION for EchoFunction...).
    targets = [lid for lid, r in resources.items() if "TestingMetadata" not in r]
    env = {_env_name(lid): f"{lid}-{suffix}" for lid in targets}
    for logical_id, resource in resources.items():
        if logical_id not in logical_ids and logical_id not in targets:
            continue
        props = {**defaults, **resource.get("Properties", {})}
        name = f"{logical_id}-{suffix}"
        durable = props.get("DurableConfig", {"ExecutionTimeout": 300})
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=ROLE,
            Handler=props["Handler"],
            Timeout=int(props.get("Timeout", 30)),
            Code={"ZipFile": code},
            Environment={"Variables": env},
            **({"LoggingConfig": props["LoggingConfig"]} if "LoggingConfig" in props else {}),
            **({"DurableConfig": durable} if durable else {}),
        )
        names[logical_id] = name
    return names


def _env_name(logical_id: str) -> str:
    """EchoFunction -> ECHO_FUNCTION."""
    return "".join("_" + c if c.isupper() and i else c for i, c in enumerate(logical_id)).upper()


def make_invoker(lam: Any, names: dict[str, str]) -> Any:
    from aws_durable_execution_conformance_tests.sam import Invoker

    class LaminaInvoker(Invoker):  # type: ignore[misc]
        """The package's Invoker, with logical ids mapped directly (no CloudFormation)."""

        def _resolve_function(self, logical_id: str) -> str:
            from aws_durable_execution_conformance_tests.sam import InvokeError

            if logical_id not in names:
                raise InvokeError(logical_id, "not in template.yaml")
            return names[logical_id]

    return LaminaInvoker("lamina", region="us-east-1", lambda_client=lam)


def run(
    endpoint: str,
    suites: list[str],
    cache_dir: Path,
    workers: int = 4,
    only: set[str] | None = None,
) -> list[Outcome]:
    """Deploy template.yaml's functions and judge each requirement of `suites` (or just the
    ids in `only`)."""
    from aws_durable_execution_conformance_tests.clients import AwsClients
    from aws_durable_execution_conformance_tests.validate import (
        parse_function_descriptions,
        parse_not_implemented,
        validate_description,
    )

    lam = lambda_client(endpoint)
    files = {
        rid: p
        for rid, p in requirement_files().items()
        if suite_of(p) in suites and (only is None or rid in only)
    }
    pairs = [(fn, rid) for fn, rid in parse_function_descriptions(str(TEMPLATE)) if rid in files]
    gaps = parse_not_implemented(str(TEMPLATE))
    names = deploy(lam, cache_dir, {fn for fn, _ in pairs})
    invoker = make_invoker(lam, names)
    clients = AwsClients(
        MappingProxyType(
            {"lambda": lam, "logs": logs_client(endpoint), "cloudformation": Stack(names)}
        )
    )
    outcomes: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(workers) as pool:
        jobs = {
            rid: pool.submit(
                validate_description,
                fn,
                rid,
                str(files[rid]),
                invoker,
                tmp,
                "us-east-1",
                clients,
                output_dir=str(Path(tmp) / "out"),
            )
            for fn, rid in pairs
        }
        for rid, job in jobs.items():
            try:
                result = job.result()
            except Exception as e:  # a crash in the validator is a failed requirement
                outcomes[rid] = Outcome(
                    rid, suite_of(files[rid]), "failed", f"{type(e).__name__}: {e}"
                )
                continue
            status = "passed" if result.passed else "failed"
            outcomes[rid] = Outcome(
                rid, suite_of(files[rid]), status, "; ".join(result.errors)[:400]
            )
    for rid, path in files.items():
        if rid not in outcomes:
            reason = gaps.get(rid, NO_HANDLER)
            outcomes[rid] = Outcome(rid, suite_of(path), "not implemented", reason)
    return sorted(outcomes.values(), key=lambda o: (SUITES.index(o.suite), _key(o.requirement)))


def _key(requirement: str) -> list[int]:
    return [int(part) for part in requirement.split("-")]


class Stack:
    """Stands in for CloudFormation, the one call the package's log checks make: a logical id's
    physical name (the function's, whose log group `lamina serve` keeps)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict[str, Any]:  # noqa: N803
        name = self.names.get(LogicalResourceId, "")
        return {"StackResourceDetail": {"PhysicalResourceId": name}}


def logs_client(endpoint: str) -> Any:
    """CloudWatch Logs: lamina serve answers FilterLogEvents on its own port."""
    import boto3

    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("logs", endpoint_url=endpoint)


def lambda_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client(
        "lambda",
        endpoint_url=endpoint,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=300, max_pool_connections=20),
    )


def report(outcomes: list[Outcome]) -> str:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for o in outcomes:
        counts[o.suite][o.status] += 1
    lines = ["| suite | passed | failed | not implemented |", "|---|---|---|---|"]
    for suite in SUITES:
        if suite in counts:
            c = counts[suite]
            lines.append(f"| {suite} | {c['passed']} | {c['failed']} | {c['not implemented']} |")
    lines.append("")
    for o in outcomes:
        if o.status != "passed":
            lines.append(f"- {o.requirement} ({o.suite}) {o.status}: {o.detail}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--suite", action="append", choices=SUITES)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / "lamina-tests-durable-deps"
    outcomes = run(args.endpoint, args.suite or list(SUITES), cache, workers=args.workers)
    if args.json:
        print(json.dumps([o.__dict__ for o in outcomes], indent=1))
    else:
        print(report(outcomes))
    return 0 if all(o.status != "failed" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
