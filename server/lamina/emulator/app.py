"""The aiohttp application: the emulator's parts and every route table, then the catch-all that
names unsupported operations. A new feature (the async queue, event source mappings) adds its
own `routes` table to ROUTE_TABLES."""

from __future__ import annotations

from aiohttp import web

from lamina.emulator import (
    routes_account,
    routes_capacity_providers,
    routes_code_signing,
    routes_durable,
    routes_esm,
    routes_event_invoke,
    routes_function_settings,
    routes_function_urls,
    routes_functions,
    routes_invoke,
    routes_invoke_stream,
    routes_layers,
    routes_logs,
    routes_permissions,
    routes_provisioned,
    routes_resource_policy,
    routes_versions,
)
from lamina.emulator.api import CLIENT_MAX_SIZE, EMULATOR, Emulator
from lamina.emulator.unsupported import unsupported

ROUTE_TABLES = (
    routes_invoke.routes,  # first: the hot path
    routes_functions.routes,
    routes_versions.routes,
    routes_permissions.routes,
    routes_account.routes,
    routes_event_invoke.routes,
    routes_esm.routes,
    routes_function_urls.routes,
    routes_invoke_stream.routes,
    routes_code_signing.routes,
    routes_function_settings.routes,
    routes_provisioned.routes,
    routes_capacity_providers.routes,
    routes_resource_policy.routes,
    routes_durable.routes,
    routes_layers.routes,
    routes_logs.routes,  # CloudWatch Logs' FilterLogEvents over the functions' output
)


def create_app(emulator: Emulator) -> web.Application:
    app = web.Application(
        client_max_size=CLIENT_MAX_SIZE, middlewares=[routes_function_urls.function_url_hosts]
    )
    app[EMULATOR] = emulator
    for table in ROUTE_TABLES:
        app.add_routes(table)
    app.router.add_route("*", "/{tail:.*}", unsupported)
    return app
