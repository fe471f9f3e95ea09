# FAKE TEST DATA: random values, nothing here is a live credential.
secret_access_key = os.environ.get("SECRET_ACCESS_KEY", "")
TIMEOUT_SECONDS = 30
    return event
TIMEOUT_SECONDS = 30
signing_secret_integrity = 'sha256-EOhRVbyu4XMjrxT1rMQ+grjg3J6a68Q9APNA4VSAMsI='
signing_secret = "bnAP~HIF3r0|k|WyQ$~"
import os
app_secret_ttl = '3600'
log = logging.getLogger(__name__)
log = logging.getLogger(__name__)
secret = 'oR19P5s4N7XCPa6omBTR9MBCcK5F0LSbQKE'
api_key_integrity = 'sha256-BROy6X3ovb4Jd33L4KAncoFcyFksuXVBO/aAdSV6FdE='
client_secret = 'bB?vTZJo=VmwI|%nHT9tGV('
password = '84UQDq,?MZWbW:s!{Z'
db_password_hash = "76eb89ce0114becc65c7c98c3d432ac0506c6656"
passwd_file = '/run/secrets/passwd'
credential_sha256 = '2a9cef6e7b284d5ad7fdafbb9d37c206bafef538bb015a641fe3b9cb066917f8'
import os
app_secret = "aa76de5a-2ffe-0777-ff9d-522ccc6880cf"
admin_pass_hash = '23f350e2177715dc0aa90bfa8cb258269b28fede'
SECRET_KEY = 'Uhw2J=3pE1omoTq6aAFjnURco4U7kG//DA5u7'
