"""Unpack an uploaded deployment package safely.

Uploaded zips are hostile until proven otherwise. `unpack_package` refuses, with one
`PackageError`: anything that is not a zip, entries that would land outside the destination (`../`,
absolute paths, drive letters, writes through a symlink), duplicate entries, and zip bombs (the
declared sizes are checked first, then the bytes actually written are counted). Symlinks are
created last, never through another link, and judged once all of them exist (see links):
like Lambda, Lamina keeps a link that leaves the code, and says so.

It lives below project/ (a zip CodeUri is unpacked into the cache) and deploy/ (uploads, layers,
pulled code), so neither reaches into the other for it.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lamina.zip_archive.limits import (
    DIR_MODE,
    EXEC_MODE,
    FILE_MODE,
    MAX_ENTRIES,
    MAX_UNZIPPED_BYTES,
    MAX_ZIPPED_BYTES,
    PackageError,
)
from lamina.zip_archive.links import describe, leaves_the_code, link_destination

_CHUNK = 1 << 16


def open_zip(data: bytes) -> zipfile.ZipFile:
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise PackageError("the upload is not a zip file")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
        raise PackageError(f"the upload is not a readable zip file: {e}") from None


def _checked_name(name: str) -> str:
    """The entry's relative POSIX path, or PackageError if it could escape the destination."""
    if "\x00" in name:
        raise PackageError(f"zip entry {name!r} has a NUL character in its name")
    path = name.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise PackageError(f"zip entry {name!r} has an absolute path")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise PackageError(f"zip entry {name!r} points outside the package (..)")
    return "/".join(parts)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _file_mode(info: zipfile.ZipInfo) -> int:
    mode = info.external_attr >> 16 if info.create_system == 3 else 0
    return EXEC_MODE if mode & stat.S_IXUSR else FILE_MODE


