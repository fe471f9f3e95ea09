"""Seeds the estates of scripts/bench/discovery and lists them with bare clients (the source's own API cost).

  postgres-sql N PASSWORD        prints one SQL file: N login roles (superusers, VALID UNTIL, memberships in group
                                 roles, SCRAM verifiers computed here once) and the discovery login's password
  seed-openbao ADDR TOKEN ROLES TOKENS    AppRoles with one secret id each, and tokens, over HTTP with 16 threads
  seed-aws ENDPOINT USERS KEYS_PER_USER   IAM users with access keys (plus a few groups, policies, roles), 16 threads
  list-openbao ADDR TOKEN C      the LIST + reads `tessera discover openbao` makes, C in flight (OpenBaoConnector: 16)
  list-aws ENDPOINT C            the IAM calls `tessera discover aws` makes, C in flight (AWSConnector: 8)

The list-* commands print JSON {"seconds": ..., "identities": ..., "requests": ...}; seconds counts from after the
imports to the last answer (Python's start-up is not the source's cost).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def scram_verifier(password):
    salt, iterations = os.urandom(16), 4096
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda b: base64.b64encode(b).decode()
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(hashlib.sha256(client_key).digest())}:{b64(server_key)}"


def postgres_sql(count, password):
    verifier = scram_verifier("bench-role-password")  # one verifier for all: hashing 10,000 passwords is seeding cost
    groups = ["app_readers", "app_writers", "reporting", "ops", "migrations"]
    out = ["\\set ON_ERROR_STOP 1", "SET client_min_messages = warning;", "BEGIN;",
           f"ALTER ROLE postgres PASSWORD '{password}';"]
    out += [f"CREATE ROLE {g} NOLOGIN;" for g in groups]
    out += ["CREATE ROLE legacy_admins NOLOGIN SUPERUSER;",
            "GRANT CONNECT ON DATABASE app TO app_readers, app_writers, reporting;",
            "GRANT USAGE ON SCHEMA public TO app_readers, reporting;",
            "GRANT CREATE ON SCHEMA public TO app_writers, migrations;"]
    for i in range(count):
        attributes = ["LOGIN"]
        if i % 50 == 0:
            attributes.append("SUPERUSER")
        elif i % 23 == 0:
            attributes.append("CREATEROLE")
        elif i % 17 == 0:
            attributes.append("CREATEDB")
        if i % 10 != 9:
            attributes.append(f"PASSWORD '{verifier}'")
        if i % 3 == 0:
            attributes.append("VALID UNTIL '2031-06-30 12:00:00+00'")
        elif i % 7 == 0:
            attributes.append("VALID UNTIL '2020-01-01 00:00:00+00'")  # expired
        elif i % 11 == 0:
            attributes.append("VALID UNTIL 'infinity'")
        if i % 13 == 0:
            attributes.append("CONNECTION LIMIT 5")
        member_of = [groups[i % len(groups)]]
        if i % 4 == 0:
            member_of.append(groups[(i + 2) % len(groups)])
        if i % 97 == 0:
            member_of.append("legacy_admins")
        if i % 199 == 0:
            member_of.append("pg_read_server_files")
        out.append(f"CREATE ROLE svc_{i:05d} {' '.join(attributes)} IN ROLE {', '.join(member_of)};")
    out.append("COMMIT;")
    return "\n".join(out) + "\n"


class OpenBao:
    """One requests.Session per thread (keep-alive, like a connection pool)."""

    def __init__(self, addr, token):
        import requests
        self.requests = requests
        self.addr, self.token = addr.rstrip("/"), token
        self.local = threading.local()
        self.count = 0
        self.lock = threading.Lock()

    def session(self):
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = self.requests.Session()
            session.headers["X-Vault-Token"] = self.token
        return session

    def call(self, method, path, body=None, allow=(200, 204, 404)):
        reply = self.session().request(method, f"{self.addr}/v1/{path}", json=body, timeout=60)
        with self.lock:
            self.count += 1
        if reply.status_code not in allow:
            raise SystemExit(f"openbao: {method} {path}: HTTP {reply.status_code} {reply.text[:300]}")
        return reply.json() if reply.status_code == 200 and reply.content else {}

    def list(self, path):
        return self.call("GET", f"{path}?list=true").get("data", {}).get("keys", [])


def seed_openbao(addr, token, roles, tokens):
    bao = OpenBao(addr, token)
    policies = {
        "admin-all": 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }',
        "app-read": 'path "secret/data/app/*" { capabilities = ["read"] }',
        "app-write": 'path "secret/data/app/*" { capabilities = ["create", "update", "read"] }',
        "sys-admin": 'path "sys/*" { capabilities = ["read", "sudo"] }',
        "reporting": 'path "secret/data/reports/*" { capabilities = ["read", "list"] }',
    }
    for name, text in policies.items():
        bao.call("PUT", f"sys/policies/acl/{name}", {"policy": text})
    bao.call("POST", "sys/auth/approle", {"type": "approle"}, allow=(200, 204, 400))
    names = list(policies)

    def approle(i):
        name = f"app-{i:05d}"
        body = {"token_policies": [names[i % len(names)]], "token_ttl": "20m", "token_max_ttl": "1h",
                "secret_id_ttl": "0" if i % 10 == 0 else "24h"}
        if i % 5 == 0:
            body["secret_id_bound_cidrs"] = ["10.0.0.0/8"]
        bao.call("POST", f"auth/approle/role/{name}", body)
        bao.call("POST", f"auth/approle/role/{name}/secret-id", {})

    def token(i):
        if i % 50 == 0:
            bao.call("POST", "auth/token/create-orphan", {"policies": ["root"], "display_name": f"legacy-{i}"})
        else:
            body = {"policies": [names[i % len(names)]], "display_name": f"worker-{i}",
                    "meta": {"team": f"team-{i % 12}"}}
            if i % 10 != 1:
                body["ttl"] = "24h"  # every tenth inherits the root token's: never expires
            bao.call("POST", "auth/token/create", body)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(approle, range(roles)))
        list(pool.map(token, range(tokens)))


def list_openbao(addr, token, concurrency):
    """What OpenBaoConnector reads, in its order: lookup-self, policies, sys/auth, AppRoles (role, secret-id list,
    each secret id's lookup), token accessors and each lookup, sys/mounts and KV v2 metadata, sys/audit."""
    bao = OpenBao(addr, token)
    started = time.perf_counter()
    identities = 0
    bao.call("GET", "auth/token/lookup-self")
    with ThreadPoolExecutor(concurrency) as pool:
        names = [n for n in bao.list("sys/policies/acl") if n != "root"]
        list(pool.map(lambda n: bao.call("GET", f"sys/policies/acl/{n}"), names))
        mounts = bao.call("GET", "sys/auth").get("data", {})
        for path, mount in sorted(mounts.items()):
            if mount.get("type") != "approle":
                continue
            mount = path.rstrip("/")

            def approle(name, mount=mount):
                role = f"auth/{mount}/role/{name}"
                bao.call("GET", role)
                for accessor in bao.list(f"{role}/secret-id"):
                    bao.call("POST", f"{role}/secret-id-accessor/lookup", {"secret_id_accessor": accessor})
                return 1

            identities += sum(pool.map(approle, bao.list(f"auth/{mount}/role")))
        accessors = bao.list("auth/token/accessors")
        identities += sum(1 for r in pool.map(
            lambda a: bao.call("POST", "auth/token/lookup-accessor", {"accessor": a}), accessors) if r)
        for path, mount in sorted(bao.call("GET", "sys/mounts").get("data", {}).items()):
            if mount.get("type") not in ("kv", "generic") or (mount.get("options") or {}).get("version") != "2":
                continue
            mount, folders, secrets = path.rstrip("/"), [""], []
            while folders:
                listings = list(pool.map(lambda f: (f, bao.list(f"{mount}/metadata/{f}")), folders))
                folders = []
                for folder, keys in listings:
                    for key in keys:
                        (folders if key.endswith("/") else secrets).append(folder + key)
            identities += sum(1 for r in pool.map(lambda s: bao.call("GET", f"{mount}/metadata/{s}"), secrets) if r)
        bao.call("GET", "sys/audit")
    return {"seconds": time.perf_counter() - started, "identities": identities, "requests": bao.count}


def iam_client(endpoint, pool):
    import boto3
    from botocore.config import Config
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIABENCHMARK0000000",
                        aws_secret_access_key="bench-secret", config=Config(max_pool_connections=pool))


