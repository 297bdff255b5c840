"""Secrets Manager end to end, with the real `aws` CLI, boto3 and aws-secretsmanager-caching.

Every expectation is AWS's behaviour as recorded in shared/spec/secretsmanager.md, not an emulator's. The
`endpoint` fixture (sm_helpers.py) runs a fresh `strongroom dev`, or the endpoint named by E2E_ENDPOINT.
Tests marked `# moto deviates:` are known to fail against moto for the reason given; they encode AWS.
"""

import base64
import datetime
import json
import string
import time

import pytest
from aws_secretsmanager_caching import (InjectKeywordedSecretString, InjectSecretString, SecretCache,
                                        SecretCacheConfig)
from botocore.exceptions import ClientError

from sm_helpers import (NOT_FOUND, arn_pattern, client_error, endpoint, sm, stages_map, token,  # noqa: F401,F811
                        unique, versions_by_id)

SM = "secretsmanager"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def near(when, expected, slack=300):
    """A datetime (boto3) or an epoch number (CLI v1 prints timestamps as received) within `slack` s."""
    if isinstance(when, datetime.datetime):
        assert when.tzinfo is not None, when
        when = when.timestamp()
    if isinstance(expected, datetime.datetime):
        expected = expected.timestamp()
    return abs(float(when) - float(expected)) <= slack


# ---------------------------------------------------------------------------------------------------------------
# 1. A scripted tour with the aws CLI
# ---------------------------------------------------------------------------------------------------------------

def test_cli_json_secret_by_name_full_arn_and_partial_arn(endpoint):
    name = unique("e2e/tour/db")
    value = json.dumps({"username": "admin", "password": "pa$$ w0rd", "port": 5432})
    created = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", value,
                           "--description", "tour secret")
    assert set(created) == {"ARN", "Name", "VersionId"}, created
    assert created["Name"] == name
    assert arn_pattern(name, endpoint.region).fullmatch(created["ARN"]), created["ARN"]
    partial_arn = created["ARN"][:-7]  # without "-XXXXXX"
    for secret_id in (name, created["ARN"], partial_arn):
        got = endpoint.cli(SM, "get-secret-value", "--secret-id", secret_id)
        assert got["ARN"] == created["ARN"]
        assert got["Name"] == name
        assert got["VersionId"] == created["VersionId"]
        assert got["SecretString"] == value
        assert json.loads(got["SecretString"])["password"] == "pa$$ w0rd"
        assert got["VersionStages"] == ["AWSCURRENT"]
        assert "CreatedDate" in got
        assert "SecretBinary" not in got
    # The friendly name with the random suffix appended is not a way to name the secret.
    code, message = endpoint.cli_error(SM, "get-secret-value", "--secret-id", name + created["ARN"][-7:])
    assert code == "ResourceNotFoundException", message
    # --query/--output text gives the bare string, as scripts use it.
    out = endpoint.aws(SM, "get-secret-value", "--secret-id", name, "--query", "SecretString", "--output", "text")
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip("\n") == value


def test_cli_binary_secret_from_fileb(endpoint):
    name = unique("e2e-binary")
    data = bytes(range(256)) + b"\xff\xfe\x00\x80 not utf-8 \xc3\x28"
    path = endpoint.write_file("secret.bin", data)
    created = endpoint.cli(SM, "create-secret", "--name", name, "--secret-binary", f"fileb://{path}")
    got = endpoint.cli(SM, "get-secret-value", "--secret-id", name)
    assert "SecretString" not in got
    assert base64.b64decode(got["SecretBinary"]) == data
    assert got["VersionId"] == created["VersionId"]
    # A second binary version via put-secret-value.
    data2 = bytes(reversed(data))
    path2 = endpoint.write_file("secret2.bin", data2)
    put = endpoint.cli(SM, "put-secret-value", "--secret-id", name, "--secret-binary", f"fileb://{path2}")
    out = endpoint.aws(SM, "get-secret-value", "--secret-id", name, "--query", "SecretBinary", "--output", "text")
    assert out.returncode == 0, out.stderr
    assert base64.b64decode(out.stdout.strip()) == data2
    previous = endpoint.cli(SM, "get-secret-value", "--secret-id", name, "--version-stage", "AWSPREVIOUS")
    assert base64.b64decode(previous["SecretBinary"]) == data
    assert previous["VersionId"] == created["VersionId"] != put["VersionId"]


def test_cli_describe_secret_reports_only_fields_that_have_a_value(endpoint):
    name = unique("e2e-describe")
    created = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "plain text")
    described = endpoint.cli(SM, "describe-secret", "--secret-id", name)
    assert described["ARN"] == created["ARN"]
    assert described["Name"] == name
    assert "CreatedDate" in described and "LastChangedDate" in described
    assert stages_map(described) == {created["VersionId"]: ["AWSCURRENT"]}
    for absent in ("Description", "KmsKeyId", "Tags", "DeletedDate", "RotationEnabled", "RotationLambdaARN",
                   "RotationRules", "LastRotatedDate", "NextRotationDate", "LastAccessedDate", "OwningService",
                   "PrimaryRegion", "ReplicationStatus"):
        assert absent not in described, (absent, described)
    # With a description and tags, both are reported.
    name2 = unique("e2e-describe")
    endpoint.cli(SM, "create-secret", "--name", name2, "--secret-string", "x", "--description", "the db password",
                 "--tags", json.dumps([{"Key": "env", "Value": "prod"}]))
    described2 = endpoint.cli(SM, "describe-secret", "--secret-id", name2)
    assert described2["Description"] == "the db password"
    assert described2["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_last_accessed_date_is_set_by_a_read_to_midnight_utc(endpoint, sm):
    # moto deviates: it never sets LastAccessedDate.
    name = unique("e2e-accessed")
    endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "x")
    assert "LastAccessedDate" not in sm.describe_secret(SecretId=name)
    endpoint.cli(SM, "get-secret-value", "--secret-id", name)
    accessed = sm.describe_secret(SecretId=name)["LastAccessedDate"]
    assert isinstance(accessed, datetime.datetime)
    assert (accessed.hour, accessed.minute, accessed.second, accessed.microsecond) == (0, 0, 0, 0), accessed
    assert accessed.date() in (utcnow().date(), (utcnow() - datetime.timedelta(minutes=5)).date())
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"][0]
    assert listed["LastAccessedDate"] == accessed


