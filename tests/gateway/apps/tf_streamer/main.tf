# A REST API whose integration streams (response_transfer_mode = "STREAM"); the function is the
# streamer app's own runtime, copied into src/ by the test.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

data "archive_file" "streamer" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/streamer.zip"
}

resource "aws_iam_role" "lambda" {
  name               = "streamer-lambda"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "streamer" {
  function_name = "streamer"
  role          = aws_iam_role.lambda.arn
  handler       = "own_runtime.handler"
  runtime       = "python3.11"
  timeout       = 10
  filename      = data.archive_file.streamer.output_path
}

resource "aws_api_gateway_rest_api" "streams" {
  name = "streams"
}

resource "aws_api_gateway_resource" "words" {
  rest_api_id = aws_api_gateway_rest_api.streams.id
  parent_id   = aws_api_gateway_rest_api.streams.root_resource_id
  path_part   = "words"
}

resource "aws_api_gateway_method" "words_get" {
  rest_api_id   = aws_api_gateway_rest_api.streams.id
  resource_id   = aws_api_gateway_resource.words.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "words_get" {
  rest_api_id             = aws_api_gateway_rest_api.streams.id
  resource_id             = aws_api_gateway_resource.words.id
  http_method             = aws_api_gateway_method.words_get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.streamer.response_streaming_invoke_arn
  response_transfer_mode  = "STREAM"
  timeout_milliseconds    = 900000
}
