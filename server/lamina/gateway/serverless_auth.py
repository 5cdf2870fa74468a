"""serverless.yml's `cors`, `authorizer` and `private` on `http`/`httpApi` events, and
`provider.httpApi` (`cors`, `authorizers`) and `provider.apiGateway.apiKeys`, written in SAM's
shape so that template_apis and template_auth read them as they read a SAM template's:

| serverless.yml | SAM shape |
|---|---|
| `http: {cors: true \\| {origin(s), headers, methods, allowCredentials, maxAge}}` | the REST API's `Cors` (one for the API: see docs/http.md) |
| `http: {authorizer: fn \\| arn \\| {name, arn, type, identitySource, resultTtlInSeconds, identityValidationExpression}}` | `Auth.Authorizers.<name>` (TOKEN or REQUEST) and the event's `Auth.Authorizer` |
| `http: {authorizer: aws_iam}` | the event's `Auth.Authorizer: AWS_IAM` (its SigV4 signature checked, see iam_auth) |
| `http: {private: true}` | the event's `Auth.ApiKeyRequired`; `provider.apiGateway.apiKeys` values as `AWS::ApiGateway::ApiKey` |
| `provider.httpApi.cors: true \\| {allowedOrigins, ...}` | the HTTP API's `CorsConfiguration` |
| `provider.httpApi.authorizers.<name>` (JWT `issuerUrl`/`audience`, or `type: request` with `functionName`/`functionArn`) | the HTTP API's `Auth.Authorizers.<name>` |
| `httpApi: {authorizer: {name, scopes} \\| name}` | the event's `Auth.Authorizer` (and `AuthorizationScopes`) |

Named once in a warning and otherwise left out (the route is served as a Lambda proxy without
them): `http` events' `request` (templates, parameters, schemas), `integration: lambda`
(non-proxy), and an authorizer given by id (`authorizer: {authorizerId: ...}` / `{type: CUSTOM}`,
`httpApi: {authorizer: {id: ...}}`): an authorizer made outside the service, which no function
here answers.

A Lambda authorizer is a function of the service, named by its key (`functionName`, a string
`authorizer`) or by its deployed ARN; another ARN is passed on, and template_auth warns that no
function here answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.cfn_yaml import load_cfn_yaml
from lamina.project.serverless_variables import VariableResolver

# The headers the framework allows when `cors: true` (both kinds of API).
DEFAULT_CORS_HEADERS = (
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
    "X-Amzn-Trace-Id",
)
_HTTP_METHODS = ("OPTIONS", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


@dataclass
class ServiceApiSettings:
    rest: dict[str, Any] = field(default_factory=dict)  # the REST API's Properties to add
    http: dict[str, Any] = field(default_factory=dict)  # the HTTP API's
    events: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # their Auth
    resources: dict[str, Any] = field(default_factory=dict)  # API keys
    warnings: list[str] = field(default_factory=list)  # what is left out, each named once


def service_api_settings(
    path: Path, deployed_names: Mapping[str, str], options: Mapping[str, str] | None = None
) -> ServiceApiSettings:
    """What serverless.yml at `path` says about its APIs' CORS, authorizers and keys;
    `deployed_names` maps each function's deployed name to its key (for authorizer ARNs),
    `options` are the framework's command-line options (`--stage`, `${opt:...}`)."""
    data = load_cfn_yaml(path, entries="functions").data
    settings = ServiceApiSettings()
    if not isinstance(data, Mapping):
        return settings
    resolver = VariableResolver(data, path.parent, options=options)
    provider = resolver.resolve(data.get("provider") or {}, "provider")
    provider = provider if isinstance(provider, Mapping) else {}
    reader = _Reader(settings, deployed_names)
    functions = data.get("functions")
    for key, raw in (functions if isinstance(functions, Mapping) else {}).items():
        if isinstance(raw, Mapping):
            function = resolver.resolve(raw, f"functions.{key}")
            reader.function_events(str(key), function.get("events"))
    reader.http_api(provider.get("httpApi"))
    reader.api_keys(provider.get("apiGateway"), provider.get("apiKeys"))
    settings.warnings.extend(
        f"{path.name}: {what} ({', '.join(where)})" for what, where in reader.left_out.items()
    )
    return settings


