"""The plugins a serverless.yml lists, each named once at load with what a local run does.

Lamina runs no plugin: it reads serverless.yml and runs the handlers. A plugin that only acts at
package or deploy time needs nothing locally; one that changes what a function sees when it
runs is named with what Lamina does instead, so a difference is never silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Plugin -> what Lamina does in its place.
_KNOWN = {
    "serverless-python-requirements": "",  # requirements.txt is installed as for any function
    "serverless-offline": (
        "not needed: `lamina api` serves the http and httpApi events, and `lamina serve` the "
        "Lambda API (its custom.serverless-offline settings are not read)"
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
            warnings.append(f"plugins: {name}: {note}")
    requirements = custom.get("pythonRequirements") if isinstance(custom, Mapping) else None
    if isinstance(requirements, Mapping) and requirements.get("layer"):
        warnings.append(
            "custom.pythonRequirements.layer: the requirements layer is not built; "
            "requirements.txt is installed for each function as without it"
        )
    return warnings
