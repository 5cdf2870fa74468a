"""The runtime client's main loop: sys.path as Lambda's, the handler loaded, then invocations."""

from __future__ import annotations

import os
import sys

from .api_client import RuntimeApiClient
from .context import CURRENT, LambdaContext, parse_json_header
from .errors import (
    UNHANDLED_WARNING,
    FaultException,
    format_frames,
    log_error,
    make_error,
    user_frames,
    xray_fault,
)
from .handler_loading import load_handler
from .lambda_logging import install_logging
from .marshalling import marshal_response, unmarshal_request

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


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
            parse_json_header(client_context, "Client Context") if client_context else None,
            parse_json_header(cognito, "Cognito Identity") if cognito else None,
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            headers.get("lambda-runtime-invoked-function-arn"),
            CURRENT.tenant_id,
        )
        event = unmarshal_request(body, headers.get("content-type"))
        result, content_type = marshal_response(handler(event, context))
    except FaultException as e:
        xray = xray_fault("LambdaValidationError", e.msg, [])
        error = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception as e:
        frames = user_frames(e.__traceback__)
        xray = xray_fault(type(e).__name__, str(e), frames)
        error = make_error(str(e), type(e).__name__, format_frames(frames), invoke_id)
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


def use_lambda_sys_path(script: str) -> None:
    """sys.path as the Lambda runtime's bootstrap builds it: the task root (with its installed
    dependencies), the layers' /opt/python/lib/python3.X/site-packages and /opt/python (unless the
    function sets PYTHONPATH), the runtime's packages, then what the interpreter started with (the
    function's PYTHONPATH and the standard library). Lamina passes the folders in LAMINA_SYS_PATH;
    the interpreter runs with -S, so no site-packages of its own, of the user or of Lamina's
    virtualenv is there. sys.path[0] is the bootstrap's folder (or the debug launcher's): dropped,
    so `import lamina` fails as on Lambda."""
    folders = os.environ.pop("LAMINA_SYS_PATH", None)
    if folders is None:  # started by hand: the function's code first, at least
        if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(script)):
            sys.path[0] = os.getcwd()
        elif os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        return
    prefix = [folder for folder in folders.split(os.pathsep) if folder]
    layers = os.environ.pop("LAMINA_OPT_PATH", "")
    pythonpath = os.environ.get("PYTHONPATH")
    if pythonpath and layers:  # set by an exec wrapper: Lambda's bootstrap then adds no /opt
        prefix = [folder for folder in prefix if folder not in layers.split(os.pathsep)]
    sys.path[:] = prefix + sys.path[1:]
    if pythonpath:
        _site_customize(pythonpath)
    # Lambda's bootstrap runs site.addsitedir on these, so their .pth files count (namespace
    # packages installed with pip --target, for one).
    site_dirs = [folder for folder in prefix if _has_pth(folder)]
    if site_dirs:
        import site

        for folder in site_dirs:
            site.addsitedir(folder)


def _site_customize(pythonpath: str) -> None:
    """Lambda's interpreter runs site.py (Lamina's runs with -S), which imports a
    `sitecustomize` found on PYTHONPATH: how wrappers such as OpenTelemetry's bring internal
    extensions in. Only PYTHONPATH's folders are looked at, as on Lambda, where the task root
    isn't on sys.path yet when site.py runs."""
    folders = [folder for folder in pythonpath.split(os.pathsep) if folder]
    for folder in folders:
        if os.path.isfile(os.path.join(folder, "sitecustomize.py")) or os.path.isfile(
            os.path.join(folder, "sitecustomize", "__init__.py")
        ):
            break
    else:
        return
    from importlib.machinery import PathFinder
    from importlib.util import module_from_spec

    spec = PathFinder.find_spec("sitecustomize", folders)
    if spec is None or spec.loader is None:
        return
    module = module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # what site.py does with a failing sitecustomize
        del sys.modules["sitecustomize"]
        sys.stderr.write(
            f"Error in sitecustomize; set PYTHONVERBOSE for traceback:\n{type(e).__name__}: {e}\n"
        )


def _has_pth(folder: str) -> bool:
    try:
        return any(name.endswith(".pth") for name in os.listdir(folder))
    except OSError:
        return False


def main(argv: list[str], script: str) -> None:
    """`script` is the bootstrap's path, whose folder the interpreter put first on sys.path."""
    use_lambda_sys_path(script)
    if argv[2:3] == ["awslambdaric"]:  # `bootstrap.py HANDLER awslambdaric`
        _run_awslambdaric(argv[1])
        return
    if os.environ.pop("LAMINA_RUNTIME_CLIENT", "") == "awslambdaric":  # behind a wrapper
        _run_awslambdaric(os.environ.get("_HANDLER", ""))
        return
    workers = os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY")
    if workers:  # Lambda Managed Instances: here on in each worker, with its own init
        run_workers(int(workers))
    sys.stdout = _WriteThrough(sys.stdout)
    sys.stderr = _WriteThrough(sys.stderr)
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    install_logging()

    try:
        handler = load_handler(argv[1] if len(argv) > 1 else os.environ.get("_HANDLER", ""))
    except FaultException as e:
        _init_failure(client, make_error(e.msg, e.exception_type, e.trace))
    except Exception as e:
        frames = user_frames(e.__traceback__)
        _init_failure(client, make_error(str(e), type(e).__name__, format_frames(frames)))

    while True:
        headers, body = client.next_invocation()
        CURRENT.request_id = headers.get("lambda-runtime-aws-request-id", "")
        CURRENT.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handle_invocation(client, handler, headers, body)


def run_workers(count: int) -> None:
    """As awslambdaric 4 with AWS_LAMBDA_MAX_CONCURRENCY: `count` forked worker processes, each
    loading the handler and polling /next on its own; returns in each worker. The first process
    only waits for them all, then exits (a worker that dies leaves the others serving)."""
    children = []
    for _ in range(max(1, count)):
        pid = os.fork()
        if pid == 0:
            return
        children.append(pid)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break
    sys.exit(0)


def _run_awslambdaric(handler: str) -> None:
    """The official runtime client in this process, after the same sys.path set-up, as Lambda's
    /var/runtime/bootstrap.py runs it."""
    import runpy

    sys.argv = ["awslambdaric", handler]
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)
