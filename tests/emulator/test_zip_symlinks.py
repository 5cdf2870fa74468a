"""Symlinks in uploaded zips: created last, never written through, and judged only once the whole
archive exists, through every link of a chain. Links that leave the code are kept, as Lambda keeps
them, with one warning each; links to the paths Lambda provides (/opt, /tmp, /mnt) are quiet."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from lamina.zip_archive.limits import PackageError
from lamina.zip_archive.unpack import unpack_package

LINK = object()


def links_zip(*entries: tuple[str, str, object]) -> bytes:
    """A zip of (name, content, kind) in that order; kind LINK makes a symlink to `content`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content, kind in entries:
            info = zipfile.ZipInfo(name)
            if kind is LINK:
                info.create_system = 3
                info.external_attr = (0o120777 << 16) | 0x20
            archive.writestr(info, content)
    return buffer.getvalue()


def link(name: str, target: str) -> tuple[str, str, object]:
    return (name, target, LINK)


def file(name: str, content: str = "x = 1\n") -> tuple[str, str, object]:
    return (name, content, None)


def test_a_chain_is_judged_after_the_whole_archive(tmp_path: Path) -> None:
    # `x` looks inside while `l` does not exist yet; with `l` it climbs out of the code.
    data = links_zip(
        file("app.py"),
        link("x", "sub/a/b/l/../../../.."),
        link("sub/a/b/l", "../../.."),
    )
    dest = tmp_path / "task" / "code"
    unpacked = unpack_package(data, dest)
    assert [w.split(" is ")[0] for w in unpacked.warnings] == ["zip entry 'x'"]
    assert "resolves to / on Lambda" in unpacked.warnings[0]
    # Kept as written, as Lambda keeps it.
    assert os.readlink(dest / "x") == "sub/a/b/l/../../../.."
    assert os.readlink(dest / "sub/a/b/l") == "../../.."


@pytest.mark.parametrize(
    "entries",
    [
        # A file below the chain's link: the folder `x` is made first, so the link can't be.
        (link("x", "sub/a/b/l/../../../.."), link("sub/a/b/l", "../../.."), file("x/evil.py")),
        # A link below a link that points inside: still a write through a link.
        (file("sub/app.py"), link("a", "sub"), link("a/evil.py", "app.py")),
        # A link whose parent is a link that points out.
        (link("up", ".."), link("up/evil.py", "/etc/passwd")),
    ],
)
def test_nothing_is_written_through_a_link(tmp_path: Path, entries: tuple) -> None:  # type: ignore[type-arg]
    dest = tmp_path / "code"
    with pytest.raises(PackageError, match="cannot be created|written through"):
        unpack_package(links_zip(*entries), dest)
    assert not [p for p in tmp_path.rglob("evil*") if not p.is_relative_to(dest)]
    assert not (dest / "sub" / "evil.py").exists()


def test_links_lambda_provides_are_quiet_and_others_warn(tmp_path: Path) -> None:
    data = links_zip(
        file("app.py"),
        link("alias.py", "app.py"),
        link("layer", "/opt/python"),
        link("scratch", "/tmp/work"),
        link("efs", "/mnt/data"),
        link("self", "/var/task/app.py"),
        link("passwd", "/etc/passwd"),
        link("up", "../x"),
        link("loop_a", "loop_b"),
        link("loop_b", "loop_a"),
    )
    unpacked = unpack_package(data, tmp_path / "code")
    warned = sorted(w.split("'")[1] for w in unpacked.warnings)
    assert warned == ["loop_a", "loop_b", "passwd", "up"]
    assert any("resolves to /etc/passwd on Lambda" in w for w in unpacked.warnings)
    assert any("resolves to /var/x on Lambda" in w for w in unpacked.warnings)
    assert (tmp_path / "code" / "alias.py").read_text() == "x = 1\n"
