"""Fixtures that run the real `strongroom dev` binary and hand its exported environment to the tests."""

import os
import signal
import subprocess
import tempfile
import time

import pytest

BIN = os.environ.get("STRONGROOM_BIN", "strongroom")


class DevServer:
    """One `strongroom dev` process on a random loopback port, with the environment it printed."""

    def __init__(self, data_dir, tls=False):
        self.data_dir = data_dir
        self.tls = tls
        self.proc = None
        self.exports = {}
        self.log_path = os.path.join(data_dir, "server.log")

    def start(self):
        args = [BIN, "dev", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir]
        if self.tls:
            args.append("--tls")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
        expected = 5 if self.tls else 4
        lines = []
        deadline = time.time() + 60
        while len(lines) < expected and time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
        assert len(lines) == expected, f"strongroom dev printed {lines!r}; log: {self.log()}"
        self.exports = parse_exports(lines)
        return self

    def env(self, **overrides):
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("AWS_"):
                del env[key]
        env.update(self.exports)
        # AWS CLI v1 (the one pip installs) reads only AWS_DEFAULT_REGION; v2 and the SDKs read AWS_REGION.
        env["AWS_DEFAULT_REGION"] = self.exports["AWS_REGION"]
        env["AWS_CONFIG_FILE"] = os.path.join(self.data_dir, "no-config")
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(self.data_dir, "no-credentials")
        env.update(overrides)
        return env

    def aws(self, *args, **overrides):
        return subprocess.run(["aws", *args], env=self.env(**overrides), capture_output=True, text=True, timeout=120)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            return self.proc.wait(timeout=30)
        return self.proc.returncode if self.proc else None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def parse_exports(lines):
    exports = {}
    for line in lines:
        assert line.startswith("export "), line
        key, _, value = line[len("export "):].partition("=")
        exports[key] = value
    return exports


@pytest.fixture
def data_dir():
    with tempfile.TemporaryDirectory(prefix="strongroom-e2e-") as d:
        yield d


@pytest.fixture
def server(data_dir):
    s = DevServer(data_dir).start()
    yield s
    s.stop()
