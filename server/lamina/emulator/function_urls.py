"""The emulator's Function URL configs: kept in its SQLite database (table `function_urls`), one
per function and qualifier, found again by url id when a request comes in.

The routes reach the registry through `registry_for(store)`, so the emulator's composition
(server.py, the Emulator dataclass) needs no new part: the table is created the first time a
Function URL operation or request needs it.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from dataclasses import asdict, dataclass, replace
from typing import Any

from lamina.emulator.model import timestamp
from lamina.emulator.store import FunctionStore
from lamina.gateway.cors import http_rules
from lamina.gateway.function_urls import FunctionUrl, url_id_for

SCHEMA = """
CREATE TABLE IF NOT EXISTS function_urls (
    url_id TEXT PRIMARY KEY,
    function TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    data TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class UrlConfig:
    function: str
    qualifier: str  # "" for the unqualified function
    auth_type: str
    invoke_mode: str | None  # None: not given (Create's answer leaves it out, as AWS does)
    cors: dict[str, Any] | None
    created: str
    modified: str

    @property
    def url_id(self) -> str:
        return url_id_for(self.function, self.qualifier or None)

    def function_url(self) -> FunctionUrl:
        """The gateway's view: `function` is `name` or `name:qualifier` (names hold no ':')."""
        target = f"{self.function}:{self.qualifier}" if self.qualifier else self.function
        return FunctionUrl(
            self.url_id,
            target,
            self.auth_type,
            self.invoke_mode or "BUFFERED",
            http_rules(self.cors) if self.cors else None,
        )

    def shape(self, base_url: str, function_arn: str, *, with_modified: bool) -> dict[str, Any]:
        """FunctionUrlConfig as botocore's model names it."""
        shape: dict[str, Any] = {
            "FunctionUrl": self.function_url().local_url(base_url),
            "FunctionArn": function_arn,
            "AuthType": self.auth_type,
            "CreationTime": self.created,
        }
        if self.cors:
            shape["Cors"] = self.cors
        if with_modified:
            shape["LastModifiedTime"] = self.modified
            shape["InvokeMode"] = self.invoke_mode or "BUFFERED"
        elif self.invoke_mode:
            shape["InvokeMode"] = self.invoke_mode
        return shape

    def updated(self, **changes: Any) -> UrlConfig:
        return replace(self, modified=timestamp(), **changes)


def new_config(
    function: str, qualifier: str, auth_type: str, invoke_mode: str | None, cors: Any
) -> UrlConfig:
    now = timestamp()
    return UrlConfig(function, qualifier, auth_type, invoke_mode, cors, now, now)


class FunctionUrlRegistry:
    def __init__(self, store: FunctionStore) -> None:
        self.store = store
        self._by_id: dict[str, UrlConfig] = {}
        store.db.ensure_schema(SCHEMA)
        for (data,) in store.db.query("SELECT data FROM function_urls"):
            config = UrlConfig(**json.loads(str(data)))
            self._by_id[config.url_id] = config

    def get(self, function: str, qualifier: str) -> UrlConfig | None:
        return self._by_id.get(url_id_for(function, qualifier or None))

    def by_url_id(self, url_id: str) -> UrlConfig | None:
        return self._by_id.get(url_id)

    def of_function(self, function: str) -> list[UrlConfig]:
        return sorted(
            (c for c in self._by_id.values() if c.function == function),
            key=lambda c: c.qualifier,
        )

    async def save(self, config: UrlConfig) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO function_urls (url_id, function, qualifier, data) "
                "VALUES (?, ?, ?, ?)",
                (config.url_id, config.function, config.qualifier, json.dumps(asdict(config))),
            )

        await self.store.db.run_async(write)
        self._by_id[config.url_id] = config

    async def delete(self, config: UrlConfig) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM function_urls WHERE url_id = ?", (config.url_id,))

        await self.store.db.run_async(write)
        self._by_id.pop(config.url_id, None)


_REGISTRIES: weakref.WeakKeyDictionary[FunctionStore, FunctionUrlRegistry] = (
    weakref.WeakKeyDictionary()
)


def registry_for(store: FunctionStore) -> FunctionUrlRegistry:
    registry = _REGISTRIES.get(store)
    if registry is None:
        registry = _REGISTRIES[store] = FunctionUrlRegistry(store)
    return registry
