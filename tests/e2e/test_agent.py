"""strongroom-agent end to end: the real `strongroom dev` server and the real `strongroom-agent` binary, driven the
way programs written for the AWS Secrets Manager Agent drive it (curl and plain HTTP with the SSRF token header),
plus boto3's aws-secretsmanager-caching SecretCache against Strongroom directly.
"""

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from aws_secretsmanager_caching import SecretCache, SecretCacheConfig

from conftest import BIN, DevServer

AGENT_BIN = os.environ.get(
    "STRONGROOM_AGENT_BIN",
    os.path.join(os.path.dirname(BIN), "strongroom-agent") if os.path.dirname(BIN) else "strongroom-agent",
)
TOKEN = "e2e-" + uuid.uuid4().hex
HEADER = "X-Aws-Parameters-Secrets-Token"


class Agent:
    """One strongroom-agent process on a free loopback port."""

    def __init__(self, server, scratch, config="", **env_overrides):
        self.scratch = scratch
        config_path = os.path.join(scratch, f"agent-{uuid.uuid4().hex[:8]}.toml")
        with open(config_path, "w") as f:
            f.write('http_port = 0\nlog_to_file = false\nlog_level = "DEBUG"\n' + config)
        env = server.env(AWS_TOKEN=TOKEN, **env_overrides)
        env = {k: v for k, v in env.items() if v is not None}
        self.log_path = os.path.join(scratch, "agent.log")
        self.proc = subprocess.Popen([AGENT_BIN, "--config", config_path], env=env, stdout=subprocess.PIPE,
                                     stderr=open(self.log_path, "ab"), text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("strongroom-agent listening on "), f"agent said {line!r}; log: {self.log()}"
        self.url = line.strip().rsplit(" ", 1)[1]

    def get(self, path, headers=None):
        """(status, headers, body text) for a GET with the token unless `headers` says otherwise."""
        request = urllib.request.Request(self.url + path, headers={HEADER: TOKEN} if headers is None else headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def secret(self, secret_id, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        status, _, body = self.get(f"/secretsmanager/get?secretId={secret_id}" + (f"&{query}" if query else ""))
        assert status == 200, body
        return json.loads(body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


@pytest.fixture
def agent_factory(server, data_dir):
    agents = []

    def make(config="", **env):
        agent = Agent(server, data_dir, config, **env)
        agents.append(agent)
        return agent

    yield make
    for agent in agents:
        agent.stop()


def sm_client(server):
    e = server.exports
    return boto3.client("secretsmanager", endpoint_url=e["AWS_ENDPOINT_URL"], region_name=e["AWS_REGION"],
                        aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"],
                        verify=e.get("AWS_CA_BUNDLE", True))


def name():
    return "e2e/agent-" + uuid.uuid4().hex[:10]


def test_answers_like_the_aws_agent(server, agent_factory):
    sm = sm_client(server)
    secret = name()
    created = sm.create_secret(Name=secret, SecretString='{"user":"app","password":"pw"}')
    agent = agent_factory()

    body = agent.secret(secret)
    assert body["ARN"] == created["ARN"]
    assert body["Name"] == secret
    assert body["VersionId"] == created["VersionId"]
    assert json.loads(body["SecretString"]) == {"user": "app", "password": "pw"}
    assert body["VersionStages"] == ["AWSCURRENT"]
    assert isinstance(body["CreatedDate"], str) and float(body["CreatedDate"]) > 1.6e9

    status, _, text = agent.get("/v1/" + secret)
    assert status == 200 and json.loads(text)["Name"] == secret
    assert agent.secret(created["ARN"])["Name"] == secret

    assert agent.get("/ping", headers={})[::2] == (200, "healthy")
    assert agent.get(f"/secretsmanager/get?secretId={secret}", headers={})[::2] == (403, "Bad Token")
    assert agent.get(f"/secretsmanager/get?secretId={secret}", headers={HEADER: "nope"})[::2] == (403, "Bad Token")
    forwarded = {HEADER: TOKEN, "X-Forwarded-For": "203.0.113.9"}
    assert agent.get(f"/secretsmanager/get?secretId={secret}", headers=forwarded)[::2] == (400, "Forwarded")

    status, _, text = agent.get("/secretsmanager/get?secretId=e2e/does-not-exist")
    assert status == 400
    assert json.loads(text)["__type"] == "ResourceNotFoundException"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_like_the_aws_documentation(server, agent_factory):
    sm = sm_client(server)
    secret = name()
    sm.create_secret(Name=secret, SecretString="curl-value")
    agent = agent_factory()
    out = subprocess.run(["curl", "-sS", "-H", f"{HEADER}: {TOKEN}", f"{agent.url}/secretsmanager/get?secretId={secret}"],
                         capture_output=True, text=True, timeout=30)
    assert json.loads(out.stdout)["SecretString"] == "curl-value"


def test_rotation_is_seen_after_the_ttl_and_at_once_with_refresh_now(server, agent_factory):
    sm = sm_client(server)
    secret = name()
    sm.create_secret(Name=secret, SecretString="one")
    agent = agent_factory("ttl_seconds = 2\n")
    assert agent.secret(secret)["SecretString"] == "one"

    sm.put_secret_value(SecretId=secret, SecretString="two")
    assert agent.secret(secret)["SecretString"] == "one"  # cached
    assert agent.secret(secret, refreshNow="true")["SecretString"] == "two"

    sm.put_secret_value(SecretId=secret, SecretString="three")
    time.sleep(2.5)
    assert agent.secret(secret)["SecretString"] == "three"
    assert agent.secret(secret, versionStage="AWSPREVIOUS")["SecretString"] == "two"

    _, _, metrics = agent.get("/metrics", headers={})
    assert "strongroom_agent_cache_hits_total 1" in metrics.splitlines()
    assert "strongroom_agent_cache_refresh_errors_total 0" in metrics.splitlines()


def test_stale_value_is_served_with_a_header_when_the_server_is_down(server, agent_factory):
    sm = sm_client(server)
    secret = name()
    sm.create_secret(Name=secret, SecretString="survives")
    agent = agent_factory("ttl_seconds = 1\nmax_stale_seconds = 600\n")
    assert agent.secret(secret)["SecretString"] == "survives"
    server.stop()
    time.sleep(1.5)
    status, headers, body = agent.get(f"/secretsmanager/get?secretId={secret}")
    assert status == 200
    assert json.loads(body)["SecretString"] == "survives"
    lowered = {k.lower(): v for k, v in headers.items()}
    assert "x-strongroom-stale" in lowered
    status, _, body = agent.get("/secretsmanager/get?secretId=never-cached")
    assert status == 502 and json.loads(body)["__type"] == "ConnectionError"


def test_credentials_from_a_credential_process_profile(server, agent_factory, data_dir):
    sm = sm_client(server)
    secret = name()
    sm.create_secret(Name=secret, SecretString="via-process")
    e = server.exports
    helper = os.path.join(data_dir, "helper.sh")
    with open(helper, "w") as f:
        f.write("#!/bin/sh\nprintf '%s' '" + json.dumps({
            "Version": 1, "AccessKeyId": e["AWS_ACCESS_KEY_ID"], "SecretAccessKey": e["AWS_SECRET_ACCESS_KEY"],
        }) + "'\n")
    os.chmod(helper, 0o700)
    config = os.path.join(data_dir, "aws-config")
    with open(config, "w") as f:
        f.write(f"[profile agent]\nregion = {e['AWS_REGION']}\ncredential_process = {helper}\n")
    agent = agent_factory(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_CONFIG_FILE=config,
                          AWS_PROFILE="agent")
    assert agent.secret(secret)["SecretString"] == "via-process"


def test_the_agent_refuses_to_start_without_a_token(server, data_dir):
    config = os.path.join(data_dir, "agent.toml")
    with open(config, "w") as f:
        f.write("http_port = 0\nlog_to_file = false\n")
    out = subprocess.run([AGENT_BIN, "--config", config], env=server.env(), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0
    assert "AWS_TOKEN" in out.stderr


def test_the_agent_refuses_bad_credentials_at_start_up(server, data_dir):
    config = os.path.join(data_dir, "agent.toml")
    with open(config, "w") as f:
        f.write("http_port = 0\nlog_to_file = false\n")
    env = server.env(AWS_TOKEN=TOKEN, AWS_SECRET_ACCESS_KEY="wrong")
    out = subprocess.run([AGENT_BIN, "--config", config], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "GetCallerIdentity" in out.stderr


def test_over_https_with_the_dev_ca_bundle(data_dir):
    server = DevServer(data_dir, tls=True).start()
    try:
        assert server.exports["AWS_ENDPOINT_URL"].startswith("https://")
        sm = sm_client(server)
        secret = name()
        sm.create_secret(Name=secret, SecretString="over-tls")
        agent = Agent(server, data_dir)
        try:
            assert agent.secret(secret)["SecretString"] == "over-tls"
        finally:
            agent.stop()
    finally:
        server.stop()


def test_boto3_secret_cache_against_strongroom(server):
    sm = sm_client(server)
    secret = name()
    sm.create_secret(Name=secret, SecretString="cached-one")
    # The interval leaves room for a loaded machine between the first read and the put.
    cache = SecretCache(config=SecretCacheConfig(secret_refresh_interval=5), client=sm)
    assert cache.get_secret_string(secret) == "cached-one"
    sm.put_secret_value(SecretId=secret, SecretString="cached-two")
    assert cache.get_secret_string(secret) == "cached-one"
    time.sleep(5.5)
    assert cache.get_secret_string(secret) == "cached-two"
