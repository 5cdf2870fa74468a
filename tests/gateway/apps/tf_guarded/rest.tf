# A REST API with TOKEN, REQUEST and Cognito authorizers, an API key under a usage plan, a
# non-proxy Lambda integration with mapping templates, and CORS from an OPTIONS MOCK method.
resource "aws_api_gateway_rest_api" "guarded" {
  name = "guarded"
}

resource "aws_api_gateway_stage" "dev" {
  rest_api_id   = aws_api_gateway_rest_api.guarded.id
  deployment_id = aws_api_gateway_deployment.guarded.id
  stage_name    = "dev"
}

resource "aws_api_gateway_deployment" "guarded" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
}

resource "aws_api_gateway_authorizer" "token" {
  name                           = "token"
  rest_api_id                    = aws_api_gateway_rest_api.guarded.id
  authorizer_uri                 = aws_lambda_function.token_auth.invoke_arn
  identity_validation_expression = "[a-z]+"
}

resource "aws_api_gateway_authorizer" "request" {
  name                             = "request"
  rest_api_id                      = aws_api_gateway_rest_api.guarded.id
  type                             = "REQUEST"
  authorizer_uri                   = aws_lambda_function.request_auth.invoke_arn
  identity_source                  = "method.request.header.X-Key,method.request.querystring.tenant"
  authorizer_result_ttl_in_seconds = 0
}

resource "aws_api_gateway_authorizer" "pool" {
  name          = "pool"
  rest_api_id   = aws_api_gateway_rest_api.guarded.id
  type          = "COGNITO_USER_POOLS"
  provider_arns = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Guarded"]
}

resource "aws_api_gateway_resource" "token" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  parent_id   = aws_api_gateway_rest_api.guarded.root_resource_id
  path_part   = "token"
}

resource "aws_api_gateway_method" "token" {
  rest_api_id   = aws_api_gateway_rest_api.guarded.id
  resource_id   = aws_api_gateway_resource.token.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.token.id
}

resource "aws_api_gateway_integration" "token" {
  rest_api_id             = aws_api_gateway_rest_api.guarded.id
  resource_id             = aws_api_gateway_resource.token.id
  http_method             = aws_api_gateway_method.token.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.echo.invoke_arn
}

# CORS as Terraform configurations write it: an OPTIONS method answered by a MOCK integration.
resource "aws_api_gateway_method" "token_options" {
  rest_api_id   = aws_api_gateway_rest_api.guarded.id
  resource_id   = aws_api_gateway_resource.token.id
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "token_options" {
  rest_api_id       = aws_api_gateway_rest_api.guarded.id
  resource_id       = aws_api_gateway_resource.token.id
  http_method       = aws_api_gateway_method.token_options.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "token_options" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  resource_id = aws_api_gateway_resource.token.id
  http_method = aws_api_gateway_method.token_options.http_method
  status_code = "200"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = true
    "method.response.header.Access-Control-Allow-Methods" = true
    "method.response.header.Access-Control-Allow-Headers" = true
  }
}

resource "aws_api_gateway_integration_response" "token_options" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  resource_id = aws_api_gateway_resource.token.id
  http_method = aws_api_gateway_method.token_options.http_method
  status_code = aws_api_gateway_method_response.token_options.status_code
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = "'https://guarded.example'"
    "method.response.header.Access-Control-Allow-Methods" = "'GET,OPTIONS'"
    "method.response.header.Access-Control-Allow-Headers" = "'Authorization'"
  }
}

resource "aws_api_gateway_resource" "request" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  parent_id   = aws_api_gateway_rest_api.guarded.root_resource_id
  path_part   = "request"
}

resource "aws_api_gateway_method" "request" {
  rest_api_id   = aws_api_gateway_rest_api.guarded.id
  resource_id   = aws_api_gateway_resource.request.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.request.id
}

resource "aws_api_gateway_integration" "request" {
  rest_api_id             = aws_api_gateway_rest_api.guarded.id
  resource_id             = aws_api_gateway_resource.request.id
  http_method             = aws_api_gateway_method.request.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.echo.invoke_arn
}

resource "aws_api_gateway_resource" "pool" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  parent_id   = aws_api_gateway_rest_api.guarded.root_resource_id
  path_part   = "pool"
}

