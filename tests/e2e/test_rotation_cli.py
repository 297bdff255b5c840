"""`strongroom function …` and `strongroom subscription …` against the real binary: a built-in random-password
function registered with one CLI command, listed, updated and used by `aws secretsmanager rotate-secret`; a
subscription created, listed and deleted (its signing key shown by the create call only); errors as
`error: <Code>: <message>` with a non-zero exit; and a subscription receiving SecretVersionDeprecated exactly when a
version loses its last staging label (PutSecretValue, UpdateSecret, UpdateSecretVersionStage, finishSecret)."""

import http.server
import json
import queue
import subprocess
import threading
import time

from conftest import BIN

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def cli(server, *args, **env):
    return subprocess.run([BIN, *args], env=server.env(**env), capture_output=True, text=True, timeout=60)


def cli_json(server, *args):
    out = cli(server, *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def aws_json(server, *args):
    out = server.aws(*args, "--output", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def make_role(server, name):
    arn = aws_json(server, "iam", "create-role", "--role-name", name,
                   "--assume-role-policy-document", TRUST)["Role"]["Arn"]
    aws_json(server, "iam", "put-role-policy", "--role-name", name, "--policy-name", "all",
             "--policy-document", ALLOW_ALL)
    return arn


def test_functions_are_registered_listed_updated_used_and_removed(server):
    role = make_role(server, "rotator")
    other_role = make_role(server, "rotator2")

    registered = cli_json(server, "function", "register", "--name", "passwords", "--rotator", "random-password",
                          "--role", role)
    function = registered["Function"]
    account = role.split(":")[4]
    assert function["FunctionArn"] == "arn:aws:lambda:us-east-1:%s:function:passwords" % account
    assert function["Kind"] == "builtin"
    assert json.loads(function["Configuration"]) == {"rotator": "random-password"}
    assert "SigningKey" not in registered

    listed = cli_json(server, "function", "list")
    assert [f["FunctionName"] for f in listed["Functions"]] == ["passwords"]
    got = cli_json(server, "function", "get", "passwords")
    assert got["Function"]["FunctionArn"] == function["FunctionArn"]

    # Only the role changes; the kind and configuration are kept.
    updated = cli_json(server, "function", "update", "passwords", "--role", other_role)["Function"]
    assert updated["Role"] == other_role
    assert updated["Kind"] == "builtin"
    assert json.loads(updated["Configuration"]) == {"rotator": "random-password"}
    updated = cli_json(server, "function", "update", function["FunctionArn"], "--timeout-seconds", "30")["Function"]
    assert json.loads(updated["Configuration"]) == {"rotator": "random-password", "timeoutSeconds": 30}
    assert updated["Role"] == other_role

    aws_json(server, "secretsmanager", "create-secret", "--name", "app/pw", "--secret-string", "first")
    token = aws_json(server, "secretsmanager", "rotate-secret", "--secret-id", "app/pw",
                     "--rotation-lambda-arn", function["FunctionArn"],
                     "--rotation-rules", '{"ScheduleExpression":"rate(4 hours)"}',
                     "--rotate-immediately")["VersionId"]
    deadline = time.time() + 60
    while time.time() < deadline:
        described = aws_json(server, "secretsmanager", "describe-secret", "--secret-id", "app/pw")
        if "AWSCURRENT" in described["VersionIdsToStages"].get(token, []):
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the rotation did not finish: %r\n%s" % (described, server.log()))
    assert described["RotationLambdaARN"] == function["FunctionArn"]
    current = aws_json(server, "secretsmanager", "get-secret-value", "--secret-id", "app/pw")
    assert current["SecretString"] != "first"

    assert cli_json(server, "function", "delete", "passwords") == {}
    assert cli_json(server, "function", "list") == {"Functions": []}


def test_a_webhook_function_shows_its_key_on_registration_only(server):
    role = make_role(server, "rotator")
    registered = cli_json(server, "function", "register", "--name", "hook", "--url", "https://hooks.example/r",
                          "--role", role)
    assert registered["Function"]["Kind"] == "webhook"
    key = registered["SigningKey"]
    for args in (["function", "get", "hook"], ["function", "list"], ["function", "update", "hook",
                                                                      "--timeout-seconds", "10"]):
        out = cli(server, *args)
        assert out.returncode == 0, out.stderr
        assert key not in out.stdout and key not in out.stderr and "SigningKey" not in out.stdout


def test_subscriptions_are_created_listed_and_deleted(server):
    created = cli_json(server, "subscription", "create", "--url", "http://127.0.0.1:9/hook",
                       "--event", "RotationSucceeded", "--event", "SecretVersionDeprecated")
    subscription = created["Subscription"]
    key = created["SigningKey"]
    assert subscription["EventNames"] == ["RotationSucceeded", "SecretVersionDeprecated"]

    out = cli(server, "subscription", "list")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)["Subscriptions"]
    assert [s["SubscriptionId"] for s in listed] == [subscription["SubscriptionId"]]
    assert key not in out.stdout and "SigningKey" not in out.stdout

    assert cli_json(server, "subscription", "dead-letters", "--max-results", "10") == {"DeadLetters": []}
    assert cli_json(server, "subscription", "delete", subscription["SubscriptionId"]) == {}
    assert cli_json(server, "subscription", "list") == {"Subscriptions": []}


def test_errors_name_the_aws_code_and_exit_non_zero(server):
    role = make_role(server, "rotator")
    cli_json(server, "function", "register", "--name", "dup", "--rotator", "random-password", "--role", role)
    cases = [
        (["function", "register", "--name", "dup", "--rotator", "random-password", "--role", role],
         "ResourceExistsException"),
        (["function", "get", "nope"], "ResourceNotFoundException"),
        (["function", "update", "nope", "--role", role], "ResourceNotFoundException"),
        (["function", "delete", "nope"], "ResourceNotFoundException"),
        (["function", "register", "--name", "x", "--rotator", "no-such-rotator", "--role", role],
         "InvalidParameterException"),
        (["function", "register", "--name", "x", "--rotator", "random-password",
          "--role", role.replace("rotator", "missing")], "InvalidParameterException"),
        (["subscription", "delete", "no-such-id"], "ResourceNotFoundException"),
        (["subscription", "create", "--url", "http://h/x", "--event", "NoSuchEvent"], "InvalidParameterException"),
    ]
    for args, code in cases:
        out = cli(server, *args)
        assert out.returncode != 0, args
        assert out.stdout == "", args
        assert out.stderr.startswith("error: %s: " % code), (args, out.stderr)

    # Refused before any call: an unusable flag combination, and no endpoint at all.
    out = cli(server, "function", "register", "--name", "x", "--rotator", "a", "--url", "https://h", "--role", role)
    assert out.returncode != 0 and out.stderr.startswith("error: "), out.stderr
    out = cli(server, "function", "list", AWS_ENDPOINT_URL="")
    assert out.returncode != 0 and "AWS_ENDPOINT_URL" in out.stderr, out.stderr
    # --endpoint-url wins over the environment.
    out = cli(server, "function", "list", "--endpoint-url", server.exports["AWS_ENDPOINT_URL"],
              AWS_ENDPOINT_URL="http://127.0.0.1:9")
    assert out.returncode == 0, out.stderr
    # Wrong credentials are the server's refusal, with its code.
    out = cli(server, "subscription", "list", AWS_SECRET_ACCESS_KEY="wrong")
    assert out.returncode != 0 and out.stderr.startswith("error: "), out.stderr
    assert "Signature" in out.stderr or "AccessDenied" in out.stderr, out.stderr


class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.events.put(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def webhook_receiver():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    httpd.events = queue.Queue()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, "http://127.0.0.1:%d/hook" % httpd.server_address[1]


def test_a_cli_subscription_receives_version_deprecations_and_only_those(server):
    role = make_role(server, "rotator")
    function = cli_json(server, "function", "register", "--name", "pw", "--rotator", "random-password",
                        "--role", role)["Function"]["FunctionArn"]
    v = ["00000000-0000-4000-8000-%012d" % n for n in range(8)]
    arn = aws_json(server, "secretsmanager", "create-secret", "--name", "app/dep", "--secret-string", "1",
                   "--client-request-token", v[1])["ARN"]
    httpd, url = webhook_receiver()
    try:
        cli_json(server, "subscription", "create", "--url", url, "--event", "SecretVersionDeprecated",
                 "--secret-id", arn)

        def put(n):
            aws_json(server, "secretsmanager", "put-secret-value", "--secret-id", "app/dep",
                     "--secret-string", str(n), "--client-request-token", v[n])

        def deprecated():
            event = httpd.events.get(timeout=60)
            assert event["detail"]["eventName"] == "SecretVersionDeprecated", event
            assert event["resources"] == [arn], event
            return event["detail"]["additionalEventData"]["VersionId"]

        put(2)  # v1 becomes AWSPREVIOUS: nothing deprecated, nothing sent
        put(3)  # v1 loses AWSPREVIOUS
        assert deprecated() == v[1]
        aws_json(server, "secretsmanager", "update-secret-version-stage", "--secret-id", "app/dep",
                 "--version-stage", "AWSPREVIOUS", "--remove-from-version-id", v[2])
        assert deprecated() == v[2]
        def update(n):
            aws_json(server, "secretsmanager", "update-secret", "--secret-id", "app/dep", "--secret-string", str(n),
                     "--client-request-token", v[n])

        update(4)  # v3 becomes AWSPREVIOUS, which no version held: nothing deprecated
        update(5)  # v3 loses it
        assert deprecated() == v[3]
        token = aws_json(server, "secretsmanager", "rotate-secret", "--secret-id", "app/dep",
                         "--rotation-lambda-arn", function)["VersionId"]
        assert deprecated() == v[4]  # finishSecret: v5 becomes AWSPREVIOUS, v4 loses it
        stages = aws_json(server, "secretsmanager", "describe-secret", "--secret-id", "app/dep")["VersionIdsToStages"]
        assert stages[token] == ["AWSCURRENT"] and stages[v[5]] == ["AWSPREVIOUS"], stages
        # A label added to a labelled version deprecates nothing.
        aws_json(server, "secretsmanager", "update-secret-version-stage", "--secret-id", "app/dep",
                 "--version-stage", "KEEP", "--move-to-version-id", v[5])
        try:
            extra = httpd.events.get(timeout=4)
        except queue.Empty:
            extra = None
        assert extra is None, extra
    finally:
        httpd.shutdown()
