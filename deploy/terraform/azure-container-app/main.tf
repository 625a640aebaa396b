# Marina on Azure Container Apps: one replica (one process runs every integration), the config
# mounted from a Container Apps secret, secrets as environment variables (values or Key Vault
# references), HTTP ingress for webhooks with Marina's probes, and the data dir on Azure Files
# (the live-event journal survives restarts and revisions).

locals {
  # The user's config with the settings the app depends on forced.
  config_yaml = yamlencode(merge(yamldecode(var.marina_config), {
    server   = { host = "0.0.0.0", port = 8000 }
    dataDir  = "/data"
    shutdown = { timeoutSeconds = var.shutdown_timeout_seconds }
  }))
  # Container Apps secret names: lowercase letters, digits and '-'.
  secret_names         = { for name in nonsensitive(keys(var.secrets)) : name => lower(replace(name, "_", "-")) }
  uses_key_vault       = anytrue([for secret in values(var.secrets) : secret.key_vault_secret_id != null])
  identity_ids         = compact([var.registry == null ? "" : var.registry.identity_id, local.uses_key_vault ? var.key_vault_identity_id : ""])
  workspace_id         = var.log_analytics_workspace_id != null ? var.log_analytics_workspace_id : azurerm_log_analytics_workspace.this[0].id
  storage_account_name = substr(replace("${var.name}${substr(sha1("${var.resource_group_name}/${var.name}"), 0, 10)}", "-", ""), 0, 24)
}

resource "azurerm_log_analytics_workspace" "this" {
  count               = var.log_analytics_workspace_id == null ? 1 : 0
  name                = "${var.name}-logs"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = var.tags
}

resource "azurerm_container_app_environment" "this" {
  name                       = "${var.name}-env"
  location                   = var.location
  resource_group_name        = var.resource_group_name
  log_analytics_workspace_id = local.workspace_id
  tags                       = var.tags
}

# --- data dir on Azure Files -----------------------------------------------------------------------

resource "azurerm_storage_account" "data" {
  name                            = local.storage_account_name
  location                        = var.location
  resource_group_name             = var.resource_group_name
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  tags                            = var.tags
}

resource "azurerm_storage_share" "data" {
  name               = "${var.name}-data"
  storage_account_id = azurerm_storage_account.data.id
  quota              = var.data_share_quota_gb
}

resource "azurerm_container_app_environment_storage" "data" {
  name                         = "${var.name}-data"
  container_app_environment_id = azurerm_container_app_environment.this.id
  account_name                 = azurerm_storage_account.data.name
  share_name                   = azurerm_storage_share.data.name
  access_key                   = azurerm_storage_account.data.primary_access_key
  access_mode                  = "ReadWrite"
}

# --- the app ---------------------------------------------------------------------------------------

resource "azurerm_container_app" "this" {
  name                         = var.name
  container_app_environment_id = azurerm_container_app_environment.this.id
  resource_group_name          = var.resource_group_name
  # One revision at a time: two would run the same integrations twice.
  revision_mode = "Single"
  tags          = var.tags

  dynamic "identity" {
    for_each = length(local.identity_ids) > 0 ? [1] : []
    content {
      type         = "UserAssigned"
      identity_ids = local.identity_ids
    }
  }

  dynamic "registry" {
    for_each = var.registry == null ? [] : [var.registry]
    content {
      server   = registry.value.server
      identity = registry.value.identity_id
    }
  }

  # The config (no secrets in it: ${VAR} placeholders only), mounted as /etc/marina/marina-yaml.
  secret {
    name  = "marina-yaml"
    value = local.config_yaml
  }

  dynamic "secret" {
    for_each = local.secret_names
    content {
      name                = secret.value
      value               = var.secrets[secret.key].value
      key_vault_secret_id = var.secrets[secret.key].key_vault_secret_id
      identity            = var.secrets[secret.key].key_vault_secret_id == null ? null : var.key_vault_identity_id
    }
  }

  template {
    min_replicas = 1
    max_replicas = 1

    container {
      name   = "marina"
      image  = var.image
      cpu    = var.cpu
      memory = var.memory
      args   = ["start", "--config", "/etc/marina/marina-yaml"]

      dynamic "env" {
        for_each = var.environment
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.secret_names
        content {
          name        = env.key
          secret_name = env.value
        }
      }

      startup_probe {
        transport               = "HTTP"
        port                    = 8000
        path                    = "/health/live"
        interval_seconds        = 2
        failure_count_threshold = 30
      }

      liveness_probe {
        transport               = "HTTP"
        port                    = 8000
        path                    = "/health/live"
        interval_seconds        = 10
        failure_count_threshold = 6
      }

      readiness_probe {
        transport               = "HTTP"
        port                    = 8000
        path                    = "/health/ready"
        interval_seconds        = 5
        failure_count_threshold = 3
      }

      volume_mounts {
        name = "config"
        path = "/etc/marina"
      }

      volume_mounts {
        name = "data"
        path = "/data"
      }
    }

    volume {
      name         = "config"
      storage_type = "Secret"
    }

    volume {
      name         = "data"
      storage_type = "AzureFile"
      storage_name = azurerm_container_app_environment_storage.data.name
    }
  }

  ingress {
    external_enabled           = var.external_ingress
    target_port                = 8000
    transport                  = "http"
    allow_insecure_connections = false
    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
    dynamic "ip_security_restriction" {
      for_each = var.allowed_cidr_blocks
      content {
        name             = "webhook-sender-${ip_security_restriction.key}"
        action           = "Allow"
        ip_address_range = ip_security_restriction.value
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !var.external_ingress || contains(nonsensitive(keys(var.secrets)), "MARINA_ADMIN_TOKEN")
      error_message = "With external ingress every route is reachable: set secrets.MARINA_ADMIN_TOKEN so the admin API needs a token."
    }
    precondition {
      condition     = !local.uses_key_vault || var.key_vault_identity_id != null
      error_message = "A secret reads Key Vault: set key_vault_identity_id to an identity allowed to get it."
    }
  }
}
