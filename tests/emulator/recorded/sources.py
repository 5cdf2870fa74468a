"""What the mapping cases need beyond the Lambda API: moto server's SQS, Kinesis and DynamoDB
(standing in for AWS's, as in tests/emulator/test_emulator_esm.py) and the events a function got.

LocalStack's tests read the events from CloudWatch Logs (the echo handler prints each one);
`lamina serve` keeps no log groups, so the rebuilt handlers also write each event to a folder
named by an environment variable, and `events()` reads them back in the order they came, each
parsed as LocalStack's log reader and snapshot do (a JSON string value becomes its object).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from emulator.recorded.context import CaseContext, code_zip

# Prints the event (as LocalStack's echo handler) and keeps it in $CASE_OUT.
RECORDING_ECHO = (
    "import json, os, time\n\n\n"
    "def handler(event, context):\n"
    "    print(json.dumps(event))\n"
    "    name = f'{time.time_ns()}-{context.aws_request_id}.json'\n"
    "    with open(os.path.join(os.environ['CASE_OUT'], name), 'w') as f:\n"
    "        json.dump(event, f)\n"
    "    return event\n"
)


def aws(ctx: CaseContext, service: str) -> Any:
    assert ctx.moto, "this case needs moto server (the suite starts it)"
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=ctx.region
    )
    return session.client(service, endpoint_url=ctx.moto)


def queue(ctx: CaseContext, name: str = "", **attributes: str) -> tuple[str, str]:
    """A new moto queue: (url, arn)."""
    sqs = aws(ctx, "sqs")
    url = sqs.create_queue(QueueName=name or ctx.name("queue"), Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    ctx.cleanups.append(lambda: sqs.delete_queue(QueueUrl=url))
    return str(url), str(arn)


def recording_function(
    ctx: CaseContext, name: str, source: str = RECORDING_ECHO, **params: Any
) -> Path:
    """Create `name` running `source`, with $CASE_OUT set; returns that folder."""
    out = Path(tempfile.mkdtemp(prefix="lamina-case-"))
    variables = {"CASE_OUT": str(out), **params.pop("Variables", {})}
    ctx.create_function(
        name, Code={"ZipFile": code_zip(source)}, Environment={"Variables": variables}, **params
    )
    return out


def events(out: Path, count: int, timeout: float = 30.0, settle: float = 0.3) -> list[Any]:
    """The events the function got, once it got `count` of them (oldest first); an event that
    should not come would come within `settle` seconds after those, and is returned too."""
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(out.glob("*.json"))
        if len(files) >= count:
            time.sleep(settle)
            files = sorted(out.glob("*.json"))
            return [parsed(json.loads(f.read_text())) for f in files]
        if time.monotonic() > deadline:
            raise AssertionError(f"the function got {len(files)} events, not {count}")
        time.sleep(0.05)


def parsed(value: Any) -> Any:
    """JSON strings holding an object or a list, parsed (as LocalStack's snapshot does)."""
    if isinstance(value, dict):
        return {key: parsed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [parsed(item) for item in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:  # one level: JSON strings inside the parsed value stay strings (as LocalStack's)
            return json.loads(value)
        except ValueError:
            return value
    return value


def await_enabled(ctx: CaseContext, uuid: str) -> None:
    from emulator.harness import wait_until

    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")
