terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "stage" {
  default = "dev"
}

data "archive_file" "shop" {
  type        = "zip"
  source_dir  = "${path.module}/src/shop"
  output_path = "${path.module}/build/shop.zip"
}

resource "aws_iam_role" "lambda" {
  name               = "shop-lambda"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "items" {
  function_name = "shop-items-${var.stage}"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.shop.output_path
}

resource "aws_lambda_function" "orders" {
  function_name = "shop-orders"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.shop.output_path
}

resource "aws_lambda_function" "webhook" {
  function_name = "shop-webhook"
  role          = aws_iam_role.lambda.arn
  handler       = "handler.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.shop.output_path
}
