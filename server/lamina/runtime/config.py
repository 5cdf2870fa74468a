"""What an execution environment needs to know about the function it plays, and how to start it."""

from __future__ import annotations

import functools
import os
import sys
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from lamina.project.spec import DEFAULT_ACCOUNT, FunctionSpec
from lamina.project.stack_context import default_region
from lamina.runtime.opt_dir import OptDir

RUNTIME_CLIENTS = ("lamina", "awslambdaric")


@dataclass(frozen=True)
class FunctionConfig:
    """One function version as the runtime plays it. Frozen and hashable: the pool keys on it, so
    any change (new code dir, env vars, memory) gets fresh environments."""

    function_name: str
    handler: str
    code_dir: Path
    runtime: str = f"python{sys.version_info.major}.{sys.version_info.minor}"
    timeout: float = 3.0
    memory_size: int = 128
    environment: tuple[tuple[str, str], ...] = ()
    version: str = "$LATEST"
    region: str = field(default_factory=default_region)
    account: str = DEFAULT_ACCOUNT
    # Folders after the code dir on the import path (e.g. installed requirements).
    extra_paths: tuple[Path, ...] = ()
    # The interpreter for this function (runtime/interpreters.py); "" for RuntimeOptions.python.
    python: str = ""
    # The folders standing for /opt on sys.path (runtime/layers.py), in Lambda's order.
    layer_paths: tuple[Path, ...] = ()
    ephemeral_storage: int = 512  # MB: the size of the sandbox's private /tmp
    # EFS: (LocalMountPath, local folder) pairs the sandbox binds (runtime/efs.py).
    mounts: tuple[tuple[str, Path], ...] = ()
    # The layers merged into one /opt (runtime/opt_dir.py); the sandbox binds it at /opt.
    opt: OptDir | None = None
    # The folders standing for /opt, in order (a later one's file wins): where extensions and
    # exec wrappers are found (runtime/opt_files.py). The merged view's own folder when there is
    # one (FunctionLayers.config_fields).
    opt_roots: tuple[Path, ...] = ()
    # ReservedConcurrentExecutions: the pool throttles invocations beyond it (None: no limit).
    reserved_concurrency: int | None = None
    # Tenant isolation (TenancyConfig PER_TENANT): the tenant this config's environments serve.
    # The pool keys environments on the whole config, so two tenants never share one.
    tenant_id: str | None = None
    # Lambda Managed Instances (CapacityProviderConfig): how many invocations one environment
    # serves at once (PerExecutionEnvironmentMaxConcurrency; runtime/managed_environment.py).
    # None: an on-demand function, one invocation per environment.
    managed_concurrency: int | None = None

    def __hash__(self) -> int:
        # The pool finds a config's environments by it on every invoke: the dataclass's own hash
        # of two dozen fields (a Path among them) cost ~1.8 us each time. Frozen: hashed once.
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = self.__dict__["_hash"] = hash(
                tuple(getattr(self, f.name) for f in fields(self))
            )
        return cached

    def __getstate__(self) -> dict[str, object]:
        """Never the cached hash: another process hashes strings differently."""
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    def interpreter(self, options: RuntimeOptions) -> str:
        return self.python or options.python

    @classmethod
    def from_spec(cls, spec: FunctionSpec, **overrides: object) -> FunctionConfig:
        config = cls(
            function_name=spec.function_name,
            handler=spec.handler,
            code_dir=spec.code_dir.resolve(),
            runtime=spec.runtime,
            timeout=float(spec.timeout),
            memory_size=int(spec.memory_size),
            environment=tuple(sorted(spec.environment.items())),
            ephemeral_storage=spec.ephemeral_storage,
            reserved_concurrency=spec.reserved_concurrency,
            managed_concurrency=spec.managed_concurrency,
        )
        return replace(config, **overrides) if overrides else config  # type: ignore[arg-type]

    @functools.cached_property  # built for every invoke's event headers: once is enough
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name}"

    def qualified_arn(self, qualifier: str | None = None) -> str:
        return f"{self.arn}:{qualifier}" if qualifier else self.arn

    def lambda_environment(
        self, runtime_api: str, task_root: Path, tmp_dir: Path, runtime_dir: Path
    ) -> dict[str, str]:
        """The variables a real Python Lambda sets (notes/lambda-facts.md), then the function's own.
        No PYTHONPATH: Lambda sets none (the bootstrap builds sys.path), and a function that sets
        one loses the /opt layer folders, as on Lambda."""
        date = time.strftime("%Y/%m/%d", time.gmtime())
        env = {
            "_HANDLER": self.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": self.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{date}/[{self.version}]{os.urandom(16).hex()}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(runtime_dir),
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            # Per-environment temp dir: tempfile-based caches survive warm invokes, and two
            # environments never share one (a literal /tmp path still is shared, as the docs say).
            "TMPDIR": str(tmp_dir),
        }
        if self.managed_concurrency is not None:
            env["AWS_LAMBDA_MAX_CONCURRENCY"] = str(self.managed_concurrency)
            # Managed Instances log in JSON only (AWS's log format page), INFO unless the
            # function's LoggingConfig says otherwise (its variables come next).
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = "INFO"
        env.update(self.environment)
        return env


@dataclass(frozen=True)
class RuntimeOptions:
    """How environments are started: the same for every function the pool serves."""

    python: str = sys.executable
    runtime_client: str = "lamina"  # or "awslambdaric"
    freeze: bool = True
    # The filesystem as on Lambda (runtime/sandbox.py) where namespaces are available.
    sandbox: bool = True
    # New environments forked from a pre-started interpreter (runtime/fork_server.py); on unless
    # LAMINA_FORK_SERVER=0 (docs/fidelity.md, "Cold starts: the fork server").
    fork_server: bool = field(default_factory=lambda: os.environ.get("LAMINA_FORK_SERVER") != "0")
    max_concurrency: int = 4  # environments per function version
    idle_timeout: float = 600.0  # seconds before an idle environment is reaped
    init_timeout: float = 10.0  # Lambda's on-demand init phase limit
    max_log_bytes: int = 1024 * 1024  # per invocation; the middle of a flood is dropped
    # Variables from the developer's shell that the function inherits (besides Lambda's own):
    # PATH and HOME so subprocesses work, and proxies/certs; never AWS_* (credentials are explicit).
    inherit_env: tuple[str, ...] = (
        "PATH",
        "HOME",
        "USER",
        "SYSTEMROOT",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "AWS_CA_BUNDLE",
        "PYDEVD_DISABLE_FILE_VALIDATION",
    )