resource "aws_api_gateway_method" "pool" {
  rest_api_id   = aws_api_gateway_rest_api.guarded.id
  resource_id   = aws_api_gateway_resource.pool.id
  http_method   = "GET"
  authorization = "COGNITO_USER_POOLS"
  authorizer_id = aws_api_gateway_authorizer.pool.id
}

resource "aws_api_gateway_integration" "pool" {
  rest_api_id             = aws_api_gateway_rest_api.guarded.id
  resource_id             = aws_api_gateway_resource.pool.id
  http_method             = aws_api_gateway_method.pool.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.echo.invoke_arn
}

resource "aws_api_gateway_resource" "keyed" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  parent_id   = aws_api_gateway_rest_api.guarded.root_resource_id
  path_part   = "keyed"
}

resource "aws_api_gateway_method" "keyed" {
  rest_api_id      = aws_api_gateway_rest_api.guarded.id
  resource_id      = aws_api_gateway_resource.keyed.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}

resource "aws_api_gateway_integration" "keyed" {
  rest_api_id             = aws_api_gateway_rest_api.guarded.id
  resource_id             = aws_api_gateway_resource.keyed.id
  http_method             = aws_api_gateway_method.keyed.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.echo.invoke_arn
}

resource "aws_api_gateway_api_key" "partner" {
  name  = "partner"
  value = "tf-key-0123456789abcdefghij"
}

resource "aws_api_gateway_usage_plan" "partners" {
  name = "partners"
  api_stages {
    api_id = aws_api_gateway_rest_api.guarded.id
    stage  = aws_api_gateway_stage.dev.stage_name
  }
  quota_settings {
    limit  = 2
    period = "DAY"
  }
  throttle_settings {
    burst_limit = 5
    rate_limit  = 10
  }
}

resource "aws_api_gateway_usage_plan_key" "partner" {
  key_id        = aws_api_gateway_api_key.partner.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.partners.id
}

# A non-proxy Lambda integration: the request and the answer go through mapping templates.
resource "aws_api_gateway_resource" "lookup" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  parent_id   = aws_api_gateway_rest_api.guarded.root_resource_id
  path_part   = "lookup"
}

resource "aws_api_gateway_method" "lookup" {
  rest_api_id   = aws_api_gateway_rest_api.guarded.id
  resource_id   = aws_api_gateway_resource.lookup.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "lookup" {
  rest_api_id             = aws_api_gateway_rest_api.guarded.id
  resource_id             = aws_api_gateway_resource.lookup.id
  http_method             = aws_api_gateway_method.lookup.http_method
  integration_http_method = "POST"
  type                    = "AWS"
  uri                     = aws_lambda_function.lookup.invoke_arn
  passthrough_behavior    = "NEVER"
  request_templates = {
    "application/json" = "{\"id\": $input.json('$.id'), \"stage\": \"$context.stage\"}"
  }
}

resource "aws_api_gateway_method_response" "lookup_ok" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  resource_id = aws_api_gateway_resource.lookup.id
  http_method = aws_api_gateway_method.lookup.http_method
  status_code = "200"
}

resource "aws_api_gateway_method_response" "lookup_missing" {
  rest_api_id = aws_api_gateway_rest_api.guarded.id
  resource_id = aws_api_gateway_resource.lookup.id
  http_method = aws_api_gateway_method.lookup.http_method
  status_code = "404"
  response_parameters = { "method.response.header.X-Reason" = true }
}

resource "aws_api_gateway_integration_response" "lookup_ok" {
  rest_api_id        = aws_api_gateway_rest_api.guarded.id
  resource_id        = aws_api_gateway_resource.lookup.id
  http_method        = aws_api_gateway_method.lookup.http_method
  status_code        = aws_api_gateway_method_response.lookup_ok.status_code
  response_templates = { "application/json" = "{\"found\": $input.json('$')}" }
}

resource "aws_api_gateway_integration_response" "lookup_missing" {
  rest_api_id         = aws_api_gateway_rest_api.guarded.id
  resource_id         = aws_api_gateway_resource.lookup.id
  http_method         = "POST"
  status_code         = aws_api_gateway_method_response.lookup_missing.status_code
  selection_pattern   = ".*not found.*"
  response_parameters = { "method.response.header.X-Reason" = "'missing'" }
  response_templates = {
    "application/json" = "{\"error\": \"$input.path('$.errorMessage')\"}"
  }
}
