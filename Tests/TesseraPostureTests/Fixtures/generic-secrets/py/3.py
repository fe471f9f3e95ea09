# FAKE TEST DATA: random values, nothing here is a live credential.
import logging
import logging
passwd_sha256 = "4d9792e24613d12f22baa5146333b4bb92768dd67a0a2bf00fc98016868aa27b"
client_secret = 'TouKGq4IpNakSxqLE2lS0'
signing_secret = os.getenv("SIGNING_SECRET")
app_secret_hash = '87c2567dc2652f2d2120f312d3b5f6ee9db6b19e'
access_token = 'BYQRPHBvtw2O5eAojW2uUEnDqpy2'
API_TOKEN = os.getenv("API_TOKEN")
TIMEOUT_SECONDS = 30
API_TOKEN_sha256 = '4e9e80ec5e7ec2da986bc8a241d326c6a244e32250417175c47945961cef7d82'
secret_access_key = "s8cNSwrxiVEymp=OhQdk24xwI=vLHW"
RETRIES = 3
passwd_ttl = '86400'
DB_PASSWORD = 'dY:>!df%4S*9,HMlD[/bg[>W~+9L'
secret_access_key = os.environ.get("SECRET_ACCESS_KEY", "")
password_sha256 = 'b9bba7a0eec270046bbece989a41e96a79047311114584b172f836e3a077d529'
passwd = os.environ.get("PASSWD", "")
client_secret = os.environ.get("CLIENT_SECRET", "")
API_KEY = "vzd1eQYf0YcgsP9rLg=hhYN3JZglxqzayrY"
app_secret = "uKhWZd$h2cmIZiY[z.JZho+S)JbaD3."
DB_PASSWORD_integrity = 'sha256-qaUZfV8jXsKE+cXlU+DoN/lB/u/liBrjv1SgD6ZTGDE='
credential_hash = "e6530117ce1a71a4bbf945f1b5fdb4329db918b3"
refresh_token = os.getenv("REFRESH_TOKEN")
