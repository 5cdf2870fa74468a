#!/usr/bin/env python3
import aws_cdk as cdk
from orders_stack.orders_stack import OrdersStack

app = cdk.App()
OrdersStack(app, "OrdersStack")
app.synth()
