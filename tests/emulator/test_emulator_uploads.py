"""Hostile uploads: zip slip, absolute paths, writes through symlinks, zip bombs (honest and lying sizes),
over-50 MB uploads and non-zip bodies are each refused, nothing is written outside the store, and
the store is unchanged."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from emulator.harness import (
    ROLE,
    EmulatorProcess,
    bomb,
    handler_zip,
    lying_bomb,
    make_client,
    plain_zip,
    start_emulator,
    stored_code_keys,
    symlink_zip,
    unique,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    process = start_emulator(tmp_path_factory.mktemp("hostile") / "data")
    try:
        yield process
    finally:
        process.stop()


def hostile() -> dict[str, bytes]:
    return {
        "zip slip": plain_zip({"app.py": b"x=1", "../../../evil-slip.py": b"print('pwned')"}),
        "slip in the middle": plain_zip({"a/../../evil-mid.py": b"pwned"}),
        "absolute path": plain_zip({"/tmp/lamina-evil-absolute.py": b"pwned"}),
        "windows drive path": plain_zip({"C:\\evil.py": b"pwned"}),
        "backslash slip": plain_zip({"..\\..\\evil-backslash.py": b"pwned"}),
        "write through a symlink": symlink_zip("up", "..", {"up/evil-through.py": b"pwned"}),
        "zip bomb": bomb(),
        "lying sizes": lying_bomb(),
        "not a zip": b"this is not a zip file at all",
        "empty": b"",
        "truncated zip": handler_zip("t")[:-30],
    }


def snapshot(data_dir: Path) -> list[str]:
    """The store's files and its stored zips (small ones are database rows)."""
    files = []
    for folder in ("code", "unpacked"):
        for path in sorted((data_dir / folder).rglob("*")):
            files.append(str(path.relative_to(data_dir)))
    return files + sorted(stored_code_keys(data_dir))


def evil_files(root: Path) -> list[Path]:
    found = [p for p in root.rglob("evil*")]
    found += [p for p in Path("/tmp").glob("lamina-evil-*")]
    return found


def test_hostile_uploads_are_refused(server: EmulatorProcess) -> None:
    lam = make_client(server.endpoint)
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("safe")},
    )
    before = lam.get_function(FunctionName=name)["Configuration"]
    files = snapshot(server.data_dir)
    root = server.data_dir.parent
    for kind, package in hostile().items():
        with pytest.raises(ClientError) as e:
            lam.update_function_code(FunctionName=name, ZipFile=package)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValueException", kind
        new_name = unique()
        with pytest.raises(ClientError) as e:
            lam.create_function(
                FunctionName=new_name,
                Runtime="python3.12",
                Role=ROLE,
                Handler="app.handler",
                Code={"ZipFile": package},
            )
        assert e.value.response["Error"]["Code"] == "InvalidParameterValueException", kind
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.get_function(FunctionName=new_name)
        assert snapshot(server.data_dir) == files, f"{kind}: the store changed"
        assert not evil_files(root), f"{kind}: wrote outside the store"
    assert lam.get_function(FunctionName=name)["Configuration"] == before
    assert b'"safe"' in lam.invoke(FunctionName=name)["Payload"].read()


def test_over_50_mb_is_refused(server: EmulatorProcess) -> None:
    lam = make_client(server.endpoint, read_timeout=120)
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("small")},
    )
    files = snapshot(server.data_dir)
    huge = plain_zip(
        {"app.py": b"x = 1\n", "blob.bin": os.urandom(51 * 1024 * 1024)}, zipfile.ZIP_STORED
    )
    with pytest.raises(ClientError) as e:
        lam.update_function_code(FunctionName=name, ZipFile=huge)
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLargeException"  # AWS's
    # 51 MB of random bytes make a request over AWS's 70,167,211 bytes: that limit answers first.
    assert e.value.response["Error"]["Message"] == (
        "Request must be smaller than 70167211 bytes for the UpdateFunctionCode operation"
    )
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert snapshot(server.data_dir) == files
    assert b'"small"' in lam.invoke(FunctionName=name)["Payload"].read()


def test_symlinks_out_are_kept_with_a_warning(server: EmulatorProcess) -> None:
    # Lambda keeps such links (a zip is just files); Lamina keeps them too, and says so once.
    lam = make_client(server.endpoint)
    for link_name, target in (("passwd-link", "/etc/passwd"), ("out-link", "../../..")):
        name = unique()
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": symlink_zip(link_name, target)},
        )
        assert lam.invoke(FunctionName=name)["Payload"].read() == b"1"
        assert f"zip entry '{link_name}' is a symlink to '{target}'" in server.log()


def test_symlinks_inside_the_package_are_kept(server: EmulatorProcess) -> None:
    lam = make_client(server.endpoint)
    name = unique()
    package = symlink_zip("alias.py", "app.py")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="alias.handler",
        Code={"ZipFile": package},
    )
    assert lam.invoke(FunctionName=name)["Payload"].read() == b"1"
    links = [p for p in (server.data_dir / "unpacked").rglob("alias.py") if p.is_symlink()]
    assert links and os.readlink(links[0]) == "app.py"
