"""Starting and stopping the emulator: `EmulatorServer` for code (tests, the language server),
`run` for `lamina serve` (banner, signals, one log line per invocation)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from lamina.emulator import validation as model_validation
from lamina.emulator.api import Emulator
from lamina.emulator.app import create_app
from lamina.emulator.async_journal import AsyncJournal
from lamina.emulator.async_queue import AWS_RETRY_DELAYS, AsyncEventQueue, AsyncSettings
from lamina.emulator.capacity_providers import CapacityProviders
from lamina.emulator.code_signing import CodeSigningConfigs
from lamina.emulator.durable_functions import open_service as open_durable_service
from lamina.emulator.event_sources import EventSourceMappings
from lamina.emulator.fast_invoke import serving_site
from lamina.emulator.function_debugger import FunctionDebugger
from lamina.emulator.function_env import FunctionEnvironment
from lamina.emulator.function_layers import FunctionLayerDirs
from lamina.emulator.invocation_log import InvocationLog
from lamina.emulator.invoker import Invoker
from lamina.emulator.layers import LayerVersions
from lamina.emulator.names import Arns
from lamina.emulator.routes_function_settings import resume_scaling
from lamina.emulator.routes_provisioned import resume_provisioning
from lamina.emulator.sample_deploy import DeployOutcome, deploy_samples, find_samples_dir
from lamina.emulator.source_probe import SourceProbe
from lamina.emulator.sqs_client import SqsClients
from lamina.emulator.sqs_poller import SqsPoller
from lamina.emulator.store import DataDirBusy, FunctionStore
from lamina.emulator.stream_pollers import StreamPollers
from lamina.emulator.vpc_config import VpcLookup
from lamina.event_loop import run_event_loop
from lamina.http_front import KEEP_ALIVE_S
from lamina.listen_address import is_loopback
from lamina.project.spec import DEFAULT_ACCOUNT
from lamina.project.stack_context import default_region
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.pool import RuntimePool

log = logging.getLogger("lamina.emulator")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001


class ServeError(Exception):
    """The emulator cannot start (bad host, port in use...); one line for the user."""


@dataclass
class ServeOptions:
    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    update_delay_ms: int = 0
    allow_remote: bool = False
    runtime: RuntimeOptions = field(default_factory=lambda: RuntimeOptions(max_concurrency=10))
    # Async invocations: the delays before the 1st and 2nd retry (seconds), and the workers.
    async_retry_delays: tuple[float, ...] = AWS_RETRY_DELAYS
    async_workers: int = 16
    # Event source mappings poll this SQS endpoint (else AWS_ENDPOINT_URL_SQS, else AWS).
    sqs_endpoint: str | None = None
    # --deploy-samples: the samples dir to package and deploy at start.
    deploy_samples: Path | None = None
    # --debug FUNCTION[:PORT]: that function runs under debugpy (port 0: one picked at start).
    debug_function: str | None = None
    debug_port: int = 0
    # --skip-time (durable.skipTime): durable waits, retry back-off and timeouts end at once.
    skip_time: bool = False
    # --keep-alive: a client's connection is closed after keeping the server waiting this long
    # (idle between requests, or a request's head or body that stops coming).
    keep_alive_s: float = KEEP_ALIVE_S


def cli_extras(
    retry_delays: str | None,
    sqs_endpoint: str | None,
    deploy_samples: bool,
    debug_target: str | None,
) -> dict[str, Any]:
    """ServeOptions fields from `lamina serve`'s options; ServeError for a bad value."""
    extras: dict[str, Any] = {"sqs_endpoint": sqs_endpoint or None}
    if retry_delays:
        try:
            delays = tuple(float(part) for part in retry_delays.split(",") if part.strip())
        except ValueError:
            delays = ()
        if not delays or any(d < 0 or d != d for d in delays):
            raise ServeError(
                f"--async-retry-delays {retry_delays!r}: give seconds, comma-separated "
                "(e.g. 0.1,0.2)"
            )
        extras["async_retry_delays"] = delays
    if deploy_samples:
        samples = find_samples_dir()
        if samples is None:
            raise ServeError(
                "--deploy-samples: no samples found (looked for ./samples and Lamina's own "
                "checkout)"
            )
        extras["deploy_samples"] = samples
    if debug_target:
        name, _, port_text = debug_target.partition(":")
        if not name or (port_text and not port_text.isdigit()) or int(port_text or 0) > 65535:
            raise ServeError(f"--debug {debug_target!r}: expected FUNCTION or FUNCTION:PORT")
        extras["debug_function"] = name
        extras["debug_port"] = int(port_text or 0)
    return extras


