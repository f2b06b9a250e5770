"""Helpers for the end-to-end tests of strict SigV4, the control token and
HTTPS (test_auth.py, test_tls.py).

AuthServer is a SluiceServer that may listen on https:// (sluice_server's
reads only an http:// address line) and can wait for a line on its stderr.
The clients are the real ones: boto3 and aws-cli reading the credential and
config files sluice wrote (through the same AWS_* variables a user sets), and
requests signed by botocore's own SigV4Auth, then sent over http.client so
that a test can change what was signed (the body, a header, the scope).
Nothing here is newer than Debian 12's botocore 1.29 (which signs with awscrt's
signer when python3-awscrt is installed, as Debian's awscli 2.9 installs it).
"""

import contextlib
import datetime
import http.client
import json
import os
import re
import ssl
import subprocess
import tempfile
import time
import types
import unittest
from unittest import mock

from sluice_server import (ADDRESS_PREFIX, HTTPS_PREFIX, DEFAULT_REGION, SLUICE_BIN, STATUS_TABLE_BREACH,
                           TARGET_PREFIX, SluiceServer, binary_available, read_line)

JSON_11 = "application/x-amz-json-1.1"
CONTROL_HEADER = "X-Sluice-Control-Token"
CONTROL_COOKIE = "sluice_control_token"

# The messages of the README's table, worded as AWS's JSON services word them.
MISSING_TOKEN = "Request is missing Authentication Token"
INVALID_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult the "
                      "service documentation for details.")
WRONG_SERVICE = "Credential should be scoped to correct service: 'codepipeline'. "
WRONG_REGION = "Credential should be scoped to a valid region"  # + ", not 'X'. "
NO_DATE = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
SCOPE_DATE = ("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: ")
EXPIRED = "Signature expired: "
NOT_YET = "Signature not yet current: "

# The variables through which a user points boto3 and aws-cli at credentials;
# every test sets the ones it means and clears the rest (AWS_DATA_PATH, which
# sluice_server sets to the project's model, stays).
_AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                  "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                  "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_CONFIG_FILE",
                  "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE", "AWS_MAX_ATTEMPTS",
                  "AWS_RETRY_MODE", "AWS_PAGER", "AWS_ENDPOINT_URL")


# --- the server ------------------------------------------------------------------

class AuthServer(SluiceServer):
    """A sluice process that may speak TLS.

    ca_file: the certificate this client trusts when the server speaks
    https (for --tls self-signed, TLSDIR/cert.pem, known before the start).
    """

    def __init__(self, *extra_args, env=None, log_level="warn", ca_file=None,
                 port_args=("--port", "0")):
        super().__init__(*extra_args, env=env, log_level=log_level, port_args=port_args)
        self.ca_file = ca_file

    def ssl_context(self):
        """A client context trusting ca_file (with host name checks, as clients do)."""
        return ssl.create_default_context(cafile=self.ca_file)

    def connection(self, timeout=10):
        if self.tls:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=self.ssl_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def client(self, access_key="AKIDEXAMPLE", region=DEFAULT_REGION):
        """boto3 with dummy keys (for servers that do not check signatures)."""
        return keyed_client(self, access_key, "dummy-secret", region=region)

    def stderr_text(self):
        return self.stderr_tail(limit=10 ** 7)

    def wait_for_stderr(self, text, timeout=5):
        """Waits until `text` appears on the server's stderr; returns all of it."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.stderr_text()
            if text in seen or time.monotonic() > deadline:
                return seen
            time.sleep(0.05)

    def control(self, method, path, token=None, cookie=None, body=None, headers=None):
        """One request to /_sluice/...; returns (status, headers, parsed body or raw bytes)."""
        all_headers = {"Content-Type": "application/json"}
        if token is not None:
            all_headers[CONTROL_HEADER] = token
        if cookie is not None:
            all_headers["Cookie"] = cookie
        all_headers.update(headers or {})
        data = b"" if body is None else json.dumps(body).encode()
        status, answer_headers, raw = self.raw(data, method=method, path=path,
                                               headers=all_headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw
        return status, answer_headers, parsed


def stop_checked(server):
    """Stops server with SIGTERM; raises unless it exits 0 without breaching the status tables."""
    if getattr(server, "stopped_by_test", False):
        return
    crashed = server.proc.poll()
    code, _ = server.stop(timeout=10)
    if crashed is not None or code != 0:
        raise AssertionError(f"sluice exited with {code} (expected 0 after SIGTERM); "
                             f"its stderr ended with:\n{server.stderr_tail()}")
    if STATUS_TABLE_BREACH in server.stderr_text():
        raise AssertionError(f"sluice made a status change its tables do not allow:\n"
                             f"{server.stderr_tail()}")


class ServerCase(unittest.TestCase):
    """Starts AuthServers that are stopped, and their exit checked, when the
    test (start) or the class (start_for_class) ends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not binary_available():
            raise RuntimeError(f"sluice binary not found at {SLUICE_BIN}: build it, "
                               "or set SLUICE_BIN")

    def start(self, *args, **kwargs):
        server = AuthServer(*args, **kwargs)
        self.addCleanup(stop_checked, server)
        return server

    def stop_now(self, server):
        """Stops a server in the middle of a test (to restart it, say); checks its exit."""
        stop_checked(server)
        server.stopped_by_test = True

    @classmethod
    def start_for_class(cls, *args, **kwargs):
        server = AuthServer(*args, **kwargs)
        cls.addClassCleanup(stop_checked, server)
        return server

    @classmethod
    def class_temp_dir(cls):
        directory = tempfile.TemporaryDirectory(prefix="sluice-auth-e2e-")
        cls.addClassCleanup(directory.cleanup)
        return directory.name

    def temp_dir(self):
        directory = tempfile.TemporaryDirectory(prefix="sluice-auth-e2e-")
        self.addCleanup(directory.cleanup)
        return directory.name

    def assertMode(self, path, mode):
        self.assertEqual(os.stat(path).st_mode & 0o777, mode,
                         f"{path} has mode {os.stat(path).st_mode & 0o777:o}, expected {mode:o}")

    def assertAwsError(self, answer, error_type, message=None, prefix=None):
        """answer: (status, headers, body) of a raw call; checks AWS's error shape."""
        status, headers, body = answer
        self.assertEqual(status, 400, body)
        self.assertEqual(headers.get("x-amzn-errortype"), error_type, body)
        self.assertTrue(headers.get("x-amzn-requestid"), headers)
        self.assertTrue(headers.get("content-type", "").startswith(JSON_11), headers)
        if isinstance(body, (bytes, str)):
            body = json.loads(body)
        self.assertEqual(body.get("__type"), error_type, body)
        self.assertMessage(body.get("message", ""), message, prefix)
        return body.get("message", "")

    def assertMessage(self, actual, message=None, prefix=None):
        """message: the exact text, or a compiled pattern it must match in full."""
        if isinstance(message, re.Pattern):
            self.assertRegex(actual, message)
        elif message is not None:
            self.assertEqual(actual, message)
        if prefix is not None:
            self.assertTrue(actual.startswith(prefix), actual)

    def assertClientError(self, context, code, message=None, prefix=None):
        """A botocore ClientError caught by assertRaises: code, 400, request id, message."""
        response = context.exception.response
        error = response["Error"]
        self.assertEqual(error["Code"], code, error)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400)
        headers = response["ResponseMetadata"].get("HTTPHeaders", {})
        self.assertEqual(headers.get("x-amzn-errortype"), code)
        self.assertTrue(headers.get("x-amzn-requestid"))
        self.assertMessage(error.get("Message", ""), message, prefix)
        return error.get("Message", "")


