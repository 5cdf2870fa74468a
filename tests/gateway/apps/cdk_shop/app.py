# The CDK app cdk.out/ was synthesized from (by hand, for the tests: Lamina never runs cdk).
import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration

app = cdk.App()
stack = cdk.Stack(app, "ShopStack")
code = lambda_.Code.from_asset("lambda/shop")
items = lambda_.Function(
    stack, "Items", runtime=lambda_.Runtime.PYTHON_3_12, handler="handler.handler", code=code
)
orders = lambda_.Function(
    stack, "Orders", runtime=lambda_.Runtime.PYTHON_3_12, handler="handler.handler", code=code
)
webhook = lambda_.Function(
    stack,
    "Webhook",
    runtime=lambda_.Runtime.PYTHON_3_12,
    handler="handler.handler",
    code=code,
    function_name="shop-webhook",
)
rest = apigw.LambdaRestApi(
    stack,
    "ShopApi",
    handler=items,
    deploy_options=apigw.StageOptions(variables={"color": "blue"}),
    default_cors_preflight_options=apigw.CorsOptions(allow_origins=["https://shop.example"]),
)
rest.root.add_resource("legacy").add_method("GET", apigw.HttpIntegration("https://example.com/"))
http = apigwv2.HttpApi(stack, "HttpApi")
http.add_routes(
    path="/orders/{id}",
    methods=[apigwv2.HttpMethod.GET],
    integration=HttpLambdaIntegration("Orders", orders),
)
http.add_routes(
    path="/v1/orders",
    methods=[apigwv2.HttpMethod.POST],
    integration=HttpLambdaIntegration(
        "OrdersV1", orders, payload_format_version=apigwv2.PayloadFormatVersion.VERSION_1_0
    ),
)
webhook.add_function_url(
    auth_type=lambda_.FunctionUrlAuthType.NONE,
    cors=lambda_.FunctionUrlCorsOptions(allowed_origins=["*"]),
)
app.synth()
