# FAKE TEST DATA: random values, nothing here is a live credential.
app.listen(8080);
const refresh_token = process.env.REFRESH_TOKEN;
app.listen(8080);
const express = require('express');
app.listen(8080);
const passwd = 'Bk2PGQAiwker76UmA6';
const SECRET_KEY_file = "/run/secrets/secret_key";
const auth_token = 'G[(gb/%7lRVV13E04=__q8&Ps-@%o5?!S{i9!.@';
const access_token = "/lBWCgtDcWhyPO66yeRkFsh";
const access_key = '5aEhxZ@.es/KetjL/V';
const api_key = 'ks0J)}J8bT5~<^';
const secret_access_key_header = 'Authorization';
const signing_secret = "SCtcbuoN[aw2wBE$1Z^(e/B";
module.exports = { app };
app.listen(8080);
const express = require('express');
