"""The emulator's limit on a function's code and layers together (250 MB unzipped), through
boto3 against a real `lamina serve`. In e2e: the emulator unpacks 252 MB of layers (~10 s)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator.harness import ROLE, make_client, plain_zip, start_emulator, unique


@pytest.fixture
def lam(tmp_path: Any) -> Iterator[Any]:
    server = start_emulator(tmp_path / "data")
    try:
        yield make_client(server.endpoint)
    finally:
        server.stop()


def zeros_zip(name: str, mebibytes: int) -> bytes:
    """A small zip of a big file (zeros compress well): its unzipped size is what counts."""
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)
    with archive, archive.open(name, "w") as out:
        chunk = b"\0" * (1 << 20)
        for _ in range(mebibytes):
            out.write(chunk)
    return buffer.getvalue()


def test_code_and_layers_together_stay_under_250_mb_unzipped(lam: Any) -> None:
    big = [
        lam.publish_layer_version(
            LayerName=unique("big"), Content={"ZipFile": zeros_zip(f"blob{n}.bin", 126)}
        )["LayerVersionArn"]
        for n in range(2)
    ]
    code = plain_zip({"app.py": b"def handler(e, c):\n    return 1\n"})
    code_size = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(code)).infolist())
    with pytest.raises(ClientError) as refused:
        lam.create_function(
            FunctionName=unique(),
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": code},
            Layers=big,
        )
    total = 2 * 126 * (1 << 20) + code_size
    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterValueException",
        "Message": "Function code combined with layers exceeds the maximum allowed size of "
        f"262144000 bytes. The actual size is {total} bytes.",
    }
    name = unique()  # one of them fits; adding the second is refused the same way
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": code},
        Layers=big[:1],
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_configuration(FunctionName=name, Layers=big)
