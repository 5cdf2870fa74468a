"""Helpers for the language server tests: the test client, documents, commands, waiting."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
EDITORS = ("visual-studio-code", "neovim", "emacs")
NEOVIM_DEBIAN = "neovim@v0.7.0"  # Debian 12's: no file watching, no workspace/configuration
INVOCATION_RESULT = "lamina/invocationResult"
DEBUG_READY = "lamina/debugReady"
SYNC_STATUS = "lamina/syncStatus"
API_STATUS = "lamina/apiStatus"
DURABLE_EVENT = "lamina/durableEvent"
DURABLE_EXECUTION = "lamina/durableExecution"

StartClient = Callable[..., Awaitable[LanguageClient]]


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The developer's AWS settings never reach the server; dummy keys keep botocore away."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def apply_workspace_edit(edit: types.WorkspaceEdit) -> None:
    """What an editor does with workspace/applyEdit, then saves: the files change on disk."""
    from pygls.uris import to_fs_path

    def apply(path: Path, edits: list[types.TextEdit]) -> None:
        text = path.read_text() if path.exists() else ""
        lines = text.splitlines(keepends=True)

        def offset(position: types.Position) -> int:
            return sum(len(line) for line in lines[: position.line]) + position.character

        for text_edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
            start, end = offset(text_edit.range.start), offset(text_edit.range.end)
            text = text[:start] + text_edit.new_text + text[end:]
            lines = text.splitlines(keepends=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    for change in edit.document_changes or []:
        if isinstance(change, types.CreateFile):
            path = Path(to_fs_path(change.uri) or "")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        elif isinstance(change, types.TextDocumentEdit):
            edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
            apply(Path(to_fs_path(change.text_document.uri) or ""), edits)
    for uri, edits in (edit.changes or {}).items():
        apply(Path(to_fs_path(uri) or ""), list(edits))


def plain(value: Any) -> Any:
    """A notification's params (pygls' named tuples) as plain JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def make_client(apply_edits: bool) -> LanguageClient:
    client = make_test_lsp_client()
    client.invocation_results = []  # type: ignore[attr-defined]
    client.applied_edits = []  # type: ignore[attr-defined]

    @client.feature(INVOCATION_RESULT)
    def invocation_result(params: Any) -> None:
        client.invocation_results.append(params)  # type: ignore[attr-defined]

    client.debug_ready = []  # type: ignore[attr-defined]

    @client.feature(DEBUG_READY)
    def debug_ready(params: Any) -> None:
        client.debug_ready.append(params)  # type: ignore[attr-defined]

    client.sync_statuses = []  # type: ignore[attr-defined]

    @client.feature(SYNC_STATUS)
    def sync_status(params: Any) -> None:
        client.sync_statuses.append(params)  # type: ignore[attr-defined]

    client.api_statuses = []  # type: ignore[attr-defined]

    @client.feature(API_STATUS)
    def api_status(params: Any) -> None:
        client.api_statuses.append(params)  # type: ignore[attr-defined]

    client.durable_events = []  # type: ignore[attr-defined]
    client.durable_executions = []  # type: ignore[attr-defined]

    @client.feature(DURABLE_EVENT)
    def durable_event(params: Any) -> None:
        client.durable_events.append(params)  # type: ignore[attr-defined]

    @client.feature(DURABLE_EXECUTION)
    def durable_execution(params: Any) -> None:
        client.durable_executions.append(params)  # type: ignore[attr-defined]

    client.registrations = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    client.lens_refreshes = 0  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        client.lens_refreshes += 1  # type: ignore[attr-defined]

    if apply_edits:

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            client.applied_edits.append(params)  # type: ignore[attr-defined]
            apply_workspace_edit(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

    return client


@contextlib.asynccontextmanager
async def client_starter() -> AsyncIterator[StartClient]:
    """start(root, editor="visual-studio-code", init_options=None, configuration=None,
    apply_edits=True, env=None, experimental=None) -> an initialized client talking to a fresh
    `lamina lsp`; each one started is shut down when the block ends."""
    clients: list[LanguageClient] = []

    async def start(
        root: Path,
        editor: str = "visual-studio-code",
        init_options: Any = None,
        configuration: dict[str, Any] | None = None,
        apply_edits: bool = True,
        env: dict[str, str] | None = None,
        experimental: Any = None,
    ) -> LanguageClient:
        client = make_client(apply_edits)
        if configuration is not None:
            client.set_configuration(configuration, section="lamina")
        await client.start_io(
            sys.executable, "-m", "lamina", "lsp", env=server_env(env), cwd=str(root)
        )
        clients.append(client)
        capabilities = client_capabilities(editor)
        if experimental is not None:
            capabilities.experimental = experimental
        client.initialize_result = await client.initialize_session(  # type: ignore[attr-defined]
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                initialization_options=init_options,
            )
        )
        return client

    try:
        yield start
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown_session(), 10)
            await client.stop()


