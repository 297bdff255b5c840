"""The foundation, driven by the real aws CLI and botocore: dev start-up, SigV4 failures, TLS, restarts, audit."""

import json
import os
import re
import subprocess
import urllib.error
import urllib.request

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import BIN, DevServer


def test_dev_prints_exactly_the_four_export_lines(server):
    assert list(server.exports) == ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.exports["AWS_ENDPOINT_URL"])
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", server.exports["AWS_ACCESS_KEY_ID"])
    assert len(server.exports["AWS_SECRET_ACCESS_KEY"]) == 40
    assert server.exports["AWS_REGION"] == "us-east-1"


def test_root_key_file_is_private(server):
    mode = os.stat(os.path.join(server.data_dir, "root.key")).st_mode & 0o777
    assert mode == 0o600


def test_get_caller_identity_with_the_cli(server):
    out = server.aws("sts", "get-caller-identity", "--output", "json")
    assert out.returncode == 0, out.stderr
    identity = json.loads(out.stdout)
    assert identity == {"UserId": "123456789012", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root"}


def test_wrong_secret_key_is_refused(server):
    out = server.aws("sts", "get-caller-identity", AWS_SECRET_ACCESS_KEY="x" * 40)
    assert out.returncode != 0
    assert "SignatureDoesNotMatch" in out.stderr, out.stderr


def test_unknown_access_key_is_refused(server):
    out = server.aws("sts", "get-caller-identity", AWS_ACCESS_KEY_ID="AKIAAAAAAAAAAAAAAAAA")
    assert out.returncode != 0
    assert "InvalidClientTokenId" in out.stderr, out.stderr


def _signed(server, body, when=None):
    """A GetCallerIdentity request signed by botocore's own SigV4 signer (optionally at another time)."""
    creds = Credentials(server.exports["AWS_ACCESS_KEY_ID"], server.exports["AWS_SECRET_ACCESS_KEY"])
    request = AWSRequest(
        method="POST",
        url=server.exports["AWS_ENDPOINT_URL"] + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    signer = SigV4Auth(creds, "sts", "us-east-1")
    if when is None:
        signer.add_auth(request)
    else:
        import botocore.auth as auth_module

        original = auth_module.datetime.datetime

        class Frozen(original):
            @classmethod
            def utcnow(cls):
                return when.replace(tzinfo=None)

            @classmethod
            def now(cls, tz=None):
                return when if tz else when.replace(tzinfo=None)

        auth_module.datetime.datetime = Frozen
        try:
            signer.add_auth(request)
        finally:
            auth_module.datetime.datetime = original
    return request


def _send(request, body=None):
    prepared = request.prepare()
    raw = urllib.request.Request(prepared.url, data=body if body is not None else prepared.body,
                                 headers=dict(prepared.headers), method=prepared.method)
    try:
        with urllib.request.urlopen(raw, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


BODY = b"Action=GetCallerIdentity&Version=2011-06-15"


def test_botocore_signed_request_succeeds_and_has_a_request_id(server):
    status, headers, text = _send(_signed(server, BODY))
    assert status == 200, text
    assert "<Arn>arn:aws:iam::123456789012:root</Arn>" in text
    request_id = {k.lower(): v for k, v in headers.items()}["x-amzn-requestid"]
    assert f"<RequestId>{request_id}</RequestId>" in text


def test_stale_date_is_refused(server):
    import datetime

    stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
    status, _, text = _send(_signed(server, BODY, when=stale))
    assert status == 403, text
    assert "<Code>SignatureDoesNotMatch</Code>" in text
    assert "Signature expired" in text


def test_tampered_body_is_refused(server):
    status, _, text = _send(_signed(server, BODY), body=b"Action=GetCallerIdentity&Version=2011-06-16")
    assert status == 403, text
    assert "<Code>SignatureDoesNotMatch</Code>" in text


def test_missing_authentication(server):
    status, _, text = _send(AWSRequest(method="POST", url=server.exports["AWS_ENDPOINT_URL"] + "/", data=BODY,
                                       headers={"Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 403, text
    assert "<Code>MissingAuthenticationToken</Code>" in text


def test_session_token_from_boto3(server):
    session = botocore.session.get_session()
    kwargs = dict(endpoint_url=server.exports["AWS_ENDPOINT_URL"], region_name="us-east-1",
                  aws_access_key_id=server.exports["AWS_ACCESS_KEY_ID"],
                  aws_secret_access_key=server.exports["AWS_SECRET_ACCESS_KEY"])
    sts = session.create_client("sts", **kwargs)
    creds = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    temp = session.create_client("sts", endpoint_url=kwargs["endpoint_url"], region_name="us-east-1",
                                 aws_access_key_id=creds["AccessKeyId"],
                                 aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"])
    assert temp.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"
    # The same temporary key with a damaged token is refused.
    out = server.aws("sts", "get-caller-identity", AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
                     AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
                     AWS_SESSION_TOKEN=creds["SessionToken"][:-8] + "AAAAAAA=")
    assert out.returncode != 0 and "InvalidClientTokenId" in out.stderr, out.stderr


def test_restart_keeps_data_and_credentials(data_dir):
    first = DevServer(data_dir).start()
    try:
        assert first.aws("sts", "get-caller-identity").returncode == 0
    finally:
        assert first.stop() == 0, first.log()
    second = DevServer(data_dir).start()
    try:
        assert second.exports["AWS_ACCESS_KEY_ID"] == first.exports["AWS_ACCESS_KEY_ID"]
        assert second.exports["AWS_SECRET_ACCESS_KEY"] == first.exports["AWS_SECRET_ACCESS_KEY"]
        out = second.aws("sts", "get-caller-identity")
        assert out.returncode == 0, out.stderr
    finally:
        second.stop()


def test_tls_mode_serves_https_with_a_ca_bundle(data_dir):
    server = DevServer(data_dir, tls=True).start()
    try:
        assert server.exports["AWS_ENDPOINT_URL"].startswith("https://localhost:")
        assert os.path.isfile(server.exports["AWS_CA_BUNDLE"])
        out = server.aws("sts", "get-caller-identity", "--output", "json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["Account"] == "123456789012"
    finally:
        server.stop()


def test_audit_trail_verifies_and_detects_tampering(data_dir):
    server = DevServer(data_dir).start()
    try:
        for _ in range(3):
            assert server.aws("sts", "get-caller-identity").returncode == 0
        server.aws("sts", "get-caller-identity", AWS_SECRET_ACCESS_KEY="y" * 40)
    finally:
        assert server.stop() == 0
    verify = subprocess.run([BIN, "audit", "verify", "--data-dir", data_dir], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "intact" in verify.stdout
    exported = subprocess.run([BIN, "audit", "export", "--data-dir", data_dir], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [e["eventName"] for e in events] == ["GetCallerIdentity"] * 4
    assert [e.get("errorCode") for e in events] == [None, None, None, "SignatureDoesNotMatch"]
    assert all(e["eventSource"] == "sts.amazonaws.com" for e in events)
    db = os.path.join(data_dir, "strongroom.db")
    import sqlite3

    connection = sqlite3.connect(db)
    # Records are stored a run at a time, LZ4-compressed; the first record's text is kept as literal bytes,
    # so a same-length edit of them is a valid stream that decodes to an edited record.
    rowid, records = connection.execute(
        "select rowid, records from audit_batches order by first_seq limit 1"
    ).fetchone()
    tampered = records.replace(b"GetCallerIdentity", b"GetSessionTokenXX", 1)
    assert tampered != records
    changed = connection.execute(
        "update audit_batches set records = ? where rowid = ?", (tampered, rowid)
    ).rowcount
    connection.commit()
    connection.close()
    assert changed == 1
    verify = subprocess.run([BIN, "audit", "verify", "--data-dir", data_dir], capture_output=True, text=True)
    assert verify.returncode != 0, verify.stdout
    assert "BROKEN" in verify.stdout


def test_secrets_never_reach_disk_logs_or_audit(data_dir):
    server = DevServer(data_dir).start()
    secret = server.exports["AWS_SECRET_ACCESS_KEY"]
    try:
        assert server.aws("sts", "get-caller-identity").returncode == 0
        token_out = server.aws("sts", "get-session-token", "--output", "json")
        assert token_out.returncode == 0, token_out.stderr
        session = json.loads(token_out.stdout)["Credentials"]
    finally:
        assert server.stop() == 0
    canaries = [secret, session["SecretAccessKey"], session["SessionToken"]]
    for root, _, files in os.walk(data_dir):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                content = f.read()
            for canary in canaries:
                assert canary.encode() not in content, f"a secret appears in {name}"
    log = server.log()
    for canary in canaries:
        assert canary not in log
    # The audit trail is stored compressed, so its text is checked as the operator reads it.
    exported = subprocess.run([BIN, "audit", "export", "--data-dir", data_dir], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    assert "GetSessionToken" in exported.stdout
    for canary in canaries:
        assert canary not in exported.stdout


def _wait_for_port(proc, host, port, timeout=60):
    import socket
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_init_then_serve_with_a_config_file(data_dir):
    port = _free_port()
    config = os.path.join(data_dir, "strongroom.toml")
    with open(config, "w") as f:
        f.write(f'listen = "127.0.0.1:{port}"\ndata_dir = "{data_dir}/srv"\naccount_id = "111122223333"\n'
                'log_format = "json"\n[tls]\nself_signed = true\n')
    init = subprocess.run([BIN, "init", "--config", config], capture_output=True, text=True, timeout=60)
    assert init.returncode == 0, init.stderr
    exports = dict(line[len("export "):].split("=", 1) for line in init.stdout.splitlines() if line.startswith("export "))
    assert exports["AWS_ACCESS_KEY_ID"].startswith("AKIA")
    again = subprocess.run([BIN, "init", "--config", config], capture_output=True, text=True, timeout=60)
    assert again.returncode != 0, "an initialised deployment is not initialised twice"

    log = open(os.path.join(data_dir, "serve.log"), "wb")
    proc = subprocess.Popen([BIN, "serve", "--config", config], stdout=subprocess.DEVNULL, stderr=log)
    try:
        assert _wait_for_port(proc, "127.0.0.1", port), open(os.path.join(data_dir, "serve.log")).read()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(exports)
        env.update({"AWS_ENDPOINT_URL": f"https://localhost:{port}", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_CA_BUNDLE": os.path.join(data_dir, "srv", "tls", "ca.pem"),
                    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
        out = subprocess.run(["aws", "sts", "get-caller-identity", "--output", "json"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["Arn"] == "arn:aws:iam::111122223333:root"
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    # --log-format json: every log line is a JSON object.
    lines = [line for line in open(os.path.join(data_dir, "serve.log")).read().splitlines() if line.strip()]
    assert lines and all(json.loads(line) for line in lines)


def test_plaintext_off_loopback_needs_the_dangerous_option(data_dir):
    refused = subprocess.run([BIN, "dev", "--listen", "0.0.0.0:0", "--data-dir", data_dir],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "dangerous_allow_plaintext_http" in refused.stderr
    env = dict(os.environ, STRONGROOM_DANGEROUS_ALLOW_PLAINTEXT_HTTP="true")
    proc = subprocess.Popen([BIN, "dev", "--listen", "0.0.0.0:0", "--data-dir", data_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()
        assert first.startswith("export AWS_ENDPOINT_URL=http://0.0.0.0:"), first
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "dangerous" in err and "WARN" in err, err
