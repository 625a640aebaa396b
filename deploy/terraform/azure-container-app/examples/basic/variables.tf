variable "location" {
  type    = string
  default = "westeurope"
}

variable "image" {
  description = "Marina's image, e.g. myregistry.azurecr.io/marina:0.1.0 (a private registry also needs the module's `registry`)."
  type        = string
}

variable "key_vault_name" {
  description = "Key Vault holding marina-port-client-id and marina-port-client-secret."
  type        = string
}

variable "key_vault_resource_group" {
  type = string
}

variable "admin_token" {
  description = "Bearer token of Marina's admin API."
  type        = string
  sensitive   = true
}

variable "github_token" {
  type      = string
  sensitive = true
}
