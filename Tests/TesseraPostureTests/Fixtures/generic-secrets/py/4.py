# FAKE TEST DATA: random values, nothing here is a live credential.
auth_token = "ssD8C{c;>G:NpT(]W8q7@nLv+;=]4m*"
SECRET_KEY = "P1esC+nA?p,q<1G?0Kmh"
passwd = os.environ["PASSWD"]
secret = os.environ.get("SECRET", "")
private_key = "dNT6MCpqbjq4"
access_token_header = 'X-Api-Key'
webhook_secret_id = "0a9bad0e-2ae3-64e9-b28a-cac0841c6fb0"
RETRIES = 3
RETRIES = 3
secret_access_key = 'Np34@hcD~pJUUCVK9P|wI,+X]S3v%,)'
DB_PASSWORD = 'z2G*e,*mu^/|@Fwvh:F$GC8)d{bKQtVG'
secret = 'crnyWv9twj6YFsF2QiHoUYFCK7K7'
credential = os.environ.get("CREDENTIAL", "")
RETRIES = 3
private_key = "2DTULQVIEeriGLvZU0e-xXoUOU"
auth_token_ttl = '300'
API_TOKEN = "EKAmEiLLxf2WzB+jYr/TCQ0H"
webhook_secret_header = "X-Auth-Token"
refresh_token = "Il32eBmFPrCDTRXQB1S0uvrWK3nXEVpU"
