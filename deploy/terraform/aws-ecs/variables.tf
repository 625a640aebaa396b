variable "name" {
  description = "Name of the service and prefix of every resource the module creates."
  type        = string
  default     = "marina"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,27}$", var.name))
    error_message = "name must be lowercase letters, digits and '-', at most 28 characters (it prefixes the load balancer's name)."
  }
}

variable "image" {
  description = "Marina's container image (built from the repository's Dockerfile), e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/marina:0.1.0."
  type        = string
}

variable "marina_config" {
  description = "The host config (marina.yaml) as text. Keep secrets out: write $${PORT_CLIENT_SECRET} and pass the variable in `secrets`. The module forces server.host 0.0.0.0, port 8000, dataDir /data."
  type        = string
}

variable "secrets" {
  description = "Environment variables read from Secrets Manager or SSM Parameter Store at start: name => ARN (a Secrets Manager ARN may end in :json-key:: to pick one key)."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for arn in values(var.secrets) : can(regex("^(arn:[^:]+:secretsmanager:[^:]+:[0-9]+:secret:[^:]+|arn:[^:]+:ssm:[^:]+:[0-9]+:parameter/.+)", arn))])
    error_message = "Each value of secrets must be a Secrets Manager secret ARN or an SSM parameter ARN."
  }
}

variable "environment" {
  description = "Plain environment variables (nothing secret)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the service, its load balancer and its EFS file system."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the task and of the EFS mount targets (at least two availability zones)."
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "Subnets of the load balancer."
  type        = list(string)
}

variable "internal_load_balancer" {
  description = "Whether the load balancer is internal (webhooks from inside the network only)."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on the load balancer; without one the listener is plain HTTP (for tests only: third parties send webhook secrets)."
  type        = string
  default     = null
}

variable "allowed_cidr_blocks" {
  description = "Who may reach the load balancer (webhook senders)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "cpu" {
  description = "Task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Task memory in MiB. Marina idles around 105 MiB and peaks near 300 MB on a 1,000,000-record resync."
  type        = number
  default     = 1024
}

variable "shutdown_timeout_seconds" {
  description = "Marina's graceful stop deadline (shutdown.timeoutSeconds); ECS waits 15 s longer before SIGKILL (at most 120)."
  type        = number
  default     = 25
  validation {
    condition     = var.shutdown_timeout_seconds >= 1 && var.shutdown_timeout_seconds <= 105
    error_message = "shutdown_timeout_seconds must be from 1 to 105 (ECS's stopTimeout is at most 120 s)."
  }
}

variable "cluster_arn" {
  description = "An existing ECS cluster; null creates one named after `name`."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key of the secrets, if any (the execution role may then decrypt with it)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
