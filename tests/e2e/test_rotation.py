"""Rotation end to end with the real binary: an AWS-style Python rotation function (boto3, the four steps)
runs unchanged as a `command` function through tools/lambda_shim.py, and a server killed with SIGKILL
between steps finishes the rotation after a restart, losing no version."""

import json
import os
import signal
import stat
import sys
import time
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import DevServer

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHIM = os.path.join(REPO, "tools", "lambda_shim.py")
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"}, "Action": "sts:AssumeRole"}]})

# An AWS-style rotation function, written as for Lambda: boto3 with no endpoint or credentials in the code.
# WAIT_FILE, when not empty, makes setSecret wait until that file exists (the SIGKILL test uses it).
LAMBDA_FUNCTION = '''
import os
import time

import boto3

WAIT_FILE = %r


def lambda_handler(event, context):
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    client = boto3.client("secretsmanager")
    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError("rotation is not enabled")
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError("no such version")
    if "AWSCURRENT" in versions[token]:
        return
    if "AWSPENDING" not in versions[token]:
        raise ValueError("not pending")
    if step == "createSecret":
        client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
        try:
            client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        except client.exceptions.ResourceNotFoundException:
            password = client.get_random_password(ExcludePunctuation=True)["RandomPassword"]
            client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=password,
                                    VersionStages=["AWSPENDING"])
    elif step == "setSecret":
        while WAIT_FILE and not os.path.exists(WAIT_FILE):
            time.sleep(0.1)
    elif step == "testSecret":
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    elif step == "finishSecret":
        current = None
        for version, stages in versions.items():
            if "AWSCURRENT" in stages:
                current = version
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                           RemoveFromVersionId=current)
    else:
        raise ValueError("unknown step " + step)
'''


def make_function(root, wait_file=""):
    """The function's directory, and an allowed launcher that runs the shim with this Python (boto3)."""
    function_dir = os.path.join(root, "function")
    os.makedirs(function_dir)
    with open(os.path.join(function_dir, "lambda_function.py"), "w") as f:
        f.write(LAMBDA_FUNCTION % wait_file)
    bin_dir = os.path.join(root, "rotators")
    os.makedirs(bin_dir)
    launcher = os.path.join(bin_dir, "rotate")
    with open(launcher, "w") as f:
        f.write("#!/bin/sh\nexec %s %s %s\n" % (sys.executable, SHIM, function_dir))
    os.chmod(launcher, stat.S_IRWXU)
    config = os.path.join(root, "strongroom.toml")
    with open(config, "w") as f:
        f.write('[rotation]\nallowed_commands = ["%s/"]\nstep_timeout_seconds = 10\n' % bin_dir)
    return launcher, config


class ConfiguredServer(DevServer):
    def __init__(self, data_dir, config):
        super().__init__(data_dir)
        self.config = config

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        os.environ["STRONGROOM_CONFIG"] = self.config
        try:
            return super().start()
        finally:
            del os.environ["STRONGROOM_CONFIG"]


def strongroom_api(server, operation, body):
    """Calls Strongroom's rotation API, signed by botocore."""
    creds = Credentials(server.exports["AWS_ACCESS_KEY_ID"], server.exports["AWS_SECRET_ACCESS_KEY"])
    request = AWSRequest(method="POST", url=server.exports["AWS_ENDPOINT_URL"] + "/", data=json.dumps(body),
                         headers={"Content-Type": "application/x-amz-json-1.1",
                                  "X-Amz-Target": "StrongroomRotation." + operation})
    SigV4Auth(creds, "strongroom", "us-east-1").add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(prepared.url, data=prepared.body.encode() if isinstance(prepared.body, str) else prepared.body, headers=dict(prepared.headers), method="POST")
    with urllib.request.urlopen(raw, timeout=30) as response:
        return json.loads(response.read().decode())


