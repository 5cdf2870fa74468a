variable "stage" {
  type    = string
  default = "dev"
}

variable "memory" {
  type    = number
  default = 256
}

variable "log_level" {
  type = string
}
