"""`lamina serve --deploy-samples`: the sample projects packaged (requirements bundled) and
deployed at start, invokable through boto3, tagged with their source dir, and left unchanged by
a restart."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from pathlib import Path

from emulator.harness import make_client, start_emulator

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED = {
    "items-api": "http-api",
    "OrdersWorkerFunction": "sqs-batch",
    "warm-cache-rates": "warm-cache",
    "UploadNotifierFunction": "with-deps",
}


def test_deploy_samples(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_emulator(data, "--deploy-samples")
    try:
        log = server.log()
        assert "Deployed the samples:" in log
        for function, project in EXPECTED.items():
            assert f"  {function} ({project}): created" in log
        lam = make_client(server.endpoint)
        names = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
        assert set(EXPECTED) <= names

        got = lam.get_function(FunctionName="items-api")
        assert got["Tags"]["lamina:source"] == str(SAMPLES / "http-api" / "src")
        assert got["Configuration"]["Handler"] == "items_api.handler"
        assert got["Configuration"]["Environment"]["Variables"]["MAX_NAME_LENGTH"] == "64"
        event = (SAMPLES / "http-api" / "events" / "get-item.json").read_bytes()
        response = lam.invoke(FunctionName="items-api", Payload=event)
        assert "FunctionError" not in response
        assert json.loads(response["Payload"].read())["statusCode"] == 200

        # with-deps: humanize is bundled into the package, beside the code.
        with urllib.request.urlopen(
            lam.get_function(FunctionName="UploadNotifierFunction")["Code"]["Location"]
        ) as download:
            names_in_zip = zipfile.ZipFile(io.BytesIO(download.read())).namelist()
        assert "upload_notifier.py" in names_in_zip and "humanize/__init__.py" in names_in_zip
        assert not [n for n in names_in_zip if "__pycache__" in n or n.endswith(".pyc")]
        event = (SAMPLES / "with-deps" / "events" / "report-uploaded.json").read_bytes()
        response = lam.invoke(FunctionName="UploadNotifierFunction", Payload=event)
        assert "FunctionError" not in response, response["Payload"].read()
    finally:
        server.stop()

    server = start_emulator(data, "--deploy-samples")
    try:
        for function, project in EXPECTED.items():
            assert f"  {function} ({project}): unchanged" in server.log()
    finally:
        server.stop()