def aws_json(server, *args):
    out = server.aws(*args, "--output", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def set_up_function(server, launcher):
    role = aws_json(server, "iam", "create-role", "--role-name", "rotator",
                    "--assume-role-policy-document", TRUST)["Role"]["Arn"]
    aws_json(server, "iam", "put-role-policy", "--role-name", "rotator", "--policy-name", "all",
             "--policy-document", ALLOW_ALL)
    created = strongroom_api(server, "CreateRotationFunction", {
        "FunctionName": "python-rotator", "Kind": "command",
        "Configuration": json.dumps({"command": [launcher]}), "Role": role})
    return created["Function"]["FunctionArn"]


def wait_until_current(server, secret, token, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        described = aws_json(server, "secretsmanager", "describe-secret", "--secret-id", secret)
        stages = described.get("VersionIdsToStages", {})
        # Finished: finishSecret moved AWSCURRENT, and then the engine took AWSPENDING off (a moment later).
        if "AWSCURRENT" in stages.get(token, []) and not any("AWSPENDING" in s for s in stages.values()):
            return described
        time.sleep(0.5)
    raise AssertionError("rotation did not finish: %r\n%s" % (described, server.log()))


def test_an_aws_style_python_function_rotates_through_the_shim(data_dir):
    launcher, config = make_function(data_dir)
    server = ConfiguredServer(os.path.join(data_dir, "server"), config).start()
    try:
        function = set_up_function(server, launcher)
        aws_json(server, "secretsmanager", "create-secret", "--name", "app", "--secret-string", "first")
        rotated = aws_json(server, "secretsmanager", "rotate-secret", "--secret-id", "app",
                           "--rotation-lambda-arn", function,
                           "--rotation-rules", '{"ScheduleExpression":"rate(4 hours)"}')
        token = rotated["VersionId"]
        described = wait_until_current(server, "app", token)
        assert described["RotationEnabled"] is True
        assert "NextRotationDate" in described and "LastRotatedDate" in described
        current = aws_json(server, "secretsmanager", "get-secret-value", "--secret-id", "app")
        assert current["VersionId"] == token and current["SecretString"] != "first"
        previous = aws_json(server, "secretsmanager", "get-secret-value", "--secret-id", "app",
                            "--version-stage", "AWSPREVIOUS")
        assert previous["SecretString"] == "first"
    finally:
        server.stop()


def test_a_server_killed_between_steps_finishes_the_rotation_after_restart(data_dir):
    go = os.path.join(data_dir, "go")
    launcher, config = make_function(data_dir, wait_file=go)
    server_dir = os.path.join(data_dir, "server")
    first = ConfiguredServer(server_dir, config).start()
    try:
        function = set_up_function(first, launcher)
        aws_json(first, "secretsmanager", "create-secret", "--name", "app", "--secret-string", "first")
        token = aws_json(first, "secretsmanager", "rotate-secret", "--secret-id", "app",
                         "--rotation-lambda-arn", function)["VersionId"]
        # createSecret has run (the pending version has its value) and setSecret waits for the file.
        deadline = time.time() + 60
        while time.time() < deadline:
            out = first.aws("secretsmanager", "get-secret-value", "--secret-id", "app", "--version-id", token,
                            "--version-stage", "AWSPENDING")
            if out.returncode == 0:
                break
            time.sleep(0.2)
        assert out.returncode == 0, out.stderr + first.log()
        pending_value = json.loads(out.stdout)["SecretString"]
    finally:
        first.stop(signal.SIGKILL)

    second = ConfiguredServer(server_dir, config).start()
    try:
        with open(go, "w"):
            pass
        described = wait_until_current(second, "app", token)
        stages = described["VersionIdsToStages"]
        assert stages[token] == ["AWSCURRENT"]
        assert sorted(s for v in stages.values() for s in v) == ["AWSCURRENT", "AWSPREVIOUS"]
        # The value createSecret stored before the kill is the one that became current: no step ran twice
        # with a different result, and no version was lost.
        current = aws_json(second, "secretsmanager", "get-secret-value", "--secret-id", "app")
        assert current["SecretString"] == pending_value
        previous = aws_json(second, "secretsmanager", "get-secret-value", "--secret-id", "app",
                            "--version-stage", "AWSPREVIOUS")
        assert previous["SecretString"] == "first"
        versions = aws_json(second, "secretsmanager", "list-secret-version-ids", "--secret-id", "app")
        assert len(versions["Versions"]) == 2
    finally:
        second.stop()
