"""`lamina functions` on 200-function projects of each format: a CDK cloud assembly, a
serverless.yml, a Terraform configuration; the peer is the same 200 functions in a SAM template
(Lamina's first reader), measured interleaved in the same run.

    .venv/bin/python bench/project_formats.py [--functions 200] [--runs 7]

Goals (issue 15): each <= 0.5 s, the whole process (start-up, reading, output); and the
language server's first lenses on a handler <= 1 s after `initialized`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 0.5
LENS_GOAL_S = 1.0
HANDLER = "import os\n\n\ndef handler(event, context):\n    return {'n': os.environ['N']}\n"


def write_sources(root: Path, count: int) -> None:
    for n in range(count):
        folder = root / "functions" / f"f{n:03}"
        folder.mkdir(parents=True)
        (folder / "app.py").write_text(HANDLER)
        (folder / f"helper_{n}.py").write_text(f"VALUE = {n}\n")


def sam_project(root: Path, count: int) -> None:
    write_sources(root, count)
    lines = ["Transform: AWS::Serverless-2016-10-31", "Resources:"]
    for n in range(count):
        lines += [
            f"  F{n:03}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            f"      CodeUri: functions/f{n:03}",
            "      Handler: app.handler",
            "      Runtime: python3.12",
            f"      Environment: {{Variables: {{N: '{n}'}}}}",
        ]
    (root / "template.yaml").write_text("\n".join(lines) + "\n")


def cdk_project(root: Path, count: int) -> None:
    write_sources(root, count)
    out = root / "cdk.out"
    out.mkdir()
    resources = {}
    for n in range(count):
        asset = f"asset.{n:064x}"
        shutil.copytree(root / "functions" / f"f{n:03}", out / asset)
        resources[f"F{n:03}ABCDEF12"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {"S3Bucket": "cdk-assets", "S3Key": f"{n:064x}.zip"},
                "Handler": "app.handler",
                "Runtime": "python3.12",
                "Role": {"Fn::GetAtt": [f"F{n:03}ServiceRole", "Arn"]},
                "Environment": {"Variables": {"N": str(n)}},
            },
            "Metadata": {
                "aws:cdk:path": f"BenchStack/F{n:03}/Resource",
                "aws:asset:path": asset,
                "aws:asset:property": "Code",
            },
        }
    (out / "BenchStack.template.json").write_text(json.dumps({"Resources": resources}, indent=1))
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "BenchStack": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "BenchStack.template.json"},
            }
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest))


def serverless_project(root: Path, count: int) -> None:
    write_sources(root, count)
    lines = [
        "service: bench",
        "provider:",
        "  name: aws",
        "  runtime: python3.12",
        "  stage: ${opt:stage, 'dev'}",
        "  environment: {SERVICE: '${self:service}-${sls:stage}'}",
        "functions:",
    ]
    for n in range(count):
        lines += [
            f"  f{n:03}:",
            f"    handler: functions/f{n:03}/app.handler",
            f"    environment: {{N: '{n}'}}",
            "    events: [{httpApi: {path: /f, method: get}}]",
        ]
    (root / "serverless.yml").write_text("\n".join(lines) + "\n")


def terraform_project(root: Path, count: int) -> None:
    write_sources(root, count)
    blocks = ['variable "stage" {\n  default = "dev"\n}\n']
    for n in range(count):
        blocks.append(
            f'data "archive_file" "f{n:03}" {{\n  type = "zip"\n'
            f'  source_dir = "${{path.module}}/functions/f{n:03}"\n'
            f'  output_path = "${{path.module}}/build/f{n:03}.zip"\n}}\n'
            f'resource "aws_lambda_function" "f{n:03}" {{\n'
            f'  function_name = "f{n:03}-${{var.stage}}"\n  handler = "app.handler"\n'
            f'  runtime = "python3.12"\n  filename = data.archive_file.f{n:03}.output_path\n'
            f'  environment {{\n    variables = {{ N = "{n}" }}\n  }}\n}}\n'
        )
    (root / "main.tf").write_text("\n".join(blocks))


FORMATS = {
    "sam (peer)": sam_project,
    "cdk": cdk_project,
    "serverless": serverless_project,
    "terraform": terraform_project,
}


def run_once(root: Path, count: int, cold_cache: bool = False) -> float:
    """One whole `lamina functions --json`; with `cold_cache`, an empty parse cache (the
    Terraform reader keeps python-hcl2's parses by content, see project/terraform.py),
    made inside the project's temp dir so that it goes with it."""
    lamina = Path(sys.executable).with_name("lamina")
    command = [str(lamina)] if lamina.exists() else [sys.executable, "-m", "lamina"]
    env = dict(os.environ)
    if cold_cache:
        env["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cache-", dir=root.parent)
    started = time.perf_counter()
    out = subprocess.run(
        [*command, "functions", "--json"], cwd=root, capture_output=True, timeout=120, env=env
    )
    elapsed = time.perf_counter() - started
    if out.returncode != 0 or len(json.loads(out.stdout)) != count:
        raise SystemExit(f"{root.name}: lamina functions failed: {out.stderr.decode()[-500:]}")
    return elapsed


async def first_lenses(root: Path, env: dict[str, str]) -> float:
    """Seconds from `initialized` to the first lenses on functions/f100/app.py."""
    import asyncio

    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    handler = root / "functions" / "f100" / "app.py"
    client = LanguageClient("lamina-bench", "1.0")
    for method in ("window/logMessage", "window/showMessage", "lamina/invocationResult"):
        client.feature(method)(lambda params: None)
    await client.start_io(sys.executable, "-m", "lamina", "lsp", cwd=str(root), env=env)
    try:
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri())
        )
        started = time.perf_counter()
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=handler.as_uri(), language_id="python", version=1, text=handler.read_text()
                )
            )
        )
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=handler.as_uri()))
        )
        elapsed = time.perf_counter() - started
        if not lenses:
            raise SystemExit(f"{root.name}: no lenses on {handler}")
        return elapsed
    finally:
        try:
            await asyncio.wait_for(client.shutdown_async(None), 10)
            client.exit(None)
        finally:
            await client.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--lsp-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lamina-bench-formats-") as temp:
        roots = {}
        for name, make in FORMATS.items():
            root = Path(temp) / name.split()[0]
            root.mkdir()
            make(root, args.functions)
            roots[name] = root
        samples: dict[str, list[float]] = {name: [] for name in FORMATS}
        samples["terraform (cold cache)"] = []
        for root in roots.values():  # one untimed run each: .pyc files, disk cache
            run_once(root, args.functions)
        for _ in range(args.runs):  # interleaved, so machine load hits every format alike
            for name, root in roots.items():
                samples[name].append(run_once(root, args.functions))
            cold = run_once(roots["terraform"], args.functions, cold_cache=True)
            samples["terraform (cold cache)"].append(cold)
        import asyncio

        lens_samples: dict[str, list[float]] = {name: [] for name in FORMATS}
        for _ in range(args.lsp_runs):
            for name, root in roots.items():
                lens_samples[name].append(asyncio.run(first_lenses(root, dict(os.environ))))
    peer = statistics.median(samples["sam (peer)"])
    print(f"`lamina functions --json`, {args.functions} functions, median of {args.runs} runs")
    print(f"{'format':<24} {'median':>8} {'vs SAM':>7}  goal <= {GOAL_S} s")
    for name, values in samples.items():
        median = statistics.median(values)
        verdict = "met" if median <= GOAL_S else "NOT met"
        print(f"{name:<24} {median:>7.3f}s {median / peer:>6.2f}x  {verdict}")
    lens_peer = statistics.median(lens_samples["sam (peer)"])
    print(f"\nlanguage server: first lenses after `initialized`, median of {args.lsp_runs} runs")
    print(f"{'format':<24} {'median':>8} {'vs SAM':>7}  goal <= {LENS_GOAL_S} s")
    for name, values in lens_samples.items():
        median = statistics.median(values)
        verdict = "met" if median <= LENS_GOAL_S else "NOT met"
        print(f"{name:<24} {median:>7.3f}s {median / lens_peer:>6.2f}x  {verdict}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    sys.exit(main())
