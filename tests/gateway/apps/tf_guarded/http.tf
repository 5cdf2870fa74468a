# An HTTP API with a Lambda authorizer (simple responses) and a JWT authorizer with scopes.
resource "aws_apigatewayv2_api" "http" {
  name          = "guarded-http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_apigatewayv2_authorizer" "simple" {
  api_id                            = aws_apigatewayv2_api.http.id
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.simple_auth.invoke_arn
  identity_sources                  = ["$request.header.Authorization"]
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  name                              = "simple"
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.http.id
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  name             = "jwt"
  jwt_configuration {
    audience = ["guarded"]
    issuer   = "https://issuer.guarded.test"
  }
}

resource "aws_apigatewayv2_integration" "echo" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.echo.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "simple" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "GET /simple"
  target             = "integrations/${aws_apigatewayv2_integration.echo.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.simple.id
}

resource "aws_apigatewayv2_route" "jwt" {
  api_id               = aws_apigatewayv2_api.http.id
  route_key            = "GET /jwt"
  target               = "integrations/${aws_apigatewayv2_integration.echo.id}"
  authorization_type   = "JWT"
  authorizer_id        = aws_apigatewayv2_authorizer.jwt.id
  authorization_scopes = ["orders:read"]
}

# A JWT authorizer of a user pool the configuration creates: its issuer and audience are only
# known once applied.
resource "aws_cognito_user_pool" "members" {
  name = "guarded-members"
}

resource "aws_cognito_user_pool_client" "web" {
  name         = "web"
  user_pool_id = aws_cognito_user_pool.members.id
}

resource "aws_apigatewayv2_authorizer" "members" {
  api_id           = aws_apigatewayv2_api.http.id
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  name             = "members"
  jwt_configuration {
    audience = [aws_cognito_user_pool_client.web.id]
    issuer   = "https://${aws_cognito_user_pool.members.endpoint}"
  }
}

resource "aws_apigatewayv2_route" "members" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "GET /members"
  target             = "integrations/${aws_apigatewayv2_integration.echo.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.members.id
}
