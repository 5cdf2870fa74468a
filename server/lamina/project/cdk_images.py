"""A CDK container image function (`DockerImageFunction`, `DockerImageCode.fromImageAsset`) run
without its container, when its Dockerfile is AWS's Lambda Python base image plus your code:

    FROM public.ecr.aws/lambda/python:3.12
    COPY requirements.txt app.py ${LAMBDA_TASK_ROOT}/
    RUN pip install -r requirements.txt
    CMD ["app.handler"]

The base image's tag is the runtime, the folder copied into the task root is the code, and
`ImageConfig.Command` (else the Dockerfile's CMD) is the handler. Anything else (another base
image, no COPY into the task root, a multi-stage build) is named in one warning and the
function is skipped: Lamina runs no containers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_BASE_IMAGE = re.compile(r"(?:^|/)lambda/python:(?P<version>3\.\d+)\b")
_TASK_ROOTS = ("${LAMBDA_TASK_ROOT}", "$LAMBDA_TASK_ROOT", "/var/task")


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\r?\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _words(arguments: str) -> list[str]:
    if arguments.startswith("["):
        try:
            value = json.loads(arguments)
        except json.JSONDecodeError:
            return []
        return [str(item) for item in value] if isinstance(value, list) else []
    return [word for word in arguments.split() if not word.startswith("--")]


def image_function(
    asset: Path, dockerfile: str, properties: Mapping[str, Any]
) -> dict[str, str] | str:
    """Runtime, Handler and Code (a folder of the asset) to run the image's code, or why not."""
    path = asset / dockerfile
    try:
        instructions = _instructions(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return f"its Dockerfile can't be read ({error})"
    bases = [arguments for word, arguments in instructions if word == "FROM"]
    if len(bases) != 1:
        return f"{dockerfile} has {len(bases)} FROM lines (a multi-stage build)"
    match = _BASE_IMAGE.search(bases[0])
    if match is None:
        return f"its base image {bases[0].split()[0]} is not AWS's Lambda Python image"
    code: Path | None = None
    for word, arguments in instructions:
        words = _words(arguments)
        if word in ("COPY", "ADD") and len(words) >= 2:
            destination = words[-1].rstrip("/")
            if destination in _TASK_ROOTS:
                sources = [Path(os.path.normpath(asset / source)) for source in words[:-1]]
                folders = [source for source in sources if source.is_dir()]
                files_folder = Path(os.path.commonpath([source.parent for source in sources]))
                code = folders[0] if folders else files_folder
                break
    if code is None:
        return f"{dockerfile} copies nothing into ${{LAMBDA_TASK_ROOT}}"
    command = (properties.get("ImageConfig") or {}).get("Command")
    if not command:
        commands = [arguments for word, arguments in instructions if word == "CMD"]
        command = _words(commands[-1]) if commands else None
    if not command or not isinstance(command, list) or not command[0]:
        return "no handler: neither ImageConfig.Command nor the Dockerfile's CMD names one"
    return {"Runtime": f"python{match.group('version')}", "Handler": str(command[0]),
            "Code": str(code)}  # fmt: skip