def test_cli_empty_secret_then_first_put_becomes_current(endpoint):
    name = unique("e2e-empty")
    created = endpoint.cli(SM, "create-secret", "--name", name, "--description", "no value yet")
    assert set(created) == {"ARN", "Name"}, created
    described = endpoint.cli(SM, "describe-secret", "--secret-id", name)
    assert "VersionIdsToStages" not in described
    code, message = endpoint.cli_error(SM, "get-secret-value", "--secret-id", name)
    assert code == "ResourceNotFoundException"
    assert message == "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
    put = endpoint.cli(SM, "put-secret-value", "--secret-id", name, "--secret-string", "first")
    assert put["VersionStages"] == ["AWSCURRENT"]
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == "first"


def test_cli_versions_and_staging_labels(endpoint):
    # moto deviates: it keeps deprecated (label-less) versions in VersionIdsToStages as empty lists, and after
    # UpdateSecretVersionStage moves AWSCURRENT its GetSecretValue still serves the old current version.
    name = unique("e2e-versions")
    v1 = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "one")["VersionId"]
    put2 = endpoint.cli(SM, "put-secret-value", "--secret-id", name, "--secret-string", "two")
    assert set(put2) == {"ARN", "Name", "VersionId", "VersionStages"}, put2
    assert put2["VersionStages"] == ["AWSCURRENT"]
    v2 = put2["VersionId"]
    assert stages_map(endpoint.cli(SM, "describe-secret", "--secret-id", name)) == {
        v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    v3 = endpoint.cli(SM, "put-secret-value", "--secret-id", name, "--secret-string", "three")["VersionId"]
    # v1 lost AWSPREVIOUS: it is deprecated, hidden from the stage map and from the default listing.
    assert stages_map(endpoint.cli(SM, "describe-secret", "--secret-id", name)) == {
        v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    # Reads by stage and by version id, including the deprecated one.
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == "three"
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name,
                        "--version-stage", "AWSPREVIOUS")["SecretString"] == "two"
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name, "--version-id", v1)["SecretString"] == "one"
    # Moving AWSCURRENT back needs RemoveFromVersionId naming its holder.
    code, message = endpoint.cli_error(SM, "update-secret-version-stage", "--secret-id", name,
                                       "--version-stage", "AWSCURRENT", "--move-to-version-id", v2)
    assert code == "InvalidParameterException", message
    assert "RemoveFromVersionId" in message
    moved = endpoint.cli(SM, "update-secret-version-stage", "--secret-id", name, "--version-stage", "AWSCURRENT",
                         "--move-to-version-id", v2, "--remove-from-version-id", v3)
    assert set(moved) == {"ARN", "Name"}, moved
    assert stages_map(endpoint.cli(SM, "describe-secret", "--secret-id", name)) == {
        v2: ["AWSCURRENT"], v3: ["AWSPREVIOUS"]}
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == "two"
    # A custom label can be attached to a deprecated version (bringing it back) and removed again.
    endpoint.cli(SM, "update-secret-version-stage", "--secret-id", name, "--version-stage", "MYLABEL",
                 "--move-to-version-id", v1)
    assert stages_map(endpoint.cli(SM, "describe-secret", "--secret-id", name)) == {
        v1: ["MYLABEL"], v2: ["AWSCURRENT"], v3: ["AWSPREVIOUS"]}
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name,
                        "--version-stage", "MYLABEL")["SecretString"] == "one"
    endpoint.cli(SM, "update-secret-version-stage", "--secret-id", name, "--version-stage", "MYLABEL",
                 "--remove-from-version-id", v1)
    assert stages_map(endpoint.cli(SM, "describe-secret", "--secret-id", name)) == {
        v2: ["AWSCURRENT"], v3: ["AWSPREVIOUS"]}


def test_cli_list_secret_version_ids_with_and_without_deprecated(endpoint):
    # moto deviates: its ListSecretVersionIds reports the name as ARN, ignores IncludeDeprecated (listing every
    # version, deprecated ones with "VersionStages": []) and has no KmsKeyIds.
    name = unique("e2e-version-ids")
    created = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "one")
    v1 = created["VersionId"]
    v2 = endpoint.cli(SM, "put-secret-value", "--secret-id", name, "--secret-string", "two")["VersionId"]
    v3 = endpoint.cli(SM, "put-secret-value", "--secret-id", name, "--secret-string", "three")["VersionId"]
    listing = endpoint.cli(SM, "list-secret-version-ids", "--secret-id", name)
    assert (listing["ARN"], listing["Name"]) == (created["ARN"], name)
    assert versions_by_id(listing) == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    for version in listing["Versions"]:
        assert "CreatedDate" in version
        assert version["KmsKeyIds"] == ["DefaultEncryptionKey"]
    everything = endpoint.cli(SM, "list-secret-version-ids", "--secret-id", name, "--include-deprecated")
    # A deprecated version has no VersionStages key at all.
    assert versions_by_id(everything) == {v1: None, v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}


