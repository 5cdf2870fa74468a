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


def install_logging() -> None:
    if "logging" in sys.modules:  # something imported it already (e.g. sitecustomize)
        _configure_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingConfigurator())
