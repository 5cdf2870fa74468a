"""Lamina's runtime client: the child side of an execution environment.

Run as a script (`python .../bootstrap.py module.function`), never imported by Lamina itself, so it
works under any interpreter the user picks and imports nothing from Lamina. It talks to its parent
only through the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API, and mirrors awslambdaric's
behaviour (context object, log format, error JSON) field by field.

Kept lean on purpose: every import here is paid on every cold start. `_socket` instead of `socket`
(no enum), `traceback` only on the error path, and `logging` is configured lazily, the moment the
function imports it.
"""

# This file must stay importable on Python 3.10 with no third-party packages.
from __future__ import annotations

import _socket
import json
import os
import sys
import time

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType, TracebackType
    from typing import Any

    Frame = tuple[str, int | None, str, str | None]

API_PREFIX = "/2018-06-01/runtime"
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)
# awslambdaric's encoder writes non-ASCII characters as-is on these runtimes, escaped elsewhere.
_RAW_UNICODE_RUNTIMES = {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}

_request_id: str = ""  # read by the log filter, as awslambdaric's _GLOBAL_AWS_REQUEST_ID
_tenant_id: str | None = None


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# --- Runtime API client: one keep-alive connection, each request sent in a single write ---------


class RuntimeApiClient:
    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.address = (host or "127.0.0.1", int(port))
        self.sock: _socket.socket | None = None
        self.buffer = b""
        # An invocation's result, held back to go out with the next request (see post_response).
        self.held = b""

    def _connect(self) -> _socket.socket:
        sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        sock.connect(self.address)
        self.sock = sock
        self.buffer = b""
        return sock

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request and return (status, headers, body). Reconnects once if needed.
        A held-back result goes out first, in the same write (HTTP/1.1 pipelining), and its
        answer is read and dropped."""
        held, self.held = self.held, b""
        data = held + _encode_request(method, path, body, headers)
        for attempt in (0, 1):
            sock = self.sock if self.sock is not None else self._connect()
            try:
                sock.sendall(data)
                if held:
                    self._read_response(sock)
                return self._read_response(sock)
            except OSError:
                self.sock = None
                if attempt:
                    raise
        raise OSError("unreachable")

    def _read_response(self, sock: _socket.socket) -> tuple[int, dict[str, str], bytes]:
        buf = self.buffer
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise OSError("Runtime API closed the connection")
            buf += chunk
        head, _, buf = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(buf) < length:
            chunk = sock.recv(max(65536, length - len(buf)))
            if not chunk:
                raise OSError("Runtime API closed the connection")
            buf += chunk
        self.buffer = buf[length:]
        return status, headers, buf[:length]

    def next_invocation(self) -> tuple[dict[str, str], bytes]:
        status, headers, body = self.request("GET", "/invocation/next")
        if status != 200:
            raise OSError(f"Runtime API /next answered {status}")
        return headers, body

    def post_response(self, request_id: str, body: bytes, content_type: str) -> None:
        """The result is held back and sent with the `/next` that follows at once, in one write:
        nothing here depends on its answer, and the runtime doesn't wake up once more for it."""
        self.held = _encode_request(
            "POST", f"/invocation/{request_id}/response", body, {"Content-Type": content_type}
        )

    def post_error(
        self, request_id: str, error: dict[str, Any], xray_fault: dict[str, Any]
    ) -> None:
        """Held back like a response."""
        headers = {"Content-Type": "application/json"}
        xray = to_json(xray_fault)
        if len(xray) < 1024 * 1024 and "\n" not in xray:
            headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray
        self.held = _encode_request(
            "POST", f"/invocation/{request_id}/error", to_json(error).encode(), headers
        )

    def post_init_error(self, error: dict[str, Any]) -> None:
        status, _, body = self.request(
            "POST",
            "/init/error",
            to_json(error).encode(),
            {"Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )
        if status != 202:
            raise OSError(f"Runtime API /init/error answered {status}: {body!r}")


def _encode_request(
    method: str, path: str, body: bytes, headers: dict[str, str] | None = None
) -> bytes:
    head = (
        f"{method} {API_PREFIX}{path} HTTP/1.1\r\nHost: lambda\r\nContent-Length: {len(body)}\r\n"
    )
    if headers:
        for name, value in headers.items():
            head += f"{name}: {value}\r\n"
    return head.encode("latin-1") + b"\r\n" + body


# --- JSON, as awslambdaric's marshaller ------------------------------------------------------


def _default(obj: Any) -> Any:
    # awslambdaric emits Decimals with all their digits (simplejson); the stdlib can only give a
    # number, so integral Decimals become ints and the rest floats.
    if type(obj).__name__ == "Decimal":
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


_encoder = json.JSONEncoder(
    ensure_ascii=os.environ.get("AWS_EXECUTION_ENV") not in _RAW_UNICODE_RUNTIMES,
    allow_nan=True,
    default=_default,
)
to_json = _encoder.encode


def unmarshal_request(body: bytes, content_type: str | None) -> Any:
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        error = e
    # Lambda's runtime parses with simplejson, whose messages differ from the stdlib's; where it
    # is installed, ask it for the message (only on this error path, so no start-up cost).
    try:
        import simplejson  # type: ignore[import-untyped]

        simplejson.loads(body)
    except ImportError:
        pass
    except Exception as e:
        error = e
    raise FaultException(
        FaultException.UNMARSHAL_ERROR, f"Unable to unmarshal input: {error}", None
    )


def marshal_response(response: Any) -> tuple[bytes, str]:
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, f"Unable to marshal response: {e}", None
        ) from None


# --- The context object, as awslambdaric's LambdaContext ------------------------------------


class LambdaContext:
    def __init__(
        self,
        invoke_id: str,
        client_context: dict[str, Any] | None,
        cognito_identity: dict[str, Any] | None,
        epoch_deadline_time_in_ms: int,
        invoked_function_arn: str | None = None,
        tenant_id: str | None = None,
    ) -> None:
        env = os.environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields = _extract_w3c(client_context)
        self.client_context = _make_obj(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _make_obj(Client, self.client_context.client)
        self.identity = _make_obj(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def w3c(self) -> dict[str, str]:
        return dict(self._w3c_fields)

    def log(self, msg: object) -> None:
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class _SlotsRepr:
    __slots__: tuple[str, ...] | list[str] = ()

    def __repr__(self) -> str:
        fields = ",".join(f"{name}={getattr(self, name)}" for name in self.__slots__)
        return f"{self.__class__.__name__}([{fields}])"


class CognitoIdentity(_SlotsRepr):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(_SlotsRepr):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]


class ClientContext(_SlotsRepr):
    __slots__ = ["custom", "env", "client"]


def _make_obj(cls: Callable[[], Any], values: dict[str, Any] | None) -> Any:
    if values is None:
        return None
    obj = cls()
    for name in obj.__slots__:
        setattr(obj, name, values.get(name, None))
    return obj


def _extract_w3c(client_context: object) -> dict[str, str]:
    if not isinstance(client_context, dict) or "w3c" not in client_context:
        return {}
    raw = client_context.pop("w3c")
    if not isinstance(raw, dict):
        return {}
    return {
        k: v for k in ("traceparent", "tracestate", "baggage") if isinstance(v := raw.get(k), str)
    }


def _parse_json_header(value: str, name: str) -> Any:
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            f"Unable to parse {name} JSON: {e}",
            None,
        ) from None


# --- Logging: awslambdaric's text format, configured when the function imports logging -------


def _configure_logging(logging: Any) -> None:
    class LambdaLoggerHandler(logging.Handler):  # type: ignore[misc]
        def emit(self, record: Any) -> None:
            sys.stdout.write(self.format(record))

    class LambdaLoggerFilter(logging.Filter):  # type: ignore[misc]
        def filter(self, record: Any) -> bool:
            record.aws_request_id = _request_id or ""
            record.tenant_id = _tenant_id
            return True

    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    level = {None: "", "TRACE": "DEBUG"}.get(
        os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")
    ).upper()
    root = logging.getLogger()
    if level in logging._nameToLevel:
        root.setLevel(level)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


class _LoggingConfigurator:
    """A meta path finder that configures `logging` right after its first import."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> Any:
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_configure(module: ModuleType) -> None:
            exec_module(module)
            _configure_logging(module)

        spec.loader.exec_module = exec_and_configure  # type: ignore[method-assign]
        return spec


def _install_logging() -> None:
    if "logging" in sys.modules:  # something imported it already (e.g. sitecustomize)
        _configure_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingConfigurator())


# --- Errors ---------------------------------------------------------------------------------


def make_error(
    error_message: str | None,
    error_type: str | None,
    stack_trace: list[str] | None,
    invoke_id: str | None = None,
) -> dict[str, Any]:
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb: TracebackType | None) -> list[Frame]:
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return frames[i:]
    return frames


def _format_frames(frames: list[Frame]) -> list[str]:
    import traceback

    return traceback.format_list(frames)  # type: ignore[arg-type]


def _xray_fault(ex_type: str, ex_msg: str, frames: list[Frame]) -> dict[str, Any]:
    return {
        "working_directory": os.getcwd(),
        "exceptions": [
            {
                "message": ex_msg,
                "type": ex_type,
                "stack": [{"label": f[2], "path": f[0], "line": f[1]} for f in frames],
            }
        ],
        "paths": list({f[0] for f in frames}),
    }


def log_error(error: dict[str, Any]) -> None:
    lines = ["[ERROR]"]
    if error.get("errorType"):
        lines[0] += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            lines[0] += ":"
        lines[0] += " " + error["errorMessage"]
    stack_trace = error.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# --- Handler loading, with awslambdaric's error classification ------------------------------


def load_handler(handler: str) -> Callable[[Any, LambdaContext], Any]:
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {e}"
        ) from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                f"Cannot use built-in module {modname} as a handler module",
            )
        import importlib

        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            f"Syntax error in module '{modname}': {e}",
            trace,
        ) from None
    try:
        function: Callable[[Any, LambdaContext], Any] = getattr(module, fname)
        return function
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, f"Handler '{fname}' missing on module '{modname}'"
        ) from None


def _init_failure(client: RuntimeApiClient, error: dict[str, Any]) -> None:
    import logging

    logging.warning(UNHANDLED_WARNING)
    log_error(error)
    client.post_init_error(error)
    sys.exit(1)


def handle_invocation(
    client: RuntimeApiClient,
    handler: Callable[[Any, LambdaContext], Any],
    headers: dict[str, str],
    body: bytes,
) -> None:
    invoke_id = headers.get("lambda-runtime-aws-request-id", "")
    error = None
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito, "Cognito Identity") if cognito else None,
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            headers.get("lambda-runtime-invoked-function-arn"),
            _tenant_id,
        )
        event = unmarshal_request(body, headers.get("content-type"))
        result, content_type = marshal_response(handler(event, context))
    except FaultException as e:
        xray = _xray_fault("LambdaValidationError", e.msg, [])
        error = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception as e:
        frames = _user_frames(e.__traceback__)
        xray = _xray_fault(type(e).__name__, str(e), frames)
        error = make_error(str(e), type(e).__name__, _format_frames(frames), invoke_id)
    if error is not None:
        log_error(error)
        client.post_error(invoke_id, error, xray)
    else:
        client.post_response(invoke_id, result, content_type)


class _WriteThrough:
    """stdout/stderr straight to the fd, so nothing is lost if the process dies (as awslambdaric)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def write(self, msg: str) -> int:
        n: int = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs: Any) -> None:
        self.stream.writelines(msgs)
        self.stream.flush()


