"""deploy/package.py and zip_archive/unpack.py on their own: deterministic zips, CodeSha256, and
safe_unzip's refusals (with the reason each one gives)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time
import warnings
import zipfile
from pathlib import Path

import pytest

from emulator.harness import bomb, lying_bomb, plain_zip, symlink_zip
from lamina.deploy.package import build_zip, code_sha256
from lamina.zip_archive.limits import PackageError
from lamina.zip_archive.unpack import safe_unzip, verify_package


def make_tree(root: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    for skipped in ("__pycache__", ".venv", "tests", ".git", ".lamina"):
        (root / skipped).mkdir()
        (root / skipped / "junk.py").write_text("junk")
    (root / "pkg" / "mod.pyc").write_bytes(b"junk")


def test_build_zip_is_deterministic(tmp_path: Path) -> None:
    make_tree(tmp_path / "a")
    first = build_zip(tmp_path / "a")
    time.sleep(0.01)
    for path in (tmp_path / "a").rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))  # other mtimes: same bytes
    make_tree(tmp_path / "b")
    assert build_zip(tmp_path / "a") == first == build_zip(tmp_path / "b")
    archive = zipfile.ZipFile(io.BytesIO(first))
    names = [i.filename for i in archive.infolist()]
    assert names == ["app.py", "pkg/__init__.py", "run.sh"]
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        mode = info.external_attr >> 16 & 0o777
        assert mode == (0o755 if info.filename == "run.sh" else 0o644)
    assert code_sha256(first) == base64.b64encode(hashlib.sha256(first).digest()).decode()


def test_safe_unzip_round_trip(tmp_path: Path) -> None:
    make_tree(tmp_path / "src")
    written = safe_unzip(build_zip(tmp_path / "src"), tmp_path / "out")
    assert (tmp_path / "out" / "app.py").read_text().startswith("def handler")
    assert os.access(tmp_path / "out" / "run.sh", os.X_OK)
    assert written == sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())


def duplicate_zip() -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        archive.writestr("a.py", "1")
        archive.writestr("a.py", "2")
    return buffer.getvalue()


def bad_crc_zip() -> bytes:
    data = bytearray(plain_zip({"app.py": b"x = 1\n"}, zipfile.ZIP_STORED))
    at = bytes(data).index(b"x = 1")
    data[at] = ord("y")  # the stored bytes no longer match the CRC
    return bytes(data)


CASES = [
    (lambda: plain_zip({"../evil.py": b"x"}), "outside the package"),
    (lambda: plain_zip({"/abs/evil.py": b"x"}), "absolute path"),
    (lambda: plain_zip({"C:\\evil.py": b"x"}), "absolute path"),
    (lambda: symlink_zip("up", ".", {"up/../../evil.py": b"x"}), "outside the package"),
    (lambda: plain_zip({"a.py": b"1", "sub/b.py": b"2"}), None),  # benign
    (lambda: symlink_zip("s", "nowhere", {"s/x.py": b"x"}), "cannot be created"),
    (lambda: symlink_zip("s", "app.py", {"s/x.py": b"x"}), "cannot be created"),
    (lambda: bomb(), "Unzipped size must be smaller than 262144000 bytes"),
    (lambda: lying_bomb(), "corrupt"),
    (lambda: b"nope", "not a zip file"),
]


@pytest.mark.parametrize(("package", "reason"), CASES)
def test_safe_unzip_refusals(tmp_path: Path, package: object, reason: str | None) -> None:
    data = package()  # type: ignore[operator]
    dest = tmp_path / "dest"
    if reason is None:
        safe_unzip(data, dest)
        return
    with pytest.raises(PackageError, match=reason):
        safe_unzip(data, dest)
    assert not list(tmp_path.glob("evil*")) and not (tmp_path.parent / "evil.py").exists()


def test_duplicate_entries_and_size_caps(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="appears twice"):
        safe_unzip(duplicate_zip(), tmp_path / "dup")
    small = plain_zip({"a.bin": b"\0" * 5000})
    with pytest.raises(PackageError, match="Unzipped size"):
        safe_unzip(small, tmp_path / "cap", max_unzipped=4000)
    with pytest.raises(PackageError, match="at most"):
        safe_unzip(small, tmp_path / "zcap", max_zipped=10)


@pytest.mark.parametrize(
    "package",
    [case[0] for case in CASES]
    + [
        duplicate_zip,
        bad_crc_zip,
        lambda: plain_zip({"a": b"1", "a/b.py": b"2"}),  # a file where a folder must go
        lambda: plain_zip({"a/": b"", "a/b.py": b"2"}),  # benign: an explicit folder
    ],
)
def test_verify_refuses_what_unpack_refuses(tmp_path: Path, package: object) -> None:
    # The emulator checks small uploads with verify_package and unpacks them on first invoke:
    # a zip that one refuses, the other must refuse too, and verifying writes nothing.
    data = package()  # type: ignore[operator]
    try:
        verified: int | None = verify_package(data)
    except PackageError:
        verified = None
    assert not list(tmp_path.iterdir())
    try:
        written: int | None = safe_unzip(data, tmp_path / "dest")
    except PackageError:
        written = None
    assert verified == written
    with pytest.raises(PackageError, match="at most"):
        verify_package(data, max_zipped=len(data) - 1)