def open_document(client: LanguageClient, path: Path, version: int = 1) -> str:
    language = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".txt": "pip-requirements"}
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id=language.get(path.suffix, "plaintext"),
                version=version,
                text=path.read_text(),
            )
        )
    )
    return uri


def save_document(client: LanguageClient, path: Path) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri())
        )
    )


# A command that has not answered by then is stuck: fail with its name, well before
# pytest-timeout ends the whole session (an install of the runtime's packages fits easily).
EXECUTE_LIMIT_S = 300.0


async def execute(
    client: LanguageClient, command: str, argument: Any = None, limit: float = EXECUTE_LIMIT_S
) -> Any:
    arguments = None if argument is None else [argument]
    request = client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=arguments)
    )
    try:
        return await asyncio.wait_for(request, limit)
    except asyncio.TimeoutError:
        raise AssertionError(f"{command} never answered (waited {limit:.0f} s): a hang") from None


async def lenses(client: LanguageClient, path: Path) -> list[types.CodeLens]:
    result = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=path.as_uri()))
    )
    return list(result or [])


async def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until `condition()` is truthy (notifications may arrive before or after a response)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the condition")
        await asyncio.sleep(0.02)


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines()) if text in line)


async def code_actions(
    client: Any,
    path: Path,
    line: int,
    only: list[str] | None = None,
    diagnostics: list[types.Diagnostic] | None = None,
) -> list[dict[str, Any]]:
    """The actions as JSON: lsprotocol's client-side hook reads any action that has a command
    as a bare Command (losing its kind), so the answer is read without it."""
    at = types.Range(
        start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)
    )
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
        range=diagnostics[0].range if diagnostics else at,
        context=types.CodeActionContext(diagnostics=diagnostics or [], only=only),
    )
    protocol = client.protocol
    original = protocol.get_result_type
    protocol.get_result_type = lambda method: None
    try:
        raw = await protocol.send_request_async(types.TEXT_DOCUMENT_CODE_ACTION, params)
    finally:
        protocol.get_result_type = original
    return [a._asdict() if hasattr(a, "_asdict") else a for a in raw or []]


ECHO_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Timeout: 30
      Environment:
        Variables:
          GREETING: hello
"""
ECHO_HANDLER = """\
import os
import time

import helper


def handler(event, context):
    print("echo got", event)
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"event": event, "version": helper.VERSION, "greeting": os.environ.get("GREETING")}
"""


def write_echo_project(root: Path, events: dict[str, str] | None = None) -> Path:
    """A function that answers its event, its helper module's VERSION and an env var."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "events").mkdir(exist_ok=True)
    (root / "template.yaml").write_text(ECHO_TEMPLATE)
    (root / "src" / "app.py").write_text(ECHO_HANDLER)
    (root / "src" / "helper.py").write_text("VERSION = 1\n")
    if events is None:
        events = {"hello": '{"name": "hello"}', "other": '{"name": "other"}'}
    for name, text in events.items():
        (root / "events" / f"{name}.json").write_text(text)
    return root


def command_lines_below(pid: int) -> list[str]:
    """The command line of every process below `pid` (a runtime in a PID namespace is the
    grandchild of its environment's process, which is a copy of Lamina)."""
    import psutil

    found = []
    with contextlib.suppress(psutil.NoSuchProcess):
        for process in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                found.append(" ".join(process.cmdline()))
    return found


def children_of(pid: int) -> list[Any]:
    """One process per environment below `pid`: its children, and the children of its fork
    servers (runtime/fork_server.py, which live as long as the language server), not the init
    and runtime below each in a PID namespace (the sandbox), nor the spares the fork servers keep
    ready for the next cold start (named lamina-spare while they wait)."""
    import psutil

    def fork_server(process: Any) -> bool:
        try:
            return any(arg.endswith("zygote.py") for arg in process.cmdline())
        except psutil.Error:
            return False

    def spare(process: Any) -> bool:  # made ready ahead, not an environment yet
        try:
            tree = [process, *process.children(recursive=True)]
            return any(p.name() == "lamina-spare" for p in tree)
        except psutil.Error:
            return False

    try:
        found = []
        for child in psutil.Process(pid).children():
            found += child.children() if fork_server(child) else [child]
        return [process for process in found if not spare(process)]
    except psutil.NoSuchProcess:
        return []


def server_pid(client: LanguageClient) -> int:
    server = client._server
    assert server is not None
    return int(server.pid)
