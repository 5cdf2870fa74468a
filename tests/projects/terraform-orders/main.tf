terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

locals {
  prefix = "orders-${var.stage}"
}

resource "aws_dynamodb_table" "orders" {
  name         = "${local.prefix}-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${local.prefix}-lambda"
  assume_role_policy = "{}"
}

data "archive_file" "orders" {
  type        = "zip"
  source_dir  = "${path.module}/src/orders"
  output_path = "${path.module}/build/orders.zip"
}

resource "aws_lambda_function" "orders" {
  function_name    = "${local.prefix}-create"
  role             = aws_iam_role.lambda.arn
  handler          = "app.handler"
  runtime          = "python3.12"
  filename         = data.archive_file.orders.output_path
  source_code_hash = data.archive_file.orders.output_base64sha256
  memory_size      = var.memory
  timeout          = 15

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.orders.name
      LOG_LEVEL  = var.log_level
      STAGE      = var.stage
    }
  }
}

data "archive_file" "report" {
  type        = "zip"
  source_file = "${path.module}/src/report/report.py"
  output_path = "${path.module}/build/report.zip"
}

resource "aws_lambda_function" "report" {
  function_name = "orders-report"
  role          = aws_iam_role.lambda.arn
  handler       = "report.handler"
  runtime       = "python3.11"
  filename      = "${path.module}/build/report.zip"
}

resource "aws_lambda_function" "prebuilt" {
  function_name = "prebuilt"
  role          = aws_iam_role.lambda.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "dist/prebuilt.zip"
}

module "notifier" {
  source        = "terraform-aws-modules/lambda/aws"
  function_name = "orders-notifier"
  handler       = "app.handler"
  runtime       = "python3.12"
  source_path   = "${path.module}/src/orders"
  environment_variables = {
    CHANNEL = "email"
  }
}

module "network" {
  source = "./modules/network"
}

data "terraform_remote_state" "shared" {
  backend = "s3"
  config = {
    bucket = "state"
    key    = "shared.tfstate"
  }
}

# Code shipped through S3, as many Terraform examples do: the upload's source is the archive.
resource "aws_s3_bucket" "code" {
  bucket_prefix = "orders-code-"
}

resource "aws_s3_object" "orders_zip" {
  bucket = aws_s3_bucket.code.id
  key    = "orders.zip"
  source = data.archive_file.orders.output_path
}

resource "aws_lambda_function" "uploaded" {
  function_name = "orders-uploaded"
  role          = aws_iam_role.lambda.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  s3_bucket     = aws_s3_bucket.code.id
  s3_key        = aws_s3_object.orders_zip.key
}
