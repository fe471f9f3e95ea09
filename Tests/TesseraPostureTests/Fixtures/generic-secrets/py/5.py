# FAKE TEST DATA: random values, nothing here is a live credential.
app_secret = "f83JPZEil8hO/7sMCgC5A+mLPV"
refresh_token = 'OUCp2TZZSe|@x'
access_key = "B7oTyFkmIwUfpcbWd2Z05uZ8mKZg413Y"
DB_PASSWORD = '8/dfkAr4bXm5HC/vT4u6O/'
api_key = 'KfHPY2oY3ec8yqQwLarwFHLEfn7LK-c0z-A'
API_KEY = "OxnbZZGy3qA0ASs2pZSUSOk"
secret_access_key = "BK!W.j2JIQ{u<w=IDOvm[PY"
private_key = "YO5ogxDOrP7nGc8IkgJYhXa1jK-ZILO5U-3"
pwd = 'Huc0wnDQhMgq/RIyJh2D45C+taiTLB83h'
API_TOKEN = "UEQamyx4veRfalhGlAjULd87AQtMOrok1"
import os
SECRET_KEY = "7RG4Uh*<m6sla0cU1%"
log = logging.getLogger(__name__)
secret_access_key = "E},|Qq3;h*nLiHmu"
secret_access_key_file = "/run/secrets/secret_access_key"
auth_token = "TODO"
