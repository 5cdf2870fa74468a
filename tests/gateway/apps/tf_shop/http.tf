# An HTTP API: a 2.0 route, a route whose integration says no payload version (1.0, as
# Terraform's default), and one to an HTTP backend Lamina does not serve.
resource "aws_apigatewayv2_api" "http" {
  name          = "shop-http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_apigatewayv2_integration" "orders" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.orders.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "get_order" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /orders/{id}"
  target    = "integrations/${aws_apigatewayv2_integration.orders.id}"
}

resource "aws_apigatewayv2_integration" "orders_v1" {
  api_id           = aws_apigatewayv2_api.http.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.orders.arn
}

resource "aws_apigatewayv2_route" "post_orders_v1" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "POST /v1/orders"
  target    = "integrations/${aws_apigatewayv2_integration.orders_v1.id}"
}

resource "aws_apigatewayv2_integration" "legacy" {
  api_id             = aws_apigatewayv2_api.http.id
  integration_type   = "HTTP_PROXY"
  integration_method = "GET"
  integration_uri    = "https://example.com/"
}

resource "aws_apigatewayv2_route" "legacy" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /legacy"
  target    = "integrations/${aws_apigatewayv2_integration.legacy.id}"
}

resource "aws_lambda_function_url" "webhook" {
  function_name      = aws_lambda_function.webhook.function_name
  authorization_type = "NONE"
  cors {
    allow_origins = ["*"]
  }
}

# A custom domain Lamina does not serve: named in the one warning of what is not read.
resource "aws_apigatewayv2_domain_name" "api" {
  domain_name = "api.shop.example"
  domain_name_configuration {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/shop"
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}