def run_sluice(*args, env=None, timeout=15):
    """Runs the binary to completion (a start that must fail, --healthcheck)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    full_env.update(env or {})
    return subprocess.run([SLUICE_BIN, *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout)


# --- files -------------------------------------------------------------------------

def write_text(directory, name, text, mode=0o600):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def read_ini(path):
    """{section: {key: value}} of an AWS credentials/config file, as botocore reads it."""
    import configparser
    parser = configparser.RawConfigParser()
    parser.read(path)
    return {section: dict(parser.items(section)) for section in parser.sections()}


# --- clients -----------------------------------------------------------------------

def client_config():
    from botocore.config import Config
    # total_max_attempts (botocore 1.15+): one attempt in every retry mode, so
    # that each error is the answer to exactly one request.
    return Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15)


@contextlib.contextmanager
def aws_environment(**values):
    """os.environ with only the AWS_* variables given (None: left out)."""
    saved = dict(os.environ)
    try:
        for key in _AWS_VARIABLES:
            os.environ.pop(key, None)
        os.environ.update({k: v for k, v in values.items() if v is not None})
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def profile_client(server, credentials_file, profile, config_file=None, region=None,
                   verify=None, endpoint=None):
    """boto3 reading a profile from files, as AWS_SHARED_CREDENTIALS_FILE,
    AWS_CONFIG_FILE and AWS_PROFILE point a user's boto3 at them. The
    region comes from the config file unless given."""
    import boto3
    with aws_environment(AWS_SHARED_CREDENTIALS_FILE=credentials_file,
                         AWS_CONFIG_FILE=config_file or os.devnull, AWS_PROFILE=profile):
        session = boto3.session.Session()
        return session.client("codepipeline", endpoint_url=endpoint or server.endpoint,
                              region_name=region, verify=verify, config=client_config())


def keyed_client(server, access_key, secret, token=None, region=DEFAULT_REGION, verify=None,
                 endpoint=None):
    import boto3
    with aws_environment(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull):
        session = boto3.session.Session(aws_access_key_id=access_key,
                                        aws_secret_access_key=secret, aws_session_token=token,
                                        region_name=region)
        return session.client("codepipeline", endpoint_url=endpoint or server.endpoint,
                              verify=verify, config=client_config())


def unsigned_client(server, region=DEFAULT_REGION):
    """boto3 that sends no Authorization header at all."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    with aws_environment(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull):
        session = boto3.session.Session(region_name=region)
        return session.client("codepipeline", endpoint_url=server.endpoint,
                              config=client_config().merge(Config(signature_version=UNSIGNED)))


