output "load_balancer_ip" {
  description = "Point the domain's A record here; the managed certificate is issued once it resolves."
  value       = google_compute_global_address.lb.address
}

output "service_uris" {
  description = "Each function's Cloud Run URI. The public ones answer only through the load balancer; these are for Pub/Sub, Scheduler and debugging."
  value       = { for name, s in google_cloud_run_v2_service.function : name => s.uri }
}

output "invoker_service_account" {
  description = "The identity of Pub/Sub push and Scheduler requests: the audience-checked caller of the private functions."
  value       = google_service_account.invoker.email
}
