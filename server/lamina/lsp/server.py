"""The language server object: pygls' LanguageServer plus Lamina's workspace state.

Features live in modules of their own, each with a `register(server)` function, and import this
one; it imports none of them (lsp/app.py, the composition root, wires them). Importing this module
imports pygls and lsprotocol, nothing else heavy: the project model, the runtime and the rest load
when first used, after `initialize`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from lamina import __version__
from lamina.lsp.background import BackgroundTasks
from lamina.lsp.errors import UserError
from lamina.lsp.prebuilt_json import PrebuiltJson, response_body
from lamina.lsp.settings import LaminaSettings

if TYPE_CHECKING:
    from lamina.lsp.workspace_state import WorkspaceState

log = logging.getLogger(__name__)


class LaminaProtocol(LanguageServerProtocol):
    """pygls runs a command's coroutine as a task of its own, which `$/cancelRequest` doesn't
    reach: it cancels only the request's outer future. Commands register their task here so
    that a cancel reaches them (and, for a run, ends its environment). A PrebuiltJson result
    is written into its response as it is (prebuilt_json.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.running_requests: dict[Any, asyncio.Task[Any]] = {}
        self._sending = False
        # The loop that talks to the client: what other threads hand their messages to.
        self.loop: asyncio.AbstractEventLoop | None = None

    def set_writer(self, writer: Any, include_headers: bool = True) -> None:
        """Both transports set the writer on the loop that serves the client: note that loop."""
        super().set_writer(writer, include_headers)
        with contextlib.suppress(RuntimeError):
            self.loop = asyncio.get_running_loop()

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls' own, but over a copy of the pending requests: cancelling one runs its
        callback at once, which removes it from the dict pygls iterates (a run still pending
        at shutdown made the shutdown request fail with "dictionary changed size")."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id  # not the shutdown request itself
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        task = self.running_requests.pop(msg_id, None)
        if task is not None and not task.done():
            log.info("request %s cancelled by the client", msg_id)
            task.cancel()
        super()._handle_cancel_notification(msg_id)

    def _send_data(self, data: Any) -> None:
        # pygls reports a failed write by sending a message, which fails the same way (stdout is
        # closed while the server ends): without this guard that recursion floods stderr until
        # its pipe is full and the process hangs.
        if self._sending:
            return
        self._sending = True
        try:
            self._write(data)
        finally:
            self._sending = False

    def _write(self, data: Any) -> None:
        result = getattr(data, "result", None)
        if not isinstance(result, PrebuiltJson) or self.writer is None:
            super()._send_data(data)
            return
        body = response_body(data.id, result)
        header = b"Content-Length: %d\r\n\r\n" % len(body) if self._include_headers else b""
        written = self.writer.write(header + body)
        if inspect.isawaitable(written):
            asyncio.ensure_future(written)

    @property
    def shut_down(self) -> bool:
        """Whether the client sent `shutdown` (then `exit` is a clean exit)."""
        return bool(self._shutdown)


class LaminaServer(LanguageServer):
    protocol: LaminaProtocol

    def __init__(self) -> None:
        super().__init__(
            "lamina",
            __version__,
            protocol_cls=LaminaProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.root: Path | None = None
        self.settings = LaminaSettings()
        self.initialization_options: Any = None
        self.pushed_settings: Any = None  # from workspace/didChangeConfiguration
        self.setting_problems: tuple[str, ...] = ()  # shown once until they change
        self.tasks = BackgroundTasks()
        self._state: WorkspaceState | None = None

    @property
    def state(self) -> WorkspaceState:
        if self._state is None:
            raise UserError("the Lamina server has not been initialized yet")
        return self._state

    @state.setter
    def state(self, value: WorkspaceState) -> None:
        self._state = value

    @property
    def initialized(self) -> bool:
        return self._state is not None

    def kill_children_now(self) -> None:
        """Kill every execution environment at once (no event loop needed)."""
        if self._state is not None:
            self._state.runner.kill_children_now()

    def shutdown(self) -> None:
        """The transport ended (exit, or the client went away): end the children, and don't
        wait for pygls' stdin reader thread, which may sit in a read that never returns."""
        self.kill_children_now()
        if self._stop_event is not None:
            self._stop_event.set()
        if self._thread_pool is not None:
            self._thread_pool.shutdown(wait=False, cancel_futures=True)
        if self._server is not None:
            self._server.close()

    @contextlib.contextmanager
    def cancellable_request(self) -> Iterator[None]:
        """Within a command: let `$/cancelRequest` for this request cancel the current task."""
        msg_id = self.protocol.msg_id
        task = asyncio.current_task()
        if msg_id is None or task is None:
            yield
            return
        self.protocol.running_requests[msg_id] = task
        try:
            yield
        finally:
            self.protocol.running_requests.pop(msg_id, None)

    def capability(self, dotted: str) -> Any:
        """A client capability by dotted path (None when the client didn't say)."""
        value: Any = self.client_capabilities
        for part in dotted.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def shows_results(self) -> bool:
        """Whether the client renders lamina/invocationResult itself (Lamina's VS Code extension
        says so with the capability `experimental.lamina.invocationResults`): then a run needs no
        summary message as well."""
        experimental = self.capability("experimental")
        lamina = experimental.get("lamina") if isinstance(experimental, dict) else None
        return isinstance(lamina, dict) and lamina.get("invocationResults") is True

    def log_to_client(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))
