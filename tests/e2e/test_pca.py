"""ACM Private CA end to end with the real `aws` CLI, boto3 and the `cryptography` package.

AWS's flow for a root CA: create it, fetch its CSR, issue its certificate with the RootCACertificate template,
import it; then issue a leaf from a CSR made elsewhere, verify the chain, revoke, and fetch the CRL over HTTP.
`strongroom pca issue` makes a key and certificate for a workload into files.
"""

import base64
import os
import stat
import subprocess
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import BIN
from sm_helpers import client_error, endpoint  # noqa: F401

PCA = "acm-pca"
ROOT_TEMPLATE = "arn:aws:acm-pca:::template/RootCACertificate/V1"
CLIENT_TEMPLATE = "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1"
SUB_TEMPLATE = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"


def _config(endpoint, name, key="EC_prime256v1", signing="SHA256WITHECDSA"):
    return endpoint.write_file(f"{name}.json", (
        '{"KeyAlgorithm":"%s","SigningAlgorithm":"%s","Subject":{"CommonName":"%s","Organization":"E2E"}}'
        % (key, signing, name)).encode())


def _revocation(endpoint):
    return endpoint.write_file("revocation.json", b'{"CrlConfiguration":{"Enabled":true,"ExpirationInDays":7}}')


def _active_root(endpoint):
    """A root CA made and activated through the CLI exactly as AWS documents it."""
    arn = endpoint.cli(PCA, "create-certificate-authority", "--certificate-authority-type", "ROOT",
                       "--certificate-authority-configuration", f"file://{_config(endpoint, 'E2E Root')}",
                       "--revocation-configuration", f"file://{_revocation(endpoint)}",
                       "--tags", "Key=purpose,Value=e2e")["CertificateAuthorityArn"]
    out = endpoint.aws(PCA, "wait", "certificate-authority-csr-created", "--certificate-authority-arn", arn)
    assert out.returncode == 0, out.stderr
    csr = endpoint.cli(PCA, "get-certificate-authority-csr", "--certificate-authority-arn", arn)["Csr"]
    csr_path = endpoint.write_file("root.csr", csr.encode())
    cert_arn = endpoint.cli(PCA, "issue-certificate", "--certificate-authority-arn", arn,
                            "--csr", f"fileb://{csr_path}", "--signing-algorithm", "SHA256WITHECDSA",
                            "--template-arn", ROOT_TEMPLATE,
                            "--validity", "Value=10,Type=YEARS")["CertificateArn"]
    out = endpoint.aws(PCA, "wait", "certificate-issued", "--certificate-authority-arn", arn,
                       "--certificate-arn", cert_arn)
    assert out.returncode == 0, out.stderr
    cert = endpoint.cli(PCA, "get-certificate", "--certificate-authority-arn", arn,
                        "--certificate-arn", cert_arn)["Certificate"]
    cert_path = endpoint.write_file("root.pem", cert.encode())
    endpoint.cli(PCA, "import-certificate-authority-certificate", "--certificate-authority-arn", arn,
                 "--certificate", f"fileb://{cert_path}")
    return arn, x509.load_pem_x509_certificate(cert.encode())


def _verify_signed_by(cert, issuer):
    key = issuer.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    else:
        key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
    assert cert.issuer == issuer.subject


def test_root_ca_issues_a_leaf_and_revokes_it_into_the_crl(endpoint):
    arn, root = _active_root(endpoint)
    described = endpoint.cli(PCA, "describe-certificate-authority", "--certificate-authority-arn", arn)
    assert described["CertificateAuthority"]["Status"] == "ACTIVE"
    assert described["CertificateAuthority"]["Type"] == "ROOT"
    assert root.subject == root.issuer
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca

    # A leaf from a CSR the cryptography package made.
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "e2e-workload")]))
           .sign(key, hashes.SHA256()))
    csr_path = endpoint.write_file("leaf.csr", csr.public_bytes(serialization.Encoding.PEM))
    cert_arn = endpoint.cli(PCA, "issue-certificate", "--certificate-authority-arn", arn,
                            "--csr", f"fileb://{csr_path}", "--signing-algorithm", "SHA256WITHECDSA",
                            "--template-arn", CLIENT_TEMPLATE,
                            "--validity", "Value=30,Type=DAYS")["CertificateArn"]
    got = endpoint.cli(PCA, "get-certificate", "--certificate-authority-arn", arn, "--certificate-arn", cert_arn)
    leaf = x509.load_pem_x509_certificate(got["Certificate"].encode())
    chain = x509.load_pem_x509_certificates(got["CertificateChain"].encode())
    assert chain == [root]
    _verify_signed_by(leaf, root)
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    assert leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.serial_number.bit_length() >= 64

    # The CRL named in the certificate, over plain HTTP without credentials.
    points = leaf.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    url = points[0].full_name[0].value
    crl = x509.load_der_x509_crl(urllib.request.urlopen(url, timeout=10).read())
    assert crl.is_signature_valid(root.public_key())
    assert crl.get_revoked_certificate_by_serial_number(leaf.serial_number) is None

    serial = format(leaf.serial_number, "x")
    endpoint.cli(PCA, "revoke-certificate", "--certificate-authority-arn", arn,
                 "--certificate-serial", serial, "--revocation-reason", "KEY_COMPROMISE")
    crl = x509.load_der_x509_crl(urllib.request.urlopen(url, timeout=10).read())
    assert crl.is_signature_valid(root.public_key())
    revoked = crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
    assert revoked is not None
    assert revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    code, _ = endpoint.cli_error(PCA, "revoke-certificate", "--certificate-authority-arn", arn,
                                 "--certificate-serial", serial, "--revocation-reason", "KEY_COMPROMISE")
    assert code == "RequestAlreadyProcessedException"


