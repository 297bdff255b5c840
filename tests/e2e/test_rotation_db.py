"""The built-in PostgreSQL single-user rotator end to end with the real binary and `aws secretsmanager
rotate-secret`: the role's password in PostgreSQL (127.0.0.1:5432, user `postgres`) becomes the new AWSCURRENT
password and the old one stops working. Skipped when PostgreSQL or `psql` is missing, unless
STRONGROOM_REQUIRE_PG=1.

The local PostgreSQL trusts every login from 127.0.0.1, so the test reads the role's stored verifier instead
of logging in: its database stores md5 verifiers, `md5(password || user)`, which SQL recomputes."""

import json
import os
import shutil
import subprocess
import uuid

import pytest

from test_rotation import ALLOW_ALL, TRUST, aws_json, strongroom_api, wait_until_current


def psql(sql, database="test", **variables):
    """Runs `sql` (from stdin, so `:'name'` variables are quoted by psql) as `postgres`; returns stdout."""
    args = ["psql", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", database, "-X", "-q", "-A", "-t",
            "-v", "ON_ERROR_STOP=1"]
    for key, value in variables.items():
        args += ["-v", "%s=%s" % (key, value)]
    out = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def postgres_available():
    reason = None
    if shutil.which("psql") is None:
        reason = "psql is not installed"
    else:
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "test", "-X",
                              "-c", "SELECT 1"], capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            reason = "PostgreSQL not reachable at 127.0.0.1:5432: " + out.stderr.strip()
    if reason is None:
        return True
    if os.environ.get("STRONGROOM_REQUIRE_PG") == "1":
        pytest.fail(reason + " and STRONGROOM_REQUIRE_PG=1")
    pytest.skip(reason)
    return False


def password_is(user, password):
    return psql("SELECT rolpassword = 'md5' || md5(:'pw' || rolname) FROM pg_authid WHERE rolname = :'user';\n",
                pw=password, user=user) == "t"


def test_postgres_single_user_rotation_with_the_aws_cli(server):
    postgres_available()
    name = "sre2e_" + uuid.uuid4().hex[:12]
    try:
        psql('CREATE DATABASE "%s";\n' % name)
        psql("ALTER DATABASE \"%s\" SET password_encryption = 'md5';\n" % name)
        psql("SET password_encryption = 'md5';\nCREATE ROLE \"%s\" WITH LOGIN PASSWORD 'first-password';\n" % name)
        assert password_is(name, "first-password")

        role = aws_json(server, "iam", "create-role", "--role-name", "rotator",
                        "--assume-role-policy-document", TRUST)["Role"]["Arn"]
        aws_json(server, "iam", "put-role-policy", "--role-name", "rotator", "--policy-name", "all",
                 "--policy-document", ALLOW_ALL)
        function = strongroom_api(server, "CreateRotationFunction", {
            "FunctionName": "postgres", "Kind": "builtin",
            "Configuration": json.dumps({"rotator": "postgresql-single-user"}), "Role": role,
        })["Function"]["FunctionArn"]
        secret = {"engine": "postgres", "host": "127.0.0.1", "port": 5432, "username": name,
                  "password": "first-password", "dbname": name}
        aws_json(server, "secretsmanager", "create-secret", "--name", "app/postgres",
                 "--secret-string", json.dumps(secret))

        rotated = aws_json(server, "secretsmanager", "rotate-secret", "--secret-id", "app/postgres",
                           "--rotation-lambda-arn", function,
                           "--rotation-rules", '{"ScheduleExpression":"rate(4 hours)"}')
        token = rotated["VersionId"]
        described = wait_until_current(server, "app/postgres", token)
        assert described["RotationEnabled"] is True

        current = json.loads(aws_json(server, "secretsmanager", "get-secret-value",
                                      "--secret-id", "app/postgres")["SecretString"])
        assert current["username"] == name and current["host"] == "127.0.0.1"
        assert current["password"] != "first-password"
        assert password_is(name, current["password"])
        assert not password_is(name, "first-password")
        previous = json.loads(aws_json(server, "secretsmanager", "get-secret-value", "--secret-id", "app/postgres",
                                       "--version-stage", "AWSPREVIOUS")["SecretString"])
        assert previous["password"] == "first-password"
        # The server never logs a password.
        assert current["password"] not in server.log()
    finally:
        psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE);\nDROP ROLE IF EXISTS "%s";\n' % (name, name))
