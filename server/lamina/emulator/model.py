"""What the emulator stores about functions: versions, aliases, policies, tags, concurrency.

Records are frozen: a change builds new ones (`dataclasses.replace`), the store commits them to
SQLite, then swaps them in, so readers (Invoke above all) never see a half-made change.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

LATEST = "$LATEST"

# Configuration members echoed back as given (Lamina doesn't act on them), besides the ones the
# records model. Their request and response shapes match in botocore's model.
ECHOED_MEMBERS = (
    "VpcConfig",
    "DeadLetterConfig",
    "KMSKeyArn",
    "TracingConfig",
    "Layers",
    "FileSystemConfigs",
    "LoggingConfig",
    "SnapStart",
    "CapacityProviderConfig",
    "DurableConfig",  # durable_functions.py reads it
    "TenancyConfig",  # tenancy.py reads it; CreateFunction only, as on AWS
)


def new_revision_id() -> str:
    return str(uuid.uuid4())


def timestamp(epoch: float | None = None) -> str:
    """Lambda's LastModified format: 2024-01-31T12:00:00.000+0000."""
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _fields_of(obj: Any) -> dict[str, Any]:
    """A flat dataclass's fields as a dict: dataclasses.asdict without its recursive deep copy
    (a third of a control-plane request's CPU, for fields that are plain values anyway)."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


@dataclass(frozen=True)
class VersionConfig:
    """One version of a function ($LATEST or a published number), as FunctionConfiguration."""

    function_name: str
    version: str
    handler: str
    runtime: str
    role: str
    code_sha256: str  # base64, as Lambda shows it
    code_key: str  # hex SHA-256: the code store's key
    code_size: int
    description: str = ""
    timeout: int = 3
    memory_size: int = 128
    environment: tuple[tuple[str, str], ...] = ()
    architectures: tuple[str, ...] = ("x86_64",)
    ephemeral_storage: int = 512
    echoed: tuple[tuple[str, str], ...] = ()  # (member, JSON text) of ECHOED_MEMBERS
    last_modified: str = ""
    revision_id: str = ""
    # Epoch seconds: State is Pending before `ready_at`, LastUpdateStatus InProgress before
    # `update_done_at` (both only with --update-delay).
    ready_at: float = 0.0
    update_done_at: float = 0.0
    # The RevisionId once the transition in progress completes ("": none). AWS gives a new
    # RevisionId on every transition: one in CreateFunction's answer (Pending), another once
    # Active; one in an update's answer (InProgress), another once Successful.
    settled_revision_id: str = ""
    # Whether Environment was ever given: AWS then shows it, even as {"Variables": {}}.
    environment_set: bool = False
    # A published version: the $LATEST RevisionId it was published from. PublishVersion makes
    # no new version while $LATEST has not changed since (a Description change counts).
    published_from: str = ""

    def in_transition(self, now: float) -> bool:
        """Pending (being created) or InProgress (being updated) at `now`."""
        return now < self.ready_at or now < self.update_done_at

    def final_revision(self) -> str:
        """The RevisionId this configuration has once its transition completes."""
        return self.settled_revision_id or self.revision_id

    def current_revision(self, now: float) -> str:
        if self.settled_revision_id and not self.in_transition(now):
            return self.settled_revision_id
        return self.revision_id

    def settings_key(self) -> tuple[object, ...]:
        """What makes two versions the same for PublishVersion (code and configuration)."""
        return (
            self.code_sha256,
            self.handler,
            self.runtime,
            self.role,
            self.timeout,
            self.memory_size,
            self.environment,
            self.architectures,
            self.ephemeral_storage,
            self.echoed,
        )

    def echoed_dict(self) -> dict[str, Any]:
        return {key: json.loads(text) for key, text in self.echoed}

    def to_json(self) -> dict[str, Any]:
        data = _fields_of(self)
        data["architectures"] = list(self.architectures)
        data["environment"] = [list(pair) for pair in self.environment]
        data["echoed"] = [list(pair) for pair in self.echoed]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VersionConfig:
        values = dict(data)
        values["environment"] = tuple((str(k), str(v)) for k, v in values.get("environment", ()))
        values["echoed"] = tuple((str(k), str(v)) for k, v in values.get("echoed", ()))
        values["architectures"] = tuple(values.get("architectures", ("x86_64",)))
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class Alias:
    name: str
    function_version: str
    description: str = ""
    # AdditionalVersionWeights: version -> the share of invocations it gets (0..1).
    weights: tuple[tuple[str, float], ...] = ()
    revision_id: str = field(default_factory=new_revision_id)

    def to_json(self) -> dict[str, Any]:
        # Spelled out, not _fields_of: every save of a function writes all its aliases.
        return {
            "name": self.name,
            "function_version": self.function_version,
            "description": self.description,
            "weights": [list(pair) for pair in self.weights],
            "revision_id": self.revision_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Alias:
        return cls(
            name=str(data["name"]),
            function_version=str(data["function_version"]),
            description=str(data.get("description", "")),
            weights=tuple((str(v), float(w)) for v, w in data.get("weights", ())),
            revision_id=str(data.get("revision_id") or new_revision_id()),
        )


@dataclass(frozen=True)
class EventInvokeConfig:
    """PutFunctionEventInvokeConfig's settings for one qualifier (None: AWS's default)."""

    max_retries: int | None = None  # 0-2; default 2
    max_age_s: int | None = None  # 60-21600; default 21600
    on_success: str | None = None  # destination ARN
    on_failure: str | None = None
    last_modified: float = 0.0  # epoch seconds

    @property
    def retries(self) -> int:
        return DEFAULT_ASYNC_RETRIES if self.max_retries is None else self.max_retries

    @property
    def age_limit_s(self) -> int:
        return DEFAULT_MAX_EVENT_AGE_S if self.max_age_s is None else self.max_age_s

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EventInvokeConfig:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


DEFAULT_ASYNC_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 6 * 3600
DEFAULT_EVENT_INVOKE = EventInvokeConfig()


@dataclass(frozen=True)
class FunctionState:
    """A function: its $LATEST, published versions, aliases, resource policies, tags and
    reserved concurrency. Treat as immutable; the store swaps whole states."""

    name: str
    latest: VersionConfig
    versions: Mapping[str, VersionConfig] = field(default_factory=dict)
    aliases: Mapping[str, Alias] = field(default_factory=dict)
    # Resource policy statements (JSON objects) per qualifier; "" is the unqualified function.
    policies: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    policy_revisions: Mapping[str, str] = field(default_factory=dict)  # GetPolicy's RevisionId
    tags: Mapping[str, str] = field(default_factory=dict)
    reserved_concurrency: int | None = None
    last_version: int = 0  # version numbers are never reused, even after a delete
    # PutFunctionEventInvokeConfig, per qualifier ($LATEST stands for the unqualified function).
    event_invoke: Mapping[str, EventInvokeConfig] = field(default_factory=dict)
    # With --update-delay: $LATEST as it was before the update in progress. Invokes run it
    # until the update completes, as on AWS.
    previous_latest: VersionConfig | None = None
    # PutFunctionCodeSigningConfig (or CreateFunction's CodeSigningConfigArn).
    code_signing_config_arn: str | None = None
    # PutFunctionRecursionConfig: "Terminate" (AWS's default) or "Allow".
    recursive_loop: str = "Terminate"
    # PutRuntimeManagementConfig per qualifier ($LATEST for the unqualified function):
    # (UpdateRuntimeOn, RuntimeVersionArn or "").
    runtime_management: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # PutProvisionedConcurrencyConfig per qualifier (a version number or an alias):
    # (requested environments, last modified epoch s, ready at epoch s).
    provisioned: Mapping[str, tuple[int, float, float]] = field(default_factory=dict)
    # PutFunctionScalingConfig per qualifier: the FunctionScalingConfig as given.
    scaling: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def evolve(self, **changes: Any) -> FunctionState:
        return replace(self, **changes)

    def latest_version(self) -> VersionConfig | None:
        if not self.versions:
            return None
        return self.versions[max(self.versions, key=int)]

    def code_keys(self) -> set[str]:
        keys = {self.latest.code_key, *(v.code_key for v in self.versions.values())}
        if self.previous_latest is not None:
            keys.add(self.previous_latest.code_key)
        return keys

    def running_latest(self, now: float) -> VersionConfig:
        """The $LATEST that invocations run now: the previous one while an update is in
        progress (--update-delay), as AWS keeps running the old code until it completes."""
        previous = self.previous_latest
        if previous is not None and now < self.latest.update_done_at:
            return previous
        return self.latest

    def meta_json(self) -> dict[str, Any]:
        """Everything but the published versions (they have their own rows)."""
        return {
            "name": self.name,
            "latest": self.latest.to_json(),
            "aliases": [a.to_json() for a in self.aliases.values()],
            "policies": {q: list(s) for q, s in self.policies.items()},
            "policy_revisions": dict(self.policy_revisions),
            "tags": dict(self.tags),
            "reserved_concurrency": self.reserved_concurrency,
            "last_version": self.last_version,
            "event_invoke": {q: c.to_json() for q, c in self.event_invoke.items()},
            "previous_latest": None
            if self.previous_latest is None
            else self.previous_latest.to_json(),
            "code_signing_config_arn": self.code_signing_config_arn,
            "recursive_loop": self.recursive_loop,
            "runtime_management": {q: list(v) for q, v in self.runtime_management.items()},
            "provisioned": {q: list(v) for q, v in self.provisioned.items()},
            "scaling": {q: dict(v) for q, v in self.scaling.items()},
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], versions: Mapping[str, VersionConfig]
    ) -> FunctionState:
        aliases = [Alias.from_json(a) for a in data.get("aliases", ())]
        reserved = data.get("reserved_concurrency")
        previous = data.get("previous_latest")
        return cls(
            name=str(data["name"]),
            latest=VersionConfig.from_json(data["latest"]),
            versions=dict(versions),
            aliases={a.name: a for a in aliases},
            policies={str(q): tuple(s) for q, s in data.get("policies", {}).items()},
            policy_revisions={str(q): str(r) for q, r in data.get("policy_revisions", {}).items()},
            tags={str(k): str(v) for k, v in data.get("tags", {}).items()},
            reserved_concurrency=None if reserved is None else int(reserved),
            last_version=int(data.get("last_version", 0)),
            event_invoke={
                str(q): EventInvokeConfig.from_json(c)
                for q, c in data.get("event_invoke", {}).items()
            },
            previous_latest=None if previous is None else VersionConfig.from_json(previous),
            code_signing_config_arn=data.get("code_signing_config_arn"),
            recursive_loop=str(data.get("recursive_loop") or "Terminate"),
            runtime_management={
                str(q): (str(v[0]), str(v[1]))
                for q, v in data.get("runtime_management", {}).items()
            },
            provisioned={
                str(q): (int(v[0]), float(v[1]), float(v[2]))
                for q, v in data.get("provisioned", {}).items()
            },
            scaling={
                str(q): {str(k): int(n) for k, n in v.items()}
                for q, v in data.get("scaling", {}).items()
            },
        )
