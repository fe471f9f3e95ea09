# FAKE TEST DATA: random values, nothing here is a live credential.
variable "region" { default = "eu-west-1" }
resource "aws_db_instance" "main" {
  instance_class = "db.t3.micro"
  api_key = "/gqFB{In8eIPG*IVJm]qZ9@EvXN"
  auth_token = "H9kfeu{@kEFUO)dF55UTc_"
  secret_type = "jwt"
  webhook_secret = "xxxxxxxxxxxxxxxx"
  secret = "SwyiFhm_wy3noBm4"
  api_key = "example-api_key"
  refresh_token = ")SDS!4=(<M-bCxJm?Q09MUAMaM;T|IPP[|RrYo/"
  app_secret_type = "basic"
  db_password = "Bdq4uruglp=w"
  db_password = "eXD=0aMcfJeAJylBgsfjIn0+2s=zfro"
  private_key = "2OMY[J$LG&r^^6YhlZ;Ao{i-x1hqEy"
  instance_class = "db.t3.micro"
  passwd_integrity = "sha256-VbY8P2Q4gIaGoBKsoz4MVXyRNCg8uAJu0hvBC2MJ8SA="
  passwd = "J1Ga616iqJuIiDsV1P"
  db_password_type = "basic"
  api_key = "ZOmGOMonSNZZjBxLfz_U44jv8PPu0izvn"
  password = data.vault_generic_secret.app.data["password"]
  credential_file = "/run/secrets/credential"
  api_key = data.vault_generic_secret.app.data["api_key"]
  apikey = "tW74Nok%j=5DzNK;BTh3iN[{nm78V88yk&bZ&"
