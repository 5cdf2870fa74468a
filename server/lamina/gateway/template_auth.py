"""The `Auth` parts of a SAM template's APIs: Lambda and JWT authorizers (per API, the
default and each event's choice) and API keys (`ApiKeyRequired`, `AWS::ApiGateway::ApiKey`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from lamina.gateway.authorizers import Authorizer, KeyFromAuthorizer
from lamina.gateway.iam_auth import AWS_IAM, IamAuthorizer
from lamina.gateway.jwt_authorizers import JwtAuthorizer
from lamina.gateway.routes import Api, ApiKind
from lamina.gateway.usage_plans import StagePlans
from lamina.project.cfn_values import to_text
from lamina.project.sam_globals import merge_globals

AnyAuthorizer = Authorizer | JwtAuthorizer | IamAuthorizer
_ARN_IN_SUB = re.compile(r"\$\{([A-Za-z0-9]+)\.Arn\}")
_VARIABLE_IN_SUB = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_FUNCTION_IN_ARN = re.compile(r":function:([A-Za-z0-9_-]+)")
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def sigv4_required(body: Mapping[str, Any], operation: Mapping[str, Any]) -> bool:
    """Whether an OpenAPI operation's `security` (else the document's) names a scheme with
    `x-amazon-apigateway-authtype: awsSigv4` (OpenAPI 3 `components.securitySchemes` or
    Swagger 2 `securityDefinitions`): API Gateway's AWS_IAM, as SAM writes it."""
    components = body.get("components")
    schemes: dict[str, Any] = {}
    for found in (
        body.get("securityDefinitions"),
        components.get("securitySchemes") if isinstance(components, Mapping) else None,
    ):
        if isinstance(found, Mapping):
            schemes.update(found)
    sigv4 = {
        name
        for name, scheme in schemes.items()
        if isinstance(scheme, Mapping)
        and str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4"
    }
    security = operation.get("security", body.get("security"))
    if not sigv4 or not isinstance(security, list):
        return False
    return any(isinstance(entry, Mapping) and sigv4 & set(entry) for entry in security)


