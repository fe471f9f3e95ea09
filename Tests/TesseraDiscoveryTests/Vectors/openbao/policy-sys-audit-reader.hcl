path "sys/audit" {
  capabilities = ["read", "sudo"]
}
