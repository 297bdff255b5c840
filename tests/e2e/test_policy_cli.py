"""`strongroom policy simulate` against the real binary and a running dev server: a user made with the aws CLI,
whose inline policy allows one action, denies another and allows a third only from a network, is asked about;
each line names the decision and the deciding statement by its position; the exit status is 0 when everything
is allowed, 1 when anything is denied and 2 when the question could not be asked."""

import json
import subprocess

from conftest import BIN

ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/db-AbCdEf"
# Indented, so each statement starts on a line of its own and its position is easy to state.
POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/*"},
        {"Sid": "NeverDelete", "Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*"},
        {"Sid": "FromTheOffice", "Effect": "Allow", "Action": "secretsmanager:PutSecretValue", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    ],
}, indent=2)


def statement_line(sid):
    """The line (from 1) of the `{` that opens the statement with this Sid."""
    lines = POLICY.split("\n")
    sid_index = next(i for i, line in enumerate(lines) if f'"Sid": "{sid}"' in line)
    assert lines[sid_index - 1].strip() == "{"
    return sid_index  # the opening brace is the line before, and lines count from 1


def simulate(server, *args, **env):
    return subprocess.run([BIN, "policy", "simulate", *args], env=server.env(**env), capture_output=True,
                          text=True, timeout=60)


def make_alice(server):
    for args in (("iam", "create-user", "--user-name", "alice"),
                 ("iam", "put-user-policy", "--user-name", "alice", "--policy-name", "app-secrets",
                  "--policy-document", POLICY)):
        out = server.aws(*args)
        assert out.returncode == 0, out.stderr


def test_each_action_gets_its_decision_and_deciding_statement(server):
    make_alice(server)
    out = simulate(server, "--principal", ALICE, "--resource", SECRET,
                   "--action", "secretsmanager:GetSecretValue", "--action", "secretsmanager:DeleteSecret",
                   "--action", "secretsmanager:PutSecretValue", "--action", "secretsmanager:ListSecrets")
    assert out.returncode == 1, out.stderr  # something is denied
    lines = out.stdout.splitlines()
    assert lines == [
        f"allowed  secretsmanager:GetSecretValue  {SECRET}  by app-secrets (user policy) "
        f"statement at line {statement_line('Read')} column 5",
        f"explicitDeny  secretsmanager:DeleteSecret  {SECRET}  by app-secrets (user policy) "
        f"statement at line {statement_line('NeverDelete')} column 5",
        # No source address in the request: the condition does not hold, nothing allows.
        f"implicitDeny  secretsmanager:PutSecretValue  {SECRET}  by no statement",
        f"implicitDeny  secretsmanager:ListSecrets  {SECRET}  by no statement",
    ], out.stdout

    # Everything allowed: exit 0. A context value makes the conditional statement decide.
    out = simulate(server, "--principal", ALICE, "--resource", SECRET, "--action", "secretsmanager:GetSecretValue",
                   "--action", "secretsmanager:PutSecretValue", "--context", "aws:SourceIp=ip:10.1.2.3")
    assert out.returncode == 0, out.stdout + out.stderr
    assert [line.split("  ")[0] for line in out.stdout.splitlines()] == ["allowed", "allowed"]
    assert f"statement at line {statement_line('FromTheOffice')} column 5" in out.stdout.splitlines()[1]

    out = simulate(server, "--principal", ALICE, "--resource", SECRET, "--action", "secretsmanager:PutSecretValue",
                   "--context", "aws:SourceIp=ip:192.168.1.1")
    assert out.returncode == 1 and out.stdout.startswith("implicitDeny  "), out.stdout + out.stderr


def test_json_is_the_aws_cli_shape_and_agrees_with_the_aws_cli(server):
    make_alice(server)
    out = simulate(server, "--principal", ALICE, "--resource", SECRET, "--action", "secretsmanager:GetSecretValue",
                   "--action", "secretsmanager:DeleteSecret", "--json")
    assert out.returncode == 1, out.stderr
    ours = json.loads(out.stdout)["EvaluationResults"]
    theirs = server.aws("iam", "simulate-principal-policy", "--policy-source-arn", ALICE, "--resource-arns", SECRET,
                        "--action-names", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret",
                        "--output", "json")
    assert theirs.returncode == 0, theirs.stderr
    theirs = json.loads(theirs.stdout)["EvaluationResults"]
    keys = ("EvalActionName", "EvalResourceName", "EvalDecision", "MatchedStatements")
    assert [{k: r[k] for k in keys} for r in ours] == [{k: r[k] for k in keys} for r in theirs]
    assert ours[0]["MatchedStatements"][0]["SourcePolicyId"] == "app-secrets"
    assert ours[0]["MatchedStatements"][0]["StartPosition"] == {"Line": statement_line("Read"), "Column": 5}


def test_questions_that_cannot_be_asked_exit_2(server):
    make_alice(server)
    # An unknown principal: the server's error, in one line.
    out = simulate(server, "--principal", f"arn:aws:iam::{ACCOUNT}:user/nobody", "--action", "iam:GetUser")
    assert out.returncode == 2
    assert out.stderr.startswith("error: NoSuchEntity: "), out.stderr
    assert out.stdout == ""
    # Credentials that are not the server's.
    out = simulate(server, "--principal", ALICE, "--action", "iam:GetUser",
                   AWS_SECRET_ACCESS_KEY="not-the-secret")
    assert out.returncode == 2 and out.stderr.startswith("error: SignatureDoesNotMatch: "), out.stderr
    # A malformed context entry is refused by the argument parser (clap's usage status, also 2).
    out = simulate(server, "--principal", ALICE, "--action", "iam:GetUser", "--context", "aws:SourceIp=10.0.0.1")
    assert out.returncode == 2 and "KEY=TYPE:VALUE" in out.stderr, out.stderr
    # --endpoint and --region win over the environment.
    out = simulate(server, "--principal", ALICE, "--action", "iam:GetUser", "--endpoint", "http://127.0.0.1:1",
                   "--region", "us-east-1")
    assert out.returncode == 2 and "cannot connect" in out.stderr, out.stderr
    no_region = {"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}
    out = simulate(server, "--principal", ALICE, "--action", "iam:GetUser", **no_region)
    assert out.returncode == 2 and out.stderr.startswith("error: no region"), out.stderr
    out = simulate(server, "--principal", ALICE, "--action", "iam:GetUser", "--region", "us-east-1", **no_region)
    assert (out.returncode, out.stdout) == (1, "implicitDeny  iam:GetUser  *  by no statement\n"), out.stderr
