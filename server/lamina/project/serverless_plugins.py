"""The plugins a serverless.yml lists, each named once at load with what a local run does.

Lamina runs no plugin: it reads serverless.yml and runs the handlers. A plugin that only acts at
package or deploy time needs nothing locally; one that changes what a function sees when it
runs is named with what Lamina does instead, so a difference is never silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.listen_address import is_loopback

# Plugin -> what Lamina does in its place.
_KNOWN = {
    "serverless-python-requirements": "",  # requirements.txt is installed as for any function
    "serverless-offline": (
        "not needed: `lamina api` serves the http and httpApi events (on its httpPort, when "
        "set), and `lamina serve` the Lambda API"
    ),
    "serverless-iam-roles-per-function": (
        "its per-function roles are not assumed locally; runs use your credentials"
    ),
    "serverless-dotenv-plugin": (
        "the .env values it would deploy are not set; put them in the function's environment "
        "or pass them with --env-vars"
    ),
    "serverless-plugin-warmup": "the warmer function it adds is not listed",
    "serverless-step-functions": "the state machines are not run; their functions are",
    "serverless-prune-plugin": "",
    "serverless-deployment-bucket": "",
    "serverless-domain-manager": "",
    "serverless-plugin-log-retention": "",
}


def plugin_names(plugins: Any) -> list[str]:
    """`plugins:` as a list, or v2's `{localPath, modules: [...]}`."""
    if isinstance(plugins, Mapping):
        plugins = plugins.get("modules")
    if not isinstance(plugins, list):
        return []
    return [str(name) for name in plugins if name]


def plugin_warnings(plugins: Any, custom: Any) -> list[str]:
    """One warning per plugin that changes what a function sees, or that Lamina doesn't know."""
    warnings = []
    for name in dict.fromkeys(plugin_names(plugins)):
        note = _KNOWN.get(name)
        if note is None:
            warnings.append(
                f"plugins: {name} is not run; what it changes when the service is packaged or "
                "deployed is not reproduced locally"
            )
        elif note:
            offline = _offline_urls(custom) if name == "serverless-offline" else ""
            warnings.append(f"plugins: {name}: {note}{offline}")
    requirements = custom.get("pythonRequirements") if isinstance(custom, Mapping) else None
    if isinstance(requirements, Mapping) and requirements.get("layer"):
        warnings.append(
            "custom.pythonRequirements.layer: the requirements layer is not built; "
            "requirements.txt is installed for each function as without it"
        )
    return warnings


def offline_address(custom: Any) -> tuple[str | None, int | None]:
    """custom.serverless-offline's (host, httpPort), as `lamina api`'s defaults: the host only
    when it is a loopback address other than localhost (127.0.0.1 already is Lamina's), the port
    only when it is a port number; None for what it doesn't give."""
    found = custom.get("serverless-offline") if isinstance(custom, Mapping) else None
    if not isinstance(found, Mapping):
        return None, None
    host, port = found.get("host"), found.get("httpPort")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    valid = isinstance(port, int) and not isinstance(port, bool) and 0 < port <= 65535
    usable_port = port if valid else None
    usable_host = str(host) if host and is_loopback(str(host)) and host != "localhost" else None
    return usable_host, usable_port


def _offline_urls(custom: Any) -> str:
    """Where `lamina api`'s URLs differ from those custom.serverless-offline gives (its
    defaults: httpPort 3000, host localhost, prefix "", noPrependStageInUrl false)."""
    found = custom.get("serverless-offline") if isinstance(custom, Mapping) else None
    settings: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    differences = []
    if settings.get("noPrependStageInUrl") is not True:  # `lamina api`: /hello, not /dev/hello
        differences.append("the http events' paths have no stage in front")
    prefix = str(settings.get("prefix") or "").strip("/")
    if prefix:
        differences.append(f"no /{prefix} prefix")
    port = settings.get("httpPort")
    if port is not None and offline_address(custom)[1] is None:
        differences.append(f"port 3000, not {port!r}, which is no port number")
    host = settings.get("host")
    if host is not None and not is_loopback(str(host)):
        differences.append(f"127.0.0.1, not {host} (--host, with --allow-remote)")
    if not differences:
        return ""
    return "; its URLs differ from serverless-offline's: " + ", ".join(differences)
