"""One /opt for a function's layers, merged as Lambda merges them.

Lambda extracts a function's layers into /opt in the order the function lists them; a later
layer's file replaces an earlier one's at the same path. Lamina builds that view once per layer
set, as a tree of real folders whose files are symbolic links to the layers' own files:

    <cache>/opt-<hash>/python/lib/python3.12/site-packages/...  -> layer files

- The links point at the layers' folders, so an edit to a local layer's file shows at once;
  adding or removing a file gives another hash (the tree lists the files), so another view.
- A single layer whose content goes to /opt as it is needs no view: its folder is /opt.
- With the sandbox (runtime/sandbox.py) the view is bound read-only at /opt, as on Lambda;
  without it, it stands for /opt on sys.path and `/opt` itself doesn't exist.

Content keyed by `key` (the emulator's content-addressed layers, an ARN layer's download, the
Powertools install: folders that never change) is not walked to name the view: its key names it.
So finding the view of a cached ARN or Powertools layer set walks nothing and hashes no content
(cache_counters: "opt walk"); only local layers' folders are listed.

Old views are removed: after a new view is built, all but the KEEP most recently used ones go,
but never one in use. A process that uses a view holds a shared lock (flock) on its
`opt-<hash>.lock` for as long as it runs (once per view and process: its environments may use
the view any time), and touches the view then (its mtime is its last use); removal takes the
lock exclusively without waiting, so a view some live Lamina process uses stays.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lamina.cache_counters import count

TEMP_PREFIX = ".tmp-"
KEEP = 16  # views kept beyond those in use, the most recently used
_held: dict[Path, int] = {}  # the views this process uses -> the lock file it holds shared


@dataclass(frozen=True)
class LayerSource:
    """A folder whose content Lambda extracts into /opt (`under`: a sub-folder of /opt, e.g.
    "python" for a SAM BuildMethod layer, whose folder becomes /opt/python)."""

    folder: Path
    under: str = ""
    key: str | None = None  # a content hash, when the folder never changes


@dataclass(frozen=True)
class OptDir:
    """The folder that is /opt, and the folders its links point into (a sandbox keeps them)."""

    path: Path
    sources: tuple[Path, ...]


def merged_opt(sources: Sequence[LayerSource], cache_dir: Path) -> OptDir | None:
    """The /opt of `sources`, in order (a later one's file wins); None when there are none."""
    present = [s for s in sources if s.folder.is_dir()]
    if not present:
        return None
    folders = tuple(s.folder for s in present)
    if len(present) == 1 and not present[0].under:
        return OptDir(present[0].folder, folders)
    digest = hashlib.sha256()
    listings: list[list[str]] = []
    for source in present:
        listing = [] if source.key else _listing(source.folder)
        listings.append(listing)
        digest.update(f"\0{source.folder}\0{source.under}\0{source.key or ''}\0".encode())
        digest.update("\n".join(listing).encode())
    target = cache_dir / f"opt-{digest.hexdigest()[:24]}"
    _hold(target)  # before looking: a remover now leaves it alone
    if not target.is_dir():
        _build(present, listings, target)
        prune_views(cache_dir)
    return OptDir(target, folders)


def _lock_path(view: Path) -> Path:
    return view.with_name(view.name + ".lock")


def _hold(view: Path) -> None:
    """This process uses `view` from now on: a shared lock on its lock file, until it exits."""
    if view in _held:
        return
    view.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_path(view)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # a remover unlinked it between our open and our lock: take the new one
    _held[view] = fd
    with contextlib.suppress(OSError):  # not built yet
        os.utime(view)  # its last use, for prune_views


def prune_views(cache_dir: Path, keep: int = KEEP) -> list[Path]:
    """Remove the views beyond the `keep` most recently used, skipping any a live process
    holds; returns those removed."""
    views = []
    for entry in os.scandir(cache_dir):
        if entry.name.startswith("opt-") and not entry.name.endswith(".lock"):
            try:
                views.append((entry.stat(follow_symlinks=False).st_mtime_ns, Path(entry.path)))
            except FileNotFoundError:
                continue
    views.sort(reverse=True)
    removed = []
    for _, view in views[keep:]:
        if view in _held:
            continue
        lock = _lock_path(view)
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # in use
        try:
            doomed = view.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
            view.rename(doomed)  # gone at once for anyone looking, then removed at leisure
            shutil.rmtree(doomed, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(view)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def opt_sys_path(opt: OptDir | None, python_version: str) -> tuple[Path, ...]:
    """Lambda's /opt entries of sys.path: the layers' site-packages, then /opt/python."""
    if opt is None:
        return ()
    candidates = (
        opt.path / "python" / "lib" / f"python{python_version}" / "site-packages",
        opt.path / "python",
    )
    return tuple(path for path in candidates if path.is_dir())


def _listing(folder: Path) -> list[str]:
    """The relative paths of a folder's files (links included), sorted."""
    count("opt walk")
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        rel = os.path.relpath(root, folder)
        prefix = "" if rel == "." else rel + os.sep
        found.extend(prefix + name for name in files)
        found.extend(prefix + name for name in dirs if os.path.islink(os.path.join(root, name)))
    found.sort()
    return found


def _build(sources: Sequence[LayerSource], listings: list[list[str]], target: Path) -> None:
    files: dict[str, Path] = {}
    for source, listing in zip(sources, listings, strict=True):
        for rel in listing or _listing(source.folder):
            inside = os.path.join(source.under, rel) if source.under else rel
            files[inside] = source.folder / rel  # a later layer's file replaces it
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        staging.mkdir()
        for inside in sorted(files):
            link = staging / inside
            try:
                link.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(files[inside], link)
            except (FileExistsError, NotADirectoryError):
                continue  # a file and a folder at one path: the first one made stays
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():
                raise
            # Someone built the same view first: theirs is identical.
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
