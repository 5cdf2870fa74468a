"""Sync's Function URLs: a template function's `FunctionUrlConfig` (AuthType, Cors, InvokeMode)
made true on the target after its code is deployed, as CloudFormation would after `sam sync`.

- The template declares one and the function has none: CreateFunctionUrlConfig. With AuthType
  NONE, the resource policy statement SAM adds with it (`lambda:InvokeFunctionUrl` for anyone,
  FunctionUrlAuthType NONE) is added too, and on AWS a warning says, once per function, that the
  URL is public.
- Both have one and they differ: UpdateFunctionUrlConfig.
- The template has none but the function does: DeleteFunctionUrlConfig, when Lamina knows the
  URL was the template's: on the emulator always (sync made that function); on AWS only when this
  process saw the template declare it (a URL someone made by hand is never deleted there).

Only `AWS::Serverless::Function` resources of a SAM template are read; the URL goes on the
function itself (not on an AutoPublishAlias alias). Same calls on the emulator and on AWS.
Blocking: run it on the deploy's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.deploy.sync_errors import RetryingCall, SyncError
from lamina.project.cfn_values import NO_VALUE
from lamina.project.cfn_yaml import load_cfn_yaml
from lamina.project.function_url_config import UrlConfig, normal_url_config, url_config_of
from lamina.project.intrinsics import IntrinsicResolver
from lamina.project.sam_globals import merge_globals
from lamina.project.spec import FunctionSpec, ProjectError
from lamina.project.template import SERVERLESS_FUNCTION

log = logging.getLogger(__name__)

PUBLIC_STATEMENT = "FunctionURLAllowPublicAccess"  # the Sid SAM's permission gets


def read_url_configs(template: Path) -> dict[str, UrlConfig]:
    """Logical id -> its FunctionUrlConfig (Globals merged, intrinsics resolved), for the
    template's functions that declare one. Raises ProjectError when the template is broken."""
    data = load_cfn_yaml(template).data
    if not isinstance(data, Mapping):
        return {}
    resolver = IntrinsicResolver(data)
    function_globals = (data.get("Globals") or {}).get("Function") or {}
    found: dict[str, UrlConfig] = {}
    for logical_id, resource in (data.get("Resources") or {}).items():
        if not isinstance(resource, Mapping) or resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        properties = merge_globals(function_globals, resource.get("Properties") or {})
        if not isinstance(properties, Mapping) or "FunctionUrlConfig" not in properties:
            continue
        where = f"{logical_id}.FunctionUrlConfig"
        config = resolver.resolve(properties["FunctionUrlConfig"], where)
        normal = None if config is NO_VALUE else url_config_of(config)
        if normal is not None:
            found[str(logical_id)] = normal
    return found


class TemplateUrls:
    """read_url_configs, read again only when the template file changes."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, int], dict[str, UrlConfig]]] = {}
        self._guard = threading.Lock()

    def of(self, spec: FunctionSpec) -> tuple[bool, UrlConfig | None]:
        """(whether the spec's source can declare a URL at all, its URL config or None)."""
        path = spec.source_path
        if spec.source != "template" or path is None:
            return False, None
        try:
            stat = path.stat()
        except OSError:
            return False, None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._guard:
            cached = self._cache.get(path)
        if cached is None or cached[0] != key:
            try:
                configs = read_url_configs(path)
            except ProjectError:
                return False, None  # the project loader reports a broken template
            cached = (key, configs)
            with self._guard:
                self._cache[path] = cached
        return True, cached[1].get(spec.logical_id)


class FunctionUrlSync:
    """Puts one function's URL config in the template's shape (deploy/function_urls.py)."""

    def __init__(self, lam: Any, call: RetryingCall, local: bool) -> None:
        self.lam = lam
        self.call = call
        self.local = local
        self.templates = TemplateUrls()
        self._declared: set[str] = set()  # functions whose template declared a URL here
        self._warned: set[str] = set()
        self._applied: dict[str, UrlConfig | None] = {}  # name -> the config last made true

    def apply(self, spec: FunctionSpec, name: str) -> str | None:
        """What changed ("URL created", ...) or None. The target is asked again only when the
        template's config changed since the last sync of `name` here."""
        readable, wanted = self.templates.of(spec)
        if not readable or (name in self._applied and self._applied[name] == wanted):
            return None
        self._applied.pop(name, None)
        change = self._apply(name, wanted)
        self._applied[name] = wanted
        return change

    def _apply(self, name: str, wanted: UrlConfig | None) -> str | None:
        current = self._current(name)
        if wanted is not None:
            self._declared.add(name)
            if current is None:
                return self._create(name, wanted)
            if normal_url_config(current) != wanted:
                self.call(
                    self.lam.update_function_url_config,
                    f"{name}: UpdateFunctionUrlConfig",
                    FunctionName=name,
                    **wanted,
                )
                return "URL updated"
            return None
        if current is None or not (self.local or name in self._declared):
            return None
        self.call(
            self.lam.delete_function_url_config,
            f"{name}: DeleteFunctionUrlConfig",
            FunctionName=name,
        )
        self._declared.discard(name)
        if current.get("AuthType") == "NONE":
            self._public_permission(name, add=False)
        return "URL deleted"

    def _current(self, name: str) -> UrlConfig | None:
        try:
            found: UrlConfig = self.call(
                self.lam.get_function_url_config,
                f"{name}: GetFunctionUrlConfig",
                FunctionName=name,
            )
        except SyncError as e:
            if e.code == "ResourceNotFoundException":
                return None
            raise
        return found

    def _create(self, name: str, wanted: UrlConfig) -> str:
        params = {key: value for key, value in wanted.items() if value or key != "Cors"}
        created = self.call(
            self.lam.create_function_url_config,
            f"{name}: CreateFunctionUrlConfig",
            FunctionName=name,
            **params,
        )
        if wanted["AuthType"] != "NONE":
            return "URL created"
        self._public_permission(name, add=True)
        if not self.local and name not in self._warned:
            self._warned.add(name)
            log.warning(
                "%s: created a PUBLIC Function URL (AuthType NONE: anyone can invoke it): %s",
                name,
                created.get("FunctionUrl", "?"),
            )
        return "public URL created"

    def _public_permission(self, name: str, add: bool) -> None:
        """SAM's statement that lets anyone call an AuthType NONE URL (added, or removed)."""
        try:
            if add:
                self.call(
                    self.lam.add_permission,
                    f"{name}: AddPermission",
                    FunctionName=name,
                    StatementId=PUBLIC_STATEMENT,
                    Action="lambda:InvokeFunctionUrl",
                    Principal="*",
                    FunctionUrlAuthType="NONE",
                )
            else:
                self.call(
                    self.lam.remove_permission,
                    f"{name}: RemovePermission",
                    FunctionName=name,
                    StatementId=PUBLIC_STATEMENT,
                )
        except SyncError as e:
            if e.code not in ("ResourceConflictException", "ResourceNotFoundException"):
                raise
