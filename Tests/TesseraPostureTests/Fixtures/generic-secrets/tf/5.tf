# FAKE TEST DATA: random values, nothing here is a live credential.
variable "region" { default = "eu-west-1" }
  engine = "postgres"
  api_key_hash = "a89b2d64e434a151f81f2fcdf5671c0d66171ec7"
  app_secret = data.vault_generic_secret.app.data["app_secret"]
  engine = "postgres"
  secret = "OhhOOStWnr~mG]O+d8Fv=*8r?^MV~8&Hd7|Q3"
  credential_type = "Bearer"
  api_key_hash = "8ead4debb1b05ae4c073dbb8aa25aad29f77121b"
  refresh_token = data.vault_generic_secret.app.data["refresh_token"]
  credential = ";&dVCa;HK~Qut>rZ88()iL!Ixsi3+q3N?uB"
  apikey_ttl = "300"
  engine = "postgres"
  app_secret_ttl = "900"
  api_token = "W09XJhu/evYRLGEOTlmfUSOCKQOb"
  pwd = "gdtrDTBcuNov4XSJj2ngACV0SXjAhJ6nbhQm"
  api_token = "kSkCWra7TS01"
  app_secret = data.vault_generic_secret.app.data["app_secret"]