def seed_aws(endpoint, users, keys_per_user):
    iam = iam_client(endpoint, 16)
    doc = lambda action, resource="*": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
    groups = ["deployers", "readers", "platform-admins", "reporting"]
    for group in groups:
        iam.create_group(GroupName=group)
    arns = [iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"] for name, document in [
        ("s3-read-objects", doc("s3:GetObject")), ("deploy", doc(["ecs:*", "iam:PassRole"])), ("admin", doc("*"))]]
    iam.attach_group_policy(GroupName="platform-admins", PolicyArn=arns[2])
    iam.put_group_policy(GroupName="deployers", PolicyName="deploy-inline", PolicyDocument=doc("lambda:*"))
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    for i in range(10):
        iam.create_role(RoleName=f"bench-role-{i}", AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName=f"bench-role-{i}", PolicyArn=arns[i % 2])

    def user(i):
        name = f"svc-{i:05d}"
        iam.create_user(UserName=name, Path="/services/")
        for k in range(keys_per_user):
            key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
            if k == 1 and i % 7 == 0:
                iam.update_access_key(UserName=name, AccessKeyId=key, Status="Inactive")
        if i % 5 != 0:
            iam.add_user_to_group(UserName=name, GroupName=groups[i % len(groups)])
        if i % 10 == 0:
            iam.attach_user_policy(UserName=name, PolicyArn=arns[i % 3])
        if i % 20 == 0:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=doc("sqs:SendMessage"))
        if i % 25 == 0:
            iam.create_login_profile(UserName=name, Password="Bench-Password-1!")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(user, range(users)))


