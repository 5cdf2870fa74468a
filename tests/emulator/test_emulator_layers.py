"""The emulator's Layers API, through boto3 against a real `lamina serve`: publish, get, list,
delete, policies, functions that use layers (their files at /opt, merged in order), and the
state surviving a kill -9."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.harness import (
    ROLE,
    EmulatorProcess,
    make_client,
    plain_zip,
    start_emulator,
    unique,
)

# A handler that reports what its layers gave it.
LAYER_HANDLER = b"""
import json, os, sys

def handler(event, context):
    import shared, only_first
    found = {}
    for path in ("/opt/python/shared.py", "/opt/data.txt"):
        try:
            with open(path) as f:
                found[path] = f.read()
        except OSError as e:
            found[path] = type(e).__name__
    try:
        open("/opt/python/new.py", "w").close()
        write = "written"
    except OSError as e:
        write = e.strerror
    return {
        "write": write,
        "shared": shared.WHO,
        "only_first": only_first.WHO,
        "files": found,
        "opt_on_path": [p for p in sys.path if "opt" in p],
    }
"""


def layer_zip(files: dict[str, str]) -> bytes:
    return plain_zip({name: text.encode() for name, text in files.items()})


def publish(lam: Any, name: str, files: dict[str, str], **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = lam.publish_layer_version(
        LayerName=name, Content={"ZipFile": layer_zip(files)}, **params
    )
    return response


def test_publish_get_list_and_delete(lam: Any) -> None:
    name = unique("layer")
    first = publish(lam, name, {"python/a.py": "A = 1\n"}, CompatibleRuntimes=["python3.12"])
    second = publish(lam, name, {"python/a.py": "A = 2\n"}, Description="two")
    assert (first["Version"], second["Version"]) == (1, 2)
    assert first["LayerVersionArn"] == first["LayerArn"] + ":1"
    assert "CompatibleRuntimes" not in second  # not given: left out, as AWS does

    got = lam.get_layer_version(LayerName=name, VersionNumber=2)
    assert got["Description"] == "two"
    assert got["Content"]["CodeSha256"] == second["Content"]["CodeSha256"]
    by_arn = lam.get_layer_version_by_arn(Arn=first["LayerVersionArn"])
    assert by_arn["Version"] == 1
    with urllib.request.urlopen(got["Content"]["Location"]) as response:
        assert response.read() == layer_zip({"python/a.py": "A = 2\n"})

    usage = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    assert usage >= first["Content"]["CodeSize"] + second["Content"]["CodeSize"]
    versions = lam.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    first_page = lam.list_layer_versions(LayerName=name, MaxItems=1)
    second_page = lam.list_layer_versions(
        LayerName=name, MaxItems=1, Marker=first_page["NextMarker"]
    )
    assert [p["LayerVersions"][0]["Version"] for p in (first_page, second_page)] == [2, 1]
    assert "NextMarker" not in second_page
    listed = {item["LayerName"]: item for item in lam.list_layers()["Layers"]}
    assert listed[name]["LatestMatchingVersion"]["Version"] == 2
    only_312 = {
        item["LayerName"]: item
        for item in lam.list_layers(CompatibleRuntime="python3.12")["Layers"]
    }
    assert only_312[name]["LatestMatchingVersion"]["Version"] == 1

    lam.delete_layer_version(LayerName=name, VersionNumber=2)
    after = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    assert after <= usage - second["Content"]["CodeSize"]  # a deleted layer no longer counts
    lam.delete_layer_version(LayerName=name, VersionNumber=2)  # gone already: still 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_layer_version(LayerName=name, VersionNumber=2)
    lam.delete_layer_version(LayerName=name, VersionNumber=1)
    third = publish(lam, name, {"python/a.py": "A = 3\n"})
    assert third["Version"] == 3  # numbers are never reused


def test_policy_statements(lam: Any) -> None:
    name = unique("layer")
    publish(lam, name, {"python/a.py": ""})
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    added = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="everyone",
        Action="lambda:GetLayerVersion",
        Principal="*",
    )
    org = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="org",
        Action="lambda:GetLayerVersion",
        Principal="*",
        OrganizationId="o-abcdefghij",
        RevisionId=added["RevisionId"],
    )
    policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    statements = json.loads(policy["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["everyone", "org"]
    assert statements[1]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}
    assert policy["RevisionId"] == org["RevisionId"] != added["RevisionId"]
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.remove_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="org", RevisionId=added["RevisionId"]
        )
    lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="org")
    policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["everyone"]


def test_function_layers_are_checked(lam: Any) -> None:
    name = unique("layer")
    arn = publish(lam, name, {"python/a.py": ""})["LayerVersionArn"]
    base = {
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "app.handler",
        "Code": {"ZipFile": plain_zip({"app.py": b"def handler(e, c):\n    return 1\n"})},
    }
    with pytest.raises(ClientError) as missing:
        lam.create_function(FunctionName=unique(), Layers=[arn[:-1] + "9"], **base)
    assert (
        missing.value.response["Error"]["Message"] == f"Layer version {arn[:-1]}9 does not exist."
    )
    six = [publish(lam, unique("layer"), {"x": ""})["LayerVersionArn"] for _ in range(6)]
    with pytest.raises(ClientError) as many:
        lam.create_function(FunctionName=unique(), Layers=six, **base)
    assert many.value.response["Error"]["Message"] == "Cannot reference more than 5 layers."
    name = unique()
    created = lam.create_function(FunctionName=name, Layers=[arn], **base)
    size = lam.get_layer_version_by_arn(Arn=arn)["Content"]["CodeSize"]
    assert created["Layers"] == [{"Arn": arn, "CodeSize": size}]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    removed = lam.update_function_configuration(FunctionName=name, Layers=[])
    assert "Layers" not in removed


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An emulator whose environments run in the sandbox (one read-only /opt, as on Lambda)."""
    server = start_emulator(
        tmp_path_factory.mktemp("layers-sandbox") / "data", env={"LAMINA_SANDBOX": "1"}
    )
    try:
        yield make_client(server.endpoint)
    finally:
        server.stop()


