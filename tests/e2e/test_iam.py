"""The seed's own-key policy through the real aws CLI: Alice manages her own access keys and not Bob's."""

import json

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
