"""The filesystem as on Lambda (runtime/sandbox.py): /var/task read-only, a private /tmp capped
at EphemeralStorage, nothing created on the host. Real environments through the runtime pool."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime import sandbox
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

pytestmark = pytest.mark.skipif(
    not sandbox.available(), reason="no unprivileged user and mount namespaces here"
)

PROBE = """
import errno, os
def write(path, size=1):
    try:
        with open(path, "wb") as f:
            f.write(b"x" * size)
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
def handler(event, context):
    task = os.environ["LAMBDA_TASK_ROOT"]
    return {
        "task_root": task,
        "cwd": os.getcwd(),
        "task_files": sorted(os.listdir(task)),
        "write_task": write(os.path.join(task, "new.txt")),
        "write_real": write(os.path.join(os.path.dirname(__file__), "new.txt")),
        "write_tmp": write("/tmp/" + event["name"]),
        "tmp": sorted(n for n in os.listdir("/tmp") if not n.startswith("pytest-")),
        "too_big": write("/tmp/big", event.get("big", 0)) if event.get("big") else None,
        "var_lib": os.path.isdir("/var/lib"),
    }
"""


async def test_task_root_read_only_and_a_private_tmp(write_function: Any) -> None:
    config = write_function(PROBE)
    host_tmp_before = set(os.listdir("/tmp"))
    async with RuntimePool(RuntimeOptions(max_concurrency=2)) as pool:
        first = await pool.invoke(config, InvocationRequest.from_json({"name": "one"}))
        second = await pool.invoke(config, InvocationRequest.from_json({"name": "two"}))
    seen = [json.loads(r.payload) for r in (first, second)]
    assert seen[0]["task_root"] == "/var/task" == seen[0]["cwd"]
    assert seen[0]["task_files"] == ["app.py"]
    assert (seen[0]["write_task"], seen[0]["write_real"]) == ("EROFS", "EROFS")
    assert seen[0]["write_tmp"] == "ok"
    assert seen[1]["tmp"] == ["one", "two"]  # the same warm environment keeps its /tmp
    assert seen[0]["var_lib"] is True  # the host's /var entries are still there
    assert not Path("/var/task").exists()  # never created on the host
    assert not (config.code_dir / "new.txt").exists()
    assert not {"one", "two"} & (set(os.listdir("/tmp")) - host_tmp_before)


async def test_tmp_is_capped_at_ephemeral_storage(write_function: Any) -> None:
    config = write_function(PROBE, ephemeral_storage=1)
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(
            config, InvocationRequest.from_json({"name": "a", "big": 2 * 1024 * 1024})
        )
    assert json.loads(result.payload)["too_big"] == "ENOSPC"


async def test_two_environments_do_not_share_tmp(write_function: Any) -> None:
    config = write_function(PROBE)
    async with (
        RuntimePool(RuntimeOptions(max_concurrency=2)) as a,
        RuntimePool(RuntimeOptions()) as b,
    ):
        first = await a.invoke(config, InvocationRequest.from_json({"name": "from-a"}))
        second = await b.invoke(config, InvocationRequest.from_json({"name": "from-b"}))
    assert json.loads(first.payload)["tmp"] == ["from-a"]
    assert json.loads(second.payload)["tmp"] == ["from-b"]


EFS_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: src/
    Runtime: {runtime}
    FileSystemConfigs:
      - Arn: !GetAtt SharedAccessPoint.Arn
        LocalMountPath: /mnt/shared
Resources:
  SharedAccessPoint:
    Type: AWS::EFS::AccessPoint
    Properties: {{FileSystemId: fs-123}}
  WriterFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.write
      EphemeralStorage: {{Size: 600}}
  ReaderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.read
"""
EFS_APP = """\
import os
def write(event, context):
    with open("/mnt/shared/note.txt", "w") as f:
        f.write(event["text"])
    return os.statvfs("/tmp").f_blocks * os.statvfs("/tmp").f_frsize // (1024 * 1024)
def read(event, context):
    with open("/mnt/shared/note.txt") as f:
        return f.read()
"""


def test_efs_mount_paths_share_the_mapped_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(EFS_APP)
    here = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    (tmp_path / "template.yaml").write_text(EFS_TEMPLATE.format(runtime=here))

    def lamina(function: str, event: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return subprocess.run(
            [sys.executable, "-m", "lamina", "invoke", function, "--event", "-"],
            cwd=tmp_path,
            input=event,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    wrote = lamina("WriterFunction", '{"text": "hello efs"}')
    assert wrote.returncode == 0, wrote.stderr
    assert json.loads(wrote.stdout) == 600  # /tmp is EphemeralStorage's size
    folder = tmp_path / ".lamina" / "state" / "efs" / "SharedAccessPoint"
    assert (folder / "note.txt").read_text() == "hello efs"
    read = lamina("ReaderFunction", "{}")
    assert json.loads(read.stdout) == "hello efs"
    assert not Path("/mnt/shared").exists()  # only inside the environments