def test_cli_update_secret_description_only_then_with_a_value(endpoint):
    name = unique("e2e-update")
    v1 = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "one",
                      "--description", "first")["VersionId"]
    updated = endpoint.cli(SM, "update-secret", "--secret-id", name, "--description", "second")
    assert set(updated) == {"ARN", "Name"}, updated  # no VersionId when no version was created
    described = endpoint.cli(SM, "describe-secret", "--secret-id", name)
    assert described["Description"] == "second"
    assert stages_map(described) == {v1: ["AWSCURRENT"]}
    updated = endpoint.cli(SM, "update-secret", "--secret-id", name, "--secret-string", "two")
    v2 = updated["VersionId"]
    assert v2 != v1
    assert stages_map(endpoint.cli(SM, "describe-secret", "--secret-id", name)) == {
        v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == "two"


def test_cli_tag_and_untag(endpoint):
    name = unique("e2e-tags")
    arn = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "x")["ARN"]
    out = endpoint.aws(SM, "tag-resource", "--secret-id", name, "--tags",
                       json.dumps([{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "blue"}]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
    # Upsert by key; keys are case-sensitive; the ARN works as SecretId too.
    endpoint.cli(SM, "tag-resource", "--secret-id", arn, "--tags",
                 json.dumps([{"Key": "env", "Value": "prod"}, {"Key": "Env", "Value": "other"}]))
    tags = endpoint.cli(SM, "describe-secret", "--secret-id", name)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("Env", "other"), ("env", "prod"), ("team", "blue")]
    # Untagging a key that is not there is not an error.
    endpoint.cli(SM, "untag-resource", "--secret-id", name, "--tag-keys", "team", "no-such-key")
    tags = endpoint.cli(SM, "describe-secret", "--secret-id", name)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("Env", "other"), ("env", "prod")]
    endpoint.cli(SM, "untag-resource", "--secret-id", name, "--tag-keys", "env", "Env")
    # AWS reports an empty list (not an absent key) once a secret has had tags.
    assert endpoint.cli(SM, "describe-secret", "--secret-id", name)["Tags"] == []


def _list_names(endpoint, filters, *extra):
    listing = endpoint.cli(SM, "list-secrets", "--filters", json.dumps(filters), *extra)
    for entry in listing["SecretList"]:
        assert "VersionIdsToStages" not in entry  # ListSecrets names the map SecretVersionsToStages
    return [entry["Name"] for entry in listing["SecretList"]]


def test_cli_list_secrets_filters(endpoint):
    prefix = unique("e2e-filter")
    secrets = {
        "one": ("a secret", [{"Key": "env", "Value": "prod"}]),
        "two": ("an secret", [{"Key": "team", "Value": "core"}]),
        "three": ("thesecret", [{"Key": "env", "Value": "dev"}]),
        "four": ("asecret", []),
    }
    names = {}
    for short, (description, tags) in secrets.items():
        names[short] = f"{prefix}/{'app' if short in ('one', 'two') else 'db'}/{short}"
        args = [SM, "create-secret", "--name", names[short], "--secret-string", short, "--description", description]
        if tags:
            args += ["--tags", json.dumps(tags)]
        endpoint.cli(*args)

    def found(*filters):
        return sorted(n.rsplit("/", 1)[1] for n in _list_names(endpoint, list(filters)))

    mine = {"Key": "name", "Values": [prefix]}
    assert found(mine) == ["four", "one", "three", "two"]
    entry = endpoint.cli(SM, "list-secrets", "--filters", json.dumps([{"Key": "name", "Values": [names["one"]]}]))
    assert len(entry["SecretList"]) == 1
    assert list(entry["SecretList"][0]["SecretVersionsToStages"].values()) == [["AWSCURRENT"]]
    # name: case-sensitive prefix of the whole name; several values OR together; several filters AND.
    assert found({"Key": "name", "Values": [f"{prefix}/app"]}) == ["one", "two"]
    assert found({"Key": "name", "Values": [f"{prefix}/APP"]}) == []
    assert found({"Key": "name", "Values": [names["one"], names["three"]]}) == ["one", "three"]
    assert found(mine, {"Key": "name", "Values": [f"!{prefix}/app"]}) == ["four", "three"]
    # tag-key / tag-value: prefix.
    assert found(mine, {"Key": "tag-key", "Values": ["env"]}) == ["one", "three"]
    assert found(mine, {"Key": "tag-key", "Values": ["te"]}) == ["two"]
    assert found(mine, {"Key": "tag-value", "Values": ["prod"]}) == ["one"]
    # description: every word of the value must be a prefix of a word of the description.
    assert found(mine, {"Key": "description", "Values": ["a"]}) == ["four", "one", "two"]
    assert found(mine, {"Key": "description", "Values": ["a secret"]}) == ["one", "two"]
    assert found(mine, {"Key": "description", "Values": ["!a"]}) == ["three"]


def test_cli_list_secrets_sort_order(endpoint):
    # moto deviates: it ignores SortOrder and always lists in creation order.
    prefix = unique("e2e-sort")
    names = [f"{prefix}-{i}" for i in range(3)]
    for n in names:
        endpoint.cli(SM, "create-secret", "--name", n, "--secret-string", n)
        time.sleep(1.1)  # distinct creation times, even for an implementation that keeps whole seconds
    mine = [{"Key": "name", "Values": [prefix]}]
    assert _list_names(endpoint, mine, "--sort-order", "asc") == names
    assert _list_names(endpoint, mine, "--sort-order", "desc") == names[::-1]
    assert _list_names(endpoint, mine, "--sort-order", "desc", "--page-size", "1") == names[::-1]


def test_cli_list_secrets_pagination_and_planned_deletion(endpoint):
    prefix = unique("e2e-list")
    names = [f"{prefix}-{i}" for i in range(3)]
    for n in names:
        endpoint.cli(SM, "create-secret", "--name", n, "--secret-string", n)
        time.sleep(1.1)  # distinct creation times, even for an implementation that keeps whole seconds
    mine = [{"Key": "name", "Values": [prefix]}]
    assert _list_names(endpoint, mine, "--sort-order", "asc") == names
    # Client-side paging: --page-size makes many small calls and still yields everything.
    assert _list_names(endpoint, mine, "--sort-order", "asc", "--page-size", "1") == names
    # --max-items stops early and hands back a token to resume from.
    first = endpoint.cli(SM, "list-secrets", "--filters", json.dumps(mine), "--sort-order", "asc",
                         "--max-items", "2")
    assert [e["Name"] for e in first["SecretList"]] == names[:2]
    assert first.get("NextToken")
    rest = endpoint.cli(SM, "list-secrets", "--filters", json.dumps(mine), "--sort-order", "asc",
                        "--max-items", "2", "--starting-token", first["NextToken"])
    assert [e["Name"] for e in rest["SecretList"]] == names[2:]
    assert "NextToken" not in rest
    # A secret scheduled for deletion is listed only with --include-planned-deletion.
    endpoint.cli(SM, "delete-secret", "--secret-id", names[1], "--recovery-window-in-days", "7")
    assert _list_names(endpoint, mine, "--sort-order", "asc") == [names[0], names[2]]
    listing = endpoint.cli(SM, "list-secrets", "--filters", json.dumps(mine), "--sort-order", "asc",
                           "--include-planned-deletion")
    assert [e["Name"] for e in listing["SecretList"]] == names
    assert "DeletedDate" in listing["SecretList"][1]
    assert "DeletedDate" not in listing["SecretList"][0]


