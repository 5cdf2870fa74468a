"""Stored code is kept while any function refers to it, and removed once none does: two functions
share one upload; deleting one keeps the code, updating the other away from it removes it. Small
zips are database rows and large ones files, and both outlive a SIGKILL."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

from emulator.harness import (
    ROLE,
    handler_zip,
    make_client,
    start_emulator,
    stored_code_keys,
    unique,
)

GC_WAIT_S = 30.0  # the store removes unused code ~2 s after the change; generous under load


def stored_keys(data: Path) -> set[str]:
    return stored_code_keys(data)


def wait_for_keys(data: Path, expected: set[str]) -> set[str]:
    deadline = time.monotonic() + GC_WAIT_S
    while (keys := stored_keys(data)) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return keys


def test_shared_code_is_kept_until_no_function_refers_to_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint, read_timeout=10)
        shared = handler_zip("shared")
        first, second = unique("refs-a"), unique("refs-b")
        for name in (first, second):
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=ROLE,
                Handler="app.handler",
                Code={"ZipFile": shared},
            )
        (shared_key,) = stored_keys(data)
        lam.delete_function(FunctionName=first)
        time.sleep(3)  # past the collector's delay: the shared code must still be there
        assert stored_keys(data) == {shared_key}
        assert json.loads(lam.invoke(FunctionName=second)["Payload"].read())["answer"] == "shared"

        lam.update_function_code(FunctionName=second, ZipFile=handler_zip("new"))
        (new_key,) = stored_keys(data) - {shared_key}
        assert wait_for_keys(data, {new_key}) == {new_key}
        assert not (data / "unpacked" / shared_key).exists()
        assert json.loads(lam.invoke(FunctionName=second)["Payload"].read())["answer"] == "new"
    finally:
        server.stop()


def test_small_zips_are_rows_large_ones_files_and_both_survive_a_crash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    small = handler_zip("small")
    large = handler_zip("large", {"filler.txt": os.urandom(100_000).hex()})  # ~100 KB zipped
    assert len(small) <= 64 * 1024 < len(large)
    keys = {
        answer: hashlib.sha256(package).hexdigest()
        for answer, package in (("small", small), ("large", large))
    }
    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint, read_timeout=10)
        for answer, package in (("small", small), ("large", large)):
            lam.create_function(
                FunctionName=answer,
                Runtime="python3.12",
                Role=ROLE,
                Handler="app.handler",
                Code={"ZipFile": package},
            )
        files = {p.stem for p in (data / "code").glob("*.zip")}
        assert files == {keys["large"]}
        assert stored_code_keys(data) - files == {keys["small"]}
    finally:
        server.kill()  # acknowledged writes must be there after a crash
    shutil.rmtree(data / "unpacked" / keys["small"], ignore_errors=True)  # unpacked from the row
    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint, read_timeout=10)
        for answer in ("small", "large"):
            assert json.loads(lam.invoke(FunctionName=answer)["Payload"].read())["answer"] == answer
            location = lam.get_function(FunctionName=answer)["Code"]["Location"]
            with urllib.request.urlopen(location) as response:
                assert response.read() == (small if answer == "small" else large)
        for answer in ("small", "large"):
            lam.delete_function(FunctionName=answer)
        assert wait_for_keys(data, set()) == set()
        assert not (data / "unpacked" / keys["small"]).exists()
    finally:
        server.stop()
