output "service_name" {
  description = "The ECS service."
  value       = aws_ecs_service.this.name
}

output "cluster_arn" {
  description = "The ECS cluster the service runs in."
  value       = local.cluster_arn
}

output "load_balancer_dns_name" {
  description = "Point your webhook host name (CNAME or alias) here."
  value       = aws_lb.this.dns_name
}

output "load_balancer_zone_id" {
  description = "For a Route 53 alias record."
  value       = aws_lb.this.zone_id
}

output "webhook_base_url" {
  description = "Third parties post to <this>/<integration>/webhook/...; Port's WEBHOOK listener to <this>/<integration>/resync."
  value       = "${var.certificate_arn == null ? "http" : "https"}://${aws_lb.this.dns_name}/integrations"
}

output "log_group_name" {
  description = "CloudWatch Logs group of Marina's JSON log lines."
  value       = aws_cloudwatch_log_group.this.name
}

output "data_file_system_id" {
  description = "The EFS file system holding /data (back it up: it holds the live-event journal)."
  value       = aws_efs_file_system.data.id
}

output "service_security_group_id" {
  description = "Security group of the task (add egress rules here if a third party is not on 443)."
  value       = aws_security_group.service.id
}

output "task_role_arn" {
  description = "The task's IAM role (grant it more only if a plugin calls AWS APIs)."
  value       = aws_iam_role.task.arn
}