def function_in_uri(uri: Any) -> str | None:
    """The function an integration URI or FunctionArn names: `${Fn.Arn}` in a Sub, GetAtt
    Fn.Arn, or either among the parts of a Join (as `cdk synth` writes the URI of a REST
    API's Lambda integration); read before intrinsics are resolved."""
    if isinstance(uri, Mapping):
        join = uri.get("Fn::Join")
        if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
            return next(filter(None, (function_in_uri(part) for part in join[1])), None)
        if "Fn::Sub" in uri:
            sub = uri["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) and sub else sub
            found = _ARN_IN_SUB.search(text) if isinstance(text, str) else None
            if found is None and isinstance(text, str) and isinstance(sub, list) and len(sub) > 1:
                # Sub's list form: `${lambdaArn}` with {lambdaArn: !GetAtt Fn.Arn} beside it.
                names = sub[1] if isinstance(sub[1], Mapping) else {}
                parts = (names.get(n) for n in _VARIABLE_IN_SUB.findall(text))
                return next(filter(None, map(function_in_uri, parts)), None)
            return found.group(1) if found else None
        if "Fn::GetAtt" in uri:
            target = uri["Fn::GetAtt"]
            name = target[0] if isinstance(target, list) else str(target).split(".")[0]
            return str(name)
    return None


def known_claims(
    issuer: str, audiences: list[str], warn: Callable[[str], None]
) -> tuple[str, list[str]]:
    """A JWT authorizer's issuer and audiences as they can be checked here: one that only exists
    once deployed (a placeholder `${…}`: a user pool's id, a nested stack's output) can't be, so
    any issuer, or any audience, is taken, with a warning."""
    if "${" in issuer:
        warn(f"Issuer {issuer} is only known once deployed: any issuer is taken")
        issuer = ""
    unknown = [a for a in audiences if "${" in a]
    if unknown:
        warn(f"Audience {', '.join(unknown)} is only known once deployed: any audience is taken")
        audiences = []
    return issuer, audiences


def function_in_arn(
    uri: Any, resources: Mapping[str, Any], value: Callable[[Any, str], Any]
) -> str | None:
    """The function a literal integration URI names (`…:function:NAME/invocations`), as a
    `DefinitionUri` file has it (SAM runs no intrinsics there): the function whose logical id
    or `FunctionName` is NAME, else NAME itself (the caller says it is not one of the template's)."""
    found = _FUNCTION_IN_ARN.search(uri) if isinstance(uri, str) else None
    if found is None:
        return None
    name = found.group(1)
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") not in _FUNCTION_TYPES:
            continue
        props = resource.get("Properties") or {}
        if logical_id == name or (
            isinstance(props, Mapping)
            and to_text(value(props.get("FunctionName"), f"{logical_id}.FunctionName")) == name
        ):
            return str(logical_id)
    return name


class TemplateAuth:
    def __init__(
        self,
        resources: Mapping[str, Any],
        globals_: Mapping[str, Any],
        functions: set[str],
        jwks: Mapping[str, str],
        value: Callable[[Any, str], Any],
        warn: Callable[[str, str], None],
    ) -> None:
        self.resources = resources
        self.globals = globals_
        self.functions = functions
        self.jwks = dict(jwks)
        self.value = value
        self.warn = warn
        # Per API: its authorizers by name, and the default one's name.
        self.auth: dict[str, tuple[dict[str, AnyAuthorizer], str | None]] = {}
        self.api_keys = self.defined_api_keys()

    def defined_api_keys(self) -> tuple[str, ...]:
        keys = []
        for logical_id, resource in self.resources.items():
            if isinstance(resource, Mapping) and resource.get("Type") == "AWS::ApiGateway::ApiKey":
                value = self.value((resource.get("Properties") or {}).get("Value"), logical_id)
                if value:
                    keys.append(to_text(value))
        return tuple(keys)

    def key_required(self, api: Api, event_auth: Any, where: str) -> bool:
        """Auth.ApiKeyRequired on the event, else on the API (REST APIs only)."""
        if api.kind is not ApiKind.REST:
            return False
        required = None
        if isinstance(event_auth, Mapping) and "ApiKeyRequired" in event_auth:
            required = bool(event_auth["ApiKeyRequired"])
        if required is None:
            resource = self.resources.get(api.logical_id) or {}
            own = (resource.get("Properties") or {}) if isinstance(resource, Mapping) else {}
            auth = merge_globals(self.globals.get("Api"), own).get("Auth") or {}
            required = bool(auth.get("ApiKeyRequired")) if isinstance(auth, Mapping) else False
        if required and not self.api_keys:
            self.warn(where, "ApiKeyRequired, but no AWS::ApiGateway::ApiKey Value here: any key")
        return required

    def key_source(self, api: Api) -> str:
        """The API's `ApiKeySourceType` (SAM's and CloudFormation's, else its OpenAPI body's
        `x-amazon-apigateway-api-key-source`): HEADER or AUTHORIZER."""
        resource = self.resources.get(api.logical_id) or {}
        own = (resource.get("Properties") or {}) if isinstance(resource, Mapping) else {}
        if resource.get("Type") == "AWS::Serverless::Api":
            own = merge_globals(self.globals.get("Api"), own)
        raw = self.value(own.get("ApiKeySourceType"), f"{api.logical_id}.ApiKeySourceType")
        body = own.get("DefinitionBody") or own.get("Body")  # else OpenAPI's extension
        if not raw and isinstance(body, Mapping):
            raw = body.get("x-amazon-apigateway-api-key-source")
        return to_text(raw or "HEADER").upper()

    def route_keys(
        self,
        api: Api,
        method: str,
        path: str,
        authorizer: AnyAuthorizer | None,
        required: bool,
        where: str,
    ) -> tuple[Api, AnyAuthorizer | None, bool]:
        """A route's API (with its plans' per-method throttles), authorizer and whether the
        front checks x-api-key, after the API's ApiKeySourceType."""
        if isinstance(api.usage_plan, StagePlans) and api.usage_plan.has_method_throttles:
            api = replace(api, usage_plan=api.usage_plan.for_route(method, path))
        if required and self.key_source(api) == "AUTHORIZER":
            return self.key_from_authorizer(api, authorizer, where)
        return api, authorizer, required

    def key_from_authorizer(
        self, api: Api, authorizer: AnyAuthorizer | None, where: str
    ) -> tuple[Api, AnyAuthorizer | None, bool]:
        """A route needing an API key on an AUTHORIZER-sourced API: its Lambda authorizer
        gives the key (usageIdentifierKey) and the x-api-key header is not read (the route's
        API, its authorizer and whether the front still checks a header)."""
        if not isinstance(authorizer, Authorizer):  # no key to read: API Gateway refuses all
            why = "ApiKeySourceType AUTHORIZER, but no Lambda authorizer gives the route a key"
            self.warn(where, f"{why}: every request is refused (403)")
            return replace(api, usage_plan=StagePlans((), refused=why)), authorizer, True
        source = KeyFromAuthorizer(api.api_keys, api.usage_plan)
        return api, replace(authorizer, key_source=source), False

    def read_authorizers(self, logical_id: str, kind: ApiKind, auth: Any) -> None:
        """Note an API's Lambda and JWT authorizers and its default one."""
        self.auth[logical_id] = self._authorizers(logical_id, kind, auth)

    def _authorizers(
        self, logical_id: str, kind: ApiKind, auth: Any
    ) -> tuple[dict[str, AnyAuthorizer], str | None]:
        if not isinstance(auth, Mapping):
            return {}, None
        found: dict[str, AnyAuthorizer] = {}
        for name, config in (auth.get("Authorizers") or {}).items():
            where = f"{logical_id}.Auth.Authorizers.{name}"
            if not isinstance(config, Mapping):
                continue
            if "JwtConfiguration" in config and kind is ApiKind.HTTP:
                found[str(name)] = self.jwt_authorizer(str(name), config, where)
                continue
            if "UserPoolArn" in config and kind is ApiKind.REST:
                found[str(name)] = self.cognito_authorizer(str(name), config, where)
                continue
            if "UserPoolArn" in config or "JwtConfiguration" in config:
                self.warn(where, "this kind of authorizer is not checked locally")
                continue
            function = function_in_uri(config.get("FunctionArn"))
            if function is None or function not in self.functions:
                self.warn(where, "FunctionArn names no function Lamina runs here; skipped")
                continue
            identity = config.get("Identity") or {}
            http = kind is ApiKind.HTTP
            found[str(name)] = Authorizer(
                name=str(name),
                function=function,
                kind="REQUEST" if http else to_text(config.get("FunctionPayloadType") or "TOKEN"),
                http_api=http,
                header=to_text(identity.get("Header") or "Authorization"),
                validation=to_text(identity["ValidationExpression"])
                if identity.get("ValidationExpression")
                else None,
                identity_headers=tuple(to_text(h) for h in identity.get("Headers") or ()),
                identity_query=tuple(to_text(q) for q in identity.get("QueryStrings") or ()),
                payload_version=to_text(config.get("AuthorizerPayloadFormatVersion") or "2.0"),
                simple_responses=bool(config.get("EnableSimpleResponses")),
                ttl_s=int(identity.get("ReauthorizeEvery", 300)),
            )
        default = auth.get("DefaultAuthorizer")
        return found, to_text(default) if default else None

    def jwt_authorizer(self, name: str, config: Mapping[str, Any], where: str) -> JwtAuthorizer:
        jwt = self.value(config.get("JwtConfiguration"), f"{where}.JwtConfiguration") or {}
        audience = jwt.get("audience") or []
        issuer, audiences = known_claims(
            to_text(jwt.get("issuer") or ""),
            [to_text(a) for a in (audience if isinstance(audience, list) else [audience])],
            lambda message: self.warn(f"{where}.JwtConfiguration", message),
        )
        source = to_text(config.get("IdentitySource") or "$request.header.Authorization")
        header = (
            source.rsplit(".", 1)[-1] if source.startswith("$request.header.") else "Authorization"
        )
        return JwtAuthorizer(
            name=name,
            issuer=issuer,
            audiences=tuple(audiences),
            identity_header=header,
            jwks=self.jwks.get(issuer),
            # SAM gives the authorizer's own scopes to each route using it without its own.
            scopes=tuple(to_text(s) for s in config.get("AuthorizationScopes") or ()),
        )

    def cognito_authorizer(self, name: str, config: Mapping[str, Any], where: str) -> JwtAuthorizer:
        """A REST API's Cognito user pool authorizer, checked as a JWT from the pool's issuer
        (`https://cognito-idp.<region>.amazonaws.com/<pool id>`, from the ARN)."""
        arns = self.value(config.get("UserPoolArn"), f"{where}.UserPoolArn")
        arn = to_text(arns[0] if isinstance(arns, list) and arns else arns or "")
        issuer = ""
        parts = arn.split(":")
        if len(parts) == 6 and parts[2] == "cognito-idp" and parts[5].startswith("userpool/"):
            issuer = f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5].split('/', 1)[1]}"
        else:
            self.warn(where, f"UserPoolArn {arn} is not a literal ARN here: any issuer is taken")
        identity = config.get("Identity") or {}
        return JwtAuthorizer(
            name=name,
            issuer=issuer,
            audiences=(),
            identity_header=to_text(identity.get("Header") or "Authorization"),
            jwks=self.jwks.get(issuer),
        )

    def operation_authorizer(
        self, api: Api, body: Mapping[str, Any], operation: Mapping[str, Any], where: str
    ) -> AnyAuthorizer | None:
        """An inline OpenAPI operation's: AWS_IAM when its security names a SigV4 scheme, else
        the API's default."""
        if sigv4_required(body, operation):
            return IamAuthorizer(http_api=api.kind is ApiKind.HTTP)
        return self.route_authorizer(api, None, where)

    def route_authorizer(self, api: Api, event_auth: Any, where: str) -> AnyAuthorizer | None:
        found, default = self.auth.get(api.logical_id, ({}, None))
        name = default
        if isinstance(event_auth, Mapping) and event_auth.get("Authorizer"):
            name = to_text(event_auth["Authorizer"])
        if name == AWS_IAM:
            return IamAuthorizer(http_api=api.kind is ApiKind.HTTP)
        if name is None or name == "NONE":
            return None
        if name not in found:
            self.warn(where, f"authorizer {name} is not a Lambda authorizer of {api.logical_id}")
            return None
        chosen = found[name]
        scopes = event_auth.get("AuthorizationScopes") if isinstance(event_auth, Mapping) else None
        if isinstance(chosen, JwtAuthorizer) and scopes:
            chosen = replace(chosen, scopes=tuple(to_text(s) for s in scopes))
        return chosen
