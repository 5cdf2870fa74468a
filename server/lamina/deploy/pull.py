"""`lamina pull`: a deployed function (on AWS or the emulator) becomes a local SAM project.

What the AWS Toolkit calls Quick Edit and "convert to SAM project": GetFunction gives the
configuration and a presigned URL of the code (code_location fetches it); the code is unpacked (with the same checks as
the emulator's uploads) into `<folder>/src/`, and `<folder>/template.yaml` describes the
function (FunctionName, Handler, Runtime, Timeout, MemorySize, Architectures, Environment,
Layers), so `lamina invoke`, the lenses, debugging and `lamina sync` work on it at once, and
sync sends it back under the same name. Its layers are listed by ARN; `lamina pull` then
downloads each from the same target into the shared layer cache (deploy/layer_download), where
runs find them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.deploy.code_location import DownloadError, download_code
from lamina.deploy.sync_errors import SyncError, classify
from lamina.deploy.targets import TargetClients
from lamina.zip_archive.limits import PackageError
from lamina.zip_archive.unpack import safe_unzip

CODE_FOLDER = "src"


class PullError(Exception):
    """One line for the user: what could not be pulled, and why."""


@dataclass
class PulledFunction:
    name: str
    folder: Path
    logical_id: str
    files: int
    layers: list[str] = field(default_factory=list)


def logical_id_for(name: str) -> str:
    """A template key from a function name: `orders-api_create` → `OrdersApiCreate`."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", name) if word]
    key = "".join(word[:1].upper() + word[1:] for word in words) or "Function"
    return key if key[0].isalpha() else f"Function{key}"


def pull_function(
    clients: TargetClients, name: str, folder: Path, qualifier: str | None = None
) -> PulledFunction:
    """Download `name` into `folder` (which must not exist, or be empty). Raises PullError."""
    if folder.exists() and any(folder.iterdir()):
        raise PullError(f"{folder} is not empty; pull into a new folder (--to)")
    try:
        params: dict[str, Any] = {"FunctionName": name}
        if qualifier:
            params["Qualifier"] = qualifier
        answer = clients.lambda_client.get_function(**params)
    except Exception as error:
        failure = classify(error, f"GetFunction {name} on {clients.describe()}")
        raise PullError(failure.message) from None
    configuration = answer.get("Configuration") or {}
    if configuration.get("PackageType") == "Image":
        raise PullError(f"{name} is a container image function; Lamina pulls .zip functions")
    runtime = str(configuration.get("Runtime") or "")
    if not runtime.startswith("python"):
        raise PullError(f"{name} runs {runtime or 'a custom runtime'}; Lamina pulls Python ones")
    location = (answer.get("Code") or {}).get("Location")
    if not location:
        raise PullError(f"{clients.describe()} gave no code location for {name}")
    try:
        data = download_code(str(location), clients.client("s3"))
    except DownloadError as error:
        raise PullError(f"cannot download the code of {name}: {error}") from None
    staging = Path(tempfile.mkdtemp(prefix=".lamina-pull-", dir=folder.parent))
    try:
        try:
            safe_unzip(data, staging / CODE_FOLDER)
        except PackageError as error:
            raise PullError(f"the code of {name} can't be unpacked: {error}") from None
        logical_id = logical_id_for(str(configuration.get("FunctionName") or name))
        layers = [str(layer.get("Arn")) for layer in configuration.get("Layers") or []]
        (staging / "template.yaml").write_text(
            template_text(logical_id, configuration, layers), encoding="utf-8"
        )
        files = sum(len(names) for _, _, names in os.walk(staging / CODE_FOLDER))
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PulledFunction(name, folder, logical_id, files, layers)


def template_text(logical_id: str, configuration: dict[str, Any], layers: list[str]) -> str:
    """A SAM template for the pulled function, with the deployed values."""
    import yaml

    properties: dict[str, Any] = {
        "FunctionName": configuration.get("FunctionName"),
        "CodeUri": f"{CODE_FOLDER}/",
        "Handler": configuration.get("Handler"),
        "Runtime": configuration.get("Runtime"),
        "Timeout": configuration.get("Timeout", 3),
        "MemorySize": configuration.get("MemorySize", 128),
        "Architectures": configuration.get("Architectures") or ["x86_64"],
    }
    if configuration.get("Description"):
        properties["Description"] = configuration["Description"]
    variables = (configuration.get("Environment") or {}).get("Variables") or {}
    if variables:
        properties["Environment"] = {"Variables": dict(variables)}
    if layers:
        properties["Layers"] = layers
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"Pulled by `lamina pull` from {configuration.get('FunctionArn', '')}",
        "Resources": {logical_id: {"Type": "AWS::Serverless::Function", "Properties": properties}},
    }
    return yaml.safe_dump(template, sort_keys=False, default_flow_style=False)


__all__ = ["PullError", "PulledFunction", "SyncError", "pull_function"]
