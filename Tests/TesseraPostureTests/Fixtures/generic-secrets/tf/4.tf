# FAKE TEST DATA: random values, nothing here is a live credential.
variable "region" { default = "eu-west-1" }
  secret_key = "TjiSmf6bQJ6P66affy6=F+1iMc/c/Z1D6xBxPTV"
  instance_class = "db.t3.micro"
  secret = "changeme"
  passwd = "jiW4J5OPZJ6ee"
  secret_access_key = var.secret_access_key
  api_key_min_length = "29"
  client_secret = "0817c4e1-9f11-8929-f9aa-135d91e17bb0"
  webhook_secret = "vOr!)bZ:m]KNSWChL%y7Im1Fg?PQg<~G"
  db_password = "qViFOi-nYmJCgWoTD4jyfBWITgrs5q8ZkVhKk3"
  instance_class = "db.t3.micro"
  auth_token = "xxxxxxxxxxxxxxxx"
  instance_class = "db.t3.micro"
  api_key = "R?sE2<Um/Jvn"
  api_key = var.api_key
  instance_class = "db.t3.micro"
