"""AssumeRole with session tags, transitive tags and a source identity, through the real aws CLI and boto3.

Alice assumes a role with `--tags Key=team,Value=blue --transitive-tag-keys team --source-identity alice`; the
session reads the secrets whose statements are conditioned on `aws:PrincipalTag/team` and `aws:SourceIdentity`
and not the one conditioned on another team; a chained session keeps the transitive tag and the source identity
and can change neither; a trust policy without sts:TagSession (or sts:SetSourceIdentity) refuses a tagged
(or source-identity) AssumeRole with AccessDenied.
"""

import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
SECRETS = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret"


def _ok(out):
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def _policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal, *actions):
    return _policy({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)})


def _read_if(prefix, key, value):
    return {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": f"{SECRETS}:{prefix}/*",
            "Condition": {"StringEquals": {key: value}}}


# What a session of either role may read: by team tag, by source identity, and nothing of the red team.
READ_BY_TAG_AND_IDENTITY = _policy(
    _read_if("blue", "aws:PrincipalTag/team", "blue"),
    _read_if("red", "aws:PrincipalTag/team", "red"),
    _read_if("alice", "aws:SourceIdentity", "alice"),
    {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"], "Resource": "*"},
)


def _role(server, name, trust, policy=READ_BY_TAG_AND_IDENTITY):
    arn = _ok(server.aws("iam", "create-role", "--role-name", name, "--assume-role-policy-document", trust,
                         "--output", "json"))["Role"]["Arn"]
    _ok(server.aws("iam", "put-role-policy", "--role-name", name, "--policy-name", "read",
                   "--policy-document", policy))
    return arn


def _alice(server):
    _ok(server.aws("iam", "create-user", "--user-name", "alice", "--output", "json"))
    _ok(server.aws("iam", "put-user-policy", "--user-name", "alice", "--policy-name", "assume",
                   "--policy-document", _policy({"Effect": "Allow", "Action": "sts:*", "Resource": "*"})))
    key = _ok(server.aws("iam", "create-access-key", "--user-name", "alice", "--output", "json"))["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def _session_env(credentials):
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"]}


def _reads(server, env):
    """Which of the three secrets the credentials in `env` may read."""
    readable = []
    for prefix in ("blue", "red", "alice"):
        out = server.aws("secretsmanager", "get-secret-value", "--secret-id", f"{prefix}/db", "--output", "json",
                         **env)
        if out.returncode == 0:
            assert json.loads(out.stdout)["SecretString"] == f"{prefix}-value"
            readable.append(prefix)
        else:
            assert "AccessDenied" in out.stderr, out.stderr
    return readable


def _sts(server, env):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "sts", endpoint_url=server.exports["AWS_ENDPOINT_URL"], region_name=server.exports["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def test_session_tags_transitive_tags_and_source_identity(server):
    as_alice = _alice(server)
    for prefix in ("blue", "red", "alice"):
        _ok(server.aws("secretsmanager", "create-secret", "--name", f"{prefix}/db", "--secret-string",
                       f"{prefix}-value"))
    reader = _role(server, "reader", _trust(ALICE, "sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"))
    chained = _role(server, "chained", _trust(reader, "sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"))

    # Alice herself reads nothing: her policy is only sts:*.
    assert _reads(server, as_alice) == []

    assumed = _ok(server.aws("sts", "assume-role", "--role-arn", reader, "--role-session-name", "s1",
                             "--tags", "Key=team,Value=blue", "--transitive-tag-keys", "team",
                             "--source-identity", "alice", "--output", "json", **as_alice))
    assert assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/s1"
    assert assumed["AssumedRoleUser"]["AssumedRoleId"].endswith(":s1")
    assert assumed["SourceIdentity"] == "alice"
    assert isinstance(assumed["PackedPolicySize"], int)
    session = _session_env(assumed["Credentials"])

    identity = _ok(server.aws("sts", "get-caller-identity", "--output", "json", **session))
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/s1"
    assert identity["Account"] == ACCOUNT
    assert identity["UserId"] == assumed["AssumedRoleUser"]["AssumedRoleId"]
    assert _reads(server, session) == ["blue", "alice"]

    # A chained session passes no tags and no source identity, and keeps both.
    second = _ok(server.aws("sts", "assume-role", "--role-arn", chained, "--role-session-name", "s2",
                            "--output", "json", **session))
    assert second["SourceIdentity"] == "alice"
    chained_session = _session_env(second["Credentials"])
    assert _ok(server.aws("sts", "get-caller-identity", "--output", "json", **chained_session))["Arn"] == \
        f"arn:aws:sts::{ACCOUNT}:assumed-role/chained/s2"
    assert _reads(server, chained_session) == ["blue", "alice"]

    # ... and cannot change them.
    sts = _sts(server, session)
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=chained, RoleSessionName="s3", Tags=[{"Key": "team", "Value": "red"}])
    assert "transitive tag key" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=chained, RoleSessionName="s3", SourceIdentity="mallory")
    assert excinfo.value.response["Error"]["Code"] == "ValidationError"

    # A session tagged for the red team reads red and not blue; one without a source identity not alice's.
    red = _ok(server.aws("sts", "assume-role", "--role-arn", reader, "--role-session-name", "s4",
                         "--tags", "Key=team,Value=red", "--output", "json", **as_alice))
    assert "SourceIdentity" not in red
    assert _reads(server, _session_env(red["Credentials"])) == ["red"]


def test_a_trust_policy_without_tag_session_refuses_tags(server):
    as_alice = _alice(server)
    plain = _role(server, "plain", _trust(ALICE, "sts:AssumeRole"))
    sts = _sts(server, as_alice)

    refused = [
        {"Tags": [{"Key": "team", "Value": "blue"}]},
        {"Tags": [{"Key": "team", "Value": "blue"}], "TransitiveTagKeys": ["team"]},
        {"SourceIdentity": "alice"},
    ]
    for extra in refused:
        with pytest.raises(ClientError) as excinfo:
            sts.assume_role(RoleArn=plain, RoleSessionName="plain-session", **extra)
        error = excinfo.value.response["Error"]
        assert error["Code"] == "AccessDenied", (extra, error)
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        action = "sts:TagSession" if "Tags" in extra else "sts:SetSourceIdentity"
        assert action in error["Message"], error

    # Untagged, the same role may be assumed.
    session = sts.assume_role(RoleArn=plain, RoleSessionName="plain-session")
    assert session["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/plain/plain-session"
    assert "SourceIdentity" not in session
