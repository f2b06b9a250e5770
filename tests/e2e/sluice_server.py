"""Shared helpers for sluice's end-to-end tests.

Starts the real binary (SLUICE_BIN, default build/sluice) on a free port with
``--port 0``, reads the address line it prints, and offers boto3 clients, an
aws-cli runner and raw HTTP helpers against it.
"""

import copy
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SLUICE_BIN = os.environ.get("SLUICE_BIN", os.path.join(REPO, "build", "sluice"))

# boto3 and aws-cli speak the project's committed CodePipeline model (model/),
# not the one their installed version bundles: Debian 12's botocore knows 39 of
# the 44 operations and older shapes of the rest. Both read AWS_DATA_PATH
# before their own data, and aws-cli inherits it from this environment.
MODEL_DATA_PATH = os.path.join(REPO, "model")
os.environ["AWS_DATA_PATH"] = os.pathsep.join(
    [MODEL_DATA_PATH] + [p for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p])

TARGET_PREFIX = "CodePipeline_20150709."
DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
ADDRESS_PREFIX = "sluice 0.1.0 listening on http://127.0.0.1:"
HTTPS_PREFIX = ADDRESS_PREFIX.replace("http://", "https://")  # --tls


def binary_available():
    return os.path.isfile(SLUICE_BIN) and os.access(SLUICE_BIN, os.X_OK)


def read_line(stream, timeout):
    """One line from a pipe, or None if none arrives within timeout seconds."""
    deadline = time.monotonic() + timeout
    data = b""
    fd = stream.fileno()
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1)
        if not chunk:
            return data.decode() if data else None
        data += chunk
    return data.decode()


class SluiceServer:
    """One running sluice process."""

    def __init__(self, *extra_args, env=None, log_level="warn", stderr=None,
                 port_args=("--port", "0")):
        args = [SLUICE_BIN, *port_args]
        if log_level is not None:
            args += ["--log-level", log_level]
        args += list(extra_args)
        full_env = dict(os.environ)
        for key in [k for k in full_env if k.startswith("SLUICE_")]:
            del full_env[key]
        if env:
            full_env.update(env)
        self.args = args
        # By default the server's stderr goes to a file, so that a crash (a
        # sanitizer report, say) can be shown when the server exits badly.
        self._stderr_file = None
        if stderr is None:
            self._stderr_file = tempfile.TemporaryFile()
            stderr = self._stderr_file
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, env=full_env)
        line = read_line(self.proc.stdout, 10)
        if line is None or not line.startswith((ADDRESS_PREFIX, HTTPS_PREFIX)):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"sluice did not print its address line; got {line!r}; "
                               f"stderr: {self.stderr_tail()}")
        self.address_line = line.rstrip("\n")
        self.tls = self.address_line.startswith(HTTPS_PREFIX)
        prefix = HTTPS_PREFIX if self.tls else ADDRESS_PREFIX
        self.port = int(self.address_line[len(prefix):])
        self.host = "127.0.0.1"
        self.scheme = "https" if self.tls else "http"
        self.endpoint = f"{self.scheme}://127.0.0.1:{self.port}"

    def stderr_tail(self, limit=6000):
        """The last `limit` characters the server wrote to stderr, if captured."""
        if self._stderr_file is None:
            return ""
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode(errors="replace")[-limit:]

    # --- lifecycle -------------------------------------------------------
    def stop(self, sig=signal.SIGTERM, timeout=5):
        """Stops the server with sig; returns (exit code, seconds taken)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"sluice did not stop within {timeout}s of signal {sig}")
        finally:
            if self.proc.stdout:
                self.proc.stdout.close()
        return code, time.monotonic() - start

    def __del__(self):
        if getattr(self, "_stderr_file", None) is not None:
            self._stderr_file.close()

    # --- boto3 -----------------------------------------------------------
    def client(self, access_key="AKIDEXAMPLE", region=DEFAULT_REGION):
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key="dummy-secret",
            region_name=region)
        return session.client(
            "codepipeline", endpoint_url=self.endpoint,
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=15))

    # --- aws-cli ---------------------------------------------------------
    def aws(self, *args, access_key="AKIDEXAMPLE", region=DEFAULT_REGION):
        """Runs `aws codepipeline ...`-style args; returns (rc, parsed JSON or None, stderr)."""
        env = dict(os.environ)
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.pop(key, None)
        env.update({
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": "dummy-secret",
            "AWS_DEFAULT_REGION": region,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_PAGER": "",
        })
        cmd = ["aws", "--endpoint-url", self.endpoint, "--output", "json", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        out = done.stdout.strip()
        parsed = json.loads(out) if out else None
        return done.returncode, parsed, done.stderr

    # --- raw HTTP --------------------------------------------------------
    def connection(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def raw(self, body, target=None, method="POST", path="/", headers=None, conn=None):
        """Sends one request; returns (status, headers dict lower-cased, body bytes)."""
        own = conn is None
        conn = conn or self.connection()
        try:
            all_headers = {"Content-Type": "application/x-amz-json-1.1"}
            if target is not None:
                all_headers["X-Amz-Target"] = target
            if headers:
                all_headers.update(headers)
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            if own:
                conn.close()

    def call(self, operation, body, **kwargs):
        """POSTs an operation; returns (status, headers, parsed JSON body)."""
        status, headers, data = self.raw(body, target=TARGET_PREFIX + operation, **kwargs)
        return status, headers, json.loads(data) if data else None


class ServerTestCase(unittest.TestCase):
    """One sluice server per TestCase class."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not binary_available():
            raise RuntimeError(f"sluice binary not found at {SLUICE_BIN}: build it, or set SLUICE_BIN")
        cls.server = SluiceServer(*cls.server_args)

    @classmethod
    def tearDownClass(cls):
        code, _ = cls.server.stop()
        super().tearDownClass()
        if code != 0:
            raise AssertionError(f"sluice exited with {code} after SIGTERM, expected 0; "
                                 f"its stderr ended with:\n{cls.server.stderr_tail()}")
        # The engine logs a status change its tables do not allow (a debug
        # build asserts instead): every module's run checks the tables.
        if STATUS_TABLE_BREACH in cls.server.stderr_tail(limit=10**7):
            raise AssertionError("sluice made a status change its status tables do not allow:\n"
                                 f"{cls.server.stderr_tail()}")

    def assertClientError(self, context, code, message_contains=None):
        """Checks a botocore ClientError caught by assertRaises."""
        error = context.exception.response["Error"]
        self.assertEqual(error["Code"], code, error)
        if message_contains is not None:
            self.assertIn(message_contains, error.get("Message", ""))