def check_archive(
    archive: zipfile.ZipFile, max_unzipped: int = MAX_UNZIPPED_BYTES
) -> list[zipfile.ZipInfo]:
    """Check names and declared sizes before anything is written."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise PackageError(f"the zip has {len(infos)} entries; at most {MAX_ENTRIES} are allowed")
    declared = 0
    for info in infos:
        _checked_name(info.filename)
        if info.flag_bits & 0x1:
            raise PackageError(f"zip entry {info.filename!r} is encrypted")
        declared += info.file_size
        if declared > max_unzipped:
            raise PackageError(
                f"Unzipped size must be smaller than {max_unzipped} bytes (the zip declares more)"
            )
    return infos


@dataclass
class Unpacked:
    """What `unpack_package` wrote: the bytes of its files, and one warning per symlink that
    leaves the code (kept, as Lambda keeps it)."""

    written: int = 0
    warnings: list[str] = field(default_factory=list)


def safe_unzip(
    data: bytes,
    dest: Path,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
    max_zipped: int = MAX_ZIPPED_BYTES,
) -> int:
    """`unpack_package`, for callers that only want the bytes written."""
    return unpack_package(data, dest, max_unzipped, max_zipped).written


def unpack_package(
    data: bytes,
    dest: Path,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
    max_zipped: int = MAX_ZIPPED_BYTES,
) -> Unpacked:
    """Unpack `data` into `dest` (created if missing, best empty).

    Raises PackageError for anything unsafe; what was written so far stays inside `dest`, and
    the caller removes it (unpack into a temporary dir, then rename)."""
    if len(data) > max_zipped:
        raise PackageError(f"the zip is {len(data)} bytes; at most {max_zipped} may be uploaded")
    archive = open_zip(data)
    result = Unpacked()
    with archive:
        infos = check_archive(archive, max_unzipped)
        dest.mkdir(parents=True, exist_ok=True)
        root = os.path.realpath(dest)
        checked: set[str] = {root}  # dirs made and resolved inside `root` (they stay so)
        links: list[tuple[str, str]] = []
        for info in infos:
            name = _checked_name(info.filename)
            if not name:
                continue
            target = os.path.join(root, *name.split("/"))
            if info.is_dir():
                _make_dirs(root, target, checked)
            elif _is_symlink(info):
                links.append((name, _link_text(archive, info, name)))
            else:
                result.written = _write_file(
                    archive, info, root, target, result.written, max_unzipped, checked
                )
    # Links last, so no file or folder is ever written through one.
    for name, link in links:
        _write_symlink(root, name, link)
    for name, link in links:
        destination = link_destination(root, name)
        if destination is None or leaves_the_code(destination):
            result.warnings.append(describe(name, link, destination))
    return result


def verify_package(
    data: bytes,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
    max_zipped: int = MAX_ZIPPED_BYTES,
) -> int:
    """Refuse, with the PackageError `unpack_package` would raise, a zip it would refuse, without
    writing anything: names and paths, duplicates, writes through a link, the bytes each entry
    really inflates to (CRC checked). Returns the unpacked size."""
    if len(data) > max_zipped:
        raise PackageError(f"the zip is {len(data)} bytes; at most {max_zipped} may be uploaded")
    written = 0
    files: set[str] = set()  # files and links
    dirs: set[str] = set()  # explicit dirs and every parent
    with open_zip(data) as archive:
        for info in check_archive(archive, max_unzipped):
            name = _checked_name(info.filename)
            if not name:
                continue
            parts = name.split("/")
            dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
            if info.is_dir():
                dirs.add(name)
                continue
            if name in files:
                raise PackageError(f"zip entry {name!r} appears twice")
            files.add(name)
            if _is_symlink(info):
                _link_text(archive, info, name)
            else:
                written = _inflate(archive, info, name, written, max_unzipped, None)
    clashes = sorted(files & dirs)  # a file or link that other entries would be written below
    if clashes:
        raise PackageError(f"zip entry {clashes[0]!r} would be written through a symlink or file")
    return written


def _inflate(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    written: int,
    max_unzipped: int,
    out: BinaryIO | None,
) -> int:
    """Inflate one entry into `out` (or nowhere), counting the bytes against the limit."""
    try:
        with archive.open(info) as src:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > max_unzipped:
                    raise PackageError(f"Unzipped size must be smaller than {max_unzipped} bytes")
                if out is not None:
                    out.write(chunk)
    except PackageError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as e:
        raise PackageError(f"zip entry {name!r} is corrupt: {e}") from None
    except (OSError, ValueError, RuntimeError) as e:
        raise PackageError(f"zip entry {name!r} cannot be unpacked: {e}") from None
    return written


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _make_dirs(root: str, target: str, checked: set[str]) -> None:
    """Create `target` and its parents, making sure they resolve inside `root`. A dir checked
    once stays inside: nothing can later turn it (or a parent) into a symlink, since entries
    never replace an existing path."""
    if target in checked:
        return
    # A symlinked parent could redirect the dir elsewhere: resolve before and after creating.
    if not _inside(root, os.path.realpath(target)):
        raise PackageError(f"zip entry {target[len(root) + 1 :]!r} points outside the package")
    try:
        os.makedirs(target, mode=DIR_MODE, exist_ok=True)
    except OSError as e:
        raise PackageError(
            f"zip entry {target[len(root) + 1 :]!r} cannot be created: {e.strerror}"
        ) from None
    if not _inside(root, os.path.realpath(target)):
        raise PackageError(f"zip entry {target[len(root) + 1 :]!r} points outside the package")
    checked.add(target)


def _link_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> str:
    if info.file_size > 4096:
        raise PackageError(f"zip entry {name!r}: symlink target too long")
    try:
        link = archive.read(info).decode("utf-8")
    except (zipfile.BadZipFile, EOFError, NotImplementedError, UnicodeDecodeError) as e:
        raise PackageError(f"zip entry {name!r} is a corrupt symlink: {e}") from None
    if not link or "\x00" in link:
        raise PackageError(f"zip entry {name!r} is a symlink with an empty or invalid target")
    return link


def _write_symlink(root: str, name: str, link: str) -> None:
    """Create the link `name` -> `link` below `root`, its parents real folders, never links."""
    parent = root
    for part in name.split("/")[:-1]:
        parent = os.path.join(parent, part)
        try:
            mode = os.lstat(parent).st_mode
        except FileNotFoundError:
            try:
                os.mkdir(parent, DIR_MODE)
            except OSError as e:
                raise PackageError(f"zip entry {name!r} cannot be created: {e.strerror}") from None
            continue
        if not stat.S_ISDIR(mode):
            raise PackageError(f"zip entry {name!r} would be written through a symlink or file")
    try:
        os.symlink(link, os.path.join(root, *name.split("/")))
    except FileExistsError:
        raise PackageError(
            f"zip entry {name!r} cannot be created: the zip has another entry at that path"
        ) from None
    except OSError as e:
        raise PackageError(f"zip entry {name!r} cannot be created: {e.strerror}") from None


def _write_file(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    root: str,
    target: str,
    written: int,
    max_unzipped: int,
    checked: set[str],
) -> int:
    name = target[len(root) + 1 :]
    _make_dirs(root, os.path.dirname(target), checked)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, _file_mode(info))
    except FileExistsError:
        raise PackageError(f"zip entry {name!r} appears twice") from None
    except OSError as e:
        raise PackageError(f"zip entry {name!r} cannot be written: {e.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        written = _inflate(archive, info, name, written, max_unzipped, out)
    os.chmod(target, _file_mode(info))
    return written
