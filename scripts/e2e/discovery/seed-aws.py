#!/usr/bin/env python3
"""Seeds an AWS IAM endpoint (moto_server in the tests) with a known estate for `tessera discover aws`, and prints
what it created as JSON on stdout.

The first three calls (create `legacy-deployer`, give it `Action "*"` on `Resource "*"`, create its access key) run
in moto's unauthenticated window (INITIAL_NO_AUTH_ACTION_COUNT=3); every later call is signed with that key and
checked by moto, so `tessera discover aws` is authenticated and authorised by moto too.

Planted risks: legacy-deployer (inline admin policy, active key), group-admin (AdministratorAccess through the
platform-admins group), reports-bot (console password and an access key), github-deploy (web-identity trust with no
condition on `sub`), partner-access (trusts all of account 999999999999). Look-alikes that are fine: s3-reader
(`s3:GetObject` on `Resource "*"`), old-batch (an inactive key), tessera-discovery (the read-only discovery policy),
discovery-partial (the same without iam:ListRoles), github-deploy-pinned (web-identity trust pinned to one
repository's branch), ec2-app (trusted by ec2.amazonaws.com), tessera-discovery-role (trusted by one user of its own
account), and --bulk-roles roles trusted by lambda.amazonaws.com.

usage: seed-aws.py --endpoint-url URL --discovery-policy FILE [--bulk-roles N]
"""
import argparse
import json
import sys

import boto3

ACCOUNT = "123456789012"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
S3_READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
OIDC = "token.actions.githubusercontent.com"


def client(endpoint, key_id="bootstrap", secret="bootstrap", token=None, service="iam"):
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key_id,
        aws_secret_access_key=secret, aws_session_token=token)


def trust(statement):
    return json.dumps({"Version": "2012-10-17", "Statement": [dict(Effect="Allow", **statement)]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--discovery-policy", required=True, help="the least-privilege policy JSON from the docs")
    parser.add_argument("--bulk-roles", type=int, default=0)
    args = parser.parse_args()
    discovery_policy = open(args.discovery_policy).read()
    json.loads(discovery_policy)

    users, roles = {}, {}

    def user(iam, name):
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        users[name] = {"arn": arn, "keys": [], "console": False}
        return arn

    def key(iam, name, status="Active"):
        created = iam.create_access_key(UserName=name)["AccessKey"]
        if status != "Active":
            iam.update_access_key(UserName=name, AccessKeyId=created["AccessKeyId"], Status=status)
        users[name]["keys"].append({"id": created["AccessKeyId"], "status": status.lower()})
        return created

    # The unauthenticated window: three calls.
    bootstrap = client(args.endpoint_url)
    user(bootstrap, "legacy-deployer")
    bootstrap.put_user_policy(UserName="legacy-deployer", PolicyName="deploy-everything", PolicyDocument=json.dumps(ADMIN))
    admin_key = key(bootstrap, "legacy-deployer")
    iam = client(args.endpoint_url, admin_key["AccessKeyId"], admin_key["SecretAccessKey"])

    user(iam, "tessera-discovery")
    iam.put_user_policy(UserName="tessera-discovery", PolicyName="tessera-discovery-read", PolicyDocument=discovery_policy)
    discovery_key = key(iam, "tessera-discovery")

    # The same policy without iam:ListRoles: a partial run.
    partial_policy = json.loads(discovery_policy)
    for statement in partial_policy["Statement"]:
        statement["Action"] = [action for action in statement["Action"] if action != "iam:ListRoles"]
    user(iam, "discovery-partial")
    iam.put_user_policy(UserName="discovery-partial", PolicyName="no-roles", PolicyDocument=json.dumps(partial_policy))
    partial_key = key(iam, "discovery-partial")

    user(iam, "group-admin")
    iam.create_group(GroupName="platform-admins")
    iam.attach_group_policy(GroupName="platform-admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.add_user_to_group(GroupName="platform-admins", UserName="group-admin")
    key(iam, "group-admin")

    user(iam, "reports-bot")
    iam.create_login_profile(UserName="reports-bot", Password="Correct-Horse-Battery-9")
    users["reports-bot"]["console"] = True
    key(iam, "reports-bot")

    user(iam, "s3-reader")
    policy_arn = iam.create_policy(PolicyName="s3-read-objects", PolicyDocument=json.dumps(S3_READ))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="s3-reader", PolicyArn=policy_arn)
    key(iam, "s3-reader")

    user(iam, "old-batch")
    key(iam, "old-batch", status="Inactive")

    provider = iam.create_open_id_connect_provider(
        Url=f"https://{OIDC}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]

    def role(name, statement, policy=None):
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(statement))["Role"]["Arn"]
        if policy:
            iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=policy)
        roles[name] = {"arn": arn}
        return arn

    web = {"Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity"}
    role("github-deploy", dict(web, Condition={"StringEquals": {f"{OIDC}:aud": "sts.amazonaws.com"}}),
         json.dumps(S3_READ))
    role("github-deploy-pinned", dict(web, Condition={"StringEquals": {
        f"{OIDC}:aud": "sts.amazonaws.com", f"{OIDC}:sub": "repo:acme/app:ref:refs/heads/main"}}), json.dumps(S3_READ))
    role("partner-access", {"Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"},
         json.dumps(S3_READ))
    role("ec2-app", {"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}, json.dumps(S3_READ))
    discovery_role = role(
        "tessera-discovery-role", {"Principal": {"AWS": users["legacy-deployer"]["arn"]}, "Action": "sts:AssumeRole"},
        discovery_policy)
    for index in range(args.bulk_roles):
        role(f"bulk-role-{index:04d}", {"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})

    sts = client(args.endpoint_url, admin_key["AccessKeyId"], admin_key["SecretAccessKey"], service="sts")
    assumed = sts.assume_role(RoleArn=discovery_role, RoleSessionName="tessera-discovery")["Credentials"]

    json.dump({
        "account_id": ACCOUNT,
        "users": users,
        "roles": roles,
        "discovery": {"access_key_id": discovery_key["AccessKeyId"], "secret_access_key": discovery_key["SecretAccessKey"]},
        "partial": {"access_key_id": partial_key["AccessKeyId"], "secret_access_key": partial_key["SecretAccessKey"]},
        "assumed": {"access_key_id": assumed["AccessKeyId"], "secret_access_key": assumed["SecretAccessKey"],
                    "session_token": assumed["SessionToken"]},
        "planted": {
            "privileged": [users["legacy-deployer"]["arn"], users["group-admin"]["arn"]],
            "interactive": [users["reports-bot"]["arn"]],
            "trust_risk": [roles["github-deploy"]["arn"], roles["partner-access"]["arn"]],
        },
    }, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
