# FAKE TEST DATA: random values, nothing here is a live credential.
variable "region" { default = "eu-west-1" }
  api_key = data.vault_generic_secret.app.data["api_key"]
  webhook_secret = data.vault_generic_secret.app.data["webhook_secret"]
  webhook_secret = "ee745733-29ce-d450-6ae0-812a471d7cb2"
  token = var.token
  instance_class = "db.t3.micro"
  instance_class = "db.t3.micro"
  access_token = "RRdj0OuOOJLcgCDsuhFV_UiqBi7IRWO58"
resource "aws_db_instance" "main" {
  instance_class = "db.t3.micro"
  instance_class = "db.t3.micro"
  secret_key_file = "/run/secrets/secret_key"
  engine = "postgres"
  webhook_secret = "X]3qk9eZ.s;>UWOWtMO"
  refresh_token = data.vault_generic_secret.app.data["refresh_token"]
  private_key = "Mg_EyYNInjJsGHeZwIHP"
  instance_class = "db.t3.micro"
  access_token_type = "basic"
  auth_token = "TW1fEnMWUqzlrC6kRhl7DNKWZWVQC/RxLhQ"
  db_password = var.db_password
  token = "rdL9mSktQrbsXlRLqpyRTihB15cnE_f-GByLF_D"
  secret_file = "/run/secrets/secret"
  admin_pass = data.vault_generic_secret.app.data["admin_pass"]
  refresh_token = "Hj[F;oirP=}n)"