class EmulatorServer:
    def __init__(
        self, options: ServeOptions, invocation_sink: Callable[[str], None] | None = None
    ) -> None:
        """`invocation_sink` receives the one-line-per-invocation log (batched); without it the
        lines go to the `lamina.emulator.invoke` logger."""
        self.options = options
        self.invocation_sink = invocation_sink
        self.emulator: Emulator | None = None
        self.debugger: FunctionDebugger | None = None
        self.deployed: list[DeployOutcome] = []
        self._runner: web.AppRunner | None = None
        self._pollers: set[asyncio.Task[None]] = set()
        self._preload: asyncio.Task[None] | None = None
        self._sqs = SqsClients(options.sqs_endpoint)
        self._streams = StreamPollers(options.sqs_endpoint)
        self.port = options.port
        # The variables its functions get besides Lambda's own (function_env.py).
        self.function_env = FunctionEnvironment(lambda: self.endpoint, options.sqs_endpoint)

    @property
    def endpoint(self) -> str:
        """The URL clients on this machine use (a wildcard host is reached on loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.options.host, self.options.host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    async def start(self) -> None:
        options = self.options
        if not is_loopback(options.host) and not options.allow_remote:
            raise ServeError(
                f"refusing to listen on {options.host}: it is not a loopback address, and anyone "
                "who can reach it could run code on this machine. Pass --allow-remote to do it "
                "anyway."
            )
        store = FunctionStore(options.data_dir)
        arns = Arns(default_region(), DEFAULT_ACCOUNT)
        layers = LayerVersions(store, arns.region, arns.account)
        store.ref_loaders.append(layers.open)  # layer content is in use before code is collected
        try:
            await asyncio.to_thread(store.open)
        except DataDirBusy as e:
            store.close()
            raise ServeError(str(e)) from None
        pool = RuntimePool(options.runtime, credentials=self.function_env)
        invoker = Invoker(store, pool, arns)
        layer_dirs = FunctionLayerDirs(layers, options.data_dir / "opt", options.runtime.python)
        invoker.opt_for, invoker.prepare_layers = layer_dirs.opt_for, layer_dirs.prepare
        invocation_log = InvocationLog(self.invocation_sink)
        sqs = self._sqs = SqsClients(options.sqs_endpoint)
        settings = AsyncSettings(options.async_retry_delays, options.async_workers)
        events = AsyncEventQueue(invoker, AsyncJournal(store.db), invocation_log, sqs, settings)
        mappings = EventSourceMappings(store.db)
        mappings.probe = SourceProbe(sqs, self._streams.kinesis, self._streams.dynamodb).check
        await asyncio.to_thread(mappings.open)
        code_signing = CodeSigningConfigs(store.db, arns.region, arns.account)
        await asyncio.to_thread(code_signing.open)
        capacity_providers = CapacityProviders(store.db, arns.region, arns.account)
        await asyncio.to_thread(capacity_providers.open)
        self.emulator = Emulator(
            store,
            pool,
            invoker,
            events,
            arns,
            update_delay_s=options.update_delay_ms / 1000,
            invocation_log=invocation_log,
            mappings=mappings,
            code_signing=code_signing,
            capacity_providers=capacity_providers,
            layers=layers,
        )
        self.emulator.vpc = VpcLookup(options.sqs_endpoint)
        if options.debug_function:
            port = options.debug_port or _free_port()
            self.debugger = FunctionDebugger(
                options.debug_function, port, store, pool, invocation_log
            )
            invoker.debugger = self.debugger
        open_durable_service(self.emulator, options.data_dir, skip_time=options.skip_time)
        await events.start()
        resume_provisioning(self.emulator)  # configs stored before a crash are provisioned again
        resume_scaling(self.emulator)  # and Managed Instances' kept environments started again
        # botocore's model, for request validation, loads while the emulator starts serving.
        self._preload = asyncio.get_running_loop().create_task(model_validation.preload())
        app = create_app(self.emulator)
        # On stop, invocations still running get a moment, then the environments are killed.
        self._runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=2.0,
            keepalive_timeout=options.keep_alive_s,  # aiohttp's own default: an hour
        )
        await self._runner.setup()
        try:
            sock = _bind(options.host, options.port)
        except OSError as e:
            await self.stop()
            raise ServeError(
                f"cannot listen on {options.host}:{options.port}: {e.strerror}"
            ) from None
        self.port = sock.getsockname()[1]
        if options.deploy_samples is not None:
            # Bound but not yet listening: clients are refused until the samples are there.
            cache = options.data_dir / "cache"
            try:
                self.deployed = await deploy_samples(self.emulator, options.deploy_samples, cache)
            except BaseException:
                sock.close()
                await self.stop()
                raise
        try:
            # Invokes and checkpoints are answered before aiohttp sees them (http_front.py).
            site = serving_site(
                self.emulator,
                self._runner,
                sock,
                backlog=1024,
                shutdown_timeout=2.0,
                idle_timeout=options.keep_alive_s,
            )
            await site.start()
        except OSError as e:
            sock.close()
            await self.stop()
            raise ServeError(
                f"cannot listen on {options.host}:{options.port}: {e.strerror}"
            ) from None
        await mappings.start(self._start_poller)
        if self.emulator.durable is not None:
            self.emulator.durable.resume_interrupted()

    def _start_poller(self, uuid: str) -> asyncio.Task[None]:
        emu = self.emulator
        assert emu is not None and emu.mappings is not None
        poller = self._streams.poller(uuid, emu, self._sqs) or SqsPoller(
            uuid, emu.mappings, emu.invoker, self._sqs, emu.invocation_log
        )
        task = asyncio.get_running_loop().create_task(poller.run())
        self._pollers.add(task)
        task.add_done_callback(self._pollers.discard)
        return task

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        emulator, self.emulator = self.emulator, None
        if emulator is not None:
            if emulator.durable is not None:
                await asyncio.to_thread(emulator.durable.close)
            if emulator.mappings is not None:
                await emulator.mappings.close()
            await emulator.events.close()
            await emulator.invoker.close()
            await emulator.pool.close()
            emulator.store.close()
            emulator.invocation_log.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if host == "localhost":
        host = "127.0.0.1"
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))  # the site listens when it starts
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _free_port() -> int:
    """A free loopback port (debugpy always listens on loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def banner(server: EmulatorServer) -> str:
    endpoint = server.endpoint
    lines = [
        f"lamina serve: the Lambda API on {endpoint}"
        + (
            f" (listening on {server.options.host})" if not is_loopback(server.options.host) else ""
        ),
        f"  data dir: {server.options.data_dir}",
        "",
        "Point AWS SDKs and the AWS CLI at it:",
        f"  export AWS_ENDPOINT_URL_LAMBDA={endpoint}",
        f"  aws lambda invoke --endpoint-url {endpoint} --function-name X out.json",
        "",
    ]
    options = server.options
    details = []
    if options.update_delay_ms:
        details.append(f"  updates stay InProgress for {options.update_delay_ms} ms")
    if options.async_retry_delays != AWS_RETRY_DELAYS:
        delays = ", ".join(f"{d:g} s" for d in options.async_retry_delays)
        details.append(f"  async retries after {delays}")
    mappings = server.emulator.mappings if server.emulator is not None else None
    if options.sqs_endpoint or (mappings is not None and mappings.all()):
        details.append(f"  event source mappings poll SQS at {server._sqs.describe()}")
    lines[2:2] = details
    if server.deployed:
        lines.append("Deployed the samples:")
        for outcome in server.deployed:
            lines.append(f"  {outcome.function} ({outcome.project}): {outcome.status}")
        lines.append("")
    if server.debugger is not None:
        lines.extend(server.debugger.banner_lines())
        lines.append("")
    return "\n".join(lines)


def _write_stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def run(options: ServeOptions) -> int:
    """`lamina serve`: serve until SIGINT or SIGTERM. Returns the exit status."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr
    )
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    if not is_loopback(options.host) and options.allow_remote:
        log.warning(
            "warning: listening on %s, beyond this machine: anyone who can reach it can deploy "
            "and run code here",
            options.host,
        )

    async def serve() -> None:
        server = EmulatorServer(options, invocation_sink=_write_stderr)
        await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # SIGHUP too (a closed terminal): stopping ends every environment, none is orphaned.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        sys.stdout.write(banner(server) + "\n")
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            log.info("lamina serve: stopping")
            await server.stop()

    try:
        run_event_loop(serve())
    except ServeError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    return 0
