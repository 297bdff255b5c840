"""AWS's own Secrets Manager Agent (the `aws_secretsmanager_agent` binary from crates.io, unmodified) against
`strongroom dev`, and the same requests against `strongroom-agent`: both must answer alike (status, and every JSON
field but the timestamps, which must agree as numbers), so programs written for the AWS agent work unchanged.

The AWS agent is pointed at Strongroom only through the environment (`AWS_ENDPOINT_URL`, which aws-config reads
for both the start-up STS GetCallerIdentity and Secrets Manager) and the same TOML file as strongroom-agent.
`scripts/test` installs it and sets AWS_SM_AGENT_BIN; without the binary these tests skip and say so
(STRONGROOM_REQUIRE_AWS_AGENT=1 makes that a failure).
"""

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pytest

from test_agent import AGENT_BIN, HEADER, TOKEN

AWS_AGENT_BIN = os.environ.get(
    "AWS_SM_AGENT_BIN", os.path.expanduser("~/.cache/strongroom-tools/bin/aws_secretsmanager_agent"))


def require_aws_agent():
    if os.access(AWS_AGENT_BIN, os.X_OK):
        return
    reason = (f"the AWS Secrets Manager Agent is not installed at {AWS_AGENT_BIN} (set AWS_SM_AGENT_BIN, or run "
              "scripts/test, which installs aws_secretsmanager_agent 2.1.0)")
    if os.environ.get("STRONGROOM_REQUIRE_AWS_AGENT") == "1":
        pytest.fail(reason)
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


def config_text(ttl_seconds):
    """One TOML file both agents accept: the AWS agent rejects unknown keys, so only its keys are used."""
    return (f'log_level = "DEBUG"\nlog_to_file = true\nhttp_port = "0"\nttl_seconds = "{ttl_seconds}"\n'
            'cache_size = "100"\n')


class Process:
    """An agent binary started in its own directory (its log goes to ./logs there), on a free loopback port."""

    def __init__(self, label, binary, banner, server, scratch, ttl_seconds):
        self.label = label
        self.dir = os.path.join(scratch, f"{label}-{uuid.uuid4().hex[:6]}")
        os.makedirs(self.dir)
        config = os.path.join(self.dir, "agent.toml")
        with open(config, "w") as f:
            f.write(config_text(ttl_seconds))
        env = server.env(AWS_TOKEN=TOKEN)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.proc = subprocess.Popen([binary, "--config", config], env=env, cwd=self.dir, stdout=subprocess.PIPE,
                                     stderr=open(self.stderr_path, "ab"), text=True)
        deadline = time.time() + 90
        seen = []
        self.url = None
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            seen.append(line.rstrip("\n"))
            if banner in line and " listening on http://" in line:
                self.url = line.strip().rsplit(" ", 1)[1]
                break
        assert self.url, f"{label} did not start: stdout {seen!r}; {self.log()}"

    def call(self, path, headers=None, method="GET"):
        """(status, body text); the token header unless `headers` says otherwise."""
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={HEADER: TOKEN} if headers is None else headers)
        try:
            with urllib.request.urlopen(request, timeout=70) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def log(self):
        text = []
        for path in (self.stderr_path, os.path.join(self.dir, "logs", "secrets_manager_agent.log")):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    text.append(f"{path}:\n" + f.read().decode("utf-8", "replace")[-4000:])
        return "\n".join(text)


@pytest.fixture
def agents(server, data_dir):
    """A function starting both agents with the same config: (AWS agent, strongroom-agent)."""
    require_aws_agent()
    started = []

    def make(ttl_seconds=300):
        aws = Process("aws-agent", AWS_AGENT_BIN, "Agent/", server, data_dir, ttl_seconds)
        started.append(aws)
        ours = Process("strongroom-agent", AGENT_BIN, "strongroom-agent", server, data_dir, ttl_seconds)
        started.append(ours)
        return aws, ours

    yield make
    for process in started:
        process.stop()


def sm_client(server):
    e = server.exports
    return boto3.client("secretsmanager", endpoint_url=e["AWS_ENDPOINT_URL"], region_name=e["AWS_REGION"],
                        aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"],
                        verify=e.get("AWS_CA_BUNDLE", True))


def name():
    return "e2e/aws-agent-" + uuid.uuid4().hex[:10]


