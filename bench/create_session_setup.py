"""Sets up Roles Anywhere on a running Strongroom for bench/create_session.sh and writes one signed
CreateSession request per leaf key type, in the format of ../shared/bench/gsv.lua's WRK_REQ_FILE.

A root CA (P-384) -> intermediate (P-256) -> leaves (P-256 and RSA-2048), as the issue's target names them. The
requests are signed by the third-party client `iam-rolesanywhere-session` (body style, the intermediate in
X-Amz-X509-Chain), so the benchmark also replays a real client's bytes. A signed request stays valid for the
server's 5-minute skew window: re-run this before each measurement.

    python bench/create_session_setup.py setup OUT_DIR   # env: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...
    python bench/create_session_setup.py sign OUT_DIR    # re-sign the requests (fresh X-Amz-Date)
"""

import datetime
import json
import os
import sys

import boto3
from botocore.awsrequest import AWSRequest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from iam_rolesanywhere_session.iam_rolesanywhere_session import IAMRolesAnywhereSigner

NOW = datetime.datetime.now(datetime.timezone.utc)


def usage(ca):
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def issue(subject_cn, public_key, issuer_name, issuer_key, ca):
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
               .issuer_name(issuer_name).public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(hours=1))
               .not_valid_after(NOW + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(usage(ca), critical=True))
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def main(out_dir):
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    session = boto3.session.Session(region_name=region)
    client = lambda name: session.client(name, endpoint_url=endpoint)  # noqa: E731

    root_key = ec.generate_private_key(ec.SECP384R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Root CA")])
    root = issue("Bench Root CA", root_key.public_key(), root_name, root_key, True)
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = issue("Bench Issuing CA", inter_key.public_key(), root.subject, root_key, True)

    ra, iam = client("rolesanywhere"), client("iam")
    anchor = ra.create_trust_anchor(name="bench", enabled=True, source={
        "sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": pem(root).decode()}})
    anchor_arn = anchor["trustAnchor"]["trustAnchorArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        "Condition": {"ArnEquals": {"aws:SourceArn": anchor_arn}}}]}
    role_arn = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    profile_arn = ra.create_profile(name="bench", enabled=True, roleArns=[role_arn])["profile"]["profileArn"]

    leaves = {}
    for label, key in (("p256", ec.generate_private_key(ec.SECP256R1())),
                       ("rsa2048", rsa.generate_private_key(public_exponent=65537, key_size=2048))):
        leaf = issue(f"bench-{label}", key.public_key(), inter.subject, inter_key, False)
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        leaves[label] = {"cert": pem(leaf).decode(), "key": key_pem.decode()}
    state = {"anchor": anchor_arn, "profile": profile_arn, "role": role_arn, "chain": pem(inter).decode(),
             "leaves": leaves}
    with open(os.path.join(out_dir, "bench.json"), "w") as f:
        json.dump(state, f)


def sign(out_dir):
    """Writes create_session_<leaf>.txt for every leaf of bench.json, signed now."""
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    with open(os.path.join(out_dir, "bench.json")) as f:
        state = json.load(f)
    for label, leaf in state["leaves"].items():
        signer = IAMRolesAnywhereSigner(certificate=leaf["cert"].encode(), private_key=leaf["key"].encode(),
                                        certificate_chain=state["chain"].encode(), region=region,
                                        service_name="rolesanywhere")
        body = json.dumps({"durationSeconds": 3600, "profileArn": state["profile"], "roleArn": state["role"],
                           "trustAnchorArn": state["anchor"]})
        request = AWSRequest(method="POST", url=f"{endpoint}/sessions", data=body)
        signer.add_auth(request)
        with open(os.path.join(out_dir, f"create_session_{label}.txt"), "w") as f:
            for name, value in request.headers.items():
                f.write(f"{name}: {value}\n")
            f.write("\n" + body + "\n")


if __name__ == "__main__":
    {"setup": main, "sign": sign}[sys.argv[1]](sys.argv[2])