def test_subordinate_ca_with_an_rsa_key_signed_by_the_root(endpoint):
    root_arn, root = _active_root(endpoint)
    config = _config(endpoint, "E2E Issuing", key="RSA_2048", signing="SHA256WITHRSA")
    sub_arn = endpoint.cli(PCA, "create-certificate-authority", "--certificate-authority-type", "SUBORDINATE",
                           "--certificate-authority-configuration", f"file://{config}",
                           "--revocation-configuration", f"file://{_revocation(endpoint)}")["CertificateAuthorityArn"]
    described = endpoint.cli(PCA, "describe-certificate-authority", "--certificate-authority-arn", sub_arn)
    assert described["CertificateAuthority"]["Status"] == "PENDING_CERTIFICATE"
    csr = endpoint.cli(PCA, "get-certificate-authority-csr", "--certificate-authority-arn", sub_arn)["Csr"]
    csr_path = endpoint.write_file("sub.csr", csr.encode())
    cert_arn = endpoint.cli(PCA, "issue-certificate", "--certificate-authority-arn", root_arn,
                            "--csr", f"fileb://{csr_path}", "--signing-algorithm", "SHA256WITHECDSA",
                            "--template-arn", SUB_TEMPLATE,
                            "--validity", "Value=365,Type=DAYS")["CertificateArn"]
    got = endpoint.cli(PCA, "get-certificate", "--certificate-authority-arn", root_arn, "--certificate-arn", cert_arn)
    sub = x509.load_pem_x509_certificate(got["Certificate"].encode())
    _verify_signed_by(sub, root)
    assert sub.extensions.get_extension_for_class(x509.BasicConstraints).value == x509.BasicConstraints(True, 0)
    sub_path = endpoint.write_file("sub.pem", got["Certificate"].encode())
    chain_path = endpoint.write_file("sub-chain.pem", got["CertificateChain"].encode())
    endpoint.cli(PCA, "import-certificate-authority-certificate", "--certificate-authority-arn", sub_arn,
                 "--certificate", f"fileb://{sub_path}", "--certificate-chain", f"fileb://{chain_path}")
    got = endpoint.cli(PCA, "get-certificate-authority-certificate", "--certificate-authority-arn", sub_arn)
    assert x509.load_pem_x509_certificate(got["Certificate"].encode()) == sub
    assert x509.load_pem_x509_certificates(got["CertificateChain"].encode()) == [root]
    listed = endpoint.cli(PCA, "list-certificate-authorities")["CertificateAuthorities"]
    assert {ca["Arn"]: ca["Status"] for ca in listed} == {root_arn: "ACTIVE", sub_arn: "ACTIVE"}


def test_errors_with_boto3(endpoint):
    pca = endpoint.client(PCA)
    arn, _ = _active_root(endpoint)
    unknown = arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    with pytest.raises(Exception) as excinfo:
        pca.describe_certificate_authority(CertificateAuthorityArn=unknown)
    assert client_error(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(Exception) as excinfo:
        pca.issue_certificate(CertificateAuthorityArn=arn, Csr=b"not a csr", SigningAlgorithm="SHA256WITHECDSA",
                              Validity={"Value": 1, "Type": "DAYS"})
    assert client_error(excinfo)[0] == "MalformedCSRException"
    with pytest.raises(Exception) as excinfo:
        pca.delete_certificate_authority(CertificateAuthorityArn=arn)
    assert client_error(excinfo)[0] == "InvalidStateException"
    pca.update_certificate_authority(CertificateAuthorityArn=arn, Status="DISABLED")
    pca.delete_certificate_authority(CertificateAuthorityArn=arn, PermanentDeletionTimeInDays=7)
    assert pca.describe_certificate_authority(CertificateAuthorityArn=arn)["CertificateAuthority"]["Status"] == "DELETED"
    pca.restore_certificate_authority(CertificateAuthorityArn=arn)
    assert pca.describe_certificate_authority(CertificateAuthorityArn=arn)["CertificateAuthority"]["Status"] == "DISABLED"
    tags = pca.list_tags(CertificateAuthorityArn=arn)["Tags"]
    assert tags == [{"Key": "purpose", "Value": "e2e"}]


def test_strongroom_pca_issue_writes_key_and_certificate(endpoint):
    if endpoint.server is None:
        pytest.skip("needs the strongroom binary's own server")
    arn, root = _active_root(endpoint)
    cert_path = os.path.join(endpoint.scratch_dir, "workload.pem")
    key_path = os.path.join(endpoint.scratch_dir, "workload.key")
    chain_path = os.path.join(endpoint.scratch_dir, "chain.pem")
    out = subprocess.run([BIN, "pca", "issue", "--ca-arn", arn, "--common-name", "batch-job",
                          "--key-type", "ec-p384", "--days", "7", "--cert-out", cert_path,
                          "--key-out", key_path, "--chain-out", chain_path],
                         env=endpoint.env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(cert_path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    with open(chain_path, "rb") as f:
        chain = x509.load_pem_x509_certificates(f.read())
    assert chain == [root]
    _verify_signed_by(cert, root)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "batch-job"
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp384r1"
