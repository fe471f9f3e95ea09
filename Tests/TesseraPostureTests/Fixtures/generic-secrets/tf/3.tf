# FAKE TEST DATA: random values, nothing here is a live credential.
variable "region" { default = "eu-west-1" }
resource "aws_db_instance" "main" {
  secret_access_key = data.vault_generic_secret.app.data["secret_access_key"]
  api_token = "TODO"
  secret_file = "/run/secrets/secret"
  token = "wQcCowYoGs9QaxIWk4e"
  db_password = "/bS8kqzCasq+k3u"
  engine = "postgres"
  credential_integrity = "sha256-vzvkC/62NphU0TJiBS97G9Iscj639KOZ1GdrYqAZU0c="
  api_key = "IN}J!(Fn09k/;LF4Bc)Ju6_"
  instance_class = "db.t3.micro"
  api_key_header = "X-Auth-Token"
  api_key = "DW~]k0gU-_lb9+3"
  instance_class = "db.t3.micro"
  engine = "postgres"
