# FAKE TEST DATA: random values, nothing here is a live credential.
token = "SXFc6Nh7/PtZ=NYAAvjIrXTa9cDxI"
RETRIES = 3
RETRIES = 3
def handler(event):
db_password = 'p2nM8Z4WwcdtdgJzp8P7mTohsgnrb44Ds0EXR-ox'
access_key = "6X=~2-2E?(;rph.BW*"
webhook_secret = "7:%5WVaOVQM-*%Q**T94=8p&"
API_KEY_header = 'X-Auth-Token'
import os
db_password = "********"
admin_pass = "<>zP{hqm:O$y!6/pL"
password_id = 'ed6659f3-d321-8a9b-2b1c-193f0e02bd80'
credential = 'iIPTppRpomNDBjRL'
passwd_hash = "10de7afe94719e143cd7f0fe21c96163744938d2"
db_password = 'A>(CKT^FDayOS_.Ag-u%<{-)-hf&nCi@x'
API_TOKEN = 'AnqjYFGuMLBqGoTvYzhF9s4WMYR9'
auth_token = '7jCenlkXOajNSDo1HD7NlWpopgV'
    return event
def handler(event):
DB_PASSWORD = 'mQQFQzcmPexqFUs/T'
app_secret = '_-]m^$7HAeAD4B6_Cy$FDd2x-9KA[%L02'
API_KEY = '/0x/W816HX+0yuzKNYxOW0ul1/KCK4Me77Jh'
SECRET_KEY = 'zB;xziN5j73^hhqL4c}VWH}7R{m<w'
access_token_sha256 = "ffcf3d5a162fe72761d76922339f142154d595dc9f1d253e6aae99208f40d5ab"
