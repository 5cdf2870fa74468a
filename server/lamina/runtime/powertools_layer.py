"""The public Powertools for AWS Lambda (Python) layers, without AWS credentials.

The most common layer of all (`arn:aws:lambda:<region>:017000801446:layer:
AWSLambdaPowertoolsPythonV3-python312-x86_64:<n>`, and the V2 and V1 names) holds the
`aws-lambda-powertools` package with its extras. Rather than downloading the layer with the
user's credentials, Lamina installs that package from PyPI, once per major version, Python version
and machine, into the shared cache, laid out as the layer is (`python/`):

    ~/.cache/lamina/layers/powertools-v3-python3.12-x86_64/python/

The release matching a layer version number is not known offline: the newest release of the
layer's major version is installed, and the log says so.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from lamina.pip_target import COMPLETE_MARKER, lambda_platforms, pip_install_once
from lamina.runtime.package_set import SDK_IMPORT_NAMES, Interpreter, cache_root

log = logging.getLogger(__name__)

POWERTOOLS_ACCOUNT = "017000801446"
_POWERTOOLS = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):layer:AWSLambdaPowertoolsPython(V(\d))?[^:]*:\d+$"
)


def is_powertools(arn: str) -> bool:
    match = _POWERTOOLS.match(arn)
    return bool(match) and match is not None and match.group(1) == POWERTOOLS_ACCOUNT


def powertools_layer(arn: str, interpreter: Interpreter) -> Path:
    """A folder laid out like the layer (it holds python/), installed on first use.
    Raises DependencyInstallError when PyPI can't be reached and it isn't cached."""
    major, folder = _folder(arn, interpreter)
    if cached_powertools(arn, interpreter) is not None:  # one stat, no pip, nothing walked
        return folder
    target = folder / "python"
    if not (target / COMPLETE_MARKER).exists():  # else only the marker beside it is missing
        log.warning(
            "layer %s: installing aws-lambda-powertools %d.x from PyPI into %s instead (once)",
            arn,
            major,
            folder,
        )
    pip_args = ["--only-binary=:all:", "--implementation", "cp",
                "--python-version", interpreter.version]  # fmt: skip
    for platform in lambda_platforms(interpreter.runtime, interpreter.machine):
        pip_args += ["--platform", platform]
    pip_args.append(f"aws-lambda-powertools[all]>={major},<{major + 1}")
    pip_install_once(
        target, sys.executable, pip_args, f"layer {arn}: pip could not get aws-lambda-powertools"
    )
    _drop_runtime_packages(target)
    _done(folder).write_text(arn + "\n")  # last: the folder is complete and as the layer has it
    return folder


def cached_powertools(arn: str, interpreter: Interpreter) -> Path | None:
    """The layer's folder when it is installed already; None (nothing installed) otherwise."""
    folder = _folder(arn, interpreter)[1]
    return folder if _done(folder).exists() else None


def _folder(arn: str, interpreter: Interpreter) -> tuple[int, Path]:
    match = _POWERTOOLS.match(arn)
    major = int(match.group(3)) if match and match.group(3) else 1
    name = f"powertools-v{major}-{interpreter.runtime}-{interpreter.machine}"
    return major, cache_root() / "layers" / name


def _done(folder: Path) -> Path:
    """Beside the folder, not in it: nothing of Lamina's shows in /opt."""
    return folder.with_name(folder.name + ".complete")


def _drop_runtime_packages(target: Path) -> None:
    """The layer leaves boto3 and its dependencies to the runtime, as the published one does:
    otherwise the layer's copies (newer than the runtime's) would shadow them."""
    import shutil

    for name in SDK_IMPORT_NAMES:
        for path in (target / name, target / f"{name}.py"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.is_file():
                path.unlink(missing_ok=True)
    for distribution in (
        "boto3",
        "botocore",
        "s3transfer",
        "jmespath",
        "python_dateutil",
        "six",
        "urllib3",
    ):
        for info in target.glob(f"{distribution}-*.dist-info"):
            shutil.rmtree(info, ignore_errors=True)
