# The least-privilege policy for `tessera discover openbao` (docs/discovery.md). Metadata only: it grants no read on
# any secret's data, and every path but the four marked "sudo" is read-only or an accessor lookup.
path "auth/token/lookup-self"     { capabilities = ["read"] }
path "sys/auth"                   { capabilities = ["read"] }
path "sys/mounts"                 { capabilities = ["read"] }
path "sys/policies/acl"           { capabilities = ["list"] }
path "sys/policies/acl/*"         { capabilities = ["read"] }
path "sys/audit"                  { capabilities = ["read", "sudo"] }
path "auth/token/accessors"       { capabilities = ["list", "sudo"] }
path "auth/token/lookup-accessor" { capabilities = ["update"] }
# AppRoles (one block per AppRole mount; `+` is the mount name if you have several)
path "auth/+/role/"                              { capabilities = ["list"] }
path "auth/+/role/+"                             { capabilities = ["read"] }
path "auth/+/role/+/secret-id"                   { capabilities = ["list"] }
path "auth/+/role/+/secret-id-accessor/lookup"   { capabilities = ["update"] }
# KV version 2 metadata (one block per KV mount; never <mount>/data/)
path "+/metadata"   { capabilities = ["list"] }
path "+/metadata/*" { capabilities = ["read", "list"] }
