"""The seed's own-key policy through the real aws CLI: Alice manages her own access keys and not Bob's."""

import json

import pytest

OWN_KEYS_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "ManageOwnAccessKeys",
        "Effect": "Allow",
        "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:GetAccessKeyLastUsed", "iam:GetUser",
                   "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:TagUser"],
        "Resource": "arn:aws:iam::*:user/${aws:username}",
    }],
})


def _ok(out):
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def test_alice_lists_her_keys_and_is_denied_bobs(server):
    for name in ("Alice", "Bob"):
        _ok(server.aws("iam", "create-user", "--user-name", name, "--output", "json"))
    _ok(server.aws("iam", "put-user-policy", "--user-name", "Alice", "--policy-name", "ManageOwnAccessKeys",
                   "--policy-document", OWN_KEYS_POLICY))
    key = _ok(server.aws("iam", "create-access-key", "--user-name", "Alice", "--output", "json"))["AccessKey"]
    _ok(server.aws("iam", "create-access-key", "--user-name", "Bob", "--output", "json"))
    as_alice = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    identity = _ok(server.aws("sts", "get-caller-identity", "--output", "json", **as_alice))
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/Alice"
    own = _ok(server.aws("iam", "list-access-keys", "--user-name", "Alice", "--output", "json", **as_alice))
    assert [k["AccessKeyId"] for k in own["AccessKeyMetadata"]] == [key["AccessKeyId"]]

    denied = server.aws("iam", "list-access-keys", "--user-name", "Bob", **as_alice)
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr, denied.stderr
    assert "iam:ListAccessKeys" in denied.stderr

    new = _ok(server.aws("iam", "create-access-key", "--user-name", "Alice", "--output", "json", **as_alice))
    new_id = new["AccessKey"]["AccessKeyId"]
    _ok(server.aws("iam", "update-access-key", "--user-name", "Alice", "--access-key-id", new_id,
                   "--status", "Inactive", **as_alice))
    _ok(server.aws("iam", "delete-access-key", "--user-name", "Alice", "--access-key-id", new_id, **as_alice))
    third = server.aws("iam", "create-access-key", "--user-name", "Bob", **as_alice)
    assert third.returncode != 0 and "AccessDenied" in third.stderr


def _iam_client(server, access_key_id=None, secret_access_key=None):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "iam",
        endpoint_url=server.exports["AWS_ENDPOINT_URL"],
        region_name=server.exports["AWS_REGION"],
        aws_access_key_id=access_key_id or server.exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret_access_key or server.exports["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


TRUST_ACCOUNT = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                   "Action": "sts:AssumeRole"}],
})


def test_role_tags_updates_and_permissions_boundary(server):
    policy = _ok(server.aws("iam", "create-policy", "--policy-name", "Boundary", "--output", "json",
                            "--policy-document", json.dumps({
                                "Version": "2012-10-17",
                                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})))
    arn = policy["Policy"]["Arn"]
    _ok(server.aws("iam", "create-role", "--role-name", "deploy", "--output", "json",
                   "--assume-role-policy-document", TRUST_ACCOUNT))

    _ok(server.aws("iam", "tag-role", "--role-name", "deploy", "--tags", "Key=team,Value=blue", "Key=env,Value=prod"))
    tags = _ok(server.aws("iam", "list-role-tags", "--role-name", "deploy", "--output", "json"))
    assert tags["Tags"] == [{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "prod"}]
    _ok(server.aws("iam", "untag-role", "--role-name", "deploy", "--tag-keys", "team"))

    _ok(server.aws("iam", "update-role", "--role-name", "deploy", "--description", "ships things",
                   "--max-session-duration", "7200"))
    role = _ok(server.aws("iam", "get-role", "--role-name", "deploy", "--output", "json"))["Role"]
    assert role["Description"] == "ships things"
    assert role["MaxSessionDuration"] == 7200
    assert role["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert "PermissionsBoundary" not in role

    _ok(server.aws("iam", "put-role-permissions-boundary", "--role-name", "deploy", "--permissions-boundary", arn))
    role = _ok(server.aws("iam", "get-role", "--role-name", "deploy", "--output", "json"))["Role"]
    assert role["PermissionsBoundary"] == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                           "PermissionsBoundaryArn": arn}
    conflict = server.aws("iam", "delete-policy", "--policy-arn", arn)
    assert conflict.returncode != 0 and "DeleteConflict" in conflict.stderr, conflict.stderr
    missing = server.aws("iam", "put-role-permissions-boundary", "--role-name", "deploy",
                         "--permissions-boundary", "arn:aws:iam::123456789012:policy/Missing")
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr, missing.stderr
    _ok(server.aws("iam", "delete-role-permissions-boundary", "--role-name", "deploy"))
    _ok(server.aws("iam", "delete-policy", "--policy-arn", arn))


