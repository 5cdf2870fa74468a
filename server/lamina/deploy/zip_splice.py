"""Deterministic zips, and joining two of them without re-reading either's entries.

A package is the dependency zip (built once, cached) plus the function's own files. Python's
`zipfile` in append mode parses every central-directory record of the base first, which costs
tens of ms for a few thousand dependency files. Instead the base is split once into its body
(local headers and data) and its central directory; a package is then

    base body + function body + base central dir + function central dir (offsets moved) + EOCD

which only touches the function's few records. The result is a valid zip, the same bytes for the
same inputs, and SHA-256 of the unchanged prefix is cached so only the tail is hashed again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lamina.deploy.ignore_rules import CodeFile
from lamina.deploy.package import FIXED_DATE_TIME
from lamina.zip_archive.limits import EXEC_MODE, FILE_MODE, PackageError

COMPRESS_LEVEL = 6
_SAMPLE_BYTES = 64 * 1024
_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_CENTRAL_FIXED = 46
_MAX_16 = 0xFFFF
_MAX_32 = 0xFFFFFFFF


def incompressible(data: bytes) -> bool:
    """Whether `data` looks already compressed (a wheel, an image, random bytes): its first
    64 KB shrink by under 3%. Such files are STORED, since deflating them costs seconds for
    nothing. The choice depends only on the content, so zips stay deterministic."""
    if len(data) < _SAMPLE_BYTES:
        return False
    sample = data[:_SAMPLE_BYTES]
    return len(zlib.compress(sample, 1)) > len(sample) * 0.97


def write_entries(files: Iterable[CodeFile], compresslevel: int = COMPRESS_LEVEL) -> bytes:
    """A deterministic zip of `files` in the given order: the 1980-01-01 timestamp, mode 644
    (755 for executables), no folder entries; DEFLATED, or STORED when incompressible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            try:
                data = item.path.read_bytes()
            except OSError as e:
                raise PackageError(f"{item.path}: cannot read: {e.strerror}") from None
            info = zipfile.ZipInfo(item.arcname, FIXED_DATE_TIME)
            info.create_system = 3  # unix, so external_attr carries the mode
            mode = EXEC_MODE if item.executable else FILE_MODE
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = (
                zipfile.ZIP_STORED if incompressible(data) else zipfile.ZIP_DEFLATED
            )
            archive.writestr(info, data, compresslevel=compresslevel)
    return buffer.getvalue()


@dataclass(frozen=True)
class ZipParts:
    """A zip cut in two: `body` (local headers and data) and `central` (its directory)."""

    body: bytes
    central: bytes
    count: int
    names: frozenset[str]
    unzipped_size: int = 0
    top_level_sizes: tuple[tuple[str, int], ...] = ()  # ("numpy/", bytes), biggest first
    _prefix_hash: Any = field(default=None, compare=False, repr=False)

    @property
    def prefix_hash(self) -> Any:
        """SHA-256 of `body`, ready to be copied and continued."""
        return self._prefix_hash


EMPTY = ZipParts(b"", b"", 0, frozenset(), _prefix_hash=hashlib.sha256())


def split_zip(data: bytes) -> ZipParts | None:
    """`data` cut into its parts, or None when it is a kind this module doesn't join (zip64,
    a comment, or data before the first entry)."""
    if len(data) < _EOCD.size or data[-_EOCD.size : -_EOCD.size + 4] != _EOCD_SIGNATURE:
        return None
    (_, disk, cd_disk, disk_count, count, cd_size, cd_offset, comment) = _EOCD.unpack(
        data[-_EOCD.size :]
    )
    if disk or cd_disk or disk_count != count or comment:
        return None
    if count == _MAX_16 or _MAX_32 in (cd_size, cd_offset):
        return None  # zip64
    if cd_offset + cd_size != len(data) - _EOCD.size:
        return None
    central = data[cd_offset : cd_offset + cd_size]
    entries = _central_entries(central)
    names = frozenset(name for name, _ in entries)
    if len(names) != count:
        return None
    body = data[:cd_offset]
    return ZipParts(
        body,
        central,
        count,
        names,
        sum(size for _, size in entries),
        top_level_sizes(entries),
        hashlib.sha256(body),
    )


def top_level_sizes(entries: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Unzipped bytes per top-level file or folder (`name/`), biggest first."""
    sizes: dict[str, int] = {}
    for name, size in entries:
        head, slash, _ = name.partition("/")
        key = head + slash
        sizes[key] = sizes.get(key, 0) + size
    return tuple(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))


def _central_entries(central: bytes) -> list[tuple[str, int]]:
    """(name, unzipped size) of every central-directory record."""
    entries: list[tuple[str, int]] = []
    at = 0
    while at < len(central):
        if central[at : at + 4] != _CENTRAL_SIGNATURE:
            raise PackageError("a cached zip has a damaged central directory")
        flags = struct.unpack_from("<H", central, at + 8)[0]
        size = struct.unpack_from("<L", central, at + 24)[0]
        name_len, extra_len, comment_len = struct.unpack_from("<3H", central, at + 28)
        raw = central[at + _CENTRAL_FIXED : at + _CENTRAL_FIXED + name_len]
        entries.append((raw.decode("utf-8" if flags & 0x800 else "cp437"), size))
        at += _CENTRAL_FIXED + name_len + extra_len + comment_len
    return entries


def _moved(central: bytes, shift: int) -> bytes:
    """Central-directory records with every local-header offset moved by `shift`."""
    out = bytearray(central)
    at = 0
    while at < len(out):
        name_len, extra_len, comment_len = struct.unpack_from("<3H", out, at + 28)
        offset = struct.unpack_from("<L", out, at + 42)[0]
        if offset == _MAX_32 or offset + shift >= _MAX_32:
            raise PackageError("the package is too big to be joined without zip64")
        struct.pack_into("<L", out, at + 42, offset + shift)
        at += _CENTRAL_FIXED + name_len + extra_len + comment_len
    return bytes(out)


def join(base: ZipParts, extra: ZipParts) -> tuple[bytes, str]:
    """`base` then `extra` as one zip, and its SHA-256 as base64 (Lambda's CodeSha256).
    Raises PackageError if they share a name or the result would need zip64."""
    clash = base.names & extra.names
    if clash:
        raise PackageError(f"{sorted(clash)[0]} is both a function file and a dependency")
    count = base.count + extra.count
    if count >= _MAX_16:
        raise PackageError(f"the package would have {count} files; at most 65534 are supported")
    central = base.central + _moved(extra.central, len(base.body))
    cd_offset = len(base.body) + len(extra.body)
    eocd = _EOCD.pack(_EOCD_SIGNATURE, 0, 0, count, count, len(central), cd_offset, 0)
    tail = (extra.body, central, eocd)
    digest = base.prefix_hash.copy()
    for part in tail:
        digest.update(part)
    return base.body + b"".join(tail), base64.b64encode(digest.digest()).decode("ascii")
