# Functions made many at once, as Terraform users write them: count, for_each over a map and over
# a set of strings; and one more function in workers.tf.json (Terraform's JSON syntax).

locals {
  queues = {
    billing  = { memory = 256, handler = "app.billing" }
    shipping = { memory = 512, handler = "app.shipping" }
  }
}

variable "shard_count" {
  default = 2
}

resource "aws_lambda_function" "shard" {
  count         = var.shard_count
  function_name = "shard-${count.index}"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.shard"
  runtime       = "python3.12"
  filename      = "${path.module}/src/workers"
  environment {
    variables = {
      SHARD = count.index
    }
  }
}

resource "aws_lambda_function" "queue" {
  for_each      = local.queues
  function_name = "queue-${each.key}"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = each.value.handler
  runtime       = "python3.12"
  memory_size   = each.value.memory
  filename      = "${path.module}/src/workers"
}

resource "aws_lambda_function" "report" {
  for_each      = toset(["daily", "weekly"])
  function_name = "report-${each.value}"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.shard"
  runtime       = "python3.12"
  filename      = "${path.module}/src/workers"
}
