"""Layer versions (PublishLayerVersion and friends): metadata in the emulator's SQLite database,
content in the content-addressed code store beside the functions' code. No HTTP in here.

As on AWS:
- version numbers count up per layer name and are never reused, even after every version was
  deleted (`layer_counters` keeps the last one);
- a deleted version disappears from the API at once, but a function that refers to it keeps its
  content (AWS: "deleting a layer version doesn't affect functions that use it"). A deleted
  version's row stays, marked deleted, while some function refers to it; the next start drops it
  once none does.
- each version has its own resource policy (AddLayerVersionPermission), with a RevisionId that
  changes on every change.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from lamina.emulator.code_store import CodeObject
from lamina.emulator.database import Database
from lamina.emulator.errors import LambdaError, invalid, not_found
from lamina.emulator.store import FunctionStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS layer_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS layer_counters (
    name TEXT PRIMARY KEY,
    last_version INTEGER NOT NULL
);
"""

MAX_FUNCTION_LAYERS = 5  # AWS's quota per function
NOT_FOUND = "The resource you requested does not exist."


@dataclass(frozen=True)
class LayerVersion:
    name: str
    version: int
    arn: str  # the layer's ARN, without the version
    code_sha256: str
    code_key: str
    code_size: int
    created_date: str
    description: str = ""
    license_info: str | None = None
    # None: not given (AWS then leaves the member out); () given empty (AWS shows []).
    compatible_runtimes: tuple[str, ...] | None = None
    compatible_architectures: tuple[str, ...] | None = None
    policy: tuple[str, ...] = ()  # statements, as JSON text, in the order added
    policy_revision: str = ""

    @property
    def version_arn(self) -> str:
        return f"{self.arn}:{self.version}"

    def summary(self) -> dict[str, Any]:
        """LayerVersionsListItem."""
        item: dict[str, Any] = {
            "LayerVersionArn": self.version_arn,
            "Version": self.version,
            "Description": self.description,
            "CreatedDate": self.created_date,
        }
        if self.compatible_runtimes is not None:
            item["CompatibleRuntimes"] = list(self.compatible_runtimes)
        if self.license_info is not None:
            item["LicenseInfo"] = self.license_info
        if self.compatible_architectures is not None:
            item["CompatibleArchitectures"] = list(self.compatible_architectures)
        return item

    def to_api(self, location: str) -> dict[str, Any]:
        """GetLayerVersionResponse (and PublishLayerVersion's)."""
        body = self.summary()
        del body["LayerVersionArn"]
        return {
            "Content": {
                "Location": location,
                "CodeSha256": self.code_sha256,
                "CodeSize": self.code_size,
            },
            "LayerArn": self.arn,
            "LayerVersionArn": self.version_arn,
            **body,
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LayerVersion:
        values = dict(data)
        for key in ("compatible_runtimes", "compatible_architectures"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        values["policy"] = tuple(values.get("policy", ()))
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def parse_layer_name(raw: str) -> str:
    """A LayerName is a name or a layer ARN (arn:...:layer:NAME)."""
    if raw.startswith("arn:") and ":layer:" in raw:
        return raw.split(":layer:", 1)[1].split(":", 1)[0]
    return raw


def parse_version_arn(arn: str) -> tuple[str, str, int] | None:
    """(region, name, version) of arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION, or None."""
    parts = arn.split(":")
    if len(parts) != 8 or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "layer":
        return None
    if not parts[7].isdigit():
        return None
    return parts[3], parts[6], int(parts[7])


def check_version_number(number: int) -> None:
    if number < 1:
        raise invalid("Layer Version Cannot be less than 1")


class LayerVersions:
    """Every layer version of the emulator; reads are served from memory."""

    def __init__(self, store: FunctionStore, region: str, account: str) -> None:
        self.store = store
        self.db: Database = store.db
        self.region = region
        self.account = account
        self.prefix = f"arn:aws:lambda:{region}:{account}:layer:"
        self._versions: dict[tuple[str, int], LayerVersion] = {}
        self._deleted: dict[tuple[str, int], LayerVersion] = {}  # still used by functions
        self._counters: dict[str, int] = {}

    # --- life -----------------------------------------------------------------------------------

    def open(self) -> None:
        """Load the layers (blocking; the function store calls it while it opens, before its
        garbage collection, so that layer content is known to be in use)."""
        self.db.ensure_schema(SCHEMA)
        for name, last in self.db.query("SELECT name, last_version FROM layer_counters"):
            self._counters[str(name)] = int(str(last))
        used = self._arns_in_use()
        gone: list[tuple[str, int]] = []
        for _name, _version, deleted, data in self.db.query(
            "SELECT name, version, deleted, data FROM layer_versions"
        ):
            layer = LayerVersion.from_json(json.loads(str(data)))
            key = (layer.name, layer.version)
            if not deleted:
                self._versions[key] = layer
            elif layer.version_arn in used:
                self._deleted[key] = layer
            else:
                gone.append(key)
        if gone:

            def drop(conn: sqlite3.Connection) -> None:
                conn.executemany(
                    "DELETE FROM layer_versions WHERE name = ? AND version = ? AND deleted = 1",
                    gone,
                )

            self.db.run(drop)
        for layer in (*self._versions.values(), *self._deleted.values()):
            self.store.code.set_refs(_owner(layer), (layer.code_key,))

    def _arns_in_use(self) -> set[str]:
        used: set[str] = set()
        for state in self.store.all():
            configs = [state.latest, *state.versions.values()]
            if state.previous_latest is not None:
                configs.append(state.previous_latest)
            for config in configs:
                used.update(function_layer_arns(config.echoed))
        return used

    # --- reads ----------------------------------------------------------------------------------

    def get(self, name: str, version: int) -> LayerVersion:
        """A live version, or AWS's 404."""
        check_version_number(version)
        layer = self._versions.get((name, version))
        if layer is None:
            raise LambdaError("ResourceNotFoundException", NOT_FOUND)
        return layer

    def find_for_function(self, arn: str) -> LayerVersion | None:
        """The version a function refers to (a deleted one too: the function keeps it)."""
        parsed = parse_version_arn(arn)
        if parsed is None or not arn.startswith(self.prefix):
            return None
        _, name, version = parsed
        return self._versions.get((name, version)) or self._deleted.get((name, version))

    def versions_of(self, name: str) -> list[LayerVersion]:
        """Newest first, as ListLayerVersions answers."""
        found = [layer for (n, _), layer in self._versions.items() if n == name]
        return sorted(found, key=lambda layer: -layer.version)

    def latest_per_layer(self) -> list[LayerVersion]:
        latest: dict[str, LayerVersion] = {}
        for (name, _), layer in self._versions.items():
            if name not in latest or layer.version > latest[name].version:
                latest[name] = layer
        return [latest[name] for name in sorted(latest)]

    def total_code_size(self) -> int:
        return sum(layer.code_size for layer in self._versions.values())

    # --- writes ---------------------------------------------------------------------------------

    async def publish(
        self,
        name: str,
        stored: CodeObject,
        description: str,
        license_info: str | None,
        runtimes: tuple[str, ...] | None,
        architectures: tuple[str, ...] | None,
    ) -> LayerVersion:
        """A new version (the caller unpins `stored` after this returns or fails)."""
        async with self.store.lock:
            number = self._counters.get(name, 0) + 1
            layer = LayerVersion(
                name=name,
                version=number,
                arn=self.prefix + name,
                code_sha256=stored.sha256,
                code_key=stored.key,
                code_size=stored.size,
                created_date=_created_date(),
                description=description,
                license_info=license_info,
                compatible_runtimes=runtimes,
                compatible_architectures=architectures,
            )
            data = json.dumps(layer.to_json(), separators=(",", ":"))

            def write(conn: sqlite3.Connection) -> None:
                conn.execute(
                    "INSERT INTO layer_counters (name, last_version) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET last_version = excluded.last_version",
                    (name, number),
                )
                conn.execute(
                    "INSERT INTO layer_versions (name, version, deleted, data) VALUES (?, ?, 0, ?)",
                    (name, number, data),
                )

            await self.db.run_async(write)
            self._counters[name] = number
            self._versions[(name, number)] = layer
            self.store.code.set_refs(_owner(layer), (layer.code_key,))
        return layer

    async def delete(self, name: str, version: int) -> None:
        """Delete a version (gone already: nothing to do, as on AWS)."""
        check_version_number(version)
        async with self.store.lock:
            layer = self._versions.get((name, version))
            if layer is None:
                return
            keep = layer.version_arn in self._arns_in_use()

            def write(conn: sqlite3.Connection) -> None:
                if keep:
                    conn.execute(
                        "UPDATE layer_versions SET deleted = 1 WHERE name = ? AND version = ?",
                        (name, version),
                    )
                else:
                    conn.execute(
                        "DELETE FROM layer_versions WHERE name = ? AND version = ?",
                        (name, version),
                    )

            await self.db.run_async(write)
            del self._versions[(name, version)]
            if keep:
                self._deleted[(name, version)] = layer
            else:
                self.store.code.set_refs(_owner(layer), ())
                self.store.collect_garbage()

    async def set_policy(self, layer: LayerVersion, statements: Iterable[str]) -> LayerVersion:
        """Replace a version's policy statements (hold `store.lock`)."""
        updated = replace(layer, policy=tuple(statements), policy_revision=str(uuid.uuid4()))
        data = json.dumps(updated.to_json(), separators=(",", ":"))

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE layer_versions SET data = ? WHERE name = ? AND version = ?",
                (data, layer.name, layer.version),
            )

        await self.db.run_async(write)
        self._versions[(layer.name, layer.version)] = updated
        return updated

    # --- functions' Layers ----------------------------------------------------------------------

    def resolve_for_function(self, arns: list[Any]) -> list[dict[str, Any]]:
        """Check a CreateFunction/UpdateFunctionConfiguration `Layers` list as AWS does, and
        return it as FunctionConfiguration shows it ({Arn, CodeSize})."""
        if len(arns) > MAX_FUNCTION_LAYERS:
            raise invalid(f"Cannot reference more than {MAX_FUNCTION_LAYERS} layers.")
        seen: dict[str, str] = {}
        resolved: list[dict[str, Any]] = []
        for arn in arns:
            parsed = parse_version_arn(str(arn))
            if parsed is None:
                raise invalid(f"Layer version {arn} does not exist.")
            region, name, _ = parsed
            if str(arn).split(":")[4] != self.account:
                continue  # another account's layer: not ours to check (function_layers.py)
            if region != self.region:
                raise invalid(
                    "Layers are not in the same region as the function. Layers are expected "
                    f"to be in region {self.region}."
                )
            layer_arn = str(arn).rsplit(":", 1)[0]
            if layer_arn in seen:
                raise invalid(
                    "Two different versions of the same layer are not allowed to be referenced "
                    f"in the same function. {seen[layer_arn]} and {arn} are versions of the "
                    "same layer."
                )
            seen[layer_arn] = str(arn)
        for arn in arns:
            if str(arn).split(":")[4] != self.account:
                resolved.append({"Arn": str(arn), "CodeSize": 0})  # its size is not known here
                continue
            layer = self._versions.get(_key(str(arn))) if str(arn).startswith(self.prefix) else None
            if layer is None:
                raise invalid(f"Layer version {arn} does not exist.")
            resolved.append({"Arn": layer.version_arn, "CodeSize": layer.code_size})
        return resolved


def function_layer_arns(echoed: tuple[tuple[str, str], ...]) -> list[str]:
    """The layer version ARNs a stored function configuration refers to, in order."""
    for member, text in echoed:
        if member == "Layers":
            return [
                item["Arn"] if isinstance(item, dict) else str(item) for item in json.loads(text)
            ]
    return []


def missing_version(arn: str) -> LambdaError:
    return not_found(f"Layer version {arn} does not exist.")


def _key(arn: str) -> tuple[str, int]:
    parsed = parse_version_arn(arn)
    assert parsed is not None
    return parsed[1], parsed[2]


def _owner(layer: LayerVersion) -> str:
    return f"layer\0{layer.name}\0{layer.version}"


def _created_date() -> str:
    """AWS's CreatedDate format: 2018-11-27T15:10:45.123+0000."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}+0000"
