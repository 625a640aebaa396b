# Marina on Azure Container Apps with two integrations; Port credentials from Key Vault, the
# admin token and a GitHub token as plain Container Apps secrets. `terraform init && terraform
# apply` from this directory. Plugins beyond the bundled ones: build an image FROM Marina's that
# copies them into /plugins.

provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "marina" {
  name     = "marina"
  location = var.location
}

resource "azurerm_user_assigned_identity" "marina" {
  name                = "marina"
  location            = azurerm_resource_group.marina.location
  resource_group_name = azurerm_resource_group.marina.name
}

data "azurerm_key_vault" "platform" {
  name                = var.key_vault_name
  resource_group_name = var.key_vault_resource_group
}

resource "azurerm_role_assignment" "read_secrets" {
  scope                = data.azurerm_key_vault.platform.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.marina.principal_id
}

module "marina" {
  source = "../.."

  name                = "marina"
  resource_group_name = azurerm_resource_group.marina.name
  location            = azurerm_resource_group.marina.location
  image               = var.image
  marina_config       = file("${path.module}/marina.yaml")

  key_vault_identity_id = azurerm_user_assigned_identity.marina.id
  secrets = {
    PORT_CLIENT_ID     = { key_vault_secret_id = "${data.azurerm_key_vault.platform.vault_uri}secrets/marina-port-client-id" }
    PORT_CLIENT_SECRET = { key_vault_secret_id = "${data.azurerm_key_vault.platform.vault_uri}secrets/marina-port-client-secret" }
    MARINA_ADMIN_TOKEN = { value = var.admin_token }
    GITHUB_TOKEN       = { value = var.github_token }
  }
  environment = {
    LOG_LEVEL = "info"
  }

  tags       = { team = "platform", app = "marina" }
  depends_on = [azurerm_role_assignment.read_secrets]
}

output "webhook_base_url" {
  value = module.marina.webhook_base_url
}