def use_lambda_sys_path() -> None:
    """sys.path as the Lambda runtime's bootstrap builds it: the task root (with its installed
    dependencies), the layers' /opt/python/lib/python3.X/site-packages and /opt/python (unless the
    function sets PYTHONPATH), the runtime's packages, then what the interpreter started with (the
    function's PYTHONPATH and the standard library). Lamina passes the folders in LAMINA_SYS_PATH;
    the interpreter runs with -S, so no site-packages of its own, of the user or of Lamina's
    virtualenv is there. sys.path[0] is this script's folder (or the debug launcher's): dropped,
    so `import lamina` fails as on Lambda."""
    folders = os.environ.pop("LAMINA_SYS_PATH", None)
    if folders is None:  # started by hand: the function's code first, at least
        if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
            sys.path[0] = os.getcwd()
        elif os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        return
    prefix = [folder for folder in folders.split(os.pathsep) if folder]
    sys.path[:] = prefix + sys.path[1:]
    # Lambda's bootstrap runs site.addsitedir on these, so their .pth files count (namespace
    # packages installed with pip --target, for one).
    site_dirs = [folder for folder in prefix if _has_pth(folder)]
    if site_dirs:
        import site

        for folder in site_dirs:
            site.addsitedir(folder)


def _has_pth(folder: str) -> bool:
    try:
        return any(name.endswith(".pth") for name in os.listdir(folder))
    except OSError:
        return False


def main(argv: list[str]) -> None:
    global _request_id, _tenant_id
    use_lambda_sys_path()
    if argv[2:3] == ["awslambdaric"]:  # `bootstrap.py HANDLER awslambdaric`
        _run_awslambdaric(argv[1])
        return
    sys.stdout = _WriteThrough(sys.stdout)
    sys.stderr = _WriteThrough(sys.stderr)
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    _install_logging()

    try:
        handler = load_handler(argv[1] if len(argv) > 1 else os.environ.get("_HANDLER", ""))
    except FaultException as e:
        _init_failure(client, make_error(e.msg, e.exception_type, e.trace))
    except Exception as e:
        frames = _user_frames(e.__traceback__)
        _init_failure(client, make_error(str(e), type(e).__name__, _format_frames(frames)))

    while True:
        headers, body = client.next_invocation()
        _request_id = headers.get("lambda-runtime-aws-request-id", "")
        _tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handle_invocation(client, handler, headers, body)


def _run_awslambdaric(handler: str) -> None:
    """The official runtime client in this process, after the same sys.path set-up, as Lambda's
    /var/runtime/bootstrap.py runs it."""
    import runpy

    sys.argv = ["awslambdaric", handler]
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv)