def list_aws(endpoint, concurrency):
    """What AWSConnector/IAMEstateReader call: ListUsers, ListRoles; per user (C at a time) ListAccessKeys,
    GetAccessKeyLastUsed per key, GetLoginProfile, ListAttachedUserPolicies, ListUserPolicies + GetUserPolicy,
    ListGroupsForUser; per role GetRole, ListAttachedRolePolicies, ListRolePolicies + GetRolePolicy; per group
    ListAttachedGroupPolicies, ListGroupPolicies + GetGroupPolicy; per managed policy GetPolicy + GetPolicyVersion."""
    iam = iam_client(endpoint, max(10, concurrency))
    calls = [0]
    lock = threading.Lock()

    def call(operation, **parameters):
        with lock:
            calls[0] += 1
        return getattr(iam, operation)(**parameters)

    def listing(operation, key, **parameters):
        items, marker = [], None
        while True:
            page = call(operation, **parameters, **({"Marker": marker} if marker else {}))
            items += page.get(key, [])
            if not page.get("IsTruncated"):
                return items
            marker = page["Marker"]

    def inline(list_operation, get_operation, **subject):
        for name in listing(list_operation, "PolicyNames", **subject):
            call(get_operation, PolicyName=name, **subject)

    def user(u):
        name = u["UserName"]
        for key in listing("list_access_keys", "AccessKeyMetadata", UserName=name):
            call("get_access_key_last_used", AccessKeyId=key["AccessKeyId"])
        try:
            call("get_login_profile", UserName=name)
        except iam.exceptions.NoSuchEntityException:
            pass
        attached = listing("list_attached_user_policies", "AttachedPolicies", UserName=name)
        inline("list_user_policies", "get_user_policy", UserName=name)
        groups = [g["GroupName"] for g in listing("list_groups_for_user", "Groups", UserName=name)]
        return attached, groups

    def role(r):
        name = r["RoleName"]
        call("get_role", RoleName=name)
        attached = listing("list_attached_role_policies", "AttachedPolicies", RoleName=name)
        inline("list_role_policies", "get_role_policy", RoleName=name)
        return attached

    def group(name):
        attached = listing("list_attached_group_policies", "AttachedPolicies", GroupName=name)
        inline("list_group_policies", "get_group_policy", GroupName=name)
        return attached

    def managed(arn):
        policy = call("get_policy", PolicyArn=arn)["Policy"]
        call("get_policy_version", PolicyArn=arn, VersionId=policy["DefaultVersionId"])

    started = time.perf_counter()
    users = listing("list_users", "Users")
    roles = listing("list_roles", "Roles")
    with ThreadPoolExecutor(concurrency) as pool:
        user_facts = list(pool.map(user, users))
        role_facts = list(pool.map(role, roles))
        group_names = sorted({g for _, groups in user_facts for g in groups})
        group_facts = list(pool.map(group, group_names))
        attached = [p for a, _ in user_facts for p in a] + [p for a in role_facts for p in a] + \
                   [p for a in group_facts for p in a]
        list(pool.map(managed, sorted({p["PolicyArn"] for p in attached})))
    return {"seconds": time.perf_counter() - started, "identities": len(users) + len(roles), "requests": calls[0]}


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "postgres-sql":
        sys.stdout.write(postgres_sql(int(args[0]), args[1]))
    elif command == "seed-openbao":
        seed_openbao(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "seed-aws":
        seed_aws(args[0], int(args[1]), int(args[2]))
    elif command == "list-openbao":
        print(json.dumps(list_openbao(args[0], args[1], int(args[2]))))
    elif command == "list-aws":
        print(json.dumps(list_aws(args[0], int(args[1]))))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
