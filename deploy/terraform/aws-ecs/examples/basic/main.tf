# Marina on ECS Fargate with two integrations, Port credentials in Secrets Manager and a GitHub
# token in SSM Parameter Store. `terraform init && terraform apply` from this directory.
# Plugins beyond the bundled ones: build an image FROM Marina's that copies them into /plugins.

provider "aws" {
  region = var.region
}

data "aws_secretsmanager_secret" "port" {
  name = "marina/port"   # a JSON secret: {"clientId": "...", "clientSecret": "..."}
}

data "aws_ssm_parameter" "github_token" {
  name            = "/marina/github-token"
  with_decryption = false # only its ARN is needed; the value stays out of the state
}

data "aws_acm_certificate" "webhooks" {
  domain   = var.webhook_domain
  statuses = ["ISSUED"]
}

module "marina" {
  source = "../.."

  name               = "marina"
  image              = var.image
  vpc_id             = var.vpc_id
  private_subnet_ids = var.private_subnet_ids
  public_subnet_ids  = var.public_subnet_ids
  certificate_arn    = data.aws_acm_certificate.webhooks.arn

  marina_config = file("${path.module}/marina.yaml")
  secrets = {
    PORT_CLIENT_ID     = "${data.aws_secretsmanager_secret.port.arn}:clientId::"
    PORT_CLIENT_SECRET = "${data.aws_secretsmanager_secret.port.arn}:clientSecret::"
    GITHUB_TOKEN       = data.aws_ssm_parameter.github_token.arn
  }
  environment = {
    LOG_LEVEL = "info"
  }

  tags = { team = "platform", app = "marina" }
}

output "webhook_base_url" {
  value = module.marina.webhook_base_url
}

output "load_balancer_dns_name" {
  value = module.marina.load_balancer_dns_name
}
