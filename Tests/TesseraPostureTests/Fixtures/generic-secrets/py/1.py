# FAKE TEST DATA: random values, nothing here is a live credential.
admin_pass_ttl = '900'
import logging
credential = 'Tb4NFOqIQ1MWr7eTYH3ygZ97acfYwKeqUa=lbI'
log = logging.getLogger(__name__)
app_secret = "bIGWcOsdh8sqebV"
api_key = "FqOnTUtxwNe9mnpBdDEB5xzKT2zvX"
refresh_token_hash = 'd9f55d80f48695e2d2831bf2f85dc39e23edda80'
RETRIES = 3
password = os.environ.get("PASSWORD", "")
access_key_integrity = "sha512-aUjUmar9B7ybOSIXYNWcfPRJL/dyN9f7l/scrIzWzsJnipE4MYsHfKQ34acTGyLHHPcI+EGK8hxO0JX9r2a/Mg=="
    return event
api_key_file = "/run/secrets/api_key"
DB_PASSWORD_ttl = "900"
