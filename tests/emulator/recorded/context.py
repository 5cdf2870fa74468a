"""What a recorded case runs with: a boto3 client for the emulator, the answers it captures
(as LocalStack's `snapshot.match` did), and the registry of rebuilt cases.

Each case is a function named after LocalStack's test, rebuilt from what that test does (its
requests), written here; `case("Class::test", params)` registers it for those parameter ids.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from emulator.recorded.snapshot import clean_response

ROLE = "arn:aws:iam::123456789012:role/lambda-test-role"
JSON_MEMBERS = ("Statement", "Policy")
REGION = "us-east-1"
# LocalStack's echo handler, as its fixtures deploy it (handler.handler).
ECHO_SOURCE = (
    "import json\n\n\n"
    "def handler(event, context):\n"
    "    # Just print the event that was passed to the Lambda\n"
    "    print(json.dumps(event))\n"
    "    return event\n"
)
VERSION_SOURCE = (
    "import os\n\ndef handler(event, context):\n"
    "    return {'version': os.environ.get('AWS_LAMBDA_FUNCTION_VERSION')}\n"
)


def code_zip(source: str = ECHO_SOURCE, name: str = "handler.py") -> bytes:
    """A package of `source`. Each call gives different bytes (as LocalStack's, built seconds
    apart with the time in the zip, do on AWS), so two uploads have two CodeSha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, source)
        archive.comment = uuid.uuid4().hex.encode()
    return buffer.getvalue()


@dataclass
class CaseContext:
    lam: Any
    captured: dict[str, Any] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    # moto server, standing in for the event sources (sources.py uses it)
    moto: str = ""
    cleanups: list[Callable[[], Any]] = field(default_factory=list)
    # Recorded keys left out of the comparison: answers of another AWS service (moto stands in
    # for it), key -> why. LocalStack's own tests skip the same fields.
    not_compared: dict[str, str] = field(default_factory=dict)
    # Paths (regular expressions, as snapshot.Comparison.skip) whose values another service's
    # stand-in produced and the emulator passes on unchanged.
    source_values: tuple[str, ...] = ()

    @property
    def region(self) -> str:
        return str(self.lam.meta.region_name)

    def match(self, key: str, response: Any) -> None:
        if isinstance(response, dict):
            response = clean_response(response)
            for member in JSON_MEMBERS:  # LocalStack compares these JSON strings parsed
                if isinstance(response.get(member), str):
                    response[member] = json.loads(response[member])
        self.captured[key] = response

    def error(self, call: Callable[..., Any], **params: Any) -> dict[str, Any]:
        """The error response of a call that must fail."""
        try:
            call(**params)
        except ClientError as e:
            return dict(e.response)
        raise AssertionError(f"{call.__name__}({params}) succeeded; AWS refused it")

    def name(self, prefix: str = "fn") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:8]}"

    def create_function(self, name: str = "", **params: Any) -> dict[str, Any]:
        """LocalStack's create_lambda_function fixture: its defaults, then wait until Active."""
        options: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Handler": "handler.handler",
            "Role": ROLE,
            "Code": {"ZipFile": code_zip()},
            "Timeout": 30,
            "Environment": {"Variables": {}},
            "Tags": {},
        }
        options.update(params)
        response = self.lam.create_function(**options)
        self.created.append(name)
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name)
        return {"CreateEventSourceMappingResponse": None, "CreateFunctionResponse": response}

    def unvalidated_client(self) -> Any:
        """A client for the same emulator that sends what it is given (no botocore checks)."""
        from emulator.harness import make_client

        return make_client(self.lam.meta.endpoint_url, parameter_validation=False)

    def create_function_aws(self, **params: Any) -> dict[str, Any]:
        """LocalStack's create_lambda_function_aws fixture: the call as given, then wait until
        the function is no longer Pending."""
        response: dict[str, Any] = self.lam.create_function(**params)
        self.created.append(params["FunctionName"])
        self.lam.get_waiter("function_active_v2").wait(FunctionName=params["FunctionName"])
        return response

    def plain_function(self, name: str, **params: Any) -> dict[str, Any]:
        """The CreateFunction most of LocalStack's version and alias tests make."""
        return self.create_function_aws(
            FunctionName=name,
            Handler="index.handler",
            Code={"ZipFile": code_zip()},
            PackageType="Zip",
            Role=ROLE,
            Runtime="python3.12",
            **params,
        )

    def cleanup(self) -> None:
        for undo in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                undo()
        for name in self.created:
            with contextlib.suppress(ClientError):
                self.lam.delete_function(FunctionName=name)


CaseFunction = Callable[[CaseContext, str | None], None]
CASES: dict[str, tuple[CaseFunction, str | None]] = {}
# Cases that AWS recorded in the middle of a transition (no waiter between the calls): they run
# against an emulator started with --update-delay, which holds transitions as AWS does.
MID_TRANSITION: set[str] = set()


def case(
    test: str, params: Iterable[str] = (), *, mid_transition: bool = False
) -> Callable[[CaseFunction], CaseFunction]:
    """Register `function` for `test` (Class::test_name), once per parameter id if any."""

    def register(function: CaseFunction) -> CaseFunction:
        ids = list(params)
        for param in ids or [None]:
            case_id = f"{test}[{param}]" if param is not None else test
            CASES[case_id] = (function, param)
            if mid_transition:
                MID_TRANSITION.add(case_id)
        return function

    return register


VALIDATION_ERROR = re.compile(r"(Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=;|$))")


def validation_summary(response: dict[str, Any]) -> dict[str, Any]:
    """How LocalStack's test_function_name_and_qualifier_validation records an error: the code
    and the sorted constraint messages (or the message when there are none)."""
    message = response["Error"]["Message"]
    code = response["Error"]["Code"]
    errors = VALIDATION_ERROR.findall(message)
    if errors:
        return {"Code": code, "Errors": sorted(errors), "Count": len(errors)}
    return {"Code": code, "Message": message}