# --- pipeline declarations ----------------------------------------------

def source_action(name="Source", output="SourceOutput", **extra):
    action = {
        "name": name,
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"S3Bucket": "my-bucket", "S3ObjectKey": "source.zip"},
        "outputArtifacts": [{"name": output}],
    }
    action.update(extra)
    return action


def build_action(name="Build", inputs=("SourceOutput",), outputs=(), **extra):
    action = {
        "name": name,
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                         "version": "1"},
        "configuration": {"ProjectName": "my-project"},
        "inputArtifacts": [{"name": n} for n in inputs],
    }
    if outputs:
        action["outputArtifacts"] = [{"name": n} for n in outputs]
    action.update(extra)
    return action


def approval_action(name="Approve", **extra):
    action = {
        "name": name,
        "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual",
                         "version": "1"},
    }
    action.update(extra)
    return action


def pipeline_decl(name="demo", **extra):
    """A minimal valid pipeline: S3 source, then CodeBuild."""
    decl = {
        "name": name,
        "roleArn": "arn:aws:iam::123456789012:role/CodePipelineRole",
        "artifactStore": {"type": "S3", "location": "my-artifact-bucket"},
        "stages": [
            {"name": "Source", "actions": [source_action()]},
            {"name": "Build", "actions": [build_action()]},
        ],
    }
    decl.update(extra)
    return copy.deepcopy(decl)


def write_json_file(directory, name, content):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(content, f)
    return path


def temp_dir(test_case):
    directory = tempfile.TemporaryDirectory(prefix="sluice-e2e-")
    test_case.addCleanup(directory.cleanup)
    return directory.name


# What the engine logs when a status change breaks the tables of
# src/domain/engine/engine_state.h.
STATUS_TABLE_BREACH = "which the status table does not allow"


def log(*args):
    print(*args, file=sys.stderr)
