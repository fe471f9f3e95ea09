"""The ceiling for dynamic credentials on this machine: PostgreSQL itself creating N roles with a password (the
same CREATE ROLE ... PASSWORD ... VALID UNTIL ... IN ROLE statement) from C psql sessions at once, no HTTP, no
audit, no policy. PostgreSQL hashes each password (SCRAM-SHA-256, 4096 iterations) and commits; that is most of a
credential's cost when the password is sent as is. With a fourth argument `scram`, each statement carries a SCRAM-SHA-256
verifier computed before the clock starts (what Tessera sends by default): PostgreSQL stores it without hashing.
Prints JSON. Usage: URL N C [scram]"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid

url, count, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scram = len(sys.argv) > 4 and sys.argv[4] == "scram"
prefix = "ceil_" + uuid.uuid4().hex[:8] + "_"


def verifier(password):
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 4096)
    client = hmac.new(salted, b"Client Key", "sha256").digest()
    server = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda b: base64.b64encode(b).decode()
    return f"SCRAM-SHA-256$4096:{b64(salt)}${b64(hashlib.sha256(client).digest())}:{b64(server)}"


passwords = [verifier(uuid.uuid4().hex) if scram else uuid.uuid4().hex for _ in range(count)]


def script(lane, verb):
    lines = []
    for index in range(lane, count, sessions):
        name = f"{prefix}{index}"
        if verb == "create":
            lines.append(f"CREATE ROLE {name} LOGIN PASSWORD '{passwords[index]}' VALID UNTIL '2099-01-01' IN ROLE app_read;")
        else:
            lines.append(f"DROP ROLE IF EXISTS {name};")
    return "\n".join(lines) + "\n"


def run(verb):
    started = time.perf_counter()
    procs = [subprocess.Popen(["psql", url, "-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(sessions)]
    for lane, proc in enumerate(procs):
        proc.stdin.write(script(lane, verb))
        proc.stdin.close()
    for proc in procs:
        if proc.wait() != 0:
            sys.exit(f"psql failed: {proc.stderr.read()[:300]}")
    return time.perf_counter() - started


create = run("create")
drop = run("drop")
print(json.dumps({"roles": count, "sessions": sessions, "create_per_second": count / create,
                  "drop_per_second": count / drop}))