def test_invoke_sees_the_layers_merged_at_opt(sandboxed: Any) -> None:
    lam = sandboxed
    first = publish(
        lam,
        unique("layer"),
        {
            "python/shared.py": "WHO = 'first'\n",
            "python/only_first.py": "WHO = 'first'\n",
            "data.txt": "from the first layer",
        },
    )
    second = publish(lam, unique("layer"), {"python/shared.py": "WHO = 'second'\n"})
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": plain_zip({"app.py": LAYER_HANDLER})},
        Layers=[first["LayerVersionArn"], second["LayerVersionArn"]],
    )
    answer = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert answer["shared"] == "second"  # the later layer's file wins
    assert answer["only_first"] == "first"
    assert answer["opt_on_path"], "the layers' python/ is on sys.path"
    assert answer["files"] == {
        "/opt/python/shared.py": "WHO = 'second'\n",
        "/opt/data.txt": "from the first layer",
    }
    assert answer["write"] == "Read-only file system"

    # Deleting a layer version a function uses leaves the function working (as on AWS).
    lam.delete_layer_version(LayerName=first["LayerArn"], VersionNumber=1)
    lam.update_function_configuration(FunctionName=name, Timeout=5)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    again = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert again["only_first"] == "first"


def test_layers_survive_kill_and_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server: EmulatorProcess = start_emulator(data)
    try:
        lam = make_client(server.endpoint)
        kept = publish(lam, "kept", {"python/kept.py": "WHO = 'kept'\n"})
        doomed = publish(lam, "doomed", {"python/doomed.py": ""})
        lam.delete_layer_version(LayerName="doomed", VersionNumber=1)
        lam.add_layer_version_permission(
            LayerName="kept",
            VersionNumber=1,
            StatementId="all",
            Action="lambda:GetLayerVersion",
            Principal="*",
        )
        handler = b"import kept\ndef handler(e, c):\n    return kept.WHO\n"
        lam.create_function(
            FunctionName="user",
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": plain_zip({"app.py": handler})},
            Layers=[kept["LayerVersionArn"]],
        )
        lam.delete_layer_version(LayerName="kept", VersionNumber=1)  # the function keeps it
        server.kill()
        server = start_emulator(data)
        lam = make_client(server.endpoint)
        assert json.loads(lam.invoke(FunctionName="user")["Payload"].read()) == "kept"
        assert lam.list_layer_versions(LayerName="kept")["LayerVersions"] == []
        again = publish(lam, "doomed", {"python/doomed.py": ""})
        assert again["Version"] == doomed["Version"] + 1
    finally:
        server.stop()


