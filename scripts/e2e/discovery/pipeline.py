"""The discovery loop through a running `tessera dev` (run by scripts/e2e/discovery/run, which starts and seeds the
sources): discover every source into the server, then check posture's findings against the planted risks, claims,
plans, a migration, idempotent re-runs, a failed and a partial run, and an identity gone from its source."""
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

env = os.environ
TESSERA, WORK, PREFIX = env["TESSERA"], env["WORK"], env["PREFIX"]
ADDR, TOKEN = env["TESSERA_ADDR"], env["TESSERA_TOKEN"]
aws_estate = json.load(open(f"{WORK}/aws-estate.json"))
bao_estate = json.load(open(f"{WORK}/bao-seed/estate.json"))
PG_SCOPE = f"postgres://127.0.0.1:{env['PGPORT']}/app"
BAO_SCOPE = "openbao://" + env["BAO_ADDR"].split("//", 1)[1]


def api(path, method="GET", body=None):
    request = urllib.request.Request(ADDR + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


def tessera(*args, extra_env=None, expect=0):
    run_env = {k: v for k, v in env.items() if not k.startswith(("AWS_", "BAO_TOKEN", "VAULT_TOKEN"))}
    run_env.update(extra_env or {})
    result = subprocess.run([TESSERA, *args], capture_output=True, text=True, env=run_env, timeout=300)
    assert result.returncode == expect, f"tessera {' '.join(args)} exited {result.returncode}, expected {expect}:\n{result.stderr}"
    return result


def discover(source, expect=0, **overrides):
    aws = aws_estate["discovery"]
    commands = {
        "postgres": (["--url", f"postgres://{PREFIX}discovery@127.0.0.1:{env['PGPORT']}/app", "--password-file",
                      env["PG_PASSWORD_FILE"]], {}),
        "openbao": (["--addr", env["BAO_ADDR"], "--token-file", f"{WORK}/bao-seed/discovery.token"], {}),
        "aws": (["--endpoint-url", env["MOTO_ENDPOINT"]],
                {"AWS_ACCESS_KEY_ID": aws["access_key_id"], "AWS_SECRET_ACCESS_KEY": aws["secret_access_key"]}),
        "host": (["--root", env["HOST_ROOT"], "--name", "build-01"], {}),
    }
    args, extra = commands[source]
    args = overrides.get("args", args)
    result = tessera("discover", source, *args, "--json", extra_env=overrides.get("env", extra), expect=expect)
    return json.loads(result.stdout) if expect == 0 else result


def listing(source):
    return {i["external_id"]: i for i in json.loads(tessera("identity", "list", "--source", source, "--limit", "1000", "--json").stdout)["identities"]}


def findings():
    """Current findings (a cleared one is listed as resolved until it fires again)."""
    return [t["finding"] for t in api("/v1/findings")["findings"] if t["status"] != "resolved"]


def subjects(all_findings, category, prefix=""):
    return {f["subject"] for f in all_findings if f["category"] == category and f["subject"].startswith(prefix)}


# 1. Every source into the inventory.
runs = {source: discover(source) for source in ["postgres", "openbao", "aws", "host"]}
for source, run in runs.items():
    assert run["run"]["complete"], (source, run["run"]["problems"])
    assert run["counts"]["new"] == run["counts"]["seen"] > 0, (source, run["counts"])
print("  discovered:", ", ".join(f"{s} {r['counts']['seen']}" for s, r in runs.items()))
pg = listing("postgres")
role = lambda name: f"{PG_SCOPE}#{PREFIX}{name}"
for name in ["app_admin", "etl_batch", "report_app", "web_app", "batch_nopw", "discovery"]:
    assert role(name) in pg and pg[role(name)]["status"] == "discovered", (name, list(pg))
assert pg[role("app_admin")]["attributes"]["password"] == "set" and pg[role("batch_nopw")]["attributes"]["password"] == "none"
assert pg[role("etl_batch")]["attributes"]["valid_until"] == "infinity"
assert any("psql session" in line for line in pg[role("report_app")]["interactive_use"]), pg[role("report_app")]

scheduled = [r for r in api("/v1/discovery/runs")["runs"] if r["scope"] == "host://sched-01"]
assert len(scheduled) == 1 and scheduled[0]["actor"] == "schedule" and scheduled[0]["complete"], scheduled
assert scheduled[0]["counts"]["seen"] == runs["host"]["counts"]["seen"], scheduled[0]["counts"]

# 2. Findings exactly on the planted risks.
found = findings()
pg_prefix = f"{PG_SCOPE}#{PREFIX}"
assert subjects(found, "privileged-account", pg_prefix) == {role("app_admin"), role("etl_batch")}, subjects(found, "privileged-account", pg_prefix)
assert subjects(found, "long-lived-credential", pg_prefix) == {role("app_admin"), role("etl_batch")}
assert subjects(found, "human-use", pg_prefix) == {role("report_app")}
assert subjects(found, "unowned", pg_prefix) == {role(n) for n in ["app_admin", "etl_batch", "report_app", "web_app", "batch_nopw", "discovery"]}
aws_planted = aws_estate["planted"]
assert subjects(found, "privileged-account", "arn:aws:iam::") == set(aws_planted["privileged"]), subjects(found, "privileged-account", "arn:")
assert subjects(found, "human-use", "arn:aws:iam::") == set(aws_planted["interactive"])
assert subjects(found, "broad-trust", "arn:aws:iam::") == set(aws_planted["trust_risk"])
aws = listing("aws")
never_used = {i for i, item in aws.items() if item["usage_known"] and not item.get("last_used_at")}
assert subjects(found, "unused", "arn:aws:iam::") == never_used and never_used, (subjects(found, "unused", "arn:"), never_used)
bao = listing("openbao")
bao_privileged = {i for i, item in bao.items() if item["privileged"]}
assert subjects(found, "privileged-account", BAO_SCOPE) == bao_privileged
assert f"{BAO_SCOPE}/auth/approle/role/ci-deployer" in bao_privileged
assert f"{BAO_SCOPE}/auth/approle/role/billing-app" not in bao_privileged
assert f"{BAO_SCOPE}/auth/approle/role/ci-deployer" in subjects(found, "long-lived-credential", BAO_SCOPE), "secret_id_ttl 0"
assert f"{BAO_SCOPE}/auth/approle/role/billing-app" not in subjects(found, "long-lived-credential", BAO_SCOPE)
assert subjects(found, "unaudited-source") == {BAO_SCOPE}, subjects(found, "unaudited-source")
host = {i: item for i, item in listing("host").items() if item["scope"] == "host://build-01"}
host_privileged = {i for i, item in host.items() if item["privileged"]}
assert subjects(found, "privileged-account", "host://build-01/") == host_privileged and "host://build-01/root" in host_privileged
assert host_privileged == {"host://build-01/root"}, host_privileged
for f in found:
    if f["category"] in ("privileged-account", "human-use", "broad-trust"):
        assert f["evidence"] and all(e["kind"] == "discovery" for e in f["evidence"]), f
print(f"  posture: {len(found)} findings, exactly on the planted risks of each source")

# 3. Claims: the look-alikes end up with no finding at all; a claimed risk keeps its risk but is no longer unowned.
for name in ["web_app", "batch_nopw", "discovery"]:
    tessera("identity", "claim", pg[role(name)]["id"], "--owner", "dba@example.com", "--purpose", f"look-alike {name}")
tessera("identity", "claim", pg[role("app_admin")]["id"], "--owner", "dba@example.com", "--purpose", "break glass",
        "--environment", "prod", "--review-by", "2027-01-01")
found = findings()
for name in ["web_app", "batch_nopw", "discovery"]:
    assert not [f for f in found if f["subject"] == role(name)], [f for f in found if f["subject"] == role(name)]
admin_findings = {f["category"] for f in found if f["subject"] == role("app_admin")}
assert admin_findings == {"privileged-account", "long-lived-credential"}, admin_findings
claimed = listing("postgres")[role("app_admin")]
assert claimed["status"] == "claimed" and claimed["claim"]["owner"] == "dba@example.com" and claimed["claim"]["environment"] == "prod"
assert len(json.loads(tessera("identity", "list", "--source", "postgres", "--status", "claimed", "--json").stdout)["identities"]) == 4
print("  claims: look-alikes have no findings; the claimed superuser keeps privileged + long-lived")

# 4. Plans onto short-lived credentials.
plan = json.loads(tessera("identity", "plan", claimed["id"], "--json").stdout)
assert plan["spiffe_id"] == f"spiffe://example.org/discovered/postgres/{PREFIX}app_admin", plan["spiffe_id"]
assert "CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiry}}" in json.dumps(plan), plan
assert "NOLOGIN" in plan["retire"]
report_plan = json.loads(tessera("identity", "plan", pg[role("report_app")]["id"], "--json").stdout)
assert 'GRANT \\"app_read\\" TO {{name}}' in report_plan["steps"][1]["text"], report_plan["steps"][1]
deployer = aws_estate["users"]["legacy-deployer"]["arn"]
aws_plan = json.loads(tessera("identity", "plan", aws[deployer]["id"], "--json").stdout)
text = json.dumps(aws_plan)
assert "sts:AssumeRoleWithWebIdentity" in text and aws_plan["spiffe_id"] in text, aws_plan
assert "update-access-key" in aws_plan["retire"]
ci = bao[f"{BAO_SCOPE}/auth/approle/role/ci-deployer"]
bao_plan = json.loads(tessera("identity", "plan", ci["id"], "--json").stdout)
assert "bound_subject=" in json.dumps(bao_plan) and "token_policies='admin-all'" in json.dumps(bao_plan), bao_plan
human = tessera("identity", "plan", ci["id"]).stdout
assert "Suggested SPIFFE ID" in human and "Retire the old credential" in human
print("  plans: PostgreSQL dynamic role, IAM role with web-identity trust, OpenBao JWT role")

# 5. Migration: the old credential is flagged while it still works.
tessera("identity", "migrate", aws[deployer]["id"], "--to", "nhi_doesnotexist", expect=1)
tessera("identity", "claim", aws[deployer]["id"], "--owner", "ops@example.com", "--purpose", "deploys")
created = api("/v1/identities", "POST", {"spiffe_id": aws_plan["spiffe_id"], "kind": "service", "owner": "ops@example.com",
                                          "purpose": "deploys", "auth_methods": ["jwt_svid"]})
tessera("identity", "migrate", aws[deployer]["id"], "--to", created["id"])
superseded = [f for f in findings() if f["category"] == "superseded-credential"]
assert [f["subject"] for f in superseded] == [deployer], superseded
print("  migration: the IAM user's still-active key is flagged superseded-credential")

# 6. Re-runs are idempotent.
for source in ["postgres", "openbao", "aws", "host"]:
    previous = listing(source)
    again = discover(source)
    for change in again["changes"]:
        old, new = previous[change["external_id"]], listing(source)[change["external_id"]]
        print("  changed:", change["external_id"], {k: (old[k], new[k]) for k in new if old.get(k) != new[k]})
    counts = again["counts"]
    assert counts["new"] == counts["changed"] == counts["gone"] == counts["returned"] == 0, (source, counts, again["changes"])
    assert counts["unchanged"] == counts["seen"], (source, counts)
print("  re-runs: nothing new, changed or gone")

# 7. A failed run (wrong password) and a partial run (a token without permissions) change nothing.
before = listing("postgres")
with open(f"{WORK}/wrong.password", "w") as f:
    f.write("not-the-password\n")
failed = discover("postgres", expect=1, args=["--url", f"postgres://{PREFIX}discovery@127.0.0.1:{env['PGPORT']}/app",
                                               "--password-file", f"{WORK}/wrong.password"])
assert "refused the login" in failed.stderr, failed.stderr
assert listing("postgres") == before
narrow = subprocess.run([env["BAO"], "token", "create", "-policy=default", "-ttl=10m", "-field=token"], capture_output=True,
                        text=True, env={**env, "BAO_TOKEN": "root"}, check=True).stdout.strip()
with open(f"{WORK}/narrow.token", "w") as f:
    f.write(narrow + "\n")
partial = discover("openbao", expect=3, args=["--addr", env["BAO_ADDR"], "--token-file", f"{WORK}/narrow.token"])
partial_run = json.loads(partial.stdout)
assert not partial_run["run"]["complete"] and partial_run["counts"]["gone"] == 0, partial_run["counts"]
assert any("sys/auth" in p for p in partial_run["run"]["problems"]), partial_run["run"]["problems"]
assert all(i["status"] != "gone" for i in listing("openbao").values())
assert subjects(findings(), "unaudited-source") == {BAO_SCOPE}, "a partial run does not clear what a complete one found"
print("  a refused login and a partial run: nothing lost, nothing marked gone")

# 8. An identity dropped from its source is gone (claim kept); the run and each change are audited.
subprocess.run(env.get("PSQL_DROP", "true"), shell=True, check=True)
after = discover("postgres")
assert after["counts"]["gone"] == 1 and after["counts"]["seen"] == runs["postgres"]["counts"]["seen"] - 1, after["counts"]
web = listing("postgres")[role("web_app")]
assert web["status"] == "gone" and web["gone_at"] and web["claim"]["owner"] == "dba@example.com", web
assert not [f for f in findings() if f["subject"] == role("web_app")]
gone = api("/v1/console/audit?" + urllib.parse.urlencode({"subject": role("web_app"), "type": "discovered."}))["records"]
types = [r["type"] for r in gone]
assert types[0] == "discovered.gone" and "discovered.claimed" in types and types[-1] == "discovered.new", types
run_records = api("/v1/console/audit?type=discovery.run&limit=100")["records"]
assert len(run_records) >= 10 and any(r["outcome"] == "failure" for r in run_records), [r["outcome"] for r in run_records]
print("  a dropped role is gone (claim kept, no findings); every run and change is in the audit log")