def test_cli_delete_with_recovery_window_then_restore(endpoint):
    name = unique("e2e-delete")
    arn = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "keep me")["ARN"]
    deleted = endpoint.cli(SM, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")
    assert set(deleted) == {"ARN", "Name", "DeletionDate"}, deleted
    assert deleted["ARN"] == arn
    assert near(deleted["DeletionDate"], time.time() + 7 * 86400), deleted
    code, _ = endpoint.cli_error(SM, "get-secret-value", "--secret-id", name)
    assert code == "InvalidRequestException"
    described = endpoint.cli(SM, "describe-secret", "--secret-id", name)
    assert "DeletedDate" in described
    restored = endpoint.cli(SM, "restore-secret", "--secret-id", name)
    assert restored == {"ARN": arn, "Name": name}
    assert "DeletedDate" not in endpoint.cli(SM, "describe-secret", "--secret-id", name)
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == "keep me"


def test_cli_a_secret_scheduled_for_deletion_refuses_changes(endpoint):
    # moto deviates: it lets PutSecretValue, UpdateSecret and TagResource change a secret scheduled for deletion,
    # and answers a CreateSecret of its name with ResourceExistsException; AWS answers InvalidRequestException.
    name = unique("e2e-scheduled")
    endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "x")
    endpoint.cli(SM, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")
    code, _ = endpoint.cli_error(SM, "put-secret-value", "--secret-id", name, "--secret-string", "new")
    assert code == "InvalidRequestException"
    code, _ = endpoint.cli_error(SM, "update-secret", "--secret-id", name, "--description", "new")
    assert code == "InvalidRequestException"
    for command, args in (("tag-resource", ["--tags", "Key=a,Value=b"]), ("untag-resource", ["--tag-keys", "a"])):
        code, message = endpoint.cli_error(SM, command, "--secret-id", name, *args)
        assert code == "InvalidRequestException"
        assert message == "You can't perform this operation on the secret because it was marked for deletion."
    code, message = endpoint.cli_error(SM, "create-secret", "--name", name, "--secret-string", "again")
    assert code == "InvalidRequestException"
    assert message == "You can't create this secret because a secret with this name is already scheduled for deletion."


def test_cli_force_delete_then_the_name_is_reusable_with_a_new_arn(endpoint):
    name = unique("e2e-force")
    first = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "v1")
    deleted = endpoint.cli(SM, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")
    assert deleted["ARN"] == first["ARN"] and deleted["Name"] == name
    assert near(deleted["DeletionDate"], time.time()), deleted
    for command in ("get-secret-value", "describe-secret"):
        code, message = endpoint.cli_error(SM, command, "--secret-id", name)
        assert (code, message) == ("ResourceNotFoundException", NOT_FOUND)
    second = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "v2")
    assert arn_pattern(name, endpoint.region).fullmatch(second["ARN"])
    assert second["ARN"] != first["ARN"]
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == "v2"
    code, _ = endpoint.cli_error(SM, "get-secret-value", "--secret-id", first["ARN"])
    assert code == "ResourceNotFoundException"
    # Force-deleting a secret already scheduled for deletion succeeds.
    endpoint.cli(SM, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")
    endpoint.cli(SM, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")
    code, _ = endpoint.cli_error(SM, "describe-secret", "--secret-id", name)
    assert code == "ResourceNotFoundException"


def test_cli_force_delete_of_a_nonexistent_secret_succeeds(endpoint):
    name = unique("e2e-never-existed")
    deleted = endpoint.cli(SM, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")
    assert deleted["Name"] == name
    assert "ARN" in deleted and "DeletionDate" in deleted


def test_cli_recovery_window_must_be_7_to_30_days(endpoint):
    name = unique("e2e-window")
    endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "x")
    for days in ("6", "31", "0"):
        code, message = endpoint.cli_error(SM, "delete-secret", "--secret-id", name,
                                           "--recovery-window-in-days", days)
        assert code == "InvalidParameterException", (days, message)
    code, message = endpoint.cli_error(SM, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7",
                                       "--force-delete-without-recovery")
    assert code == "InvalidParameterException", message
    # None of these touched the secret.
    assert "DeletedDate" not in endpoint.cli(SM, "describe-secret", "--secret-id", name)
    # The edges are accepted (and --no-force-delete-without-recovery with a window is fine).
    endpoint.cli(SM, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "30",
                 "--no-force-delete-without-recovery")
    endpoint.cli(SM, "restore-secret", "--secret-id", name)
    endpoint.cli(SM, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")


def test_cli_get_random_password(endpoint):
    default = endpoint.cli(SM, "get-random-password")["RandomPassword"]
    assert len(default) == 32
    pool = set(string.ascii_letters + string.digits + string.punctuation)
    assert set(default) <= pool
    # Every included type appears at least once by default.
    for chars in (string.ascii_uppercase, string.ascii_lowercase, string.digits, string.punctuation):
        assert set(default) & set(chars), default
    excluded = "abcdefABCDEF012345"
    for _ in range(5):
        password = endpoint.cli(SM, "get-random-password", "--password-length", "60", "--exclude-characters",
                                excluded, "--exclude-punctuation")["RandomPassword"]
        assert len(password) == 60
        assert not set(password) & set(excluded), password
        assert not set(password) & set(string.punctuation), password
        assert set(password) <= set(string.ascii_letters + string.digits)
        for chars in (string.ascii_uppercase, string.ascii_lowercase, string.digits):
            assert set(password) & (set(chars) - set(excluded)), password
    only_lower = endpoint.cli(SM, "get-random-password", "--password-length", "20", "--exclude-numbers",
                              "--exclude-uppercase", "--exclude-punctuation")["RandomPassword"]
    assert len(only_lower) == 20 and set(only_lower) <= set(string.ascii_lowercase), only_lower
    # The rotation templates' exclusions.
    templ = endpoint.cli(SM, "get-random-password", "--exclude-characters", ":/@\"'\\",
                         "--require-each-included-type")["RandomPassword"]
    assert not set(templ) & set(":/@\"'\\"), templ
    with_space = endpoint.cli(SM, "get-random-password", "--password-length", "4096",
                              "--include-space")["RandomPassword"]
    assert len(with_space) == 4096 and set(with_space) <= pool | {" "}
    code, message = endpoint.cli_error(SM, "get-random-password", "--password-length", "2",
                                       "--require-each-included-type")
    assert code == "InvalidParameterException", message


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }],
}


