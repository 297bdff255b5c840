"""KMS end to end with the real `aws` CLI and boto3, and the rule that ties Secrets Manager to a customer key.

Expectations are AWS's behaviour. The `endpoint` fixture (sm_helpers.py) runs a fresh `strongroom dev`, or the
endpoint named by E2E_ENDPOINT. Tests marked `# moto deviates:` are known to fail against moto for that reason.
"""

import base64
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from sm_helpers import client_error, endpoint, kms, sm, unique  # noqa: F401

KMS = "kms"
SM = "secretsmanager"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _key_with_alias(endpoint, description="e2e key"):
    key = endpoint.cli(KMS, "create-key", "--description", description)["KeyMetadata"]
    alias = f"alias/{unique('e2e')}"
    out = endpoint.aws(KMS, "create-alias", "--alias-name", alias, "--target-key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    return key, alias


def _key_state(endpoint, key_id):
    return endpoint.cli(KMS, "describe-key", "--key-id", key_id)["KeyMetadata"]["KeyState"]


def test_cli_create_key_describe_and_alias(endpoint):
    created = endpoint.cli(KMS, "create-key", "--description", "e2e key",
                           "--tags", "TagKey=purpose,TagValue=e2e")["KeyMetadata"]
    assert re.fullmatch(UUID, created["KeyId"]), created
    assert re.fullmatch(rf"arn:aws:kms:{endpoint.region}:\d{{12}}:key/{created['KeyId']}", created["Arn"])
    assert created["AWSAccountId"] == created["Arn"].split(":")[4]
    assert created["Description"] == "e2e key"
    assert created["Enabled"] is True
    assert created["KeyState"] == "Enabled"
    assert created["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert created["Origin"] == "AWS_KMS"
    assert created["KeyManager"] == "CUSTOMER"
    assert "CreationDate" in created
    assert created["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    # (KeyUsage is checked in test_boto3_response_fields_match_aws.)
    alias = f"alias/{unique('e2e')}"
    out = endpoint.aws(KMS, "create-alias", "--alias-name", alias, "--target-key-id", created["KeyId"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
    alias_arn = f"arn:aws:kms:{endpoint.region}:{created['AWSAccountId']}:{alias}"
    for key_id in (created["KeyId"], created["Arn"], alias, alias_arn):
        described = endpoint.cli(KMS, "describe-key", "--key-id", key_id)["KeyMetadata"]
        assert (described["KeyId"], described["Arn"]) == (created["KeyId"], created["Arn"]), key_id
    aliases = endpoint.cli(KMS, "list-aliases", "--key-id", created["KeyId"])["Aliases"]
    assert [(a["AliasName"], a["AliasArn"], a["TargetKeyId"]) for a in aliases] == [
        (alias, alias_arn, created["KeyId"])]
    # An alias name is unique.
    code, _ = endpoint.cli_error(KMS, "create-alias", "--alias-name", alias, "--target-key-id", created["KeyId"])
    assert code == "AlreadyExistsException"
    # Unknown keys and aliases.
    for missing in ("11111111-2222-3333-4444-555555555555", f"alias/{unique('e2e-missing')}"):
        code, _ = endpoint.cli_error(KMS, "describe-key", "--key-id", missing)
        assert code == "NotFoundException", missing


def test_cli_encrypt_decrypt_with_an_encryption_context(endpoint):
    key, alias = _key_with_alias(endpoint)
    plaintext = b"attack at dawn \x00\xff"
    plain_path = endpoint.write_file("plain.bin", plaintext)
    encrypted = endpoint.cli(KMS, "encrypt", "--key-id", alias, "--plaintext", f"fileb://{plain_path}",
                             "--encryption-context", "purpose=e2e,tenant=acme")
    assert encrypted["KeyId"] == key["Arn"]
    blob = base64.b64decode(encrypted["CiphertextBlob"])
    assert plaintext not in blob
    blob_path = endpoint.write_file("cipher.bin", blob)
    # Decrypt finds the key from the ciphertext; the context must match exactly (order does not matter).
    decrypted = endpoint.cli(KMS, "decrypt", "--ciphertext-blob", f"fileb://{blob_path}",
                             "--encryption-context", "tenant=acme,purpose=e2e")
    assert base64.b64decode(decrypted["Plaintext"]) == plaintext
    assert decrypted["KeyId"] == key["Arn"]
    out = endpoint.aws(KMS, "decrypt", "--ciphertext-blob", f"fileb://{blob_path}", "--encryption-context",
                       "purpose=e2e,tenant=acme", "--key-id", key["KeyId"], "--query", "Plaintext", "--output", "text")
    assert out.returncode == 0, out.stderr
    assert base64.b64decode(out.stdout.strip()) == plaintext
    for wrong in (["--encryption-context", "purpose=e2e,tenant=other"], ["--encryption-context", "purpose=e2e"], []):
        code, _ = endpoint.cli_error(KMS, "decrypt", "--ciphertext-blob", f"fileb://{blob_path}", *wrong)
        assert code == "InvalidCiphertextException", wrong
    # A damaged ciphertext is refused the same way.
    damaged = bytearray(blob)
    damaged[-1] ^= 0x01
    damaged_path = endpoint.write_file("damaged.bin", bytes(damaged))
    code, _ = endpoint.cli_error(KMS, "decrypt", "--ciphertext-blob", f"fileb://{damaged_path}",
                                 "--encryption-context", "purpose=e2e,tenant=acme")
    assert code == "InvalidCiphertextException"


def test_boto3_encrypt_decrypt_and_generate_data_key(kms):
    key = kms.create_key(Description="e2e boto3")["KeyMetadata"]
    context = {"app": "e2e", "n": "1"}
    data = bytes(range(256))
    encrypted = kms.encrypt(KeyId=key["KeyId"], Plaintext=data, EncryptionContext=context)
    assert encrypted["ResponseMetadata"]["HTTPStatusCode"] == 200
    decrypted = kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"], EncryptionContext=context)
    assert decrypted["Plaintext"] == data
    assert decrypted["KeyId"] == key["Arn"]
    with pytest.raises(ClientError) as excinfo:
        kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"], EncryptionContext={"app": "e2e", "n": "2"})
    code, _, status = client_error(excinfo)
    assert (code, status) == ("InvalidCiphertextException", 400)
    # Two encryptions of the same plaintext differ (random IV).
    again = kms.encrypt(KeyId=key["KeyId"], Plaintext=data, EncryptionContext=context)
    assert again["CiphertextBlob"] != encrypted["CiphertextBlob"]
    # Data keys.
    dk = kms.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256", EncryptionContext=context)
    assert len(dk["Plaintext"]) == 32
    assert dk["KeyId"] == key["Arn"]
    assert kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=context)["Plaintext"] == dk["Plaintext"]
    assert len(kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_128")["Plaintext"]) == 16
    assert len(kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=64)["Plaintext"]) == 64
    without = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_256")
    assert "Plaintext" not in without
    assert len(kms.decrypt(CiphertextBlob=without["CiphertextBlob"])["Plaintext"]) == 32
    # Unknown key: NotFoundException, HTTP 400.
    with pytest.raises(ClientError) as excinfo:
        kms.encrypt(KeyId="11111111-2222-3333-4444-555555555555", Plaintext=b"x")
    code, _, status = client_error(excinfo)
    assert (code, status) == ("NotFoundException", 400)


def test_cli_a_disabled_or_pending_deletion_key_refuses_use(endpoint):
    # moto deviates: it encrypts, decrypts and generates data keys with a disabled or pending-deletion key.
    key, alias = _key_with_alias(endpoint)
    path = endpoint.write_file("p.bin", b"hello")
    blob = base64.b64decode(endpoint.cli(KMS, "encrypt", "--key-id", alias,
                                         "--plaintext", f"fileb://{path}")["CiphertextBlob"])
    blob_path = endpoint.write_file("c.bin", blob)
    out = endpoint.aws(KMS, "disable-key", "--key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    described = endpoint.cli(KMS, "describe-key", "--key-id", alias)["KeyMetadata"]
    assert (described["Enabled"], described["KeyState"]) == (False, "Disabled")
    code, _ = endpoint.cli_error(KMS, "encrypt", "--key-id", alias, "--plaintext", f"fileb://{path}")
    assert code == "DisabledException"
    code, _ = endpoint.cli_error(KMS, "decrypt", "--ciphertext-blob", f"fileb://{blob_path}")
    assert code == "DisabledException"
    code, _ = endpoint.cli_error(KMS, "generate-data-key", "--key-id", alias, "--key-spec", "AES_256")
    assert code == "DisabledException"
    out = endpoint.aws(KMS, "enable-key", "--key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    described = endpoint.cli(KMS, "describe-key", "--key-id", key["KeyId"])["KeyMetadata"]
    assert (described["Enabled"], described["KeyState"]) == (True, "Enabled")
    decrypted = endpoint.cli(KMS, "decrypt", "--ciphertext-blob", f"fileb://{blob_path}")
    assert base64.b64decode(decrypted["Plaintext"]) == b"hello"
    # Pending deletion: KMSInvalidStateException, for encrypt and decrypt alike.
    endpoint.cli(KMS, "schedule-key-deletion", "--key-id", key["KeyId"], "--pending-window-in-days", "7")
    code, _ = endpoint.cli_error(KMS, "encrypt", "--key-id", alias, "--plaintext", f"fileb://{path}")
    assert code == "KMSInvalidStateException"
    code, _ = endpoint.cli_error(KMS, "decrypt", "--ciphertext-blob", f"fileb://{blob_path}")
    assert code == "KMSInvalidStateException"
    endpoint.cli(KMS, "cancel-key-deletion", "--key-id", key["KeyId"])
    endpoint.aws(KMS, "enable-key", "--key-id", key["KeyId"])
    decrypted = endpoint.cli(KMS, "decrypt", "--ciphertext-blob", f"fileb://{blob_path}")
    assert base64.b64decode(decrypted["Plaintext"]) == b"hello"


def test_cli_disable_and_enable_key_state(endpoint):
    key, alias = _key_with_alias(endpoint)
    out = endpoint.aws(KMS, "disable-key", "--key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
    described = endpoint.cli(KMS, "describe-key", "--key-id", alias)["KeyMetadata"]
    assert (described["Enabled"], described["KeyState"]) == (False, "Disabled")
    # EnableKey/DisableKey take a key id or key ARN, not an alias (the ARN form: test_boto3_response_fields_match_aws).
    out = endpoint.aws(KMS, "enable-key", "--key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    described = endpoint.cli(KMS, "describe-key", "--key-id", key["KeyId"])["KeyMetadata"]
    assert (described["Enabled"], described["KeyState"]) == (True, "Enabled")


def test_boto3_response_fields_match_aws(kms):
    # moto deviates: KeyMetadata has no KeyUsage, Encrypt/Decrypt have no EncryptionAlgorithm,
    # Schedule/CancelKeyDeletion answer the bare key id instead of the key ARN (and omit KeyState and
    # PendingWindowInDays), and Enable/DisableKey given a key ARN crash (HTTP 500).
    key = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    kms.enable_key(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    assert key["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyUsage"] == "ENCRYPT_DECRYPT"
    encrypted = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert encrypted["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert kms.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    scheduled = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert (scheduled["KeyId"], scheduled["KeyState"], scheduled["PendingWindowInDays"]) == (
        key["Arn"], "PendingDeletion", 7)
    assert kms.cancel_key_deletion(KeyId=key["KeyId"])["KeyId"] == key["Arn"]


def test_cli_schedule_and_cancel_key_deletion(endpoint):
    key, alias = _key_with_alias(endpoint)
    path = endpoint.write_file("p.bin", b"hello")
    scheduled = endpoint.cli(KMS, "schedule-key-deletion", "--key-id", key["KeyId"], "--pending-window-in-days", "7")
    assert scheduled["KeyId"].endswith(key["KeyId"])  # the key ARN on AWS (test_boto3_response_fields_match_aws)
    assert abs(float(scheduled["DeletionDate"]) - (time.time() + 7 * 86400)) < 86400 + 300
    described = endpoint.cli(KMS, "describe-key", "--key-id", key["KeyId"])["KeyMetadata"]
    assert (described["Enabled"], described["KeyState"]) == (False, "PendingDeletion")
    assert "DeletionDate" in described
    cancelled = endpoint.cli(KMS, "cancel-key-deletion", "--key-id", key["KeyId"])
    assert cancelled["KeyId"].endswith(key["KeyId"])
    # A cancelled deletion leaves the key disabled until it is enabled again.
    described = endpoint.cli(KMS, "describe-key", "--key-id", key["KeyId"])["KeyMetadata"]
    assert (described["Enabled"], described["KeyState"]) == (False, "Disabled")
    assert "DeletionDate" not in described
    endpoint.aws(KMS, "enable-key", "--key-id", key["KeyId"])
    assert _key_state(endpoint, key["KeyId"]) == "Enabled"
    assert endpoint.cli(KMS, "encrypt", "--key-id", alias, "--plaintext", f"fileb://{path}")["KeyId"] == key["Arn"]


def test_secret_under_a_customer_key_follows_the_key_state(endpoint):
    # moto deviates: its Secrets Manager never calls KMS, so a disabled key does not stop reads or writes.
    key, alias = _key_with_alias(endpoint, "e2e secret key")
    name = unique("e2e-cmk-secret")
    created = endpoint.cli(SM, "create-secret", "--name", name, "--secret-string", json.dumps({"pw": "one"}),
                           "--kms-key-id", alias)
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == json.dumps({"pw": "one"})
    described = endpoint.cli(SM, "describe-secret", "--secret-id", name)
    account = key["Arn"].split(":")[4]
    assert described["KmsKeyId"] in (alias, f"arn:aws:kms:{endpoint.region}:{account}:{alias}",
                                     key["KeyId"], key["Arn"]), described
    out = endpoint.aws(KMS, "disable-key", "--key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    code, _ = endpoint.cli_error(SM, "get-secret-value", "--secret-id", name)
    assert code == "DecryptionFailure"
    code, _ = endpoint.cli_error(SM, "put-secret-value", "--secret-id", name, "--secret-string", "two")
    assert code == "EncryptionFailure"
    # Metadata does not need the key.
    assert endpoint.cli(SM, "describe-secret", "--secret-id", name)["ARN"] == created["ARN"]
    # The failed put created no version.
    assert list(endpoint.cli(SM, "describe-secret", "--secret-id", name)["VersionIdsToStages"]) == [
        created["VersionId"]]
    out = endpoint.aws(KMS, "enable-key", "--key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == json.dumps({"pw": "one"})
    endpoint.cli(SM, "put-secret-value", "--secret-id", name, "--secret-string", "two")
    assert endpoint.cli(SM, "get-secret-value", "--secret-id", name)["SecretString"] == "two"


def test_boto3_disabled_key_surfaces_in_batch_get_errors(endpoint, kms, sm):
    # moto deviates: its Secrets Manager never calls KMS, so a disabled key does not stop reads.
    key = kms.create_key(Description="e2e batch key")["KeyMetadata"]
    prefix = unique("e2e-cmk-batch")
    sm.create_secret(Name=f"{prefix}-cmk", SecretString="under cmk", KmsKeyId=key["Arn"])
    sm.create_secret(Name=f"{prefix}-default", SecretString="under default key")
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as excinfo:
        sm.get_secret_value(SecretId=f"{prefix}-cmk")
    assert client_error(excinfo)[0::2] == ("DecryptionFailure", 400)
    with pytest.raises(ClientError) as excinfo:
        sm.update_secret(SecretId=f"{prefix}-cmk", SecretString="new")
    assert client_error(excinfo)[0::2] == ("EncryptionFailure", 400)
    batch = sm.batch_get_secret_value(SecretIdList=[f"{prefix}-cmk", f"{prefix}-default"])
    assert [v["Name"] for v in batch["SecretValues"]] == [f"{prefix}-default"]
    assert [(e["SecretId"], e["ErrorCode"]) for e in batch["Errors"]] == [(f"{prefix}-cmk", "DecryptionFailure")]
    kms.enable_key(KeyId=key["KeyId"])
    assert sm.get_secret_value(SecretId=f"{prefix}-cmk")["SecretString"] == "under cmk"


def _encrypt_to_file(endpoint, key_id, plaintext, name, *extra):
    """Encrypts `plaintext` with the aws CLI and writes the ciphertext blob to a scratch file; returns its path."""
    plain_path = endpoint.write_file(f"{name}.plain", plaintext)
    encrypted = endpoint.cli(KMS, "encrypt", "--key-id", key_id, "--plaintext", f"fileb://{plain_path}", *extra)
    return endpoint.write_file(name, base64.b64decode(encrypted["CiphertextBlob"]))


def test_cli_key_rotation_enable_status_on_demand_and_disable(endpoint):
    key, alias = _key_with_alias(endpoint)
    status = endpoint.cli(KMS, "get-key-rotation-status", "--key-id", key["KeyId"])
    assert status["KeyRotationEnabled"] is False
    assert "RotationPeriodInDays" not in status and "NextRotationDate" not in status
    old_path = _encrypt_to_file(endpoint, alias, b"before", "before-rotation.bin")

    out = endpoint.aws(KMS, "enable-key-rotation", "--key-id", key["KeyId"], "--rotation-period-in-days", "180")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
    status = endpoint.cli(KMS, "get-key-rotation-status", "--key-id", key["Arn"])
    assert status["KeyRotationEnabled"] is True
    assert status["RotationPeriodInDays"] == 180
    assert "NextRotationDate" in status
    # AWS's bounds on the period are 90 to 2560 days; the CLI checks them itself, so ask past it.
    unchecked = endpoint.client(KMS, parameter_validation=False)
    for days in (89, 2561):
        with pytest.raises(ClientError) as excinfo:
            unchecked.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=days)
        assert client_error(excinfo)[0] == "ValidationException", days
    assert endpoint.cli(KMS, "get-key-rotation-status", "--key-id", key["KeyId"])["RotationPeriodInDays"] == 180

    rotated = endpoint.cli(KMS, "rotate-key-on-demand", "--key-id", key["KeyId"])
    assert rotated["KeyId"] in (key["KeyId"], key["Arn"]), rotated
    # After the rotation, new ciphertexts use the new material and the old ones still decrypt.
    new_path = _encrypt_to_file(endpoint, alias, b"after", "after-rotation.bin")
    for path, plaintext in ((old_path, b"before"), (new_path, b"after")):
        decrypted = endpoint.cli(KMS, "decrypt", "--ciphertext-blob", f"fileb://{path}")
        assert base64.b64decode(decrypted["Plaintext"]) == plaintext
        assert decrypted["KeyId"] == key["Arn"]

    out = endpoint.aws(KMS, "disable-key-rotation", "--key-id", key["KeyId"])
    assert out.returncode == 0, out.stderr
    assert endpoint.cli(KMS, "get-key-rotation-status", "--key-id", key["KeyId"])["KeyRotationEnabled"] is False

    # A disabled key can be neither scheduled for rotation nor rotated.
    assert endpoint.aws(KMS, "disable-key", "--key-id", key["KeyId"]).returncode == 0
    for args in (["enable-key-rotation"], ["rotate-key-on-demand"]):
        code, _ = endpoint.cli_error(KMS, *args, "--key-id", key["KeyId"])
        assert code == "DisabledException", args
    code, _ = endpoint.cli_error(KMS, "rotate-key-on-demand", "--key-id", "11111111-2222-3333-4444-555555555555")
    assert code == "NotFoundException"


def test_cli_tag_list_and_untag_a_key(endpoint):
    key = endpoint.cli(KMS, "create-key", "--tags", "TagKey=purpose,TagValue=e2e")["KeyMetadata"]

    def tags(*extra):
        # --no-paginate: the CLI would otherwise follow the markers itself and hide Truncated.
        listed = endpoint.cli(KMS, "list-resource-tags", "--no-paginate", "--key-id", key["KeyId"], *extra)
        return {t["TagKey"]: t["TagValue"] for t in listed["Tags"]}, listed

    assert tags()[0] == {"purpose": "e2e"}
    out = endpoint.aws(KMS, "tag-resource", "--key-id", key["Arn"],
                       "--tags", "TagKey=team,TagValue=blue", "TagKey=purpose,TagValue=changed")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
    everything, listed = tags()
    assert everything == {"purpose": "changed", "team": "blue"}
    assert listed["Truncated"] is False

    # Pages of one.
    first, listed = tags("--limit", "1")
    assert len(first) == 1 and listed["Truncated"] is True
    second, listed = tags("--limit", "1", "--marker", listed["NextMarker"])
    assert listed["Truncated"] is False
    assert {**first, **second} == everything

    out = endpoint.aws(KMS, "untag-resource", "--key-id", key["KeyId"], "--tag-keys", "team")
    assert out.returncode == 0, out.stderr
    assert tags()[0] == {"purpose": "changed"}
    # Keys beginning with aws: are AWS's.
    code, _ = endpoint.cli_error(KMS, "tag-resource", "--key-id", key["KeyId"], "--tags", "TagKey=aws:x,TagValue=y")
    assert code == "TagException"


def test_cli_re_encrypt_moves_a_ciphertext_to_another_key_and_context(endpoint):
    source, _ = _key_with_alias(endpoint, "re-encrypt source")
    destination, destination_alias = _key_with_alias(endpoint, "re-encrypt destination")
    blob_path = _encrypt_to_file(endpoint, source["KeyId"], b"moving day", "re-encrypt-source.bin",
                                 "--encryption-context", "purpose=e2e")

    moved = endpoint.cli(KMS, "re-encrypt", "--ciphertext-blob", f"fileb://{blob_path}",
                         "--source-encryption-context", "purpose=e2e",
                         "--destination-key-id", destination_alias,
                         "--destination-encryption-context", "purpose=moved")
    assert moved["SourceKeyId"] == source["Arn"]
    assert moved["KeyId"] == destination["Arn"]
    assert moved["SourceEncryptionAlgorithm"] == moved["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    moved_path = endpoint.write_file("re-encrypt-moved.bin", base64.b64decode(moved["CiphertextBlob"]))
    decrypted = endpoint.cli(KMS, "decrypt", "--ciphertext-blob", f"fileb://{moved_path}",
                             "--encryption-context", "purpose=moved")
    assert base64.b64decode(decrypted["Plaintext"]) == b"moving day"
    assert decrypted["KeyId"] == destination["Arn"]
    # The new ciphertext is bound to the new context only; the source needs its own.
    code, _ = endpoint.cli_error(KMS, "decrypt", "--ciphertext-blob", f"fileb://{moved_path}",
                                 "--encryption-context", "purpose=e2e")
    assert code == "InvalidCiphertextException"
    code, _ = endpoint.cli_error(KMS, "re-encrypt", "--ciphertext-blob", f"fileb://{blob_path}",
                                 "--source-encryption-context", "purpose=wrong",
                                 "--destination-key-id", destination["KeyId"])
    assert code == "InvalidCiphertextException"
    # Naming the wrong source key is refused too.
    code, _ = endpoint.cli_error(KMS, "re-encrypt", "--ciphertext-blob", f"fileb://{blob_path}",
                                 "--source-encryption-context", "purpose=e2e", "--source-key-id",
                                 destination["KeyId"], "--destination-key-id", destination["KeyId"])
    assert code == "IncorrectKeyException"
