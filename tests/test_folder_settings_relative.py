"""The `layers` and `efs` settings map to folders; a relative folder is the project's, not the
working directory's (issue 16): `lamina invoke --project-dir` from elsewhere, as an editor's
task or a script runs it, finds the layer and writes the EFS files inside the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ARN = "arn:aws:lambda:us-east-1:123456789012:layer:company-utils:3"
TEMPLATE = f"""\
Transform: AWS::Serverless-2016-10-31
Resources:
  SharedAccessPoint:
    Type: AWS::EFS::AccessPoint
    Properties: {{FileSystemId: fs-123}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python{sys.version_info[0]}.{sys.version_info[1]}
      Layers: [{ARN}]
      FileSystemConfigs:
        - Arn: !GetAtt SharedAccessPoint.Arn
          LocalMountPath: /mnt/shared
"""
APP = """\
import company_utils
def handler(event, context):
    with open("/mnt/shared/note.txt", "w") as f:
        f.write(company_utils.NAME)
    return company_utils.NAME
"""
PYPROJECT = f"""\
[tool.lamina.layers]
"{ARN}" = "vendor/company-utils"

[tool.lamina.efs]
"/mnt/shared" = "efs-data"
"""


def test_relative_layer_and_efs_folders_are_the_projects(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_text(APP)
    (project / "template.yaml").write_text(TEMPLATE)
    (project / "pyproject.toml").write_text(PYPROJECT)
    layer = project / "vendor" / "company-utils" / "python"
    layer.mkdir(parents=True)
    (layer / "company_utils.py").write_text('NAME = "from the mapped layer"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", "Fn", "--project-dir", str(project)],
        cwd=elsewhere,
        input="{}",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == "from the mapped layer"
    assert (project / "efs-data" / "note.txt").read_text() == "from the mapped layer"
    assert list(elsewhere.iterdir()) == []  # nothing made in the working directory


def test_relative_interpreter_settings_are_the_projects(tmp_path: Path) -> None:
    """`interpreters` and `python` paths with a folder in them (`.venv/bin/python`) are the
    project's too; `lamina functions` names the interpreter it resolved."""
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (project / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.14}\n"
    )
    # A stand-in 3.14 (none can be installed here): it answers the version probe as 3.14.
    stand_in = project / "tools" / "python3.14"
    stand_in.parent.mkdir()
    stand_in.write_text(
        f'#!/bin/sh\n[ "$2" = "-c" ] && echo "3.14 x86_64" && exit 0\nexec {sys.executable} "$@"\n'
    )
    stand_in.chmod(0o755)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for setting in ('[tool.lamina.interpreters]\n"python3.14" = "tools/python3.14"\n',
                    '[tool.lamina]\npython = "tools/python3.14"\n'):  # fmt: skip
        (project / "pyproject.toml").write_text(setting)
        out = subprocess.run(
            [sys.executable, "-m", "lamina", "functions", "--json", "--project-dir", str(project)],
            cwd=elsewhere,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        [row] = json.loads(out.stdout)
        assert (row["python"], row["pythonVersion"]) == (str(stand_in), "3.14"), setting
        assert "no Python 3.14 was found" not in out.stderr
