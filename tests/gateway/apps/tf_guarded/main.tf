terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

data "archive_file" "guarded" {
  type        = "zip"
  source_dir  = "${path.module}/src/guarded"
  output_path = "${path.module}/build/guarded.zip"
}

resource "aws_iam_role" "lambda" {
  name               = "guarded-lambda"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "echo" {
  function_name = "guarded-echo"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.echo"
  runtime       = "python3.12"
  filename      = data.archive_file.guarded.output_path
}

resource "aws_lambda_function" "token_auth" {
  function_name = "guarded-token-auth"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.token_auth"
  runtime       = "python3.12"
  filename      = data.archive_file.guarded.output_path
}

resource "aws_lambda_function" "request_auth" {
  function_name = "guarded-request-auth"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.request_auth"
  runtime       = "python3.12"
  filename      = data.archive_file.guarded.output_path
}

resource "aws_lambda_function" "simple_auth" {
  function_name = "guarded-simple-auth"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.simple_auth"
  runtime       = "python3.12"
  filename      = data.archive_file.guarded.output_path
}

resource "aws_lambda_function" "lookup" {
  function_name = "guarded-lookup"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.lookup"
  runtime       = "python3.12"
  filename      = data.archive_file.guarded.output_path
}