def test_simulate_principal_policy_allows_alice_on_herself_and_not_on_bob(server):
    for name in ("Alice", "Bob"):
        _ok(server.aws("iam", "create-user", "--user-name", name, "--output", "json"))
    _ok(server.aws("iam", "put-user-policy", "--user-name", "Alice", "--policy-name", "ManageOwnAccessKeys",
                   "--policy-document", OWN_KEYS_POLICY))
    alice = "arn:aws:iam::123456789012:user/Alice"
    bob = "arn:aws:iam::123456789012:user/Bob"
    out = _ok(server.aws("iam", "simulate-principal-policy", "--policy-source-arn", alice,
                         "--action-names", "iam:ListAccessKeys", "--resource-arns", alice, bob, "--output", "json"))
    results = {r["EvalResourceName"]: r for r in out["EvaluationResults"]}
    assert results[alice]["EvalDecision"] == "allowed"
    assert results[alice]["MatchedStatements"][0]["SourcePolicyId"] == "ManageOwnAccessKeys"
    assert results[alice]["MatchedStatements"][0]["SourcePolicyType"] == "user"
    assert results[bob]["EvalDecision"] == "implicitDeny"
    assert results[bob]["MatchedStatements"] == []

    # boto3 sees the same, and an explicit deny in a custom policy wins.
    iam = _iam_client(server)
    custom = iam.simulate_custom_policy(
        PolicyInputList=[OWN_KEYS_POLICY, json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "iam:DeleteAccessKey", "Resource": "*"}]})],
        ActionNames=["iam:ListAccessKeys", "iam:DeleteAccessKey"],
        ResourceArns=[alice],
        CallerArn=alice,
    )
    decisions = [r["EvalDecision"] for r in custom["EvaluationResults"]]
    assert decisions == ["allowed", "explicitDeny"]


def test_get_access_key_last_used_after_a_call(server):
    _ok(server.aws("iam", "create-user", "--user-name", "Alice", "--output", "json"))
    _ok(server.aws("iam", "put-user-policy", "--user-name", "Alice", "--policy-name", "ManageOwnAccessKeys",
                   "--policy-document", OWN_KEYS_POLICY))
    key = _ok(server.aws("iam", "create-access-key", "--user-name", "Alice", "--output", "json"))["AccessKey"]
    before = _ok(server.aws("iam", "get-access-key-last-used", "--access-key-id", key["AccessKeyId"],
                            "--output", "json"))
    assert before["UserName"] == "Alice"
    assert before["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert "LastUsedDate" not in before["AccessKeyLastUsed"]

    as_alice = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    _ok(server.aws("sts", "get-caller-identity", "--output", "json", **as_alice))
    after = _ok(server.aws("iam", "get-access-key-last-used", "--access-key-id", key["AccessKeyId"],
                           "--output", "json"))
    assert after["AccessKeyLastUsed"]["ServiceName"] == "sts"
    assert after["AccessKeyLastUsed"]["Region"] == server.exports["AWS_REGION"]
    assert "LastUsedDate" in after["AccessKeyLastUsed"]
