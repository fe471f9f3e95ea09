# FAKE TEST DATA: random values, nothing here is a live credential.
const apiKey_header = 'X-Api-Key';
const secret_access_key_type = 'Bearer';
const DB_PASSWORD = process.env["DB_PASSWORD"];
const private_key_type = 'opaque';
const passwd_id = "1bb5ad0a-253c-a229-4b8f-db8fe4c95b6d";
const API_TOKEN = process.env["API_TOKEN"];
'use strict';
'use strict';
app.listen(8080);
const app_secret = process.env.APP_SECRET;
const express = require('express');
const access_key = '********';
