"""Shared helpers for the Secrets Manager and KMS end-to-end tests.

The `endpoint` fixture hands a test an AWS-compatible endpoint to drive with the real `aws` CLI, boto3 and the
caching library. By default it is a fresh `strongroom dev` (the `server` fixture from conftest.py). Setting
`E2E_ENDPOINT` (and optionally `E2E_ACCESS_KEY_ID`, `E2E_SECRET_ACCESS_KEY`, `E2E_REGION`) points the very same
tests at another implementation instead, e.g. moto, to check that the tests themselves encode sound behaviour:

    E2E_ENDPOINT=http://127.0.0.1:5055 python -m pytest tests/e2e/test_secretsmanager.py tests/e2e/test_kms.py
"""

import base64
import json
import os
import re
import subprocess
import tempfile
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

CLI_ERROR = re.compile(r"An error occurred \(([A-Za-z0-9_.#:]+)\)[^:]*: (.*)", re.S)
NOT_FOUND = "Secrets Manager can't find the specified secret."


class Endpoint:
    """An AWS-compatible endpoint plus the environment that the CLI and the SDKs need to reach it."""

    def __init__(self, exports, scratch_dir, server=None):
        self.exports = dict(exports)
        self.scratch_dir = scratch_dir
        self.server = server  # the strongroom DevServer, or None for an external endpoint

    @property
    def url(self):
        return self.exports["AWS_ENDPOINT_URL"]

    @property
    def region(self):
        return self.exports["AWS_REGION"]

    def env(self, **overrides):
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("AWS_"):
                del env[key]
        env.update(self.exports)
        env["AWS_DEFAULT_REGION"] = self.exports["AWS_REGION"]  # AWS CLI v1 reads only this one
        env["AWS_CONFIG_FILE"] = os.path.join(self.scratch_dir, "no-config")
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(self.scratch_dir, "no-credentials")
        env.update(overrides)
        return env

    def aws(self, *args, **overrides):
        return subprocess.run(["aws", *args], env=self.env(**overrides), capture_output=True, text=True,
                              timeout=120)

    def cli(self, *args):
        """Runs `aws <args> --output json`, asserts success and returns the parsed output ({} when empty)."""
        out = self.aws(*args, "--output", "json")
        assert out.returncode == 0, f"aws {' '.join(args)} failed: {out.stderr}"
        return json.loads(out.stdout) if out.stdout.strip() else {}

    def cli_error(self, *args):
        """Runs `aws <args>`, asserts that it failed with a service error and returns (code, message)."""
        out = self.aws(*args, "--output", "json")
        assert out.returncode != 0, f"aws {' '.join(args)} unexpectedly succeeded: {out.stdout}"
        match = CLI_ERROR.search(out.stderr)
        assert match, f"no service error in: {out.stderr}"
        return match.group(1), match.group(2).strip()

    def client(self, service, **config):
        return boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=self.exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.exports["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=self.exports.get("AWS_SESSION_TOKEN"),
            verify=self.exports.get("AWS_CA_BUNDLE", True),
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
        )

    def write_file(self, name, data):
        path = os.path.join(self.scratch_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path


@pytest.fixture
def endpoint(request):
    external = os.environ.get("E2E_ENDPOINT")
    if external:
        with tempfile.TemporaryDirectory(prefix="e2e-external-") as scratch:
            yield Endpoint({
                "AWS_ENDPOINT_URL": external,
                "AWS_ACCESS_KEY_ID": os.environ.get("E2E_ACCESS_KEY_ID", "testing"),
                "AWS_SECRET_ACCESS_KEY": os.environ.get("E2E_SECRET_ACCESS_KEY", "testing"),
                "AWS_REGION": os.environ.get("E2E_REGION", "us-east-1"),
            }, scratch)
        return
    server = request.getfixturevalue("server")
    scratch = os.path.join(server.data_dir, "e2e-scratch")
    os.makedirs(scratch, exist_ok=True)
    yield Endpoint(server.exports, scratch, server=server)


@pytest.fixture
def sm(endpoint):
    return endpoint.client("secretsmanager")


@pytest.fixture
def kms(endpoint):
    return endpoint.client("kms")


def unique(prefix="e2e"):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def token():
    return str(uuid.uuid4())


def client_error(excinfo):
    """(code, message, http status) of a pytest.raises(ClientError) result."""
    err = excinfo.value
    assert isinstance(err, ClientError), err
    return (err.response["Error"]["Code"], err.response["Error"].get("Message", ""),
            err.response["ResponseMetadata"]["HTTPStatusCode"])


def b64(data):
    return base64.b64encode(data).decode()


def arn_pattern(name, region="us-east-1"):
    return re.compile(rf"arn:aws:secretsmanager:{re.escape(region)}:\d{{12}}:secret:{re.escape(name)}-[A-Za-z0-9]{{6}}")


def versions_by_id(listing):
    """ListSecretVersionIds output → {VersionId: sorted labels, or None when the VersionStages key is absent}."""
    out = {}
    for v in listing["Versions"]:
        out[v["VersionId"]] = sorted(v["VersionStages"]) if "VersionStages" in v else None
    return out


def stages_map(described):
    """DescribeSecret's VersionIdsToStages with the label lists sorted (AWS gives no order)."""
    return {k: sorted(v) for k, v in described.get("VersionIdsToStages", {}).items()}