def parsed(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def same(aws, ours, path, headers=None, method="GET"):
    """Sends one request to both agents and asserts they answer alike; returns the AWS agent's (status, body)."""
    a_status, a_body = aws.call(path, headers, method)
    o_status, o_body = ours.call(path, headers, method)
    where = f"{method} {path} headers={headers!r}\nAWS agent: {a_status} {a_body}\nstrongroom-agent: {o_status} {o_body}"
    assert a_status == o_status, where
    a_json, o_json = parsed(a_body), parsed(o_body)
    if a_json is None or not isinstance(a_json, dict):
        assert o_body == a_body, where
        return a_status, a_body
    assert isinstance(o_json, dict), where
    a_created, o_created = a_json.pop("CreatedDate", None), o_json.pop("CreatedDate", None)
    assert a_json == o_json, where
    assert (a_created is None) == (o_created is None), where
    if a_created is not None:
        assert isinstance(a_created, str) and isinstance(o_created, str), where
        assert abs(float(a_created) - float(o_created)) < 0.002, where
        a_json["CreatedDate"] = a_created
    return a_status, a_json


def test_the_aws_agent_reads_strongroom(server, agents):
    sm = sm_client(server)
    secret = name()
    created = sm.create_secret(Name=secret, SecretString='{"user":"app","password":"pw"}')
    aws, _ = agents()

    status, body = aws.call(f"/secretsmanager/get?secretId={secret}")
    assert status == 200, body + aws.log()
    value = json.loads(body)
    assert value["ARN"] == created["ARN"]
    assert value["Name"] == secret
    assert value["VersionId"] == created["VersionId"]
    assert json.loads(value["SecretString"]) == {"user": "app", "password": "pw"}
    assert value["VersionStages"] == ["AWSCURRENT"]
    assert float(value["CreatedDate"]) > 1.6e9

    status, body = aws.call(f"/secretsmanager/get?secretId={secret}&versionStage=AWSCURRENT")
    assert status == 200 and json.loads(body)["VersionId"] == created["VersionId"], body

    status, body = aws.call("/secretsmanager/get?secretId=e2e/no-such-secret")
    assert status == 400, body
    assert json.loads(body) == {"__type": "ResourceNotFoundException",
                                "message": "Secrets Manager can't find the specified secret."}

    sm.put_secret_value(SecretId=secret, SecretString="rotated")
    status, body = aws.call(f"/secretsmanager/get?secretId={secret}")
    assert json.loads(body)["VersionId"] == created["VersionId"]  # still cached (TTL 300 s)
    status, body = aws.call(f"/secretsmanager/get?secretId={secret}&refreshNow=true")
    assert status == 200 and json.loads(body)["SecretString"] == "rotated", body
    status, body = aws.call(f"/secretsmanager/get?secretId={secret}&versionStage=AWSPREVIOUS")
    assert status == 200 and json.loads(body)["VersionId"] == created["VersionId"], body


def test_both_agents_answer_alike(server, agents):
    sm = sm_client(server)
    secret = name()
    first = sm.create_secret(Name=secret, SecretString="one")
    second = sm.put_secret_value(SecretId=secret, SecretString="two")
    binary = name()
    sm.create_secret(Name=binary, SecretBinary=bytes([0, 1, 2, 254, 255]))
    pending = name()
    sm.create_secret(Name=pending, SecretString="going")
    sm.delete_secret(SecretId=pending)
    aws, ours = agents()

    _, current = same(aws, ours, f"/secretsmanager/get?secretId={secret}")
    assert current["SecretString"] == "two" and current["VersionId"] == second["VersionId"]
    same(aws, ours, f"/secretsmanager/get?secretId={first['ARN']}")
    same(aws, ours, f"/secretsmanager/get?secretId={urllib.parse.quote(first['ARN'], safe='')}&refreshNow=0")
    _, previous = same(aws, ours, f"/secretsmanager/get?secretId={secret}&versionStage=AWSPREVIOUS")
    assert previous["SecretString"] == "one"
    _, by_version = same(aws, ours, f"/secretsmanager/get?secretId={secret}&versionId={first['VersionId']}")
    assert by_version["VersionStages"] == ["AWSPREVIOUS"]
    same(aws, ours, f"/secretsmanager/get?secretId={secret}&versionId={second['VersionId']}&versionStage=AWSCURRENT")
    status, _ = same(aws, ours,
                     f"/secretsmanager/get?secretId={secret}&versionId={first['VersionId']}&versionStage=AWSCURRENT")
    assert status == 400
    same(aws, ours, f"/v1/{secret}")
    same(aws, ours, f"/v1/{secret}?versionStage=AWSPREVIOUS")
    _, blob = same(aws, ours, f"/secretsmanager/get?secretId={binary}")
    assert blob["SecretBinary"] == "AAEC/v8=" and "SecretString" not in blob

    # Errors: from the server (passed through with its status) and the agent's own.
    status, missing = same(aws, ours, "/secretsmanager/get?secretId=e2e/no-such-secret")
    assert status == 400 and missing["__type"] == "ResourceNotFoundException"
    status, _ = same(aws, ours, f"/secretsmanager/get?secretId={secret}&versionStage=NOSUCHSTAGE")
    assert status == 400
    status, _ = same(aws, ours,
                     f"/secretsmanager/get?secretId={secret}&versionId=00000000-0000-4000-8000-000000000000")
    assert status == 400
    status, scheduled = same(aws, ours, f"/secretsmanager/get?secretId={pending}")
    assert status == 400 and scheduled["__type"] == "InvalidRequestException"
    assert same(aws, ours, "/ping", headers={}) == (200, "healthy")
    assert same(aws, ours, f"/secretsmanager/get?secretId={secret}", headers={}) == (403, "Bad Token")
    assert same(aws, ours, f"/secretsmanager/get?secretId={secret}", headers={HEADER: "nope"}) == (403, "Bad Token")
    assert same(aws, ours, f"/secretsmanager/get?secretId={secret}", headers={"X-Vault-Token": TOKEN})[0] == 200
    forwarded = {HEADER: TOKEN, "X-Forwarded-For": "203.0.113.9"}
    assert same(aws, ours, f"/secretsmanager/get?secretId={secret}", headers=forwarded) == (400, "Forwarded")
    assert same(aws, ours, f"/secretsmanager/get?secretId={secret}", method="POST") == (405, "Not allowed")
    assert same(aws, ours, f"/secretsmanager/get?secretId={secret}&abc=1") == (400, "unknown parameter: abc")
    assert same(aws, ours, "/secretsmanager/get?versionStage=AWSCURRENT") == (400, "missing parameter secretId")
    assert same(aws, ours, f"/secretsmanager/get?secretId={secret}&refreshNow=yes") == (400, "invalid refreshNow value")
    assert same(aws, ours, "/v1/") == (400, "missing secret ID")
    assert same(aws, ours, f"/v1/{secret}?secretId={secret}") == (400, "unknown parameter: secretId")
    assert same(aws, ours, "/nowhere") == (404, "Not found")

    # A put is not seen within the TTL; refreshNow=true fetches it.
    third = sm.put_secret_value(SecretId=secret, SecretString="three")
    _, cached = same(aws, ours, f"/secretsmanager/get?secretId={secret}")
    assert cached["SecretString"] == "two"
    _, refreshed = same(aws, ours, f"/secretsmanager/get?secretId={secret}&refreshNow=true")
    assert refreshed["SecretString"] == "three" and refreshed["VersionId"] == third["VersionId"]
    _, after = same(aws, ours, f"/secretsmanager/get?secretId={secret}")
    assert after["SecretString"] == "three"


def test_both_agents_see_a_put_after_the_ttl(server, agents):
    sm = sm_client(server)
    secret = name()
    first = sm.create_secret(Name=secret, SecretString="one")
    aws, ours = agents(ttl_seconds=2)
    _, value = same(aws, ours, f"/secretsmanager/get?secretId={secret}")
    assert value["SecretString"] == "one"
    same(aws, ours, f"/secretsmanager/get?secretId={secret}&versionId={first['VersionId']}")

    sm.put_secret_value(SecretId=secret, SecretString="two")
    time.sleep(2.5)
    _, value = same(aws, ours, f"/secretsmanager/get?secretId={secret}")
    assert value["SecretString"] == "two"
    _, old = same(aws, ours, f"/secretsmanager/get?secretId={secret}&versionId={first['VersionId']}")
    assert old["SecretString"] == "one"
    assert old["VersionStages"] == ["AWSCURRENT"]  # the cached copy: the version still exists, so it is kept

    # Deleted for good: after the TTL both report the DescribeSecret error the same way.
    sm.delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)
    time.sleep(2.5)
    status, gone = same(aws, ours, f"/secretsmanager/get?secretId={secret}")
    assert status == 400 and gone["__type"] == "ResourceNotFoundException"