class _Reader:
    def __init__(self, settings: ServiceApiSettings, deployed_names: Mapping[str, str]) -> None:
        self.settings = settings
        self.deployed_names = deployed_names
        self.rest_cors: dict[str, Any] | None = None
        self.http_methods: set[str] = set()
        self.left_out: dict[str, list[str]] = {}  # why -> the events it concerns
        self.where = ""  # the event being read: `function events[n]`

    def leave_out(self, why: str) -> None:
        self.left_out.setdefault(why, []).append(self.where)

    def function_events(self, key: str, events: Any) -> None:
        """Numbered as project/serverless_events names them (`Api<n>`, `HttpApi<n>`)."""
        counts = {"Api": 0, "HttpApi": 0}
        for index, event in enumerate(events if isinstance(events, list) else ()):
            if not isinstance(event, Mapping) or len(event) != 1:
                continue
            kind, value = next(iter(event.items()))
            if kind not in ("http", "httpApi"):
                continue
            self.where = f"{key} events[{index}]"
            sam_type = "Api" if kind == "http" else "HttpApi"
            counts[sam_type] += 1
            name = f"{sam_type}{counts[sam_type]}"
            value = value if isinstance(value, Mapping) else {"route": value}
            auth = self.rest_event(value) if kind == "http" else self.http_event(value)
            if auth:
                self.settings.events[(key, name)] = {"Auth": auth}

    # --- REST (`http` events) -------------------------------------------------------------------

    def rest_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        method = str(event.get("method") or str(event.get("route") or "any").split(" ")[0])
        if event.get("cors"):
            self.rest_cors_add(event["cors"], method.upper())
        auth: dict[str, Any] = {}
        if event.get("private") is True:
            auth["ApiKeyRequired"] = True
        if isinstance(event.get("request"), Mapping):
            self.leave_out(
                "http events' request (templates, parameters, schemas) is not applied locally"
            )
        if str(event.get("integration", "lambda-proxy")).lower() not in (
            "lambda-proxy",
            "aws_proxy",
        ):
            self.leave_out(
                "http events' integration other than lambda-proxy is served as lambda-proxy"
            )
        authorizer = event.get("authorizer")
        if isinstance(authorizer, Mapping) and (
            authorizer.get("authorizerId") or str(authorizer.get("type", "")).upper() == "CUSTOM"
        ):
            self.leave_out(
                "an authorizer given by authorizerId is made outside the service and not run "
                "here: the route is served without it"
            )
        elif authorizer:
            auth["Authorizer"] = self.rest_authorizer(authorizer)
        return auth

    def rest_cors_add(self, cors: Any, method: str) -> None:
        given = cors if isinstance(cors, Mapping) else {}
        origins = given.get("origins") or given.get("origin") or "*"
        origin = origins[0] if isinstance(origins, list) and origins else origins
        headers = given.get("headers") or list(DEFAULT_CORS_HEADERS)
        methods = given.get("methods") or [method if method != "ANY" else "*"]
        if self.rest_cors is None:
            self.rest_cors = {"origin": str(origin), "headers": [], "methods": ["OPTIONS"]}
            if given.get("maxAge") is not None:
                self.rest_cors["maxAge"] = int(given["maxAge"])
            if given.get("allowCredentials"):
                self.rest_cors["allowCredentials"] = True
        for name, values in (("headers", headers), ("methods", methods)):
            for value in values if isinstance(values, list) else str(values).split(","):
                if str(value).strip() and str(value).strip() not in self.rest_cors[name]:
                    self.rest_cors[name].append(str(value).strip())
        methods_text = ",".join(
            _HTTP_METHODS if "*" in self.rest_cors["methods"] else self.rest_cors["methods"]
        )
        sam: dict[str, Any] = {
            "AllowOrigin": f"'{self.rest_cors['origin']}'",
            "AllowHeaders": f"'{','.join(self.rest_cors['headers'])}'",
            "AllowMethods": f"'{methods_text}'",
        }
        if "maxAge" in self.rest_cors:
            sam["MaxAge"] = f"'{self.rest_cors['maxAge']}'"
        if self.rest_cors.get("allowCredentials"):
            sam["AllowCredentials"] = True
        self.settings.rest["Cors"] = sam

    def rest_authorizer(self, authorizer: Any) -> str:
        """The authorizer's name, once its SAM definition is noted on the REST API."""
        given = authorizer if isinstance(authorizer, Mapping) else {}
        target = str(given.get("arn") or given.get("name") or authorizer)
        if target.lower() == "aws_iam" or str(given.get("type", "")).lower() == "aws_iam":
            return "AWS_IAM"
        function = self.function_named(target)
        name = str(given.get("name") or (function or target.rsplit(":", 1)[-1]))
        if ":cognito-idp:" in target or str(given.get("type", "")).upper() == "COGNITO_USER_POOLS":
            definition: dict[str, Any] = {"UserPoolArn": target}
        else:
            kind = str(given.get("type") or "token").upper()
            source = str(given.get("identitySource") or "method.request.header.Authorization")
            identity: dict[str, Any] = {
                "ReauthorizeEvery": int(given.get("resultTtlInSeconds", 300)),
            }
            sources = [s.strip() for s in source.split(",") if s.strip()]
            headers = [s.rsplit(".", 1)[-1] for s in sources if ".header." in s]
            queries = [s.rsplit(".", 1)[-1] for s in sources if ".querystring." in s]
            if kind == "TOKEN":
                identity["Header"] = headers[0] if headers else "Authorization"
            else:
                identity["Headers"], identity["QueryStrings"] = headers, queries
            if given.get("identityValidationExpression"):
                identity["ValidationExpression"] = given["identityValidationExpression"]
            definition = {
                "FunctionArn": {"Fn::GetAtt": [function, "Arn"]} if function else target,
                "FunctionPayloadType": kind,
                "Identity": identity,
            }
        auth = self.settings.rest.setdefault("Auth", {"Authorizers": {}})
        auth["Authorizers"][name] = definition
        return name

    def function_named(self, target: str) -> str | None:
        """The key of the service's function that `target` (a key or a deployed ARN) names."""
        if target.startswith("arn:"):
            return self.deployed_names.get(target.split(":")[6] if target.count(":") >= 6 else "")
        return target if target in self.deployed_names.values() else None

    # --- HTTP APIs (`httpApi` events, provider.httpApi) -----------------------------------------

    def http_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        route = str(event.get("route") or event.get("method") or "*").split(" ")[0]
        self.http_methods.add(route.upper())
        authorizer = event.get("authorizer")
        if not authorizer:
            return {}
        given = authorizer if isinstance(authorizer, Mapping) else {"name": authorizer}
        if str(given.get("type", "")).lower() == "aws_iam":
            return {"Authorizer": "AWS_IAM"}
        if given.get("id") and not given.get("name"):
            self.leave_out(
                "an httpApi authorizer given by id is made outside the service and not run "
                "here: the route is served without it"
            )
            return {}
        auth: dict[str, Any] = {"Authorizer": str(given.get("name") or given.get("id") or "")}
        if given.get("scopes"):
            auth["AuthorizationScopes"] = list(given["scopes"])
        return auth

    def http_api(self, settings: Any) -> None:
        settings = settings if isinstance(settings, Mapping) else {}
        cors = settings.get("cors")
        if cors:
            given = cors if isinstance(cors, Mapping) else {}
            methods = sorted(self.http_methods - {"*", "ANY"}) + ["OPTIONS"]
            if self.http_methods & {"*", "ANY"}:
                methods = ["*"]

            def items(name: str, default: Any) -> list[str]:
                value = given.get(name, default)
                return [str(v) for v in (value if isinstance(value, list) else [value])]

            config: dict[str, Any] = {
                "AllowOrigins": items("allowedOrigins", "*"),
                "AllowHeaders": items("allowedHeaders", list(DEFAULT_CORS_HEADERS)),
                "AllowMethods": items("allowedMethods", methods),
            }
            if given.get("exposedResponseHeaders"):
                config["ExposeHeaders"] = items("exposedResponseHeaders", [])
            if given.get("allowCredentials"):
                config["AllowCredentials"] = True
            if given.get("maxAge") is not None:
                config["MaxAge"] = int(given["maxAge"])
            self.settings.http["CorsConfiguration"] = config
        authorizers = settings.get("authorizers")
        found: dict[str, Any] = {}
        for name, given in (authorizers if isinstance(authorizers, Mapping) else {}).items():
            if not isinstance(given, Mapping):
                continue
            source = given.get("identitySource") or "$request.header.Authorization"
            sources = [str(s) for s in (source if isinstance(source, list) else [source])]
            if str(given.get("type", "jwt")).lower() == "request":
                target = str(given.get("functionArn") or given.get("functionName") or "")
                function = self.function_named(target)
                found[str(name)] = {
                    "FunctionArn": {"Fn::GetAtt": [function, "Arn"]} if function else target,
                    "AuthorizerPayloadFormatVersion": str(given.get("payloadVersion", "2.0")),
                    "EnableSimpleResponses": bool(given.get("enableSimpleResponses")),
                    "Identity": {
                        "Headers": [s.rsplit(".", 1)[-1] for s in sources if ".header." in s],
                        "QueryStrings": [
                            s.rsplit(".", 1)[-1] for s in sources if ".querystring." in s
                        ],
                        "ReauthorizeEvery": int(given.get("resultTtlInSeconds", 300)),
                    },
                }
            else:
                audience = given.get("audience") or []
                found[str(name)] = {
                    "JwtConfiguration": {
                        "issuer": str(given.get("issuerUrl") or ""),
                        "audience": audience if isinstance(audience, list) else [audience],
                    },
                    "IdentitySource": sources[0],
                }
        if found:
            self.settings.http["Auth"] = {"Authorizers": found}

    # --- API keys ---------------------------------------------------------------------------------

    def api_keys(self, api_gateway: Any, old_style: Any) -> None:
        """`provider.apiGateway.apiKeys` (v3), or v2's `provider.apiKeys`: names, `{name,
        value}`, or usage plans' lists of them. Only keys with a value are known locally."""
        keys = api_gateway.get("apiKeys") if isinstance(api_gateway, Mapping) else old_style
        flat: list[Any] = []
        for item in keys if isinstance(keys, list) else ():
            if isinstance(item, Mapping) and "value" not in item and "name" not in item:
                for listed in item.values():  # {usagePlanName: [keys]}
                    flat.extend(listed if isinstance(listed, list) else [])
            else:
                flat.append(item)
        for index, item in enumerate(flat):
            if isinstance(item, Mapping) and item.get("value"):
                self.settings.resources[f"ServerlessApiKey{index + 1}"] = {
                    "Type": "AWS::ApiGateway::ApiKey",
                    "Properties": {"Value": str(item["value"])},
                }