def aws_cli(server, *args, credentials_file=None, config_file=None, profile=None,
            region=None, ca_bundle=None, access_key=None, secret=None, endpoint=None):
    """Runs `aws --endpoint-url ... <args>` with only the AWS_* variables
    given; returns (exit code, parsed JSON or None, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in _AWS_VARIABLES}
    values = {
        "AWS_SHARED_CREDENTIALS_FILE": credentials_file or os.devnull,
        "AWS_CONFIG_FILE": config_file or os.devnull,
        "AWS_PROFILE": profile,
        "AWS_DEFAULT_REGION": region,
        "AWS_CA_BUNDLE": ca_bundle,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    env.update({k: v for k, v in values.items() if v is not None})
    cmd = ["aws", "--endpoint-url", endpoint or server.endpoint, "--output", "json", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    out = done.stdout.strip()
    try:
        parsed = json.loads(out) if out else None
    except ValueError:
        parsed = out
    return done.returncode, parsed, done.stderr


# --- signing by hand -----------------------------------------------------------------

def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _signer_modules():
    """The modules whose clock botocore's SigV4 signers read: botocore.auth,
    and botocore.crt.auth, which botocore signs with instead when awscrt is
    installed (as Debian's awscli installs it)."""
    import botocore.auth
    modules = [botocore.auth]
    try:
        import botocore.crt.auth
        modules.append(botocore.crt.auth)
    except ImportError:
        pass
    return modules


@contextlib.contextmanager
def signing_clock(offset):
    """botocore signs as if its clock were `offset` (a timedelta) off the real
    one. botocore 1.29 reads datetime.datetime.utcnow(); later ones call
    get_current_datetime(): both are replaced, in every signer module."""
    real = datetime.datetime

    class Shifted(real):
        @classmethod
        def utcnow(cls):
            return _utc_now() + offset

        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + offset

    def shifted_now(remove_tzinfo=True):
        now = real.now(datetime.timezone.utc) + offset
        return now.replace(tzinfo=None) if remove_tzinfo else now

    shifted_module = types.ModuleType("datetime")
    shifted_module.__dict__.update(datetime.__dict__)
    shifted_module.datetime = Shifted
    with contextlib.ExitStack() as stack:
        for module in _signer_modules():
            if hasattr(module, "datetime"):
                stack.enter_context(mock.patch.object(module, "datetime", shifted_module))
            if hasattr(module, "get_current_datetime"):
                stack.enter_context(mock.patch.object(module, "get_current_datetime",
                                                      shifted_now))
        yield


class Signed(types.SimpleNamespace):
    """A request signed by botocore: headers, data (the body), and the
    canonical request and string to sign botocore computed for it."""


def sign(server, operation, body, access_key, secret, token=None, region=DEFAULT_REGION,
         service="codepipeline", offset=None):
    """`operation` with `body`, signed by botocore's SigV4Auth; a Signed.

    The Host header is left to http.client, which sends 127.0.0.1:PORT, the
    netloc botocore signed."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    class Recording(SigV4Auth):
        def string_to_sign(self, request, canonical_request):
            self.canonical = canonical_request
            self.sts = super().string_to_sign(request, canonical_request)
            return self.sts

    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = AWSRequest(method="POST", url=server.endpoint + "/", data=data,
                         headers={"Content-Type": JSON_11,
                                  "X-Amz-Target": TARGET_PREFIX + operation})
    signer = Recording(Credentials(access_key, secret, token), service, region)
    with signing_clock(offset) if offset is not None else contextlib.nullcontext():
        signer.add_auth(request)
    return Signed(headers={k: v for k, v in request.headers.items()}, data=data,
                  canonical=signer.canonical, string_to_sign=signer.sts)


def mismatch_message(canonical, string_to_sign):
    """InvalidSignatureException's whole message for a signature that does not match."""
    return (f"{SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n"
            f"'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n")


def send(server, signed_or_headers, data=None, path="/"):
    """POSTs exactly these headers (a Signed's, or a dict) and body (a Signed's
    unless given), plus Host, Content-Length and Accept-Encoding;
    returns (status, headers lower-cased, parsed JSON body or raw bytes)."""
    if isinstance(signed_or_headers, Signed):
        headers = signed_or_headers.headers
        data = signed_or_headers.data if data is None else data
    else:
        headers = signed_or_headers
    conn = server.connection()
    try:
        conn.request("POST", path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return response.status, answer_headers, parsed


def fake_authorization(access_key, region=DEFAULT_REGION, date="20260101"):
    """What the web console (and sluice's own tests under --auth off) send:
    a SigV4 header whose signature nobody checks."""
    return (f"AWS4-HMAC-SHA256 Credential={access_key}/{date}/{region}/codepipeline/aws4_request, "
            f"SignedHeaders=host, Signature=0")
