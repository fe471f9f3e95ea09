# break-glass policy left over from the first deployment
path "*" {
  capabilities = ["create", "read", "update", "delete", "list", "sudo"]
}