def test_cli_resource_policy(endpoint):
    name = unique("e2e-policy")
    arn = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "x")["ARN"]
    account = arn.split(":")[4]
    policy = json.loads(json.dumps(POLICY).replace("123456789012", account))
    none_yet = endpoint.cli(SM, "get-resource-policy", "--secret-id", name)
    assert none_yet["ARN"] == arn and none_yet["Name"] == name
    assert "ResourcePolicy" not in none_yet
    put = endpoint.cli(SM, "put-resource-policy", "--secret-id", name, "--resource-policy", json.dumps(policy))
    assert put["ARN"] == arn and put["Name"] == name
    got = endpoint.cli(SM, "get-resource-policy", "--secret-id", name)
    assert json.loads(got["ResourcePolicy"]) == policy
    deleted = endpoint.cli(SM, "delete-resource-policy", "--secret-id", name)
    assert deleted["ARN"] == arn and deleted["Name"] == name
    assert "ResourcePolicy" not in endpoint.cli(SM, "get-resource-policy", "--secret-id", name)


def test_cli_validate_resource_policy_and_malformed_policies(endpoint):
    # moto deviates: ValidateResourcePolicy is not implemented (HTTP 500 NotImplementedError), and
    # PutResourcePolicy stores any string, even malformed JSON.
    name = unique("e2e-validate")
    arn = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "x")["ARN"]
    policy = json.loads(json.dumps(POLICY).replace("123456789012", arn.split(":")[4]))
    for extra in (["--secret-id", name], []):
        validated = endpoint.cli(SM, "validate-resource-policy", *extra, "--resource-policy", json.dumps(policy))
        assert validated["PolicyValidationPassed"] is True
        assert validated.get("ValidationErrors", []) == []
    endpoint.cli(SM, "put-resource-policy", "--secret-id", name, "--resource-policy", json.dumps(policy))
    for command in ("put-resource-policy", "validate-resource-policy"):
        code, message = endpoint.cli_error(SM, command, "--secret-id", name,
                                           "--resource-policy", '{"Version": "2012-10-17", "Statement": [')
        assert code == "MalformedPolicyDocumentException", (command, message)
    # The malformed put did not replace the policy.
    assert json.loads(endpoint.cli(SM, "get-resource-policy", "--secret-id", name)["ResourcePolicy"]) == policy


def test_cli_batch_get_secret_value(endpoint):
    prefix = unique("e2e-batch")
    a = endpoint.cli(SM, "create-secret", "--name", f"{prefix}-a", "--secret-string", "alpha")
    b_path = endpoint.write_file("b.bin", b"\x00\x01\xfe\xff")
    b = endpoint.cli(SM, "create-secret", "--name", f"{prefix}-b", "--secret-binary", f"fileb://{b_path}")
    missing = f"{prefix}-missing"
    result = endpoint.cli(SM, "batch-get-secret-value", "--secret-id-list", f"{prefix}-a", b["ARN"], missing)
    values = {v["Name"]: v for v in result["SecretValues"]}
    assert set(values) == {f"{prefix}-a", f"{prefix}-b"}
    assert values[f"{prefix}-a"]["SecretString"] == "alpha"
    assert values[f"{prefix}-a"]["ARN"] == a["ARN"]
    assert values[f"{prefix}-a"]["VersionId"] == a["VersionId"]
    assert values[f"{prefix}-a"]["VersionStages"] == ["AWSCURRENT"]
    assert base64.b64decode(values[f"{prefix}-b"]["SecretBinary"]) == b"\x00\x01\xfe\xff"
    assert [(e["SecretId"], e["ErrorCode"]) for e in result["Errors"]] == [(missing, "ResourceNotFoundException")]
    by_filter = endpoint.cli(SM, "batch-get-secret-value", "--filters",
                             json.dumps([{"Key": "name", "Values": [prefix]}]))
    assert sorted(v["Name"] for v in by_filter["SecretValues"]) == [f"{prefix}-a", f"{prefix}-b"]
    assert by_filter.get("Errors", []) == []


def test_cli_rotate_secret_without_a_lambda_is_refused_and_stores_nothing(endpoint):
    # moto deviates: it "rotates" without any Lambda and stores the rules.
    name = unique("e2e-rotate")
    endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", "x")
    code, message = endpoint.cli_error(SM, "rotate-secret", "--secret-id", name,
                                       "--rotation-rules", "AutomaticallyAfterDays=30")
    assert code == "InvalidRequestException"
    assert message == "No Lambda rotation function ARN is associated with this secret."
    described = endpoint.cli(SM, "describe-secret", "--secret-id", name)
    assert "RotationEnabled" not in described and "RotationRules" not in described


