"""The seed's Roles Anywhere flow end to end over HTTPS: a workload with no AWS credentials holds a certificate
from the organisation's CA, trades it for a role session through CreateSession, and then reaches exactly what
its role allows. Set up with the real `aws` CLI; credentials obtained by Strongroom's `aws_signing_helper`-
compatible helper (as a `credential_process`) and by the third-party PyPI client `iam-rolesanywhere-session`.
"""

import datetime
import json
import os
import subprocess

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from iam_rolesanywhere_session import IAMRolesAnywhereSession

from conftest import BIN, DevServer
from sm_helpers import Endpoint
from test_pca import PCA, _active_root

HELPER = os.environ.get("STRONGROOM_SIGNING_HELPER_BIN", "strongroom-signing-helper")


@pytest.fixture
def tls_endpoint(data_dir):
    server = DevServer(data_dir, tls=True).start()
    scratch = os.path.join(data_dir, "e2e-scratch")
    os.makedirs(scratch, exist_ok=True)
    yield Endpoint(server.exports, scratch, server=server)
    server.stop()


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(key_type):
    """A root CA and a client certificate under it, as an organisation's PKI would issue them."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_cert = (x509.CertificateBuilder()
               .subject_name(_name("Example Root CA")).issuer_name(_name("Example Root CA"))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if key_type == "rsa" \
        else ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(_name("e2e-workload")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return {
        "ca_pem": ca_cert.public_bytes(pem),
        "cert_pem": cert.public_bytes(pem),
        "key_pem": key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        "serial_hex": format(cert.serial_number, "x"),
    }


def bundle_source(pki):
    return {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": pki["ca_pem"].decode()}}


def set_up(ep, source):
    """Trust anchor, role (the seed's trust policy) and profile with the aws CLI; a secret the role may read and
    one it may not."""
    anchor = ep.cli("rolesanywhere", "create-trust-anchor", "--name", "example-root", "--enabled",
                    "--source", json.dumps(source))
    anchor_arn = anchor["trustAnchor"]["trustAnchorArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        "Condition": {"ArnEquals": {"aws:SourceArn": anchor_arn},
                      "StringEquals": {"aws:PrincipalTag/x509Subject/CN": "e2e-workload"}}}]}
    role = ep.cli("iam", "create-role", "--role-name", "e2e-workload",
                  "--assume-role-policy-document", json.dumps(trust))
    role_arn = role["Role"]["Arn"]
    allowed = ep.cli("secretsmanager", "create-secret", "--name", "e2e/allowed", "--secret-string", "s3cr3t")
    ep.cli("secretsmanager", "create-secret", "--name", "e2e/forbidden", "--secret-string", "nope")
    ep.cli("iam", "put-role-policy", "--role-name", "e2e-workload", "--policy-name", "read-one",
           "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [{
               "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": allowed["ARN"]}]}))
    profile = ep.cli("rolesanywhere", "create-profile", "--name", "e2e", "--enabled", "--role-arns", role_arn)
    return anchor_arn, profile["profile"]["profileArn"], role_arn


def credential_process_env(ep, cert, key, anchor_arn, profile_arn, role_arn):
    """A workload's environment whose only credentials come from the signing helper as credential_process."""
    process = " ".join([HELPER, "credential-process", "--certificate", cert, "--private-key", key,
                        "--trust-anchor-arn", anchor_arn, "--profile-arn", profile_arn, "--role-arn", role_arn,
                        "--endpoint", ep.url])
    config_file = ep.write_file("config", f"[default]\ncredential_process = {process}\n".encode())
    return workload_env(ep, config_file)


def run_aws(env, *args):
    return subprocess.run(["aws", *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120)


def workload_env(ep, config_file):
    """The environment of a workload that has no AWS credentials, only the endpoint and the CA bundle."""
    env = ep.env(AWS_CONFIG_FILE=config_file)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(key, None)
    return env


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_signing_helper_as_credential_process(tls_endpoint, key_type):
    ep = tls_endpoint
    pki = make_pki(key_type)
    anchor_arn, profile_arn, role_arn = set_up(ep, bundle_source(pki))
    cert = ep.write_file("workload.pem", pki["cert_pem"])
    key = ep.write_file("workload.key", pki["key_pem"])
    os.chmod(key, 0o600)

    no_config = os.path.join(ep.scratch_dir, "empty-config")
    open(no_config, "w").close()
    out = subprocess.run(["aws", "sts", "get-caller-identity"], env=workload_env(ep, no_config),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "Unable to locate credentials" in out.stderr, out.stderr

    env = credential_process_env(ep, cert, key, anchor_arn, profile_arn, role_arn)

    def aws(*args):
        return run_aws(env, *args)

    me = aws("sts", "get-caller-identity")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["Arn"].endswith(f":assumed-role/e2e-workload/{pki['serial_hex']}")
    value = aws("secretsmanager", "get-secret-value", "--secret-id", "e2e/allowed")
    assert value.returncode == 0, value.stderr
    assert json.loads(value.stdout)["SecretString"] == "s3cr3t"
    denied = aws("secretsmanager", "get-secret-value", "--secret-id", "e2e/forbidden")
    assert denied.returncode != 0 and "AccessDeniedException" in denied.stderr, denied.stderr

    # The subject is recorded with the certificate it used.
    subjects = ep.cli("rolesanywhere", "list-subjects")["subjects"]
    assert any("CN=e2e-workload" in s["x509Subject"] for s in subjects), subjects


def test_iam_rolesanywhere_session_client(tls_endpoint):
    ep = tls_endpoint
    pki = make_pki("ec")
    anchor_arn, profile_arn, role_arn = set_up(ep, bundle_source(pki))
    host = ep.url.removeprefix("https://").rstrip("/")
    session = IAMRolesAnywhereSession(
        profile_arn=profile_arn, role_arn=role_arn, trust_anchor_arn=anchor_arn,
        certificate=pki["cert_pem"], private_key=pki["key_pem"], region=ep.region,
        endpoint=host, verify=ep.exports["AWS_CA_BUNDLE"], session_duration=900,
    ).get_session()
    sm = session.client("secretsmanager", endpoint_url=ep.url)
    assert sm.get_secret_value(SecretId="e2e/allowed")["SecretString"] == "s3cr3t"
    with pytest.raises(ClientError) as err:
        sm.get_secret_value(SecretId="e2e/forbidden")
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    sts = session.client("sts", endpoint_url=ep.url)
    assert ":assumed-role/e2e-workload/" in sts.get_caller_identity()["Arn"]

    # A certificate from another CA gets nothing.
    stranger = make_pki("ec")
    refused = IAMRolesAnywhereSession(
        profile_arn=profile_arn, role_arn=role_arn, trust_anchor_arn=anchor_arn,
        certificate=stranger["cert_pem"], private_key=stranger["key_pem"], region=ep.region,
        endpoint=host, verify=ep.exports["AWS_CA_BUNDLE"],
    ).get_session()
    with pytest.raises(Exception) as err:
        refused.client("sts", endpoint_url=ep.url).get_caller_identity()
    assert "Untrusted Signing Certificate" in str(err.value) or "403" in str(err.value), err.value


def test_seed_flow_with_a_strongroom_ca_and_revocation(tls_endpoint):
    """The seed's flow: create a CA, issue a workload certificate from it, trust the CA (AWS_ACM_PCA), and trade
    the certificate for credentials with the helper; revoking the certificate ends that at once."""
    ep = tls_endpoint
    ca_arn, _root = _active_root(ep)
    cert = os.path.join(ep.scratch_dir, "workload.pem")
    key = os.path.join(ep.scratch_dir, "workload.key")
    out = subprocess.run([BIN, "pca", "issue", "--ca-arn", ca_arn, "--common-name", "e2e-workload",
                          "--cert-out", cert, "--key-out", key, "--chain-out",
                          os.path.join(ep.scratch_dir, "chain.pem")],
                         env=ep.env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    anchor_arn, profile_arn, role_arn = set_up(ep, {"sourceType": "AWS_ACM_PCA",
                                                    "sourceData": {"acmPcaArn": ca_arn}})
    env = credential_process_env(ep, cert, key, anchor_arn, profile_arn, role_arn)
    me = run_aws(env, "sts", "get-caller-identity")
    assert me.returncode == 0, me.stderr
    assert ":assumed-role/e2e-workload/" in json.loads(me.stdout)["Arn"]
    value = run_aws(env, "secretsmanager", "get-secret-value", "--secret-id", "e2e/allowed")
    assert value.returncode == 0, value.stderr
    denied = run_aws(env, "secretsmanager", "get-secret-value", "--secret-id", "e2e/forbidden")
    assert denied.returncode != 0 and "AccessDeniedException" in denied.stderr, denied.stderr

    with open(cert, "rb") as f:
        serial = format(x509.load_pem_x509_certificate(f.read()).serial_number, "x")
    ep.cli(PCA, "revoke-certificate", "--certificate-authority-arn", ca_arn, "--certificate-serial", serial,
           "--revocation-reason", "KEY_COMPROMISE")
    refused = run_aws(env, "sts", "get-caller-identity")
    assert refused.returncode != 0, refused.stdout
    assert "Untrusted Signing Certificate" in refused.stderr or "AccessDenied" in refused.stderr, refused.stderr
