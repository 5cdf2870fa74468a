"""What sync needs to deploy to one target, made once per target and settings: the clients,
the deployer with its options, the function names, the layer publisher.

Blocking parts (samconfig.toml, boto3 clients, the project's id) run in threads.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from lamina.deploy.function_deployer import DeployOptions, FunctionDeployer
from lamina.deploy.function_names import FunctionNames, SamConfig, read_samconfig
from lamina.deploy.function_urls import FunctionUrlSync
from lamina.deploy.layer_publisher import LayerPublisher, for_target
from lamina.deploy.project_identity import project_id
from lamina.deploy.sync_errors import RetryingCall, RetryPolicy
from lamina.deploy.sync_settings import SyncSettings, SyncTarget
from lamina.deploy.targets import TargetClients, make_clients
from lamina.project.loader import Project


@dataclass
class ActiveTarget:
    clients: TargetClients
    deployer: FunctionDeployer
    names: FunctionNames
    layers: LayerPublisher
    urls: FunctionUrlSync
    emulator_checked: bool = False


async def activate(
    settings: SyncSettings,
    project: Project,
    endpoint: str | None,
    retry: RetryPolicy,
    cache_dir: Path,
) -> ActiveTarget:
    """The target `settings.target` at `endpoint` (None: the target's own: AWS's, or the
    emulator's from the settings)."""
    kind = settings.target
    samconfig = (
        await asyncio.to_thread(read_samconfig, project.root)
        if kind is SyncTarget.AWS
        else SamConfig()
    )
    clients = await asyncio.to_thread(
        make_clients, settings, endpoint, samconfig.region, samconfig.profile
    )
    options = DeployOptions(
        publish=settings.publish,
        alias=settings.alias,
        protected_aliases=settings.protected_aliases,
        s3_bucket=settings.s3_bucket,
        project_id=await asyncio.to_thread(project_id, project.root),
        project_root=str(project.root),
        force=settings.force,
    )
    layers = for_target(  # the project's local layers, published when they change
        clients.lambda_client,
        retry,
        kind is SyncTarget.EMULATOR,
        cache_dir,
        settings,
        project.settings,
        project.root,
    )
    return ActiveTarget(
        clients,
        FunctionDeployer(clients, options, retry),
        FunctionNames(settings, samconfig),
        layers,
        FunctionUrlSync(clients.lambda_client, RetryingCall(retry), kind is SyncTarget.EMULATOR),
    )
