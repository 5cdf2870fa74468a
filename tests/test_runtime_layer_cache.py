"""A cached layer is found cheaply, and old /opt views go: the hit path of an ARN layer (a real
download from a real `lamina serve` first) and of the Powertools layer runs no pip, no download,
reads no zip and walks no folder (lamina.cache_counters, the instrumentation bench/layers.py
reads too); views beyond the most recently used are removed, never one a live process uses."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from emulator.harness import make_client, start_emulator
from test_runtime_layers import HERE

from lamina.cache_counters import COUNTS
from lamina.deploy.layer_download import LayerDownloader
from lamina.project.spec import LayerSpec
from lamina.runtime.layers import function_layers
from lamina.runtime.opt_dir import KEEP, LayerSource, merged_opt
from lamina.runtime.package_set import describe_interpreter
from lamina.runtime.powertools_layer import powertools_layer

SLOW_STEPS = ("pip install", "layer download", "layer zip read", "opt walk", "requirements hash")
POWERTOOLS = (
    "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
)


def layer_zip(module: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"python/lib/{HERE}/site-packages/{module}.py", "NAME = 1\n")
    return buffer.getvalue()


def slow_steps(before: Counter[str]) -> dict[str, int]:
    return {step: COUNTS[step] - before[step] for step in SLOW_STEPS}


def test_a_cached_arn_layer_set_is_found_without_walking_or_downloading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_emulator(tmp_path / "data")
    try:
        lam = make_client(server.endpoint)
        arns = [
            lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip(name)})[
                "LayerVersionArn"
            ]
            for name in ("first_helper", "second_helper")
        ]
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", server.endpoint)
        layers = [LayerSpec(arn, arn=arn) for arn in arns]
        cache = tmp_path / "user-cache"
        before = Counter(COUNTS)
        first = function_layers(layers, sys.executable, tmp_path / "project", None,
                                LayerDownloader(cache))  # fmt: skip
        assert slow_steps(before)["layer download"] == 2
        assert slow_steps(before)["layer zip read"] == 2
        monkeypatch.delenv("AWS_ENDPOINT_URL_LAMBDA")
    finally:
        server.stop()
    # The emulator is gone: a hit needs nothing of it, and does none of the slow steps.
    before = Counter(COUNTS)
    again = function_layers(layers, sys.executable, tmp_path / "project", None,
                            LayerDownloader(cache))  # fmt: skip
    assert slow_steps(before) == dict.fromkeys(SLOW_STEPS, 0)
    assert again.opt == first.opt and again.paths == first.paths and not again.warnings
    assert first.opt is not None
    site = first.opt.path / "python" / "lib" / HERE / "site-packages"
    assert sorted(p.name for p in site.iterdir()) == ["first_helper.py", "second_helper.py"]


def test_a_cached_powertools_layer_is_found_without_pip(tmp_path: Path) -> None:
    interpreter = describe_interpreter(sys.executable)
    folder = powertools_layer(POWERTOOLS, interpreter)  # PyPI once per machine, else cached
    before = Counter(COUNTS)
    assert powertools_layer(POWERTOOLS, interpreter) == folder
    found = function_layers([LayerSpec(POWERTOOLS, arn=POWERTOOLS)], sys.executable, tmp_path)
    assert slow_steps(before) == dict.fromkeys(SLOW_STEPS, 0)
    assert (folder / "python" / "aws_lambda_powertools").is_dir()
    assert found.paths == (folder / "python",)
    assert not (folder / "python" / "boto3").exists()  # the runtime's boto3 stays in charge


MAKE_VIEWS = """
import sys, time
from pathlib import Path
from lamina.runtime.opt_dir import LayerSource, merged_opt
cache, layers, first, last, hold = Path(sys.argv[1]), Path(sys.argv[2]), *map(int, sys.argv[3:])
for n in range(first, last):
    view = merged_opt([LayerSource(layers / "base"), LayerSource(layers / f"extra{n}")], cache)
    print(view.path, flush=True)
if hold:
    sys.stdin.read()  # holds its views until the test closes stdin
"""


def test_old_views_are_removed_but_never_one_in_use(tmp_path: Path) -> None:
    layers, cache = tmp_path / "layers", tmp_path / "opt"
    for name in ["base", *(f"extra{n}" for n in range(KEEP + 6))]:
        (layers / name / "python").mkdir(parents=True)
        (layers / name / "python" / f"{name}.py").write_text("")

    def views(first: int, last: int, hold: bool = False) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(MAKE_VIEWS), str(cache), str(layers),
             str(first), str(last), str(int(hold))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    holder = views(0, 1, hold=True)  # a live process using the oldest view
    try:
        in_use = Path(holder.stdout.readline().strip())  # type: ignore[union-attr]
        os.utime(in_use, (1, 1))  # and it was last touched long ago
        maker = views(1, KEEP + 5)  # a process that made many views, then ended
        made = [Path(line.strip()) for line in maker.communicate()[0].splitlines()]
        assert maker.returncode == 0
        # A new view here: the old ones beyond KEEP go, but the one in use stays.
        newest = merged_opt(
            [LayerSource(layers / "base"), LayerSource(layers / f"extra{KEEP + 5}")], cache
        )
        assert newest is not None
        left = {p for p in cache.iterdir() if p.name.startswith("opt-") and p.is_dir()}
        assert in_use in left
        assert left == {in_use, newest.path, *made[-(KEEP - 1) :]}
        assert not any(p.name.startswith(".tmp-") for p in cache.iterdir())
        assert (in_use / "python" / "base.py").exists()
    finally:
        holder.stdin.close()  # type: ignore[union-attr]
        holder.wait(timeout=30)
