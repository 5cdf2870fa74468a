# The CDK app cdk.out/ stands for (written by hand in its shape, for the tests: Lamina never
# runs cdk). Abridged: the functions are Echo, TokenAuth, RequestAuth, SimpleAuth and Lookup.
import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk.aws_apigatewayv2_authorizers import (
    HttpJwtAuthorizer,
    HttpLambdaAuthorizer,
    HttpLambdaResponseType,
)
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration

app = cdk.App()
stack = cdk.Stack(app, "GuardedStack")
echo, token_auth, request_auth, simple_auth, lookup = ...  # lambda_.Function(...) each
api = apigw.RestApi(stack, "GuardedApi")
token = apigw.TokenAuthorizer(
    stack, "TokenAuthorizer", handler=token_auth, validation_regex="[a-z]+"
)
request = apigw.RequestAuthorizer(
    stack,
    "RequestAuthorizer",
    handler=request_auth,
    results_cache_ttl=cdk.Duration.seconds(0),
    identity_sources=[
        apigw.IdentitySource.header("X-Key"),
        apigw.IdentitySource.query_string("tenant"),
    ],
)
pool = cognito.UserPool(stack, "Pool")
client = cognito.UserPoolClient(stack, "PoolClient", user_pool=pool)
pool_authorizer = apigw.CognitoUserPoolsAuthorizer(
    stack, "PoolAuthorizer", cognito_user_pools=[pool]
)
echoes = apigw.LambdaIntegration(echo)
api.root.add_resource("token").add_method("GET", echoes, authorizer=token)
api.root.add_resource("request").add_method("GET", echoes, authorizer=request)
api.root.add_resource("pool").add_method("GET", echoes, authorizer=pool_authorizer)
api.root.add_resource("keyed").add_method("GET", echoes, api_key_required=True)
api.root.add_resource("iam").add_method(
    "GET", echoes, authorization_type=apigw.AuthorizationType.IAM
)
api.root.add_resource("lookup").add_method(
    "POST",
    apigw.LambdaIntegration(
        lookup,
        proxy=False,
        passthrough_behavior=apigw.PassthroughBehavior.NEVER,
        request_templates={"application/json": "{\"id\": $input.json('$.id'), ...}"},
        integration_responses=[...],  # 200, and 404 for ".*not found.*"
    ),
    method_responses=[...],
)
plan = api.add_usage_plan(
    "Plan",
    throttle=apigw.ThrottleSettings(rate_limit=50, burst_limit=50),
    quota=apigw.QuotaSettings(limit=3, period=apigw.Period.DAY),
)
plan.add_api_key(api.add_api_key("Key", api_key_name="key-one", value="key-one-0123456789abcdef"))
plan.add_api_stage(stage=api.deployment_stage)

http = apigwv2.HttpApi(stack, "GuardedHttp")
simple = HttpLambdaAuthorizer(
    "SimpleAuthorizer", simple_auth, response_types=[HttpLambdaResponseType.SIMPLE]
)
jwt = HttpJwtAuthorizer("JwtAuthorizer", "https://issuer.guarded.test", jwt_audience=["guarded"])
integration = HttpLambdaIntegration("Echo", echo)
# As aws-samples' HTTP API + Cognito pattern writes it: the pool's issuer and the client's
# audience are only known once deployed.
members = HttpJwtAuthorizer(
    "MembersAuthorizer",
    f"https://cognito-idp.{stack.region}.amazonaws.com/{pool.user_pool_id}",
    jwt_audience=[client.user_pool_client_id],
)
http.add_routes(
    path="/simple", methods=[apigwv2.HttpMethod.GET], integration=integration, authorizer=simple
)
http.add_routes(
    path="/jwt",
    methods=[apigwv2.HttpMethod.GET],
    integration=integration,
    authorizer=jwt,
    authorization_scopes=["orders:read"],
)
http.add_routes(
    path="/members", methods=[apigwv2.HttpMethod.GET], integration=integration, authorizer=members
)
app.synth()
