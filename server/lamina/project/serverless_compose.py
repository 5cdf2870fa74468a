"""serverless-compose.yml: several Serverless Framework services in one project.

    services:
      orders:
        path: orders                 # the service folder, holding its serverless.yml
        params: {tableName: orders}  # the service's ${param:tableName}
      billing:
        path: billing
        config: serverless.api.yml   # another configuration file name
        params: {queue: ${orders.queueUrl}}   # another service's output: deployed only

Each service is read as a serverless.yml of its own (serverless.py), with the command line's
options and its params; a function is named `<service>/<function key>`, and its deployed name
stays the service's own. What compose adds at deploy time (dependsOn order, other services'
outputs) is not reproduced: a param holding one is named once as not resolved.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.project.serverless_files import find_serverless_file
from lamina.project.spec import ProjectError
from lamina.project.template import TemplateFunctions


def read_compose(
    path: Path,
    environ: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
) -> TemplateFunctions:
    """The functions of every service of a serverless-compose.yml. Raises ProjectError."""
    import yaml

    from lamina.project.serverless import read_serverless

    path = Path(os.path.abspath(path))
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read: {error}", path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProjectError(
            f"invalid YAML: {getattr(error, 'problem', error)}", path, line
        ) from None
    services = document.get("services") if isinstance(document, Mapping) else None
    if not isinstance(services, Mapping) or not services:
        raise ProjectError("services must be a mapping of service names to their paths", path)
    result = TemplateFunctions(path=path)
    for name, service in services.items():
        where = f"services.{name}"
        folder_name = service.get("path") if isinstance(service, Mapping) else None
        if not isinstance(folder_name, str):
            result.warnings.append(f"{where}: skipped: no path")
            continue
        folder = Path(os.path.normpath(path.parent / folder_name))
        config = service.get("config")
        config_path = folder / config if isinstance(config, str) else find_serverless_file(folder)
        if config_path is None or not config_path.is_file():
            result.warnings.append(f"{where}: skipped: no serverless.yml in {folder}")
            continue
        params = _params(service.get("params"), where, result.warnings)
        read = read_serverless(config_path, environ, options, params)
        result.functions.extend(
            dataclasses.replace(spec, logical_id=f"{name}/{spec.logical_id}")
            for spec in read.functions
        )
        result.warnings.extend(f"{name}: {warning}" for warning in read.warnings)
    return result


def _params(raw: Any, where: str, warnings: list[str]) -> dict[str, Any]:
    """The service's params, less those that name another service's outputs."""
    params: dict[str, Any] = {}
    for key, value in raw.items() if isinstance(raw, Mapping) else []:
        if isinstance(value, str) and "${" in value:
            warnings.append(
                f"{where}.params.{key}: {value} is not resolved (another service's output, "
                "known once deployed)"
            )
            continue
        params[str(key)] = value
    return params
