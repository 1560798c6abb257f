terraform {
  # endswith() needs 1.3, lifecycle preconditions 1.2.
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
  }

  # State lives in a bucket made once by hand (state cannot create its own
  # home), named at init:
  #   gcloud storage buckets create gs://PROJECT-tfstate --location=asia-northeast3 --uniform-bucket-level-access
  #   terraform init -backend-config="bucket=PROJECT-tfstate"
  backend "gcs" {
    prefix = "workgate"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
