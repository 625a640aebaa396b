output "app_name" {
  description = "The container app."
  value       = azurerm_container_app.this.name
}

output "fqdn" {
  description = "The app's host name; point your webhook host name here or use it as is."
  value       = azurerm_container_app.this.ingress[0].fqdn
}

output "webhook_base_url" {
  description = "Third parties post to <this>/<integration>/webhook/...; Port's WEBHOOK listener to <this>/<integration>/resync."
  value       = "https://${azurerm_container_app.this.ingress[0].fqdn}/integrations"
}

output "environment_id" {
  description = "The Container Apps environment."
  value       = azurerm_container_app_environment.this.id
}

output "data_storage_account_name" {
  description = "The storage account whose file share holds /data (back it up: it holds the live-event journal)."
  value       = azurerm_storage_account.data.name
}