def test_another_accounts_layer_is_taken_and_said_once_when_it_cant_be_fetched(
    tmp_path: Path,
) -> None:
    """AWS can't be asked here: the layer is accepted as given (AWS checks the caller may use
    it), fetched before the first invoke, and without credentials the log says so, once."""
    env = {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "LAMINA_CACHE_DIR": str(tmp_path / "cache"),
    }
    server = start_emulator(tmp_path / "data", env=env)
    try:
        lam = make_client(server.endpoint)
        foreign = "arn:aws:lambda:us-east-1:210987654321:layer:company-utils:4"
        created = lam.create_function(
            FunctionName="user",
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": plain_zip({"app.py": b"def handler(e, c):\n    return 'ran'\n"})},
            Layers=[foreign],
        )
        assert created["Layers"] == [{"Arn": foreign, "CodeSize": 0}]
        for _ in range(2):
            assert json.loads(lam.invoke(FunctionName="user")["Payload"].read()) == "ran"
        said = [line for line in server.log().splitlines() if foreign in line]
        assert len(said) == 1 and "no AWS credentials to download it with" in said[0]
    finally:
        server.stop()


def test_another_accounts_cached_layer_shows_its_real_code_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once another account's layer is in the shared cache (a real download: here from this
    emulator, then filed under another account as a download of that ARN is), CreateFunction
    shows its CodeSize and the first invoke uses it with no download."""
    from lamina.deploy.layer_download import LayerDownloader

    cache = tmp_path / "cache"
    server = start_emulator(tmp_path / "data", env={"LAMINA_CACHE_DIR": str(cache)})
    try:
        lam = make_client(server.endpoint)
        published = publish(lam, "company", {"python/company.py": "WHO = 'company'\n"})
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", server.endpoint)
        downloads = LayerDownloader(cache / "layers")
        downloads(published["LayerVersionArn"])
        mine = cache / "layers" / "arn" / "us-east-1" / "123456789012"
        mine.rename(mine.with_name("210987654321"))
        foreign = "arn:aws:lambda:us-east-1:210987654321:layer:company:1"
        size = published["Content"]["CodeSize"]
        assert downloads.cached_sizes(foreign) == (size, len("WHO = 'company'\n"))
        created = lam.create_function(
            FunctionName="user",
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": plain_zip({"app.py": b"import company\ndef handler(e, c):\n"
                                                b"    return company.WHO\n"})},
            Layers=[foreign],
        )  # fmt: skip
        assert created["Layers"] == [{"Arn": foreign, "CodeSize": size}]
        # A provisioned-concurrency warm-up (which doesn't fetch) finds it in the cache too.
        version = lam.publish_version(FunctionName="user")["Version"]
        lam.put_provisioned_concurrency_config(
            FunctionName="user", Qualifier=version, ProvisionedConcurrentExecutions=1
        )
        lam.get_waiter("function_active_v2").wait(FunctionName="user")
        for _ in range(300):
            config = lam.get_provisioned_concurrency_config(FunctionName="user", Qualifier=version)
            if config["Status"] != "IN_PROGRESS":
                break
            time.sleep(0.1)
        assert config["Status"] == "READY", config
        warm = lam.invoke(FunctionName="user", Qualifier=version)["Payload"].read()
        assert json.loads(warm) == "company"
        assert json.loads(lam.invoke(FunctionName="user")["Payload"].read()) == "company"
        assert "downloading" not in server.log()
    finally:
        server.stop()


def test_a_function_with_the_powertools_layer_imports_it(lam: Any) -> None:
    """The public Powertools layer (another account's): fetched as lamina invoke fetches it
    (from PyPI once per machine, then the shared cache) before the first invoke."""
    arn = (
        "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
    )
    handler = (
        b"from aws_lambda_powertools import Logger\n"
        b"def handler(event, context):\n"
        b"    return type(Logger(service='orders')).__module__\n"
    )
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": plain_zip({"app.py": handler})},
        Layers=[arn],
    )
    answer = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert answer == "aws_lambda_powertools.logging.logger"
