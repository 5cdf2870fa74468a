"""Extensions and exec wrappers from a function's layers on the emulator, through boto3 against a
real `lamina serve`: found in the layers' merged /opt, a later layer's file winning as on Lambda."""

from __future__ import annotations

import base64
import io
import json
import stat
import sys
import zipfile
from typing import Any

from emulator.harness import ROLE, make_client, start_emulator, unique

# A minimal external extension (stdlib only): registers for INVOKE and says which layer it
# came from for each invocation, then waits for the next event.
EXTENSION = """\
#!{python}
import http.client, json, os

NAME = os.path.basename(__file__)
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)

def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers=headers or {{}})
    r = c.getresponse()
    return dict(r.getheaders()), r.read()

headers, _ = call("POST", "/2020-01-01/extension/register", {{"events": ["INVOKE"]}},
                  {{"Lambda-Extension-Name": NAME}})
ext_id = headers["Lambda-Extension-Identifier"]
while True:
    _, body = call("GET", "/2020-01-01/extension/event/next",
                   headers={{"Lambda-Extension-Identifier": ext_id}})
    event = json.loads(body)
    if event["eventType"] == "INVOKE":
        print(f"[{{NAME}}] {which} INVOKE {{event['requestId']}}", flush=True)
"""

# AWS's wrapper-script shape: set a variable, then run the runtime's command as given.
WRAPPER = """\
#!/bin/bash
export WRAPPED_BY=second-layer
exec "$@"
"""

HANDLER = b"""
import os
def handler(event, context):
    return {"wrapped_by": os.environ.get("WRAPPED_BY")}
"""


def layer_zip(files: dict[str, str], executable: set[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # unix: external_attr carries the mode
            mode = 0o755 if name in executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def test_a_functions_layers_give_it_extensions_and_a_wrapper(tmp_path: Any) -> None:
    server = start_emulator(tmp_path / "data")
    try:
        lam = make_client(server.endpoint)
        first = lam.publish_layer_version(
            LayerName=unique("ext"),
            Content={
                "ZipFile": layer_zip(
                    {"extensions/probe": EXTENSION.format(python=sys.executable, which="first")},
                    {"extensions/probe"},
                )
            },
        )
        second = lam.publish_layer_version(
            LayerName=unique("ext"),
            Content={
                "ZipFile": layer_zip(
                    {
                        "extensions/probe": EXTENSION.format(python=sys.executable, which="second"),
                        "wrapper": WRAPPER,
                    },
                    {"extensions/probe", "wrapper"},
                )
            },
        )
        name = unique()
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": layer_zip({"app.py": HANDLER.decode()}, set())},
            Layers=[first["LayerVersionArn"], second["LayerVersionArn"]],
            Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper"}},
        )
        response = lam.invoke(FunctionName=name, LogType="Tail")
        payload = json.loads(response["Payload"].read())
        logs = base64.b64decode(response["LogResult"]).decode()
        assert "FunctionError" not in response, (payload, logs)
        assert payload == {"wrapped_by": "second-layer"}
        request_id = response["ResponseMetadata"]["RequestId"]
        # The later layer's extension replaced the earlier one's: one probe, the second's.
        assert f"[probe] second INVOKE {request_id}" in logs, logs
        assert "[probe] first" not in logs, logs
    finally:
        server.stop()
