# Marina on AWS ECS Fargate: one task (one process runs every integration), its config written
# into the task at start, secrets from Secrets Manager / SSM, logs in CloudWatch, the data dir on
# EFS (the live-event journal survives restarts), and an Application Load Balancer that forwards
# only the webhook routes (/integrations/*) with Marina's readiness as health check.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  secret_arn_pattern = "^(arn:[^:]+:secretsmanager:[^:]+:[0-9]+:secret:[^:]+|arn:[^:]+:ssm:[^:]+:[0-9]+:parameter/.+)"
  cluster_arn        = var.cluster_arn != null ? var.cluster_arn : aws_ecs_cluster.this[0].arn
  # The user's config with the settings the task depends on forced.
  config_yaml = yamlencode(merge(yamldecode(var.marina_config), {
    server   = { host = "0.0.0.0", port = 8000 }
    dataDir  = "/data"
    shutdown = { timeoutSeconds = var.shutdown_timeout_seconds }
  }))
  # The secret or parameter each variable reads (a Secrets Manager ARN may add :json-key:stage:version).
  secret_arns = distinct([for arn in values(var.secrets) : regex(local.secret_arn_pattern, arn)[0]])
  ssm_arns    = [for arn in local.secret_arns : arn if can(regex(":ssm:", arn))]
  sm_arns     = [for arn in local.secret_arns : arn if can(regex(":secretsmanager:", arn))]
  log_options = {
    awslogs-group         = aws_cloudwatch_log_group.this.name
    awslogs-region        = data.aws_region.current.name
    awslogs-stream-prefix = var.name
  }
}

resource "aws_ecs_cluster" "this" {
  count = var.cluster_arn == null ? 1 : 0
  name  = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# --- the task ------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([
    {
      # Writes the config into the task's /etc/marina volume, then exits. Fargate creates bind
      # mounts owned by root, so this one container runs as root, without any capability.
      name                   = "config"
      image                  = var.image
      essential              = false
      user                   = "0"
      readonlyRootFilesystem = true
      entryPoint             = ["node", "-e", "require('node:fs').writeFileSync('/etc/marina/marina.yaml', process.env.MARINA_CONFIG_YAML, { mode: 0o644 })"]
      environment            = [{ name = "MARINA_CONFIG_YAML", value = local.config_yaml }]
      mountPoints            = [{ sourceVolume = "config", containerPath = "/etc/marina", readOnly = false }]
      linuxParameters        = { capabilities = { drop = ["ALL"] } }
      logConfiguration       = { logDriver = "awslogs", options = local.log_options }
    },
    {
      name                   = "marina"
      image                  = var.image
      essential              = true
      command                = ["start", "--config", "/etc/marina/marina.yaml"]
      readonlyRootFilesystem = true
      portMappings           = [{ containerPort = 8000, protocol = "tcp", name = "http" }]
      dependsOn              = [{ containerName = "config", condition = "SUCCESS" }]
      environment            = [for name, value in var.environment : { name = name, value = value }]
      secrets                = [for name, arn in var.secrets : { name = name, valueFrom = arn }]
      mountPoints = [
        { sourceVolume = "config", containerPath = "/etc/marina", readOnly = true },
        { sourceVolume = "data", containerPath = "/data", readOnly = false },
      ]
      linuxParameters = { capabilities = { drop = ["ALL"] }, initProcessEnabled = false }
      # SIGTERM first; SIGKILL only after Marina's own deadline and some room.
      stopTimeout = var.shutdown_timeout_seconds + 15
      healthCheck = {
        command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:8000/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = { logDriver = "awslogs", options = local.log_options }
    },
  ])

  volume {
    name = "config"
  }

  volume {
    name = "data"
    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.data.id
      transit_encryption = "ENABLED"
      authorization_config {
        access_point_id = aws_efs_access_point.data.id
        iam             = "ENABLED"
      }
    }
  }

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  name             = var.name
  cluster          = local.cluster_arn
  task_definition  = aws_ecs_task_definition.this.arn
  launch_type      = "FARGATE"
  platform_version = "1.4.0"
  desired_count    = 1
  # One process at a time: two tasks would run the same integrations twice. A deployment stops
  # the old task (gracefully) before the new one starts.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  health_check_grace_period_seconds  = 60
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = "marina"
    container_port   = 8000
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  depends_on = [aws_lb_listener.this, aws_efs_mount_target.data]
  tags       = var.tags
}

