"""Which files of a code dir go into its package: built-in excludes, then `.laminaignore`.

`.laminaignore` uses gitignore syntax: `#` comments, `!` re-includes, a trailing `/` matches
folders only, a pattern with a `/` before its end is anchored to the file's folder, `*`, `?`,
`[a-z]` and `**` work as in git. The last rule that matches a path decides. As in git, a file
inside an excluded folder cannot be re-included (the folder is never entered).

Built-in excludes come first, so a `.laminaignore` can re-include, say, `!tests/`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

IGNORE_FILE_NAME = ".laminaignore"
DEFAULT_PATTERNS = (
    "__pycache__/",
    ".venv/",
    "venv/",
    "tests/",
    ".git/",
    ".lamina/",
    ".aws-sam/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    "*.pyc",
    "*.pyo",
    ".DS_Store",
    IGNORE_FILE_NAME,
)


@dataclass(frozen=True)
class IgnoreRule:
    pattern: str  # as written, for messages
    regex: re.Pattern[str]
    negated: bool
    dirs_only: bool


def _translate(glob: str) -> str:
    """A gitignore glob (without the leading/trailing slash handling) as a regex body."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        if char == "*":
            if glob.startswith("**", i):
                before_ok = i == 0 or glob[i - 1] == "/"
                after = i + 2
                if before_ok and after < n and glob[after] == "/":
                    out.append("(?:.*/)?")  # `**/`: zero or more folders
                    i = after + 1
                    continue
                if before_ok and after == n:
                    out.append(".*")  # trailing `/**`: everything inside
                    i = after
                    continue
                out.append("[^/]*")
                i = after
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find("]", i + 2 if glob[i + 1 : i + 2] in ("!", "^") else i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = glob[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif char == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def parse_rule(line: str) -> IgnoreRule | None:
    """One line of a gitignore-syntax file, or None for blanks and comments."""
    text = line.rstrip("\n").rstrip("\r")
    # Trailing spaces are dropped unless escaped.
    stripped = text.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(text):
        stripped += " "
    text = stripped
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    if negated or text.startswith("\\!") or text.startswith("\\#"):
        text = text[1:]
    dirs_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    text = text.lstrip("/")
    body = _translate(text)
    prefix = "" if anchored else "(?:.*/)?"
    return IgnoreRule(line.strip(), re.compile(f"^{prefix}{body}$"), negated, dirs_only)


def parse_rules(text: str) -> list[IgnoreRule]:
    return [rule for rule in map(parse_rule, text.splitlines()) if rule is not None]


DEFAULT_RULES = tuple(parse_rules("\n".join(DEFAULT_PATTERNS)))


class IgnoreRules:
    """The rules for one code dir: the defaults, then its `.laminaignore` (if any)."""

    def __init__(self, rules: list[IgnoreRule] | tuple[IgnoreRule, ...] = DEFAULT_RULES) -> None:
        self.rules = tuple(rules)

    @classmethod
    def for_code_dir(cls, code_dir: Path) -> IgnoreRules:
        path = code_dir / IGNORE_FILE_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return cls()
        return cls([*DEFAULT_RULES, *parse_rules(text)])

    def ignored(self, relative: str, is_dir: bool) -> bool:
        """Whether the POSIX path `relative` (to the code dir) is left out."""
        verdict = False
        for rule in self.rules:
            if rule.dirs_only and not is_dir:
                continue
            if rule.regex.match(relative):
                verdict = not rule.negated
        return verdict

    def ignored_path(self, relative: str, is_dir: bool = False) -> bool:
        """Whether a file (or folder) at `relative` would be left out, its folders included (a
        file inside an excluded folder is excluded too)."""
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            if self.ignored("/".join(parts[:depth]), True):
                return True
        return self.ignored(relative, is_dir)


@dataclass(frozen=True)
class CodeFile:
    """A file that goes into a package: its name in the zip, its path and stat."""

    arcname: str
    path: Path
    size: int
    executable: bool


def list_code_files(code_dir: Path, rules: IgnoreRules | None = None) -> list[CodeFile]:
    """The files of `code_dir` a package holds, sorted by arcname. Symlinks are followed for
    files (as `sam build` does) but folders reached through a symlink loop are skipped."""
    rules = rules or IgnoreRules.for_code_dir(code_dir)
    found: list[CodeFile] = []
    seen_dirs: set[tuple[int, int]] = set()

    def walk(folder: str, prefix: str) -> None:
        try:
            info = os.stat(folder)
        except OSError:
            return
        key = (info.st_dev, info.st_ino)
        if key in seen_dirs:
            return
        seen_dirs.add(key)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            relative = prefix + entry.name
            try:
                is_dir = entry.is_dir()
                if is_dir:
                    if not rules.ignored(relative, True):
                        walk(entry.path, relative + "/")
                    continue
                if not entry.is_file() or rules.ignored(relative, False):
                    continue
                stat = entry.stat()
            except OSError:
                continue  # vanished while we looked (an editor's temp file)
            found.append(
                CodeFile(relative, Path(entry.path), stat.st_size, bool(stat.st_mode & 0o100))
            )

    walk(os.fspath(code_dir), "")
    found.sort(key=lambda f: f.arcname)
    return found
