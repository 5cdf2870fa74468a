# lamina api's test app for request validation in Terraform: a REST method with a request
# validator, required parameters and a model (a heredoc schema, and a file() one).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

data "archive_file" "echo" {
  type        = "zip"
  source_dir  = "${path.module}/src/echo"
  output_path = "${path.module}/build/echo.zip"
}

resource "aws_iam_role" "lambda" {
  name               = "echo-lambda"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "echo" {
  function_name = "echo"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.echo.output_path
}

resource "aws_api_gateway_rest_api" "api" {
  name = "validated"
}

resource "aws_api_gateway_resource" "pets" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "pets"
}

resource "aws_api_gateway_request_validator" "all" {
  name                        = "all"
  rest_api_id                 = aws_api_gateway_rest_api.api.id
  validate_request_body       = true
  validate_request_parameters = true
}

resource "aws_api_gateway_model" "pet" {
  rest_api_id  = aws_api_gateway_rest_api.api.id
  name         = "Pet"
  content_type = "application/json"
  schema       = <<-JSON
    {
      "$schema": "http://json-schema.org/draft-04/schema#",
      "type": "object",
      "required": ["name"],
      "properties": {"name": {"type": "string"}, "legs": {"type": "integer", "maximum": 8}}
    }
  JSON
}

resource "aws_api_gateway_method" "add_pet" {
  rest_api_id          = aws_api_gateway_rest_api.api.id
  resource_id          = aws_api_gateway_resource.pets.id
  http_method          = "POST"
  authorization        = "NONE"
  request_validator_id = aws_api_gateway_request_validator.all.id
  request_parameters = {
    "method.request.header.x-owner" = true
    "method.request.querystring.tag" = false
  }
  request_models = {
    "application/json" = aws_api_gateway_model.pet.name
  }
}

resource "aws_api_gateway_integration" "add_pet" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.pets.id
  http_method             = aws_api_gateway_method.add_pet.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.echo.invoke_arn
}

resource "aws_api_gateway_stage" "api" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = "d"
  stage_name    = "v1"
}