# --- data dir on EFS ------------------------------------------------------------------------------

resource "aws_efs_file_system" "data" {
  creation_token = "${var.name}-data"
  encrypted      = true
  tags           = merge(var.tags, { Name = "${var.name}-data" })
}

resource "aws_efs_mount_target" "data" {
  for_each        = toset(var.private_subnet_ids)
  file_system_id  = aws_efs_file_system.data.id
  subnet_id       = each.value
  security_groups = [aws_security_group.efs.id]
}

# The image's user (node, 1000:1000) owns the directory the task mounts as /data.
resource "aws_efs_access_point" "data" {
  file_system_id = aws_efs_file_system.data.id
  posix_user {
    uid = 1000
    gid = 1000
  }
  root_directory {
    path = "/marina"
    creation_info {
      owner_uid   = 1000
      owner_gid   = 1000
      permissions = "0750"
    }
  }
  tags = var.tags
}

# --- network ----------------------------------------------------------------------------------------

resource "aws_security_group" "load_balancer" {
  name        = "${var.name}-lb"
  description = "Webhook senders to the Marina load balancer"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer" {
  for_each          = toset(var.allowed_cidr_blocks)
  security_group_id = aws_security_group.load_balancer.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = var.certificate_arn == null ? 80 : 443
  to_port           = var.certificate_arn == null ? 80 : 443
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_to_service" {
  security_group_id            = aws_security_group.load_balancer.id
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
}

resource "aws_security_group" "service" {
  name        = "${var.name}-service"
  description = "The Marina task"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "service_from_load_balancer" {
  security_group_id            = aws_security_group.service.id
  referenced_security_group_id = aws_security_group.load_balancer.id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
}

# Integrations call Port and third-party APIs over HTTPS; DNS goes to the VPC resolver.
resource "aws_vpc_security_group_egress_rule" "service_https" {
  security_group_id = aws_security_group.service.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "service_to_efs" {
  security_group_id            = aws_security_group.service.id
  referenced_security_group_id = aws_security_group.efs.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

resource "aws_security_group" "efs" {
  name        = "${var.name}-efs"
  description = "NFS from the Marina task to its data dir"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "efs_from_service" {
  security_group_id            = aws_security_group.efs.id
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

# --- load balancer: only /integrations/* reaches Marina ---------------------------------------------

resource "aws_lb" "this" {
  name               = "${var.name}-lb"
  load_balancer_type = "application"
  internal           = var.internal_load_balancer
  subnets            = var.public_subnet_ids
  security_groups    = [aws_security_group.load_balancer.id]
  drop_invalid_header_fields = true
  tags               = var.tags
}

resource "aws_lb_target_group" "this" {
  name                 = "${var.name}-tg"
  port                 = 8000
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 15
  health_check {
    path                = "/health/ready"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
  tags = var.tags
}

resource "aws_lb_listener" "this" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.certificate_arn == null ? 80 : 443
  protocol          = var.certificate_arn == null ? "HTTP" : "HTTPS"
  certificate_arn   = var.certificate_arn
  ssl_policy        = var.certificate_arn == null ? null : "ELBSecurityPolicy-TLS13-1-2-2021-06"
  # Everything but the webhook routes: 404 (the admin API, metrics and dashboard stay private).
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      message_body = "{\"code\":\"NOT_FOUND\"}"
      status_code  = "404"
    }
  }
  tags = var.tags
}

resource "aws_lb_listener_rule" "webhooks" {
  listener_arn = aws_lb_listener.this.arn
  priority     = 10
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
  condition {
    path_pattern {
      values = ["/integrations/*"]
    }
  }
  tags = var.tags
}

# --- IAM: the least each role needs ----------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }
}

# Used by ECS itself: pull the image, write logs, read the named secrets (nothing else).
resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  dynamic "statement" {
    for_each = length(local.sm_arns) > 0 ? [1] : []
    content {
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [for arn in local.sm_arns : "${arn}*"]
    }
  }
  dynamic "statement" {
    for_each = length(local.ssm_arns) > 0 ? [1] : []
    content {
      actions   = ["ssm:GetParameters"]
      resources = local.ssm_arns
    }
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  count  = length(var.secrets) > 0 ? 1 : 0
  name   = "read-marina-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

# Used by Marina: mount and write its own EFS access point, nothing else.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.data.arn]
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.data.arn]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "marina-data"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}
