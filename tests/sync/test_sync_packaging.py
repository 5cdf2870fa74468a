"""Packages: deterministic zips, .laminaignore, dependencies zipped once and joined, limits."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from lamina.deploy.bundle import DependencyPlatform, PackageBuilder, PackageTooLarge
from lamina.deploy.ignore_rules import IgnoreRules, list_code_files, parse_rules
from lamina.deploy.zip_splice import split_zip
from lamina.project.spec import FunctionSpec
from lamina.zip_archive.unpack import safe_unzip
from sync.sync_harness import handler_source, offline_requirements, pure_wheel, zip_names


def spec_for(code_dir: Path, runtime: str = "python3.12") -> FunctionSpec:
    return FunctionSpec("Fn", "app.handler", code_dir, runtime=runtime)


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_two_builds_of_the_same_tree_give_the_same_code_sha256(tmp_path: Path) -> None:
    code = tmp_path / "code"
    (code / "pkg").mkdir(parents=True)
    (code / "app.py").write_text(handler_source("v1"))
    (code / "pkg" / "util.py").write_text("X = 1\n")
    (code / "run.sh").write_text("#!/bin/sh\n")
    (code / "run.sh").chmod(0o755)
    first = PackageBuilder(tmp_path / "cache-a").build(spec_for(code), DependencyPlatform.LOCAL)
    os.utime(code / "app.py", (1_000_000, 1_000_000))  # another mtime, same content
    second = PackageBuilder(tmp_path / "cache-b").build(spec_for(code), DependencyPlatform.LOCAL)
    assert first.data == second.data
    assert first.code_sha256 == second.code_sha256 == sha(first.data)
    (code / "pkg" / "util.py").write_text("X = 2\n")
    third = PackageBuilder(tmp_path / "cache-a").build(spec_for(code), DependencyPlatform.LOCAL)
    assert third.code_sha256 != first.code_sha256
    with zipfile.ZipFile(io.BytesIO(first.data)) as archive:
        modes = {i.filename: i.external_attr >> 16 & 0o777 for i in archive.infolist()}
    assert modes == {"app.py": 0o644, "pkg/util.py": 0o644, "run.sh": 0o755}


def test_default_excludes_and_laminaignore(tmp_path: Path) -> None:
    code = tmp_path / "code"
    for name in (
        "app.py",
        "__pycache__/app.cpython-311.pyc",
        ".venv/lib/x.py",
        "tests/test_app.py",
        ".git/HEAD",
        "lib/mod.pyc",
        "data/keep.json",
        "data/big.csv",
        "data/important.csv",
        "notes/todo.md",
        "build/out.txt",
        "src/build/nested.txt",
        "fixtures/tests/kept.txt",
    ):
        (code / name).parent.mkdir(parents=True, exist_ok=True)
        (code / name).write_text(name)
    (code / ".laminaignore").write_text(
        "# comments and blanks are skipped\n\n*.csv\n!important.csv\nnotes/\n/build\n!fixtures/tests/\n"
    )
    names = [f.arcname for f in list_code_files(code)]
    assert names == [
        "app.py",
        "data/important.csv",
        "data/keep.json",
        "fixtures/tests/kept.txt",
        "src/build/nested.txt",
    ]


def test_gitignore_globs() -> None:
    rules = IgnoreRules(parse_rules("**/gen/*.py\ndocs/**\na?c.txt\n[xy]z.txt\n\\#hash\n"))
    assert rules.ignored_path("gen/a.py") and rules.ignored_path("x/y/gen/a.py")
    assert not rules.ignored_path("gen/sub/a.py")
    assert rules.ignored_path("docs/a/b.md") and not rules.ignored_path("sub/docs/a.md")
    assert rules.ignored_path("abc.txt") and not rules.ignored_path("abbc.txt")
    assert rules.ignored_path("xz.txt") and not rules.ignored_path("zz.txt")
    assert rules.ignored_path("#hash")


def test_dependencies_are_zipped_once_and_the_function_files_joined(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    pure_wheel(wheels, "tinydep", "1.0", {"tinydep/__init__.py": b"VALUE = 42\n"})
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("import tinydep\n\ndef handler(e, c):\n    return tinydep.VALUE\n")
    offline_requirements(code, wheels, "tinydep")
    cache = tmp_path / "cache"
    builder = PackageBuilder(cache)
    first = builder.build(spec_for(code), DependencyPlatform.LOCAL)
    names = zip_names(first.data)
    assert "tinydep/__init__.py" in names and "app.py" in names
    assert not any(n.startswith(".lamina") or "__pycache__" in n for n in names)
    (dep_zip,) = cache.glob("bundle-deps-*.zip")
    stamp = dep_zip.stat().st_mtime_ns

    (code / "app.py").write_text("import tinydep\n\ndef handler(e, c):\n    return 2\n")
    second = PackageBuilder(cache).build(spec_for(code), DependencyPlatform.LOCAL)  # from disk
    assert dep_zip.stat().st_mtime_ns == stamp  # the dependency zip was not rebuilt
    assert second.code_sha256 == sha(second.data) != first.code_sha256
    cached = split_zip(dep_zip.read_bytes())
    assert cached is not None and second.data.startswith(cached.body)  # as cached, then ours
    assert builder.build(spec_for(code), DependencyPlatform.LOCAL).data == second.data

    out = tmp_path / "unzipped"
    safe_unzip(second.data, out)
    assert (out / "tinydep" / "__init__.py").read_text() == "VALUE = 42\n"
    assert "return 2" in (out / "app.py").read_text()

    # For Lambda's platform: pip is asked for the runtime's wheels; a pure wheel fits any.
    aws = builder.build(spec_for(code, "python3.12"), DependencyPlatform.LAMBDA)
    assert "tinydep/__init__.py" in zip_names(aws.data)
    assert list(cache.glob("deps-lambda-*"))


def test_a_vendored_file_shadowing_a_dependency_wins(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    pure_wheel(wheels, "shadowed", "1.0", {"shadowed/__init__.py": b"FROM = 'pip'\n"})
    code = tmp_path / "code"
    (code / "shadowed").mkdir(parents=True)
    (code / "app.py").write_text("x = 1\n")
    (code / "shadowed" / "__init__.py").write_text("FROM = 'vendored'\n")
    offline_requirements(code, wheels, "shadowed")
    package = PackageBuilder(tmp_path / "cache").build(spec_for(code), DependencyPlatform.LOCAL)
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        assert archive.read("shadowed/__init__.py") == b"FROM = 'vendored'\n"
        assert archive.namelist().count("shadowed/__init__.py") == 1


def test_over_250_mb_unzipped_is_refused_naming_the_biggest_parts(tmp_path: Path) -> None:
    code = tmp_path / "code"
    (code / "models").mkdir(parents=True)
    (code / "app.py").write_text("x = 1\n")
    with (code / "models" / "weights.bin").open("wb") as sparse:
        sparse.truncate(200 * 1024 * 1024)  # sparse: no disk, and never read
    with (code / "video.mp4").open("wb") as sparse:
        sparse.truncate(60 * 1024 * 1024)
    builder = PackageBuilder(tmp_path / "cache")
    with pytest.raises(PackageTooLarge) as refused:
        builder.build(spec_for(code), DependencyPlatform.LOCAL)
    message = str(refused.value)
    assert builder.size_problem(spec_for(code), DependencyPlatform.LOCAL) == message
    assert "250.0 MB" in message
    assert message.index("models/ 200.0 MB") < message.index("video.mp4 60.0 MB")
    assert ".laminaignore" in message
    (code / ".laminaignore").write_text("*.mp4\n")
    assert builder.size_problem(spec_for(code), DependencyPlatform.LOCAL) is None


def test_incompressible_files_are_stored(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("x = 1\n" * 1000)
    (code / "blob.bin").write_bytes(os.urandom(200_000))
    package = PackageBuilder(tmp_path / "cache").build(spec_for(code), DependencyPlatform.LOCAL)
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        kinds = {i.filename: i.compress_type for i in archive.infolist()}
    assert kinds == {"app.py": zipfile.ZIP_DEFLATED, "blob.bin": zipfile.ZIP_STORED}
