variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "image" {
  description = "Marina's image in ECR, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/marina:0.1.0."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  type = list(string)
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "webhook_domain" {
  description = "Host name third parties send webhooks to (its ACM certificate must exist)."
  type        = string
}