# ---------------------------------------------------------------------------------------------------------------
# 2. Errors, with AWS's codes, messages and HTTP status
# ---------------------------------------------------------------------------------------------------------------

def test_not_found_is_http_400_with_the_aws_message(endpoint, sm):
    # moto deviates: it answers ResourceNotFoundException with HTTP 404 (AWS: 400), and ListSecretVersionIds on a
    # missing secret crashes (HTTP 500).
    missing = unique("e2e-missing")
    calls = {
        "get_secret_value": {},
        "describe_secret": {},
        "put_secret_value": {"SecretString": "x"},
        "update_secret": {"Description": "x"},
        "delete_secret": {"RecoveryWindowInDays": 7},
        "restore_secret": {},
        "tag_resource": {"Tags": [{"Key": "a", "Value": "b"}]},
        "untag_resource": {"TagKeys": ["a"]},
        "get_resource_policy": {},
        "update_secret_version_stage": {"VersionStage": "X", "MoveToVersionId": token()},
        "list_secret_version_ids": {},
    }
    for op, kwargs in calls.items():
        with pytest.raises(ClientError) as excinfo:
            getattr(sm, op)(SecretId=missing, **kwargs)
        code, message, status = client_error(excinfo)
        assert (op, code, status) == (op, "ResourceNotFoundException", 400), message
        if op in ("get_secret_value", "describe_secret"):
            assert message == NOT_FOUND
    code, message = endpoint.cli_error(SM, "get-secret-value", "--secret-id", missing)
    assert (code, message) == ("ResourceNotFoundException", NOT_FOUND)


def test_not_found_messages_for_a_version_or_a_stage(sm):
    # moto deviates: it answers ResourceNotFoundException with HTTP 404 (AWS: 400), and for a missing stage it
    # says "Secrets Manager can't find the specified secret." instead of AWS's "... value for staging label: X".
    name = unique("e2e-nf")
    created = sm.create_secret(Name=name, SecretString="x")
    unknown = token()
    with pytest.raises(ClientError) as excinfo:
        sm.get_secret_value(SecretId=name, VersionId=unknown)
    assert client_error(excinfo) == (
        "ResourceNotFoundException", f"Secrets Manager can't find the specified secret value for VersionId: {unknown}",
        400)
    with pytest.raises(ClientError) as excinfo:
        sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert client_error(excinfo) == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS", 400)
    sm.put_secret_value(SecretId=name, SecretString="y")
    with pytest.raises(ClientError) as excinfo:
        sm.get_secret_value(SecretId=name, VersionId=created["VersionId"], VersionStage="AWSCURRENT")
    assert client_error(excinfo) == (
        "InvalidRequestException", "You provided a VersionStage that is not associated to the provided VersionId.", 400)
    # Matching stage and id is fine.
    got = sm.get_secret_value(SecretId=name, VersionId=created["VersionId"], VersionStage="AWSPREVIOUS")
    assert got["SecretString"] == "x"


def test_duplicate_name_is_resource_exists(endpoint, sm):
    name = unique("e2e-dup")
    sm.create_secret(Name=name, SecretString="x")
    with pytest.raises(ClientError) as excinfo:
        sm.create_secret(Name=name, SecretString="y")
    assert client_error(excinfo) == (
        "ResourceExistsException", f"The operation failed because the secret {name} already exists.", 400)
    code, _ = endpoint.cli_error(SM, "create-secret", "--name", name, "--secret-string", "z")
    assert code == "ResourceExistsException"
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "x"


def test_both_string_and_binary_is_refused(sm):
    # moto deviates: it accepts both and stores the string.
    # AWS answers InvalidParameterException ("You can't specify both a binary secret value and a string secret value
    # in the same secret."), as recorded in aws/aws-sdk-java#1556; the spec (§3.2) marks the code unconfirmed.
    name = unique("e2e-both")
    with pytest.raises(ClientError) as excinfo:
        sm.create_secret(Name=name, SecretString="x", SecretBinary=b"x")
    code, message, status = client_error(excinfo)
    assert (code, status) == ("InvalidParameterException", 400), message
    assert "both a binary secret value and a string secret value" in message
    # Nothing was created.
    with pytest.raises(ClientError) as excinfo:
        sm.describe_secret(SecretId=name)
    assert client_error(excinfo)[0] == "ResourceNotFoundException"


def test_invalid_name_is_validation_exception(endpoint, sm):
    # moto deviates: it does not validate secret names.
    expected = ("Invalid name. Must be a valid name containing alphanumeric characters, "
                "or any of the following: -/_+=.@!")
    for bad in ("has space", "star*", "question?"):
        with pytest.raises(ClientError) as excinfo:
            sm.create_secret(Name=f"{unique('e2e')}-{bad}", SecretString="x")
        assert client_error(excinfo) == ("ValidationException", expected, 400), bad
    # The same check runs on SecretId before any lookup.
    with pytest.raises(ClientError) as excinfo:
        sm.get_secret_value(SecretId="no such secret")
    assert client_error(excinfo) == ("ValidationException", expected, 400)
    code, message = endpoint.cli_error(SM, "create-secret", "--name", "bad name", "--secret-string", "x")
    assert (code, message) == ("ValidationException", expected)
    # All the allowed punctuation is fine.
    ok = f"{unique('e2e')}/a_b+c=d.e@f-g"
    assert sm.create_secret(Name=ok, SecretString="x")["Name"] == ok


