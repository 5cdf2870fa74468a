"""Event source mappings (SQS): the record the emulator keeps, the request checks Lambda makes,
and EventSourceMappingConfiguration, the response shape of botocore's model."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from lamina.emulator.errors import LambdaError, invalid, validation
from lamina.emulator.event_filter import criteria_shape, parse_filters
from lamina.emulator.names import Arns
from lamina.emulator.params import boolean, integer
from lamina.emulator.stream_model import (
    STREAM_DEFAULT_BATCH_SIZE,
    STREAM_MEMBERS,
    starting_position,
    stream_kind,
    stream_settings,
    stream_shape,
)

CREATING, ENABLED, DISABLED, UPDATING, DELETING = (
    "Creating",
    "Enabled",
    "Disabled",
    "Updating",
    "Deleting",
)
ENABLING, DISABLING = "Enabling", "Disabling"
# States an update passes through before it settles (Update answers one of them).
TRANSITIONS = (CREATING, UPDATING, ENABLING, DISABLING)


def update_state(before: bool, after: bool) -> str:
    """The state UpdateEventSourceMapping answers: Disabling or Enabling when it turns the
    mapping off or on (recorded: test_disabled_dynamodb_event_source_mapping), else Updating."""
    if before != after:
        return ENABLING if after else DISABLING
    return UPDATING


NO_RECORDS = "No records processed"
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
DEFAULT_BATCH_SIZE = 10
MAX_BATCH_SIZE = 10000
MAX_FIFO_BATCH_SIZE = 10
MAX_WINDOW_S = 300

_SQS_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]{1,80}(\.fifo)?$")
_OTHER_SOURCE = re.compile(r"^arn:aws[a-zA-Z-]*:(kinesis|dynamodb|kafka|mq|docdb|rds):")
# Members that Lamina takes and ignores (they change nothing a local poller does).
IGNORED_MEMBERS = frozenset({"MetricsConfig", "LoggingConfig", "FunctionName", "UUID"})
HANDLED_MEMBERS = frozenset(
    {
        "EventSourceArn",
        "Enabled",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FunctionResponseTypes",
        "ScalingConfig",
        "FilterCriteria",
        "Tags",  # CreateEventSourceMapping's, kept for ListTags (routes_esm)
    }
)


@dataclass(frozen=True)
class EventSourceMapping:
    uuid: str
    event_source_arn: str
    function_name: str
    qualifier: str | None
    batch_size: int = DEFAULT_BATCH_SIZE
    window_s: int = 0
    enabled: bool = True
    response_types: tuple[str, ...] = ()
    max_concurrency: int | None = None  # ScalingConfig, echoed
    state: str = CREATING
    reason: str = "USER_INITIATED"
    last_modified: float = 0.0
    last_result: str = NO_RECORDS
    tags: tuple[tuple[str, str], ...] = ()  # TagResource on the mapping's ARN
    filters: tuple[str, ...] = ()  # FilterCriteria's patterns (event_filter.py)
    # Kinesis and DynamoDB Streams only (stream_model.py)
    starting_position: str | None = None
    starting_timestamp: float | None = None
    bisect: bool = False
    max_retries: int = -1
    max_record_age: int = -1
    parallelization: int = 1
    on_failure: str | None = None

    @property
    def source_kind(self) -> str:
        """ "sqs", "kinesis" or "dynamodb"."""
        return stream_kind(self.event_source_arn) or "sqs"

    @property
    def reports_item_failures(self) -> bool:
        return REPORT_BATCH_ITEM_FAILURES in self.response_types

    @property
    def is_fifo(self) -> bool:
        return self.event_source_arn.endswith(".fifo")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["response_types"] = list(self.response_types)
        data["filters"] = list(self.filters)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventSourceMapping:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["response_types"] = tuple(values.get("response_types", ()))
        values["filters"] = tuple(values.get("filters", ()))
        values["tags"] = tuple((str(k), str(v)) for k, v in values.get("tags", ()))
        return cls(**values)

    def shape(self, arns: Arns) -> dict[str, Any]:
        """EventSourceMappingConfiguration."""
        body: dict[str, Any] = {
            "UUID": self.uuid,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.window_s,
            "EventSourceArn": self.event_source_arn,
            "FunctionArn": arns.function(self.function_name, self.qualifier),
            "LastModified": self.last_modified,
            "State": self.state,
            "StateTransitionReason": self.reason,
            "FunctionResponseTypes": list(self.response_types),
            "EventSourceMappingArn": (
                f"arn:aws:lambda:{arns.region}:{arns.account}:event-source-mapping:{self.uuid}"
            ),
        }
        if self.filters:
            body["FilterCriteria"] = criteria_shape(self.filters)
        if self.source_kind != "sqs":
            # AWS sends LastProcessingResult for streams only (48 recorded SQS cases lack it).
            body["LastProcessingResult"] = self.last_result
            body.update(
                stream_shape(
                    self.starting_position,
                    self.starting_timestamp,
                    self.bisect,
                    self.max_retries,
                    self.max_record_age,
                    self.parallelization,
                    self.on_failure,
                )
            )
        if self.max_concurrency is not None:
            body["ScalingConfig"] = {"MaximumConcurrency": self.max_concurrency}
        return body


def new_uuid() -> str:
    return str(uuid.uuid4())


def check_source_arn(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise invalid("Unrecognized event source.")  # AWS's words for a missing ARN
    if _SQS_ARN.match(value) or stream_kind(value) is not None:
        return value
    if _OTHER_SOURCE.match(value):
        raise invalid(
            f"lamina serve polls SQS queues, Kinesis and DynamoDB streams only; {value} is none "
            "of them (Kafka, MQ and DocumentDB sources are not supported)"
        )
    raise invalid(f"Unrecognized event source: {value}")


def check_members(body: dict[str, Any], stream: bool = False) -> None:
    for member in body:
        if member in HANDLED_MEMBERS or member in IGNORED_MEMBERS or body[member] is None:
            continue
        if stream and member in STREAM_MEMBERS:
            continue
        raise invalid(
            f"lamina serve does not support {member} for SQS event source mappings "
            "(it supports BatchSize, MaximumBatchingWindowInSeconds, Enabled, "
            "FunctionResponseTypes and ScalingConfig)"
        )


def settings(body: dict[str, Any], current: EventSourceMapping) -> dict[str, Any]:
    """The fields a Create or Update body sets, checked as Lambda checks them (against the
    mapping they will end up in)."""
    stream = current.source_kind != "sqs"
    check_members(body, stream)
    out: dict[str, Any] = {}
    if stream:
        out.update(stream_settings(body))
        if current.starting_position is None:  # a create: required, and fixed from then on
            out.update(starting_position(body, current.event_source_arn))
            if body.get("BatchSize") is None:
                out["batch_size"] = STREAM_DEFAULT_BATCH_SIZE
    batch = integer(body, "BatchSize", 1, MAX_BATCH_SIZE)
    if batch is not None:
        out["batch_size"] = batch
    window = integer(body, "MaximumBatchingWindowInSeconds", 0, MAX_WINDOW_S)
    if window is not None:
        out["window_s"] = window
    if "Enabled" in body and body["Enabled"] is not None:
        out["enabled"] = boolean(body, "Enabled")
    types = body.get("FunctionResponseTypes")
    if types is not None:
        if not isinstance(types, list) or any(t != REPORT_BATCH_ITEM_FAILURES for t in types):
            raise validation(
                types,
                "functionResponseTypes",
                "Member must satisfy constraint: [Member must satisfy enum value set: "
                "[ReportBatchItemFailures]]",
            )
        out["response_types"] = tuple(dict.fromkeys(types))
    if body.get("FilterCriteria") is not None:
        out["filters"] = parse_filters(body["FilterCriteria"])
    scaling = body.get("ScalingConfig")
    if scaling is not None:
        if not isinstance(scaling, dict):
            raise LambdaError("InvalidRequestContentException", "ScalingConfig must be an object")
        out["max_concurrency"] = integer(scaling, "MaximumConcurrency", 2, 1000)
    batch_size = out.get("batch_size", current.batch_size)
    window_s = out.get("window_s", current.window_s)
    if stream:
        pass  # streams take any window with any batch size
    elif current.is_fifo:
        if batch_size > MAX_FIFO_BATCH_SIZE:
            raise invalid(f"BatchSize must be between 1 and {MAX_FIFO_BATCH_SIZE} for FIFO queues.")
        if window_s:
            raise invalid("Batching window is not supported for FIFO queues")
    elif batch_size > 10 and window_s < 1:
        raise invalid(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10"
        )
    return out


@dataclass
class MappingFilter:
    """ListEventSourceMappings' filters."""

    source_arn: str | None = None
    function_name: str | None = None
    qualifier: str | None = None
    matches_any_qualifier: bool = field(default=True)

    def matches(self, mapping: EventSourceMapping) -> bool:
        if self.source_arn is not None and mapping.event_source_arn != self.source_arn:
            return False
        if self.function_name is not None:
            if mapping.function_name != self.function_name:
                return False
            if not self.matches_any_qualifier and mapping.qualifier != self.qualifier:
                return False
        return True
