"""The IDEs' own forms of a saved run configuration, so it shows in their run menus.

- PyCharm: `.run/<name>.run.xml`, a Python run configuration that runs
  `python -m lamina invoke --config NAME` in the project directory.
- VS Code: an entry of type `lamina` in `.vscode/launch.json`. The file is JSON with comments;
  the entry is spliced into its text, so the user's comments and layout stay.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from lamina.project.run_configurations import write_text_atomically
from lamina.project.spec import ProjectError

PYCHARM_RUN_DIR = Path(".run")
LAUNCH_JSON = Path(".vscode") / "launch.json"
_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._ -]")


def pycharm_file_name(name: str) -> str:
    return _UNSAFE_FILE_CHARACTERS.sub("_", name).strip(" .") or "lamina"


def invoke_arguments(name: str) -> str:
    """The command line after `-m lamina` (names hold no double quote: see check_name)."""
    return f'invoke --config "{name}"' if " " in name or "'" in name else f"invoke --config {name}"


def pycharm_run_configuration(name: str, module: str) -> str:
    """The XML of a PyCharm Python run configuration running `-m lamina invoke --config`."""
    options = {
        "ENV_FILES": "",
        "INTERPRETER_OPTIONS": "",
        "PARENT_ENVS": "true",
        "SDK_HOME": "",
        "WORKING_DIRECTORY": "$PROJECT_DIR$",
        "IS_MODULE_SDK": "true",
        "ADD_CONTENT_ROOTS": "true",
        "ADD_SOURCE_ROOTS": "true",
        "SCRIPT_NAME": "lamina",
        "PARAMETERS": invoke_arguments(name),
        "SHOW_COMMAND_LINE": "false",
        "EMULATE_TERMINAL": "false",
        "MODULE_MODE": "true",
        "REDIRECT_INPUT": "false",
        "INPUT_FILE": "",
    }
    lines = [
        '<component name="ProjectRunConfigurationManager">',
        f'  <configuration default="false" name={quoteattr(name)} '
        'type="PythonConfigurationType" factoryName="Python">',
        f"    <module name={quoteattr(module)} />",
        "    <envs>",
        '      <env name="PYTHONUNBUFFERED" value="1" />',
        "    </envs>",
    ]
    lines += [
        f"    <option name={quoteattr(k)} value={quoteattr(v)} />" for k, v in options.items()
    ]
    lines += ['    <method v="2" />', "  </configuration>", "</component>", ""]
    return "\n".join(lines)


def write_pycharm_run_configuration(root: Path, name: str) -> Path:
    path = root / PYCHARM_RUN_DIR / f"{pycharm_file_name(name)}.run.xml"
    write_text_atomically(path, pycharm_run_configuration(name, root.name))
    return path


def vscode_launch_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "lamina",
        "request": "launch",
        "runConfiguration": name,
    }


def add_vscode_launch_configuration(root: Path, name: str) -> Path:
    """Add (or replace, by name) the entry in .vscode/launch.json, keeping the file's comments."""
    path = root / LAUNCH_JSON
    entry = vscode_launch_entry(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        document = {"version": "0.2.0", "configurations": [entry]}
        write_text_atomically(path, json.dumps(document, indent=4) + "\n")
        return path
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectError(f"cannot read: {e}", path) from None
    write_text_atomically(path, splice_launch_entry(text, entry, path))
    return path


# --- JSON with comments ------------------------------------------------------------------------


@dataclass
class _Token:
    char: str  # one of {}[],: or '"' for a string, 'v' for any other value
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    """The structural tokens of JSONC text, skipping comments and whitespace."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            tokens.append(_Token('"', i, j + 1))
            i = j + 1
        elif ch in "{}[],:":
            tokens.append(_Token(ch, i, i + 1))
            i += 1
        else:
            j = i
            while j < n and text[j] not in ' \t\r\n{}[],:"/':
                j += 1
            tokens.append(_Token("v", i, max(j, i + 1)))
            i = max(j, i + 1)
    return tokens


def loads_jsonc(text: str) -> Any:
    """Parse JSON with comments and trailing commas, as VS Code reads launch.json."""
    tokens = _tokens(text)
    parts: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1].char if index + 1 < len(tokens) else ""
        if token.char == "," and following in "]}":
            continue  # a trailing comma
        parts.append(text[token.start : token.end])
    return json.loads("".join(parts))


def _matching(tokens: list[_Token], open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].char in "[{":
            depth += 1
        elif tokens[index].char in "]}":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced brackets")


def _line_indent(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    prefix = text[line_start:offset]
    return prefix if not prefix.strip() else ""


def _indent_unit(text: str) -> str:
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else "    "


def _render(entry: dict[str, Any], indent: str, unit: str) -> str:
    rendered = json.dumps(entry, indent="\t" if unit == "\t" else len(unit))
    return rendered.replace("\n", "\n" + indent)


def splice_launch_entry(text: str, entry: dict[str, Any], path: Path) -> str:
    """`text` with `entry` in its "configurations" array (replacing one with the same name)."""
    try:
        loads_jsonc(text)
        tokens = _tokens(text)
        if not tokens or tokens[0].char != "{":
            raise ValueError("not an object")
        top_end = _matching(tokens, 0)
        array_open = None
        depth = 0
        for index in range(1, top_end):
            token = tokens[index]
            if token.char in "[{":
                depth += 1
            elif token.char in "]}":
                depth -= 1
            elif (
                depth == 0
                and token.char == '"'
                and text[token.start : token.end] == '"configurations"'
                and tokens[index + 2].char == "["
            ):
                array_open = index + 2
                break
    except (ValueError, IndexError) as e:
        raise ProjectError(f"cannot add a configuration: not valid JSON ({e})", path) from None
    unit = _indent_unit(text)
    if array_open is None:
        return _add_configurations_key(text, tokens, top_end, entry, unit)
    array_close = _matching(tokens, array_open)
    elements: list[tuple[int, int]] = []  # token index ranges of each element
    index = array_open + 1
    while index < array_close:
        end = _matching(tokens, index) if tokens[index].char in "[{" else index
        elements.append((index, end))
        index = end + 1
        if index < array_close and tokens[index].char == ",":
            index += 1
    for first, last in elements:
        start, stop = tokens[first].start, tokens[last].end
        try:
            existing = loads_jsonc(text[start:stop])
        except ValueError:
            continue
        if isinstance(existing, dict) and existing.get("name") == entry["name"]:
            indent = _line_indent(text, start)
            return text[:start] + _render(entry, indent, unit) + text[stop:]
    close_offset = tokens[array_close].start
    if elements:
        last_end = tokens[elements[-1][1]].end
        indent = _line_indent(text, tokens[elements[-1][0]].start) or unit * 2
        return text[:last_end] + ",\n" + indent + _render(entry, indent, unit) + text[last_end:]
    outer = _line_indent(text, tokens[array_open].start) or ""
    key_indent = _line_indent(text, tokens[array_open - 2].start)
    indent = (key_indent or outer) + unit
    insertion = "\n" + indent + _render(entry, indent, unit) + "\n" + (key_indent or outer)
    return text[: tokens[array_open].end] + insertion + text[close_offset:]


def _add_configurations_key(
    text: str, tokens: list[_Token], top_end: int, entry: dict[str, Any], unit: str
) -> str:
    indent = unit * 2
    block = f'{unit}"configurations": [\n{indent}{_render(entry, indent, unit)}\n{unit}]'
    close = tokens[top_end].start
    has_members = top_end > 1
    before = text[:close].rstrip()
    separator = "," if has_members and not before.endswith(",") else ""
    return before + separator + "\n" + block + "\n" + text[close:]