def test_client_request_token_idempotency(sm):
    name = unique("e2e-token")
    t1 = token()
    first = sm.create_secret(Name=name, SecretString="v1", ClientRequestToken=t1)
    assert first["VersionId"] == t1
    again = sm.create_secret(Name=name, SecretString="v1", ClientRequestToken=t1)
    assert (again["ARN"], again["VersionId"]) == (first["ARN"], t1)
    with pytest.raises(ClientError) as excinfo:
        sm.create_secret(Name=name, SecretString="different", ClientRequestToken=t1)
    assert client_error(excinfo) == (
        "ResourceExistsException",
        f"You can't use ClientRequestToken {t1} because that value is already in use for a version of secret "
        f"{first['ARN']}.", 400)
    # PutSecretValue: same token + same value is a no-op returning the version's current labels.
    t2 = token()
    put = sm.put_secret_value(SecretId=name, SecretString="v2", ClientRequestToken=t2)
    assert (put["VersionId"], put["VersionStages"]) == (t2, ["AWSCURRENT"])
    put_again = sm.put_secret_value(SecretId=name, SecretString="v2", ClientRequestToken=t2)
    assert (put_again["VersionId"], put_again["VersionStages"]) == (t2, ["AWSCURRENT"])
    with pytest.raises(ClientError) as excinfo:
        sm.put_secret_value(SecretId=name, SecretString="other", ClientRequestToken=t2)
    assert client_error(excinfo)[0::2] == ("ResourceExistsException", 400)
    # The no-op did not move labels: v1 is still AWSPREVIOUS.
    assert stages_map(sm.describe_secret(SecretId=name)) == {t1: ["AWSPREVIOUS"], t2: ["AWSCURRENT"]}
    # UpdateSecret: same token + same value succeeds with that version id; a different value is refused.
    t3 = token()
    assert sm.update_secret(SecretId=name, SecretString="v3", ClientRequestToken=t3)["VersionId"] == t3
    assert sm.update_secret(SecretId=name, SecretString="v3", ClientRequestToken=t3)["VersionId"] == t3
    with pytest.raises(ClientError) as excinfo:
        sm.update_secret(SecretId=name, SecretString="v4", ClientRequestToken=t3)
    assert client_error(excinfo)[0::2] == ("ResourceExistsException", 400)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v3"


def test_put_with_explicit_version_stages(sm):
    """The recorded AWS example: custom labels move between the new versions and leave AWSCURRENT alone."""
    # moto deviates: it keeps deprecated (label-less) versions in VersionIdsToStages as empty lists, and its
    # ListSecretVersionIds ignores IncludeDeprecated.
    name = unique("e2e-stages")
    current = sm.create_secret(Name=name, SecretString="current")["VersionId"]
    p1 = sm.put_secret_value(SecretId=name, SecretString="s1", VersionStages=["SAMPLESTAGE0", "SAMPLESTAGE1"])
    assert sorted(p1["VersionStages"]) == ["SAMPLESTAGE0", "SAMPLESTAGE1"]
    p2 = sm.put_secret_value(SecretId=name, SecretString="s2", VersionStages=["SAMPLESTAGE0", "SAMPLESTAGE1"])
    assert stages_map(sm.describe_secret(SecretId=name)) == {
        current: ["AWSCURRENT"], p2["VersionId"]: ["SAMPLESTAGE0", "SAMPLESTAGE1"]}
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "current"
    assert sm.get_secret_value(SecretId=name, VersionStage="SAMPLESTAGE1")["SecretString"] == "s2"
    # A put that moves AWSCURRENT onto a version keeps the other labels; the old current becomes AWSPREVIOUS.
    p3 = sm.put_secret_value(SecretId=name, SecretString="s3", VersionStages=["AWSCURRENT", "PUT1"])
    assert stages_map(sm.describe_secret(SecretId=name)) == {
        current: ["AWSPREVIOUS"], p2["VersionId"]: ["SAMPLESTAGE0", "SAMPLESTAGE1"],
        p3["VersionId"]: ["AWSCURRENT", "PUT1"]}
    # p1 lost every label: deprecated, listed only with IncludeDeprecated and then without VersionStages.
    assert p1["VersionId"] not in versions_by_id(sm.list_secret_version_ids(SecretId=name))
    listing = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)
    assert versions_by_id(listing)[p1["VersionId"]] is None


# ---------------------------------------------------------------------------------------------------------------
# 3. boto3: types, status codes, binary values
# ---------------------------------------------------------------------------------------------------------------

