"""An archive_file whose files are written in the configuration (`source` blocks):

    data "archive_file" "orchestrator" {
      type        = "zip"
      output_path = "${path.module}/orchestrator.zip"
      source {
        filename = "orchestrator.py"
        content  = <<-PYTHON          # or file("${path.module}/src/orchestrator.py"), or "..."
          def handler(event, context): ...
        PYTHON
      }
    }

The files are written, as the zip would hold them, into a folder of Lamina's per-user cache
named by their hash (inline_code), and the function runs from there.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.project.inline_code import inline_files_dir
from lamina.project.terraform_config import Configuration
from lamina.project.terraform_expressions import UNRESOLVED

_HEREDOC = re.compile(r"<<(-?)([A-Za-z_]\w*)\n(.*?)\n?[ \t]*\2[ \t]*", re.S)
_FILE_CALL = re.compile(r'\$\{file\("([^"]*)"\)\}')


def archive_sources_dir(
    config: Configuration, sources: Any, where: str, warnings: list[str]
) -> Path | None:
    """The folder holding the `source` blocks' files, or None (with a warning) when a file's
    content or name isn't known locally."""
    files: dict[str, str] = {}
    for block in sources if isinstance(sources, list) else []:
        if not isinstance(block, Mapping):
            continue
        name = config.resolve(block.get("filename"), f"{where}.source.filename")
        content = text_value(config, block.get("content"), f"{where}.source.content")
        if not isinstance(name, str) or UNRESOLVED in name or content is None:
            warnings.append(f"{where}: a source block's filename or content is not known here")
            return None
        files[name] = content
    if not files:
        return None
    try:
        return inline_files_dir(files)
    except (OSError, ValueError) as error:
        warnings.append(f"{where}: its source files can't be written: {error}")
        return None


def text_value(config: Configuration, raw: Any, where: str) -> str | None:
    """A Terraform string argument's text: a `file(...)` call's file, a heredoc, or the value."""
    if not isinstance(raw, str):
        return None
    file_call = _FILE_CALL.fullmatch(raw)
    if file_call is not None:
        path = config.resolve(file_call.group(1), where)
        if not isinstance(path, str) or UNRESOLVED in path:
            return None
        try:
            return Path(os.path.normpath(config.folder / path)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    heredoc = _HEREDOC.fullmatch(raw)
    if heredoc is not None:  # <<-MARKER strips the lines' common indentation, as Terraform does
        raw = heredoc.group(3) + "\n"
        raw = textwrap.dedent(raw) if heredoc.group(1) else raw
    text = config.resolve(raw, where)
    if not isinstance(text, str) or UNRESOLVED in text or "${" in text:
        return None  # an expression left whole (a call holding braces) is not the file's text
    return text
