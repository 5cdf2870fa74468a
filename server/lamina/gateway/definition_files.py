"""An API's OpenAPI definition kept in a file beside the template (`DefinitionUri`, or the
`Location` of an `AWS::Include`), as SAM reads it: JSON or YAML (with CloudFormation's tags)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamina.project.cfn_values import to_text
from lamina.project.cfn_yaml import load_cfn_yaml


def definition_file(
    location: Any, template_dir: Path, where: str, warn: Callable[[str, str], None]
) -> Any:
    """The document at `location` (relative to the template's folder), or None with a warning
    at `where` when it is in S3 or can't be read."""
    if not isinstance(location, str) or location.startswith("s3://"):
        warn(where, f"definition {to_text(location)} is not a local file; skipped")
        return None
    file = Path(os.path.normpath(template_dir / location))
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as e:
        warn(where, f"cannot read {file}: {e.strerror}")
        return None
    if file.suffix == ".json":
        return json.loads(text)
    return load_cfn_yaml(file).data
