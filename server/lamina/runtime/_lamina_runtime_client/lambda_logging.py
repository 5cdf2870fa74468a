"""awslambdaric's log format, configured the moment the function imports logging."""

from __future__ import annotations

import os
import sys
import time

from .context import CURRENT

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any


def _configure_logging(logging: Any) -> None:
    class LambdaLoggerHandler(logging.Handler):  # type: ignore[misc]
        def emit(self, record: Any) -> None:
            sys.stdout.write(self.format(record))

    class LambdaLoggerFilter(logging.Filter):  # type: ignore[misc]
        def filter(self, record: Any) -> bool:
            record.aws_request_id = CURRENT.request_id or ""
            record.tenant_id = CURRENT.tenant_id
            return True

    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        handler.setFormatter(_json_formatter(logging)())
    else:
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


# A record's attributes that are not copied into a JSON log line (awslambdaric's list).
_RESERVED_FIELDS = frozenset(
    [
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "aws_request_id",
        "tenant_id",
        "_frame_type",
    ]
)


def _json_formatter(logging: Any) -> Any:
    """awslambdaric's JsonFormatter (LoggingConfig LogFormat JSON): one JSON object a record,
    with the record's `extra` fields, as CloudWatch's JSON filter patterns expect."""
    import json

    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    class JsonFormatter(logging.Formatter):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

        def format(self, record: Any) -> str:
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            exc = record.exc_info
            if exc:
                import traceback

                stack: Any = traceback.format_tb(exc[2])
            result = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": (
                    record.msg
                    if isinstance(record.msg, dict) and not record.args
                    else record.getMessage()
                ),
                "logger": record.name,
                "stackTrace": stack if exc else None,
                "errorType": exc[0].__name__ if exc else None,
                "errorMessage": str(exc[1]) if exc else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            result.update(
                (key, value)
                for key, value in record.__dict__.items()
                if key not in _RESERVED_FIELDS and key not in result
            )
            return encode({k: v for k, v in result.items() if v is not None}) + "\n"

    return JsonFormatter


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


def install_logging() -> None:
    if "logging" in sys.modules:  # something imported it already (e.g. sitecustomize)
        _configure_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingConfigurator())
