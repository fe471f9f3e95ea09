#!/usr/bin/env python3
"""A loopback HTTPS webhook receiver for the sinks suite (scripts/e2e/sinks/run, scripts/bench/sinks).

Checks X-Tessera-Signature (sha256=<hex HMAC-SHA256 of the body> under the key file's key) and appends the body's
JSON lines to OUT, only when the signature is right and the mode allows it. The mode is read from MODE_FILE on each
request: `ok` (default), `500` (answer 500, store nothing), `close` (read half the body, then drop the connection).
Bad signatures are appended to OUT.bad and answered 401; each 500 and each dropped connection is noted in OUT.events.
Usage: webhook-receiver.py PORT CERT KEY HMAC_KEY_FILE OUT MODE_FILE   (CERT empty: plain HTTP)
"""
import hashlib
import hmac
import http.server
import os
import socket
import ssl
import sys

port, cert, key, key_file, out, mode_file = sys.argv[1:7]
secret = open(key_file, "rb").read().strip()


def mode():
    try:
        return open(mode_file).read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        current = mode()
        if current == "close":
            self.event("close")
            self.rfile.read(length // 2)
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        body = self.rfile.read(length)
        if current == "500":
            self.event("500")
            self.answer(500, b"down for maintenance\n")
            return
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("X-Tessera-Signature", "")):
            with open(out + ".bad", "ab") as bad:
                bad.write(b"bad signature\n")
            self.answer(401, b"bad signature\n")
            return
        with open(out, "ab") as stored:
            stored.write(body if body.endswith(b"\n") else body + b"\n")
        self.answer(204, b"")

    def event(self, what):
        with open(out + ".events", "a") as events:
            events.write(what + "\n")

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
server.daemon_threads = True
if cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"listening on {port}", flush=True)
server.serve_forever()