def test_boto3_core_flow_and_types(sm):
    name = unique("e2e-boto3")
    before = utcnow()
    created = sm.create_secret(Name=name, SecretString='{"k": "v"}', Description="from boto3",
                               Tags=[{"Key": "owner", "Value": "e2e"}])
    meta = created["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200
    assert meta["RequestId"]
    got = sm.get_secret_value(SecretId=created["ARN"])
    assert isinstance(got["CreatedDate"], datetime.datetime)
    assert near(got["CreatedDate"], before)
    described = sm.describe_secret(SecretId=name)
    for field in ("CreatedDate", "LastChangedDate"):
        assert isinstance(described[field], datetime.datetime), field
    assert near(described["CreatedDate"], before)
    assert described["Description"] == "from boto3"
    assert described["Tags"] == [{"Key": "owner", "Value": "e2e"}]
    versions = sm.list_secret_version_ids(SecretId=name)["Versions"]
    assert isinstance(versions[0]["CreatedDate"], datetime.datetime)
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"]
    assert [e["ARN"] for e in listed] == [created["ARN"]]
    assert isinstance(listed[0]["CreatedDate"], datetime.datetime)
    assert listed[0]["SecretVersionsToStages"] == {created["VersionId"]: ["AWSCURRENT"]}
    deleted = sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    assert isinstance(deleted["DeletionDate"], datetime.datetime)
    assert near(deleted["DeletionDate"], before + datetime.timedelta(days=7))
    assert isinstance(sm.describe_secret(SecretId=name)["DeletedDate"], datetime.datetime)
    with pytest.raises(ClientError) as excinfo:
        sm.get_secret_value(SecretId=name)
    assert client_error(excinfo)[0::2] == ("InvalidRequestException", 400)
    sm.restore_secret(SecretId=name)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == '{"k": "v"}'


def test_boto3_binary_round_trip(sm):
    name = unique("e2e-bytes")
    data = bytes(range(256)) * 4 + b"\x80\x81\xfe\xff\xc0\xaf"
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    created = sm.create_secret(Name=name, SecretBinary=data)
    got = sm.get_secret_value(SecretId=name)
    assert got["SecretBinary"] == data
    assert "SecretString" not in got
    data2 = b"\x00" * 10 + b"\xff" * 10
    sm.put_secret_value(SecretId=name, SecretBinary=data2)
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == data2
    assert sm.get_secret_value(SecretId=name, VersionId=created["VersionId"])["SecretBinary"] == data
    # A binary secret can later hold a string version and back.
    sm.update_secret(SecretId=name, SecretString="now text")
    now = sm.get_secret_value(SecretId=name)
    assert now["SecretString"] == "now text" and "SecretBinary" not in now
    batch = sm.batch_get_secret_value(SecretIdList=[name])
    assert batch["SecretValues"][0]["SecretString"] == "now text"
    # The largest value AWS allows.
    big = bytes(range(256)) * 256  # 65536 bytes
    sm.put_secret_value(SecretId=name, SecretBinary=big)
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == big


def test_boto3_client_errors_are_http_400(sm):
    # moto deviates: its ResourceNotFoundException is HTTP 404 (AWS: 400).
    name = unique("e2e-400")
    sm.create_secret(Name=name, SecretString="x")
    cases = [
        (lambda: sm.describe_secret(SecretId=unique("e2e-missing")), "ResourceNotFoundException"),
        (lambda: sm.create_secret(Name=name, SecretString="x"), "ResourceExistsException"),
        (lambda: sm.delete_secret(SecretId=name, RecoveryWindowInDays=3), "InvalidParameterException"),
    ]
    for call, expected in cases:
        with pytest.raises(ClientError) as excinfo:
            call()
        code, message, status = client_error(excinfo)
        assert (code, status) == (expected, 400), message
        assert message
        assert excinfo.value.response["ResponseMetadata"]["RequestId"]


def test_boto3_list_secrets_paginator(sm):
    prefix = unique("e2e-pages")
    names = []
    for i in range(5):
        names.append(sm.create_secret(Name=f"{prefix}-{i}", SecretString=str(i))["Name"])
    paginator = sm.get_paginator("list_secrets")
    pages = list(paginator.paginate(Filters=[{"Key": "name", "Values": [prefix]}],
                                    PaginationConfig={"PageSize": 2}))
    seen = [e["Name"] for page in pages for e in page["SecretList"]]
    assert sorted(seen) == names
    assert len(seen) == len(set(seen))
    assert len(pages) >= 3
    assert all(len(page["SecretList"]) <= 2 for page in pages)


def test_boto3_last_changed_date_moves_forward(sm):
    name = unique("e2e-changed")
    sm.create_secret(Name=name, SecretString="x")
    first = sm.describe_secret(SecretId=name)["LastChangedDate"]
    time.sleep(1.1)
    sm.update_secret(SecretId=name, Description="changed")
    second = sm.describe_secret(SecretId=name)["LastChangedDate"]
    time.sleep(1.1)
    sm.put_secret_value(SecretId=name, SecretString="y")
    third = sm.describe_secret(SecretId=name)["LastChangedDate"]
    assert first < second < third


# ---------------------------------------------------------------------------------------------------------------
# 4. aws-secretsmanager-caching
# ---------------------------------------------------------------------------------------------------------------

def test_cache_get_secret_string_and_binary(sm):
    cache = SecretCache(client=sm)
    text_name = unique("e2e-cache")
    bin_name = unique("e2e-cache-bin")
    sm.create_secret(Name=text_name, SecretString="cached text")
    sm.create_secret(Name=bin_name, SecretBinary=b"\x00\xffcached")
    assert cache.get_secret_string(text_name) == "cached text"
    assert cache.get_secret_binary(bin_name) == b"\x00\xffcached"
    assert cache.get_secret_binary(text_name) is None
    assert cache.get_secret_string(bin_name) is None
    # A stage nobody holds yields None rather than an error.
    assert cache.get_secret_string(text_name, "AWSPREVIOUS") is None


def test_cache_serves_the_old_value_until_it_refreshes(sm):
    name = unique("e2e-cache-refresh")
    sm.create_secret(Name=name, SecretString="old")
    # The library schedules the next DescribeSecret at randint(round(interval / 2), interval) seconds; with an
    # interval of 1 that can be 0 s, so use 3 (next refresh 2-3 s away) to make the stale read deterministic.
    cache = SecretCache(config=SecretCacheConfig(secret_refresh_interval=3), client=sm)
    assert cache.get_secret_string(name) == "old"
    sm.put_secret_value(SecretId=name, SecretString="new")
    assert cache.get_secret_string(name) == "old"
    time.sleep(3.2)
    assert cache.get_secret_string(name) == "new"
    # The previous version is fetched by VersionId alone.
    assert cache.get_secret_string(name, "AWSPREVIOUS") == "old"


def test_cache_decorators(sm):
    plain = unique("e2e-deco")
    keyed = unique("e2e-deco-json")
    sm.create_secret(Name=plain, SecretString="the token")
    sm.create_secret(Name=keyed, SecretString=json.dumps({"username": "app", "password": "hunter2"}))
    cache = SecretCache(client=sm)

    @InjectSecretString(plain, cache)
    def use_token(secret, suffix):
        return f"{secret}{suffix}"

    @InjectKeywordedSecretString(keyed, cache, user="username", pw="password")
    def connect(user, pw, host="db"):
        return f"{user}:{pw}@{host}"

    assert use_token("!") == "the token!"
    assert connect() == "app:hunter2@db"
    assert connect(host="other") == "app:hunter2@other"

    @InjectKeywordedSecretString(keyed, cache, user="no-such-key")
    def broken(user):
        return user

    with pytest.raises(RuntimeError):
        broken()


def test_cache_missing_secret_raises_resource_not_found(sm):
    cache = SecretCache(client=sm)
    with pytest.raises(ClientError) as excinfo:
        cache.get_secret_string(unique("e2e-cache-missing"))
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
