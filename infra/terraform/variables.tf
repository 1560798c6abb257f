variable "project_id" {
  description = "The Google Cloud project workgate runs in."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run services, the Firestore database, the Scheduler jobs and the serverless NEGs."
  type        = string
  default     = "asia-northeast3"
}

variable "image" {
  description = "The one container image (make image: ko, .ko.yaml) every function runs, as a full reference. Prefer a digest (…@sha256:…): an apply then deploys exactly what was built, and a new digest is what rolls out a new revision."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]+(:[0-9]+)?/[^ ]+(:[A-Za-z0-9_.-]+|@sha256:[0-9a-f]{64})$", var.image))
    error_message = "The image must be a full reference with a tag or digest, e.g. asia-northeast3-docker.pkg.dev/PROJECT/workgate/workgate@sha256:…"
  }
}

variable "domain" {
  description = "The public host name (e.g. api.example.com); the load balancer's managed certificate is issued for it once its A record points at the load_balancer_ip output."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.domain))
    error_message = "The domain must be a bare host name: no scheme, port or path."
  }
}

variable "public_url" {
  description = "The URL links in e-mails point to (PUBLIC_URL). Empty means https://<domain>."
  type        = string
  default     = ""

  # shared/config refuses anything but https outside dev mode.
  validation {
    condition     = var.public_url == "" || can(regex("^https://[^/]+", var.public_url))
    error_message = "The public_url must be an https URL (or empty for https://<domain>)."
  }
}

variable "mail_from" {
  description = "The sender address of workgate's e-mails (WORKGATE_MAIL_FROM); SendGrid must have it verified."
  type        = string

  validation {
    condition     = can(regex("^[^@ ]+@[^@ ]+$", var.mail_from))
    error_message = "The mail_from must be an e-mail address."
  }
}

variable "secret_ids" {
  description = "Overrides of the Secret Manager secret ID of a secret env variable, by variable name (e.g. {SENDGRID_API_KEY = \"sendgrid-prod\"}). By default WORKGATE_SEAL_KEY reads secret workgate-seal-key, and so on."
  type        = map(string)
  default     = {}
}

variable "secret_versions" {
  description = "The Secret Manager version each secret env variable reads, by variable name (e.g. {WORKGATE_SEAL_KEY = \"3\"}): a version number, never \"latest\", so that only an apply changes what a revision reads. Every secret a deployed function reads needs one; see the rotation steps in main.tf."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.secret_versions) : can(regex("^[1-9][0-9]*$", v))])
    error_message = "Each secret version must be a version number (1, 2, …), not an alias such as \"latest\"."
  }
}

variable "max_instances" {
  description = "Upper bound of instances per function: a cost ceiling, and a cap on Firestore and SendGrid load."
  type        = number
  default     = 10
}
