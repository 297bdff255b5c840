"""IAM Roles Anywhere end to end: the control plane with the real `aws rolesanywhere` CLI and boto3.

Expectations are AWS's behaviour (the `rolesanywhere` 2018-05-10 model). The `endpoint` fixture (sm_helpers.py)
runs a fresh `strongroom dev`.
"""

import os
import re

import pytest
from botocore.exceptions import ClientError

from sm_helpers import client_error, endpoint, unique  # noqa: F401

RA = "rolesanywhere"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# A real CA certificate: trust-anchor bundles are parsed when stored.
with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "ca.pem")) as _f:
    PEM = _f.read()


def test_cli_trust_anchor_lifecycle(endpoint):
    ra = endpoint.client(RA)
    created = ra.create_trust_anchor(
        name="edge fleet",
        source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": PEM}},
        enabled=True,
        tags=[{"key": "team", "value": "ops"}],
    )["trustAnchor"]
    anchor_id = created["trustAnchorId"]
    assert re.fullmatch(UUID, anchor_id)
    assert created["trustAnchorArn"] == f"arn:aws:rolesanywhere:{endpoint.region}:{created['trustAnchorArn'].split(':')[4]}:trust-anchor/{anchor_id}"
    assert {s["event"] for s in created["notificationSettings"]} == {"CA_CERTIFICATE_EXPIRY", "END_ENTITY_CERTIFICATE_EXPIRY"}

    got = endpoint.cli(RA, "get-trust-anchor", "--trust-anchor-id", anchor_id)["trustAnchor"]
    assert got["name"] == "edge fleet" and got["enabled"] is True
    disabled = endpoint.cli(RA, "disable-trust-anchor", "--trust-anchor-id", anchor_id)["trustAnchor"]
    assert disabled["enabled"] is False
    listed = endpoint.cli(RA, "list-trust-anchors")["trustAnchors"]
    assert [a["trustAnchorId"] for a in listed] == [anchor_id]
    tags = endpoint.cli(RA, "list-tags-for-resource", "--resource-arn", created["trustAnchorArn"])["tags"]
    assert tags == [{"key": "team", "value": "ops"}]
    endpoint.cli(RA, "delete-trust-anchor", "--trust-anchor-id", anchor_id)
    code, _ = endpoint.cli_error(RA, "get-trust-anchor", "--trust-anchor-id", anchor_id)
    assert code == "ResourceNotFoundException"


def test_cli_profiles_and_mappings(endpoint):
    account = endpoint.client("sts").get_caller_identity()["Account"]
    role = f"arn:aws:iam::{account}:role/workload"
    profile = endpoint.cli(RA, "create-profile", "--name", "workloads", "--role-arns", role,
                           "--duration-seconds", "1800", "--enabled")["profile"]
    assert profile["roleArns"] == [role] and profile["durationSeconds"] == 1800
    fields = {m["certificateField"] for m in profile["attributeMappings"]}
    assert fields == {"x509Subject", "x509Issuer", "x509SAN"}
    mapped = endpoint.cli(RA, "put-attribute-mapping", "--profile-id", profile["profileId"],
                          "--certificate-field", "x509Subject", "--mapping-rules", "specifier=CN")["profile"]
    subject = [m for m in mapped["attributeMappings"] if m["certificateField"] == "x509Subject"][0]
    assert subject["mappingRules"] == [{"specifier": "CN"}]
    code, message = endpoint.cli_error(RA, "create-profile", "--name", "bad/name", "--role-arns", role)
    assert code == "ValidationException", message
    endpoint.cli(RA, "delete-profile", "--profile-id", profile["profileId"])


def test_boto3_crls_and_errors(endpoint):
    ra = endpoint.client(RA)
    anchor = ra.create_trust_anchor(
        name="a", source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": PEM}}
    )["trustAnchor"]
    with pytest.raises(ClientError) as excinfo:
        ra.import_crl(name="c", crlData=b"not a crl", trustAnchorArn=anchor["trustAnchorArn"].replace("trust-anchor", "profile"))
    assert client_error(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        ra.get_subject(subjectId="00000000-0000-4000-8000-000000000000")
    assert client_error(excinfo)[0] == "ResourceNotFoundException"
    assert ra.list_subjects()["subjects"] == []
