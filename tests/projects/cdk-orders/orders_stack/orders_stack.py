from aws_cdk import Duration, NestedStack, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk.aws_lambda_python_alpha import PythonFunction
from constructs import Construct


class PaymentsStack(NestedStack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        PythonFunction(
            self,
            "Charge",
            entry="lambda/payments",
            index="index.py",
            handler="charge",
            runtime=lambda_.Runtime.PYTHON_3_12,
        )


class OrdersStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        )
        lambda_.Function(
            self,
            "Orders",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=lambda_.Code.from_asset("lambda/orders"),
            timeout=Duration.seconds(10),
            memory_size=512,
            environment={"TABLE_NAME": table.table_name, "STAGE": "dev"},
        )
        lambda_.Function(
            self,
            "Generated",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="handler.main",
            code=lambda_.Code.from_asset("build/generated"),
        )
        PaymentsStack(self, "Payments")
