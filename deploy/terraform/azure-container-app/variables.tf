variable "name" {
  description = "Name of the container app and prefix of the resources the module creates."
  type        = string
  default     = "marina"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}[a-z0-9]$", var.name))
    error_message = "name must be 2-25 lowercase letters, digits and '-', starting with a letter."
  }
}

variable "resource_group_name" {
  description = "Existing resource group of every resource."
  type        = string
}

variable "location" {
  description = "Azure region, e.g. westeurope."
  type        = string
}

variable "image" {
  description = "Marina's container image (built from the repository's Dockerfile), e.g. myregistry.azurecr.io/marina:0.1.0."
  type        = string
}

variable "registry" {
  description = "Private registry of the image, pulled with a user-assigned identity that has AcrPull on it; null for a public image."
  type = object({
    server      = string
    identity_id = string
  })
  default = null
}

variable "marina_config" {
  description = "The host config (marina.yaml) as text. Keep secrets out: write $${PORT_CLIENT_SECRET} and pass the variable in `secrets`. The module forces server.host 0.0.0.0, port 8000, dataDir /data."
  type        = string
}

variable "secrets" {
  description = "Environment variables from Container Apps secrets: variable name => a value, or a Key Vault secret id read with key_vault_identity_id. With external ingress, MARINA_ADMIN_TOKEN is required (Container Apps exposes every route)."
  type = map(object({
    value               = optional(string)
    key_vault_secret_id = optional(string)
  }))
  default   = {}
  sensitive = true
  validation {
    condition     = alltrue([for secret in values(var.secrets) : (secret.value == null) != (secret.key_vault_secret_id == null)])
    error_message = "Each secret needs exactly one of value or key_vault_secret_id."
  }
}

variable "key_vault_identity_id" {
  description = "User-assigned identity with 'get' on the Key Vault secrets named in `secrets` (needed when one is used)."
  type        = string
  default     = null
}

variable "environment" {
  description = "Plain environment variables (nothing secret)."
  type        = map(string)
  default     = {}
}

variable "external_ingress" {
  description = "Whether webhooks may come from the internet (true) or only from the environment's virtual network."
  type        = bool
  default     = true
}

variable "allowed_cidr_blocks" {
  description = "Only these addresses may reach the ingress (webhook senders); empty: anyone."
  type        = list(string)
  default     = []
}

variable "cpu" {
  description = "vCPU of the container (0.25 steps, with memory in the fixed ratio: 0.5 -> 1Gi)."
  type        = number
  default     = 0.5
}

variable "memory" {
  description = "Memory of the container, e.g. 1Gi."
  type        = string
  default     = "1Gi"
}

variable "shutdown_timeout_seconds" {
  description = "Marina's graceful stop deadline (shutdown.timeoutSeconds); Container Apps waits 30 s before SIGKILL, so keep it below."
  type        = number
  default     = 20
  validation {
    condition     = var.shutdown_timeout_seconds >= 1 && var.shutdown_timeout_seconds <= 25
    error_message = "shutdown_timeout_seconds must be from 1 to 25 (Container Apps kills the container 30 s after SIGTERM)."
  }
}

variable "data_share_quota_gb" {
  description = "Size of the Azure Files share holding /data."
  type        = number
  default     = 5
}

variable "log_analytics_workspace_id" {
  description = "An existing Log Analytics workspace for the environment's logs; null creates one."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of a workspace the module creates."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
