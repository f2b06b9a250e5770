"""Strict SigV4 (--auth strict), the control token, and the account a key acts
in, end to end: boto3 and aws-cli reading the credential files sluice writes
or is given, requests signed by botocore's SigV4Auth and then changed, and a
second account trying every operation on the first one's resources.

What it holds them to is the README's "Who may call": under strict every
AWS request is checked in the order of its table, each refusal is a 400 with
the AWS JSON error body and x-amzn-ErrorType; /_sluice/ needs the control
token but for the health check and the console's files; webhook URLs need no
signature.
"""

import datetime
import hashlib
import hmac
import json
import os
import re
import types
import unittest

from botocore.exceptions import ClientError

from auth_helpers import (CONTROL_COOKIE, CONTROL_HEADER, EXPIRED, INVALID_TOKEN,
                          MISSING_TOKEN, NO_DATE, NOT_YET, SCOPE_DATE, SIGNATURE_MISMATCH,
                          WRONG_REGION, WRONG_SERVICE, ServerCase, aws_cli, fake_authorization,
                          keyed_client, mismatch_message, profile_client, read_ini, run_sluice,
                          send, sign, signing_clock, unsigned_client, write_text)
from execution_helpers import SluiceControl, stage_state, wait_until
from sluice_server import TARGET_PREFIX, approval_action, pipeline_decl, write_json_file

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
DEFAULT_ACCOUNT = "333333333333"  # --default-account of the servers below

ALPHA = ("AKIAE2EALPHA00000001", "alphaSecret/0123456789+abcdefghijklmnopq")
BETA = ("AKIAE2EBETA000000002", "betaSecret+0123456789/abcdefghijklmnopqr")
TEMPORARY = ("ASIAE2ETEMPORARY0003", "temporarySecret0123456789abcdefghijklmno",
             "FwoGZXIvYXdzEE2E//session+token/of/the/temporary/profile==")
PLAIN = ("AKIAE2EPLAIN00000004", "plainSecret0123456789abcdefghijklmnopqrs")

# Every form the credentials file may take: comments of both kinds, [profile name]
# sections, keys in any case with any spacing, keys sluice ignores.
CREDENTIALS = f"""# accounts of the auth e2e tests
[alpha]
aws_access_key_id = {ALPHA[0]}
aws_secret_access_key = {ALPHA[1]}
aws_account_id = {ACCOUNT_A}
region = eu-west-1

; beta is written the way config files name profiles
[profile beta]
AWS_ACCESS_KEY_ID={BETA[0]}
Aws_Secret_Access_Key   =   {BETA[1]}
aws_account_id={ACCOUNT_B}

[temporary]
aws_access_key_id = {TEMPORARY[0]}
aws_secret_access_key = {TEMPORARY[1]}
aws_session_token = {TEMPORARY[2]}
aws_account_id = {ACCOUNT_A}

[plain]
aws_access_key_id = {PLAIN[0]}
aws_secret_access_key = {PLAIN[1]}
output = json
"""

AKIA = re.compile(r"^AKIA[A-Z2-7]{16}$")
SECRET = re.compile(r"^[A-Za-z0-9/+]{40}$")
HEX32 = re.compile(r"\A[0-9a-f]{32}\Z")  # \Z: no newline either
STAMP = r"(\d{8}T\d{6}Z)"
EXPIRED_MESSAGE = re.compile(rf"^Signature expired: {STAMP} is now earlier than {STAMP} "
                             rf"\({STAMP} - 15 min\.\)$")
NOT_YET_MESSAGE = re.compile(rf"^Signature not yet current: {STAMP} is still later than {STAMP} "
                             rf"\({STAMP} \+ 15 min\.\)$")


def arn(name, account, region="us-east-1"):
    return f"arn:aws:codepipeline:{region}:{account}:{name}"


def parse_stamp(text):
    return datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def amz_date(moment):
    return moment.strftime("%Y%m%dT%H%M%SZ")


# --- the generated credentials ------------------------------------------------------

class GeneratedCredentialsTest(ServerCase):
    """--auth strict without --credentials: sluice writes a key pair and a
    config into the auth dir, and real clients use them as they are."""

    def test_boto3_and_aws_cli_use_the_generated_files(self):
        auth_dir = self.temp_dir()
        server = self.start("--auth", "strict", "--auth-dir", auth_dir,
                            "--default-account", "123456789012",
                            "--default-region", "eu-west-1", "--start-on-create", "false")
        credentials = os.path.join(auth_dir, "credentials")
        config = os.path.join(auth_dir, "config")
        token = os.path.join(auth_dir, "control-token")
        self.assertMode(credentials, 0o600)
        self.assertMode(token, 0o600)
        profile = read_ini(credentials)["sluice"]
        self.assertRegex(profile["aws_access_key_id"], AKIA)
        self.assertRegex(profile["aws_secret_access_key"], SECRET)
        self.assertEqual(read_ini(config)["profile sluice"],
                         {"region": "eu-west-1", "output": "json"})
        with open(token) as f:
            self.assertRegex(f.read(), HEX32)  # 32 hex digits and no newline
        log = server.wait_for_stderr(config)
        for path in (credentials, config, token):
            self.assertIn(path, log)
        self.assertNotIn(profile["aws_secret_access_key"], log)
        health = server.control("GET", "/_sluice/health")
        self.assertEqual(health[0], 200)
        self.assertEqual((health[2]["auth"], health[2]["tls"]), ("strict", False))

        # boto3 as a user points it at the files: region from the config.
        cp = profile_client(server, credentials, "sluice", config_file=config)
        self.assertEqual(cp.meta.region_name, "eu-west-1")
        created = cp.create_pipeline(pipeline=pipeline_decl("generated"))
        self.assertEqual(created["pipeline"]["name"], "generated")
        got = cp.get_pipeline(name="generated")
        self.assertEqual(got["metadata"]["pipelineArn"],
                         arn("generated", "123456789012", "eu-west-1"))
        self.assertEqual([p["name"] for p in cp.list_pipelines()["pipelines"]], ["generated"])
        execution_id = cp.start_pipeline_execution(name="generated")["pipelineExecutionId"]

        # aws-cli, the same way.
        files = dict(credentials_file=credentials, config_file=config, profile="sluice")
        decl = write_json_file(self.temp_dir(), "decl.json", pipeline_decl("from-cli"))
        rc, out, err = aws_cli(server, "codepipeline", "create-pipeline",
                               "--pipeline", f"file://{decl}", **files)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["pipeline"]["name"], "from-cli")
        rc, out, err = aws_cli(server, "codepipeline", "list-pipelines", **files)
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(p["name"] for p in out["pipelines"]), ["from-cli", "generated"])
        rc, out, err = aws_cli(server, "codepipeline", "get-pipeline-execution",
                               "--pipeline-name", "generated",
                               "--pipeline-execution-id", execution_id, **files)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["pipelineExecution"]["pipelineExecutionId"], execution_id)
        rc, out, err = aws_cli(server, "codepipeline", "start-pipeline-execution",
                               "--name", "from-cli", **files)
        self.assertEqual(rc, 0, err)
        self.assertTrue(out["pipelineExecutionId"])
        rc, out, err = aws_cli(server, "codepipeline", "get-pipeline", "--name", "from-cli",
                               **files)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["metadata"]["pipelineArn"],
                         arn("from-cli", "123456789012", "eu-west-1"))

        # The same calls without the files are refused.
        rc, _, err = aws_cli(server, "codepipeline", "list-pipelines", region="eu-west-1",
                             access_key=profile["aws_access_key_id"], secret="x" * 40)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidSignatureException", err)

    def test_a_restart_on_the_same_auth_dir_keeps_the_keys(self):
        auth_dir = self.temp_dir()
        first = self.start("--auth", "strict", "--auth-dir", auth_dir)
        credentials = os.path.join(auth_dir, "credentials")
        config = os.path.join(auth_dir, "config")
        with open(credentials, "rb") as f:
            written = f.read()
        with open(os.path.join(auth_dir, "control-token"), "rb") as f:
            token = f.read()
        before = profile_client(first, credentials, "sluice", config_file=config)
        before.list_pipelines()
        self.stop_now(first)

        second = self.start("--auth", "strict", "--auth-dir", auth_dir)
        with open(credentials, "rb") as f:
            self.assertEqual(f.read(), written)
        with open(os.path.join(auth_dir, "control-token"), "rb") as f:
            self.assertEqual(f.read(), token)
        self.assertIn(credentials, second.wait_for_stderr(credentials))
        # The keys a client read before the restart still work.
        after = profile_client(second, credentials, "sluice", config_file=config)
        self.assertEqual(after.list_pipelines()["pipelines"], [])
        status, _, _ = second.control("GET", "/_sluice/state", token=token.decode())
        self.assertEqual(status, 200)

    def test_where_the_files_go_without_auth_dir(self):
        # --data-dir, when given, holds them.
        data_dir = self.temp_dir()
        server = self.start("--auth", "strict", "--data-dir", data_dir)
        credentials = os.path.join(data_dir, "credentials")
        self.assertTrue(os.path.isfile(credentials))
        self.assertIn(credentials, server.wait_for_stderr(credentials))
        profile_client(server, credentials, "sluice",
                       config_file=os.path.join(data_dir, "config")).list_pipelines()

        # Else a new directory sluice-auth-XXXXXX in $TMPDIR.
        tmp = self.temp_dir()
        server = self.start("--auth", "strict", env={"TMPDIR": tmp})
        [made] = [name for name in os.listdir(tmp) if name.startswith("sluice-auth-")]
        self.assertRegex(made, r"\Asluice-auth-[A-Za-z0-9]{6}\Z")
        credentials = os.path.join(tmp, made, "credentials")
        self.assertIn(credentials, server.wait_for_stderr(credentials))
        profile_client(server, credentials, "sluice",
                       config_file=os.path.join(tmp, made, "config")).list_pipelines()

        # The environment says the same as the flags.
        auth_dir = self.temp_dir()
        server = self.start(env={"SLUICE_AUTH": "strict", "SLUICE_AUTH_DIR": auth_dir})
        self.assertEqual(server.control("GET", "/_sluice/health")[2]["auth"], "strict")
        profile_client(server, os.path.join(auth_dir, "credentials"), "sluice",
                       config_file=os.path.join(auth_dir, "config")).list_pipelines()

    def test_auth_off_is_the_default_and_checks_nothing(self):
        server = self.start()
        self.assertEqual(server.control("GET", "/_sluice/health")[2]["auth"], "off")
        cp = keyed_client(server, ACCOUNT_A, "any secret")
        cp.create_pipeline(pipeline=pipeline_decl("unchecked"))
        self.assertEqual(cp.get_pipeline(name="unchecked")["metadata"]["pipelineArn"],
                         arn("unchecked", ACCOUNT_A))
        status, _, _ = server.control("GET", "/_sluice/state")
        self.assertEqual(status, 200)


# --- a credentials file --------------------------------------------------------------

class CredentialsFileParsingTest(ServerCase):

    def start_fails(self, text):
        directory = self.temp_dir()
        path = write_text(directory, "credentials", text)
        done = run_sluice("--port", "0", "--auth", "strict", "--credentials", path,
                          "--auth-dir", directory)
        self.assertEqual(done.returncode, 2, (done.stdout, done.stderr))
        self.assertEqual(done.stdout, "")
        self.assertTrue(done.stderr.startswith(f"sluice: --credentials {path}"), done.stderr)
        return done.stderr

    def test_bad_files_stop_the_start(self):
        good = f"[ok]\naws_access_key_id = {ALPHA[0]}\naws_secret_access_key = {ALPHA[1]}\n"
        rows = [
            ("a line that is neither", good + "this is not a key\n", "line 4"),
            ("an account of 11 digits", good + "aws_account_id = 11111111111\n", "line 4"),
            ("an account of letters", good + "aws_account_id = abcdefghijkl\n", "line 4"),
            ("a profile without a secret", good + f"[half]\naws_access_key_id = {BETA[0]}\n",
             None),
            ("a profile without a key id", good + f"[half]\naws_secret_access_key = x\n", None),
            ("one key, two secrets", good + f"[again]\naws_access_key_id = {ALPHA[0]}\n"
             "aws_secret_access_key = another\n", None),
            ("one key, two accounts",
             good + f"aws_account_id = {ACCOUNT_A}\n[again]\naws_access_key_id = {ALPHA[0]}\n"
             f"aws_secret_access_key = {ALPHA[1]}\naws_account_id = {ACCOUNT_B}\n", None),
            ("no profile at all", "# nothing\n", None),
            ("an empty file", "", None),
        ]
        for name, text, where in rows:
            with self.subTest(name):
                message = self.start_fails(text)
                if where is not None:
                    self.assertIn(f": {where}: ", message)

    def test_a_key_repeated_alike_is_accepted(self):
        directory = self.temp_dir()
        pair = f"aws_access_key_id = {ALPHA[0]}\naws_secret_access_key = {ALPHA[1]}\n"
        path = write_text(directory, "credentials", f"[one]\n{pair}[two]\n{pair}")
        server = self.start("--auth", "strict", "--credentials", path, "--auth-dir", directory)
        self.assertEqual(keyed_client(server, *ALPHA).list_pipelines()["pipelines"], [])

    def test_a_missing_file_stops_the_start(self):
        path = os.path.join(self.temp_dir(), "absent")
        done = run_sluice("--port", "0", "--auth", "strict", "--credentials", path)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn(path, done.stderr)
        self.assertTrue(done.stderr.startswith("sluice: "), done.stderr)

    def test_bad_auth_flag(self):
        done = run_sluice("--port", "0", "--auth", "loose")
        self.assertEqual(done.returncode, 2)
        self.assertTrue(done.stderr.startswith("sluice: "), done.stderr)


class CredentialsFileTestCase(ServerCase):
    """One strict server per class reading CREDENTIALS."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auth_dir = cls.class_temp_dir()
        cls.credentials = write_text(cls.auth_dir, "credentials-file", CREDENTIALS)
        cls.server = cls.start_for_class(
            "--auth", "strict", "--credentials", cls.credentials, "--auth-dir", cls.auth_dir,
            "--default-account", DEFAULT_ACCOUNT, *cls.server_args)

    def profile(self, name, region="us-east-1"):
        return profile_client(self.server, self.credentials, name, region=region)

    def keys(self, access_key, secret, token=None, region="us-east-1"):
        return keyed_client(self.server, access_key, secret, token=token, region=region)

    def raw(self, operation, body, keys=ALPHA, **kwargs):
        return sign(self.server, operation, body, *keys, **kwargs)


class ProfilesTest(CredentialsFileTestCase):

    def test_each_key_acts_in_its_account_and_the_region_of_its_scope(self):
        alpha = self.profile("alpha")
        alpha.create_pipeline(pipeline=pipeline_decl("probe"))
        self.assertEqual(alpha.get_pipeline(name="probe")["metadata"]["pipelineArn"],
                         arn("probe", ACCOUNT_A))
        # Another key of the same account sees it; a session-token key too.
        temporary = self.profile("temporary")
        self.assertEqual(temporary.get_pipeline(name="probe")["metadata"]["pipelineArn"],
                         arn("probe", ACCOUNT_A))
        # beta ([profile beta]) and plain (no account: --default-account) do not.
        for client, account in ((self.keys(*BETA), ACCOUNT_B),
                                (self.profile("plain"), DEFAULT_ACCOUNT)):
            with self.subTest(account=account):
                with self.assertRaises(ClientError) as caught:
                    client.get_pipeline(name="probe")
                self.assertIn(f"'{account}'", self.assertClientError(
                    caught, "PipelineNotFoundException"))
                client.create_pipeline(pipeline=pipeline_decl("probe"))
                self.assertEqual(client.get_pipeline(name="probe")["metadata"]["pipelineArn"],
                                 arn("probe", account))
        # The scope's region is the region acted in.
        west = self.profile("alpha", region="us-west-2")
        self.assertEqual(west.list_pipelines()["pipelines"], [])
        self.assertEqual(alpha.get_pipeline(name="probe")["pipeline"]["name"], "probe")

    def test_aws_cli_with_each_profile(self):
        base = dict(credentials_file=self.credentials, region="us-east-1")
        decl = write_json_file(self.temp_dir(), "decl.json", pipeline_decl("cli-probe"))
        rc, out, err = aws_cli(self.server, "codepipeline", "create-pipeline", "--pipeline",
                               f"file://{decl}", profile="alpha", **base)
        self.assertEqual(rc, 0, err)
        rc, out, err = aws_cli(self.server, "codepipeline", "get-pipeline", "--name", "cli-probe",
                               profile="temporary", **base)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["metadata"]["pipelineArn"], arn("cli-probe", ACCOUNT_A))
        rc, out, err = aws_cli(self.server, "codepipeline", "list-pipelines",
                               profile="plain", **base)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("cli-probe", [p["name"] for p in out["pipelines"]])

    def test_a_correctly_signed_raw_request_passes(self):
        # The control for the tampering tests below: the same request unchanged.
        status, headers, body = send(self.server, self.raw("ListPipelines", {}))
        self.assertEqual(status, 200, body)
        self.assertIn("pipelines", body)
        self.assertTrue(headers.get("x-amzn-requestid"))


class SignatureErrorsTest(CredentialsFileTestCase):
    """Each row of the README's table, produced by a real client."""

    def test_wrong_secret_boto3(self):
        cp = self.keys(ALPHA[0], BETA[1])
        with self.assertRaises(ClientError) as caught:
            cp.list_pipelines()
        message = self.assertClientError(caught, "InvalidSignatureException",
                                         prefix=SIGNATURE_MISMATCH)
        self.assertIn("\n\nThe Canonical String for this request should have been\n'POST\n/\n",
                      message)
        self.assertIn("\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n", message)
        for secret in (ALPHA[1], BETA[1]):
            self.assertNotIn(secret, message)

    def test_wrong_secret_names_what_should_have_been_signed(self):
        signed = self.raw("ListPipelines", {}, keys=(ALPHA[0], "not the secret"))
        self.assertAwsError(send(self.server, signed), "InvalidSignatureException",
                            message=mismatch_message(signed.canonical, signed.string_to_sign))

    def test_wrong_secret_aws_cli(self):
        directory = self.temp_dir()
        wrong = write_text(directory, "credentials",
                           f"[alpha]\naws_access_key_id = {ALPHA[0]}\n"
                           f"aws_secret_access_key = {BETA[1]}\n")
        rc, out, err = aws_cli(self.server, "codepipeline", "list-pipelines",
                               credentials_file=wrong, profile="alpha", region="us-east-1")
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidSignatureException", err)
        self.assertIn("The request signature we calculated does not match", err)
        rc, out, err = aws_cli(self.server, "codepipeline", "list-pipelines",
                               credentials_file=self.credentials, profile="alpha",
                               region="us-east-1")
        self.assertEqual(rc, 0, err)

    def test_unknown_access_key(self):
        with self.assertRaises(ClientError) as caught:
            self.keys("AKIAE2EUNKNOWN000099", ALPHA[1]).list_pipelines()
        self.assertClientError(caught, "UnrecognizedClientException", message=INVALID_TOKEN)
        rc, _, err = aws_cli(self.server, "codepipeline", "list-pipelines", region="us-east-1",
                             access_key="AKIAE2EUNKNOWN000099", secret=ALPHA[1])
        self.assertNotEqual(rc, 0)
        self.assertIn("UnrecognizedClientException", err)

    def test_missing_authorization(self):
        with self.assertRaises(ClientError) as caught:
            unsigned_client(self.server).list_pipelines()
        self.assertClientError(caught, "MissingAuthenticationTokenException",
                               message=MISSING_TOKEN)
        answer = self.server.call("ListPipelines", {})
        self.assertAwsError(answer, "MissingAuthenticationTokenException", message=MISSING_TOKEN)

    def test_session_tokens(self):
        key, secret, token = TEMPORARY
        self.assertIn("pipelines", self.keys(key, secret, token).list_pipelines())
        rows = [
            ("no token", self.keys(key, secret)),
            ("another token", self.keys(key, secret, token + "x")),
            ("a token for a key that has none", self.keys(*ALPHA, token=token)),
        ]
        for name, client in rows:
            with self.subTest(name):
                with self.assertRaises(ClientError) as caught:
                    client.list_pipelines()
                self.assertClientError(caught, "UnrecognizedClientException",
                                       message=INVALID_TOKEN)

    def test_signed_for_another_service(self):
        answer = send(self.server, self.raw("ListPipelines", {}, service="s3"))
        self.assertAwsError(answer, "InvalidSignatureException", message=WRONG_SERVICE)

    def test_scoped_to_no_region(self):
        # A region botocore accepts as a name but that names no region.
        with self.assertRaises(ClientError) as caught:
            self.keys(*ALPHA, region="moon").list_pipelines()
        self.assertClientError(caught, "InvalidSignatureException", prefix=WRONG_REGION)
        for region in ("US-EAST-1", "useast1", "us-east", "us-east-1a"):
            with self.subTest(region=region):
                answer = send(self.server, self.raw("ListPipelines", {}, region=region))
                message = self.assertAwsError(answer, "InvalidSignatureException",
                                              prefix=WRONG_REGION)
                self.assertEqual(message, f"{WRONG_REGION}, not '{region}'. ")
        # A real one that is not the default passes.
        self.assertIn("pipelines", self.keys(*ALPHA, region="ap-southeast-2").list_pipelines())

    def test_wrong_terminator(self):
        signed = self.raw("ListPipelines", {})
        signed.headers["Authorization"] = signed.headers["Authorization"].replace(
            "/aws4_request", "/aws5_request")
        self.assertAwsError(send(self.server, signed), "InvalidSignatureException",
                            message="Credential should be scoped with a valid terminator: "
                                    "'aws4_request', not 'aws5_request'. ")

    def test_scope_date_differs_from_the_date_header(self):
        signed = self.raw("ListPipelines", {})
        scope_day = signed.headers["X-Amz-Date"][:8]
        other = utc_now() - datetime.timedelta(days=1)
        signed.headers["X-Amz-Date"] = amz_date(other)
        message = self.assertAwsError(send(self.server, signed), "InvalidSignatureException",
                                      prefix=SCOPE_DATE)
        # The scope's date first, then the header's, then the header whole.
        self.assertEqual(message, f"{SCOPE_DATE}'{scope_day}' != '{amz_date(other)[:8]}', "
                                  f"from '{amz_date(other)}'.")

    def test_missing_date_header(self):
        signed = self.raw("ListPipelines", {})
        del signed.headers["X-Amz-Date"]
        message = self.assertAwsError(send(self.server, signed), "IncompleteSignatureException",
                                      prefix=NO_DATE)
        self.assertIn("Authorization=AWS4-HMAC-SHA256 Credential=", message)

    def test_malformed_authorization(self):
        signed = self.raw("ListPipelines", {})
        good = signed.headers["Authorization"]
        credential = re.search(r"Credential=[^,]+", good).group(0)
        rows = [
            ("another scheme", "Basic dXNlcjpwYXNzd29yZA==", []),
            ("SigV2", f"AWS {ALPHA[0]}:c2lnbmF0dXJl", []),
            ("only the credential", f"AWS4-HMAC-SHA256 {credential}",
             ["Authorization header requires 'Signature' parameter.",
              "Authorization header requires 'SignedHeaders' parameter.",
              f"Authorization=AWS4-HMAC-SHA256 {credential}"]),
            ("no credential", re.sub(r"Credential=[^,]+, ", "", good),
             ["Authorization header requires 'Credential' parameter."]),
            ("a credential of four parts", good.replace("/codepipeline/", "/"), []),
            ("a part that is not key=value", good + ", garbage", []),
            ("nothing after the algorithm", "AWS4-HMAC-SHA256", []),
        ]
        for name, header, phrases in rows:
            with self.subTest(name):
                signed.headers["Authorization"] = header
                message = self.assertAwsError(send(self.server, signed),
                                              "IncompleteSignatureException")
                for phrase in phrases:
                    self.assertIn(phrase, message)

    def test_tampered_body(self):
        signed = self.raw("GetPipeline", {"name": "mine"})
        tampered = json.dumps({"name": "mind"}).encode()  # the same length
        answer = send(self.server, signed, data=tampered)
        message = self.assertAwsError(answer, "InvalidSignatureException",
                                      prefix=SIGNATURE_MISMATCH)
        # What sluice says should have been signed ends with the hash of what it got.
        canonical = message.split("should have been\n'", 1)[1].split("'\n", 1)[0]
        self.assertTrue(canonical.endswith(hashlib.sha256(tampered).hexdigest()), canonical)
        # A changed signed header fails the same way.
        signed.headers["X-Amz-Target"] = TARGET_PREFIX + "DeletePipeline"
        self.assertAwsError(send(self.server, signed), "InvalidSignatureException",
                            prefix=SIGNATURE_MISMATCH)

    def test_skewed_client_clock(self):
        alpha = self.keys(*ALPHA)
        # Within 15 minutes either way: accepted.
        for minutes in (-10, 10):
            with self.subTest(minutes=minutes), signing_clock(datetime.timedelta(minutes=minutes)):
                self.assertIn("pipelines", alpha.list_pipelines())
        rows = [(-20, "expired", EXPIRED, EXPIRED_MESSAGE, -1),
                (20, "not yet current", NOT_YET, NOT_YET_MESSAGE, 1)]
        for minutes, name, prefix, pattern, sign_of in rows:
            with self.subTest(name):
                before = utc_now()
                with signing_clock(datetime.timedelta(minutes=minutes)):
                    with self.assertRaises(ClientError) as caught:
                        alpha.list_pipelines()
                after = utc_now()
                message = self.assertClientError(caught, "InvalidSignatureException",
                                                 prefix=prefix)
                match = pattern.match(message)
                self.assertIsNotNone(match, message)
                signed, limit, now = (parse_stamp(g) for g in match.groups())
                slack = datetime.timedelta(seconds=2)
                shift = datetime.timedelta(minutes=minutes)
                self.assertTrue(before + shift - slack <= signed <= after + shift + slack, message)
                self.assertTrue(before - slack <= now <= after + slack, message)
                self.assertEqual(limit, now + sign_of * datetime.timedelta(minutes=15))

    def test_checks_come_in_the_order_of_the_table(self):
        # An unknown key and a bad signature: the key is what is reported.
        signed = self.raw("ListPipelines", {}, keys=("AKIAE2EUNKNOWN000099", "x"))
        self.assertAwsError(send(self.server, signed), "UnrecognizedClientException")
        # Expired and unknown: the clock comes first.
        signed = self.raw("ListPipelines", {}, keys=("AKIAE2EUNKNOWN000099", "x"),
                          offset=datetime.timedelta(minutes=-30))
        self.assertAwsError(send(self.server, signed), "InvalidSignatureException",
                            prefix=EXPIRED)
        # Scoped to another service and expired: the scope.
        signed = self.raw("ListPipelines", {}, service="s3",
                          offset=datetime.timedelta(minutes=-30))
        self.assertAwsError(send(self.server, signed), "InvalidSignatureException",
                            message=WRONG_SERVICE)
        # Expired and without a signature: the missing parts come first.
        signed = self.raw("ListPipelines", {}, offset=datetime.timedelta(minutes=-30))
        signed.headers["Authorization"] = signed.headers["Authorization"].split(",")[0]
        message = self.assertAwsError(send(self.server, signed), "IncompleteSignatureException")
        self.assertIn("Authorization header requires 'Signature' parameter.", message)

    def test_an_unknown_operation_needs_a_signature_first(self):
        answer = self.server.call("NoSuchThing", {})
        self.assertAwsError(answer, "MissingAuthenticationTokenException", message=MISSING_TOKEN)


class ManualClockSkewTest(CredentialsFileTestCase):
    """Skew is judged on the wall clock, not on sluice's manual clock."""

    server_args = ("--clock", "manual", "--clock-start", "2030-01-01T00:00:00Z")

    def test_a_request_signed_now_passes_and_one_signed_in_2030_does_not(self):
        alpha = self.keys(*ALPHA)
        alpha.create_pipeline(pipeline=pipeline_decl("timeless"))
        created = alpha.get_pipeline(name="timeless")["metadata"]["created"]
        self.assertEqual(created.year, 2030)  # the manual clock is in 2030
        to_2030 = datetime.datetime(2030, 1, 1) - utc_now()
        with signing_clock(to_2030), self.assertRaises(ClientError) as caught:
            alpha.list_pipelines()
        self.assertClientError(caught, "InvalidSignatureException", prefix=NOT_YET)


# --- webhooks ------------------------------------------------------------------------

class WebhookUnsignedTest(CredentialsFileTestCase):

    server_args = ("--start-on-create", "false")

    def test_a_webhook_url_needs_no_signature(self):
        alpha = self.profile("alpha")
        decl = pipeline_decl("hooked")
        decl["stages"][0]["actions"] = [{
            "name": "Source",
            "actionTypeId": {"category": "Source", "owner": "ThirdParty", "provider": "GitHub",
                             "version": "1"},
            "configuration": {"Owner": "me", "Repo": "app", "Branch": "main",
                              "OAuthToken": "****", "PollForSourceChanges": "false"},
            "outputArtifacts": [{"name": "SourceOutput"}]}]
        alpha.create_pipeline(pipeline=decl)
        webhook = alpha.put_webhook(webhook={
            "name": "hook", "targetPipeline": "hooked", "targetAction": "Source",
            "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{Branch}"}],
            "authentication": "GITHUB_HMAC",
            "authenticationConfiguration": {"SecretToken": "s3cret"}})["webhook"]
        path = webhook["url"].split(f":{self.server.port}", 1)[1]
        self.assertTrue(path.startswith(f"/webhooks/us-east-1/{ACCOUNT_A}/"), webhook["url"])
        body = json.dumps({"ref": "refs/heads/main",
                           "after": "3f786850e387550fdab836ed7e6dc881de23001b"}).encode()
        signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()

        status, _, answer = self.server.raw(body, method="POST", path=path, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": signature})
        self.assertEqual(status, 200, answer)
        answer = json.loads(answer)
        self.assertTrue(answer["started"], answer)
        execution = alpha.get_pipeline_execution(
            pipelineName="hooked", pipelineExecutionId=answer["pipelineExecutionId"])
        self.assertEqual(execution["pipelineExecution"]["trigger"],
                         {"triggerType": "Webhook",
                          "triggerDetail": arn("webhook:hook", ACCOUNT_A)})
        # The webhook's own authentication still holds.
        status, _, answer = self.server.raw(body, method="POST", path=path, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + "0" * 64})
        self.assertEqual(status, 401, answer)
        self.assertEqual(json.loads(answer)["error"], "Unauthorized")


# --- one account against another's resources ----------------------------------------

PIPELINE = "shared-name"
CUSTOM = {"category": "Build", "owner": "Custom", "provider": "AuthE2EBuilder", "version": "1"}
ALEXA = {"category": "Deploy", "owner": "ThirdParty", "provider": "AlexaSkillsKit",
         "version": "1"}
PIPELINE_TAGS = [{"key": "team", "value": "a"}]
WEBHOOK_TAGS = [{"key": "hook", "value": "a"}]
TYPE_TAGS = [{"key": "kind", "value": "a"}]


def matrix_declaration():
    """Source (S3) -> Gate: a manual approval, a custom action and a third-party
    action side by side, so that one execution holds a token and two jobs."""
    decl = pipeline_decl(PIPELINE)
    decl["stages"][1] = {"name": "Gate", "actions": [
        approval_action(),
        {"name": "Custom", "actionTypeId": dict(CUSTOM), "configuration": {"Target": "t-1"},
         "inputArtifacts": [{"name": "SourceOutput"}]},
        {"name": "Alexa", "actionTypeId": dict(ALEXA),
         "configuration": {"ClientId": "client", "ClientSecret": "****",
                           "RefreshToken": "****", "SkillId": "skill-1"},
         "inputArtifacts": [{"name": "SourceOutput"}]},
    ]}
    return decl


def create_custom_type(cp, tags=None):
    extra = {"tags": tags} if tags else {}
    cp.create_custom_action_type(
        category=CUSTOM["category"], provider=CUSTOM["provider"], version=CUSTOM["version"],
        settings={}, configurationProperties=[
            {"name": "Target", "required": True, "key": True, "secret": False,
             "queryable": True}],
        inputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
        outputArtifactDetails={"minimumCount": 0, "maximumCount": 1}, **extra)


def waiting_gate(cp, execution_id):
    """The Gate stage once all three of its actions of `execution_id` run."""
    def ready():
        state = stage_state(cp, PIPELINE, "Gate")
        if state.get("latestExecution", {}).get("pipelineExecutionId") != execution_id:
            return None
        actions = {a["actionName"]: a.get("latestExecution", {})
                   for a in state.get("actionStates", [])}
        running = all(actions.get(n, {}).get("status") == "InProgress"
                      for n in ("Approve", "Custom", "Alexa"))
        return state if running and actions["Approve"].get("token") else None
    return wait_until(ready, timeout=10, what=f"the Gate of {execution_id} to wait")


def action_of(state, name):
    return next(a for a in state["actionStates"] if a["actionName"] == name)["latestExecution"]


class World:
    """What account A made: names, ids, the token and the jobs B will try."""

    def __init__(self, cp, account):
        create_custom_type(cp, tags=TYPE_TAGS)
        cp.create_pipeline(pipeline=matrix_declaration(), tags=PIPELINE_TAGS)
        self.execution_id = cp.start_pipeline_execution(name=PIPELINE)["pipelineExecutionId"]
        self.gate = waiting_gate(cp, self.execution_id)
        self.token = action_of(self.gate, "Approve")["token"]
        self.approval_execution_id = action_of(self.gate, "Approve")["actionExecutionId"]
        [self.job] = wait_until(lambda: cp.poll_for_jobs(actionTypeId=CUSTOM, maxBatchSize=1)
                                ["jobs"], timeout=10, what="A's custom job")
        [self.third_party_job] = wait_until(
            lambda: cp.poll_for_third_party_jobs(actionTypeId=ALEXA, maxBatchSize=1)["jobs"],
            timeout=10, what="A's third-party job")
        self.webhook = cp.put_webhook(webhook={
            "name": "a-hook", "targetPipeline": PIPELINE, "targetAction": "Source",
            "filters": [{"jsonPath": "$.ref"}], "authentication": "UNAUTHENTICATED",
            "authenticationConfiguration": {}}, tags=WEBHOOK_TAGS)["webhook"]
        self.pipeline_arn = arn(PIPELINE, account)
        self.webhook_arn = arn("webhook:a-hook", account)
        self.type_arn = arn("actiontype:Custom/Build/AuthE2EBuilder/1", account)


class Empty:
    """The call succeeds and lists nothing under `key`."""

    def __init__(self, key):
        self.key = key

    def problem(self, response):
        return None if response.get(self.key) == [] else f"{self.key}: {response.get(self.key)}"


class Succeeds:
    """The call succeeds (deleting what is not there is no error in AWS);
    that A's resource is untouched is checked afterwards."""

    @staticmethod
    def problem(response):
        return None


class Holds:
    """The call succeeds and check(response) is true."""

    def __init__(self, what, check):
        self.what, self.check = what, check

    def problem(self, response):
        return None if self.check(response) else f"not {self.what}: {response}"


def stranger_rows(w):
    """B (another account) against A's pipeline, ids, token, jobs, webhook,
    action type and ARNs, with none of its own: (operation, call, expected)."""
    not_found = "PipelineNotFoundException"
    job_gone = "JobNotFoundException"
    tp = w.third_party_job
    failure = {"type": "JobFailed", "message": "not yours"}
    rows = [
        ("GetPipeline", lambda b: b.get_pipeline(name=PIPELINE), not_found),
        ("UpdatePipeline", lambda b: b.update_pipeline(pipeline=pipeline_decl(PIPELINE)),
         not_found),
        ("DeletePipeline", lambda b: b.delete_pipeline(name=PIPELINE), Succeeds),
        ("StartPipelineExecution", lambda b: b.start_pipeline_execution(name=PIPELINE),
         not_found),
        ("StopPipelineExecution", lambda b: b.stop_pipeline_execution(
            pipelineName=PIPELINE, pipelineExecutionId=w.execution_id, abandon=True), not_found),
        ("GetPipelineExecution", lambda b: b.get_pipeline_execution(
            pipelineName=PIPELINE, pipelineExecutionId=w.execution_id), not_found),
        ("GetPipelineState", lambda b: b.get_pipeline_state(name=PIPELINE), not_found),
        ("ListPipelineExecutions", lambda b: b.list_pipeline_executions(pipelineName=PIPELINE),
         not_found),
        ("ListActionExecutions", lambda b: b.list_action_executions(
            pipelineName=PIPELINE, filter={"pipelineExecutionId": w.execution_id}), not_found),
        ("ListRuleExecutions", lambda b: b.list_rule_executions(pipelineName=PIPELINE),
         not_found),
        ("RetryStageExecution", lambda b: b.retry_stage_execution(
            pipelineName=PIPELINE, stageName="Gate", pipelineExecutionId=w.execution_id,
            retryMode="FAILED_ACTIONS"), not_found),
        ("RollbackStage", lambda b: b.rollback_stage(
            pipelineName=PIPELINE, stageName="Gate", targetPipelineExecutionId=w.execution_id),
         not_found),
        ("OverrideStageCondition", lambda b: b.override_stage_condition(
            pipelineName=PIPELINE, stageName="Gate", pipelineExecutionId=w.execution_id,
            conditionType="BEFORE_ENTRY"), not_found),
        ("DisableStageTransition", lambda b: b.disable_stage_transition(
            pipelineName=PIPELINE, stageName="Gate", transitionType="Inbound", reason="B"),
         not_found),
        ("EnableStageTransition", lambda b: b.enable_stage_transition(
            pipelineName=PIPELINE, stageName="Gate", transitionType="Inbound"), not_found),
        ("PutApprovalResult", lambda b: b.put_approval_result(
            pipelineName=PIPELINE, stageName="Gate", actionName="Approve", token=w.token,
            result={"summary": "B says yes", "status": "Approved"}), not_found),
        ("PutActionRevision", lambda b: b.put_action_revision(
            pipelineName=PIPELINE, stageName="Source", actionName="Source",
            actionRevision={"revisionId": "r-b", "revisionChangeId": "c-b", "created": 0}),
         not_found),
        ("ListDeployActionExecutionTargets", lambda b: b.list_deploy_action_execution_targets(
            pipelineName=PIPELINE, actionExecutionId=w.approval_execution_id), not_found),
        ("PutWebhook on A's pipeline", lambda b: b.put_webhook(webhook={
            "name": "b-hook", "targetPipeline": PIPELINE, "targetAction": "Source",
            "filters": [{"jsonPath": "$.ref"}], "authentication": "UNAUTHENTICATED",
            "authenticationConfiguration": {}}), not_found),
        ("AcknowledgeJob", lambda b: b.acknowledge_job(jobId=w.job["id"], nonce=w.job["nonce"]),
         job_gone),
        ("GetJobDetails", lambda b: b.get_job_details(jobId=w.job["id"]), job_gone),
        ("PutJobSuccessResult", lambda b: b.put_job_success_result(jobId=w.job["id"]),
         job_gone),
        ("PutJobFailureResult", lambda b: b.put_job_failure_result(
            jobId=w.job["id"], failureDetails=failure), job_gone),
        ("AcknowledgeThirdPartyJob", lambda b: b.acknowledge_third_party_job(
            jobId=tp["jobId"], nonce="1", clientToken=tp["clientId"]), job_gone),
        ("GetThirdPartyJobDetails", lambda b: b.get_third_party_job_details(
            jobId=tp["jobId"], clientToken=tp["clientId"]), job_gone),
        ("PutThirdPartyJobSuccessResult", lambda b: b.put_third_party_job_success_result(
            jobId=tp["jobId"], clientToken=tp["clientId"]), job_gone),
        ("PutThirdPartyJobFailureResult", lambda b: b.put_third_party_job_failure_result(
            jobId=tp["jobId"], clientToken=tp["clientId"], failureDetails=failure), job_gone),
        ("PollForJobs of A's custom type", lambda b: b.poll_for_jobs(
            actionTypeId=CUSTOM, maxBatchSize=10), "ActionTypeNotFoundException"),
        ("PollForThirdPartyJobs", lambda b: b.poll_for_third_party_jobs(
            actionTypeId=ALEXA, maxBatchSize=10), Empty("jobs")),
        ("DeleteCustomActionType", lambda b: b.delete_custom_action_type(
            category=CUSTOM["category"], provider=CUSTOM["provider"],
            version=CUSTOM["version"]), Succeeds),
        ("ListActionTypes", lambda b: b.list_action_types(actionOwnerFilter="Custom"),
         Empty("actionTypes")),
        ("ListPipelines", lambda b: b.list_pipelines(), Empty("pipelines")),
        ("ListWebhooks", lambda b: b.list_webhooks(), Empty("webhooks")),
        ("DeleteWebhook", lambda b: b.delete_webhook(name="a-hook"), Succeeds),
        ("RegisterWebhookWithThirdParty", lambda b: b.register_webhook_with_third_party(
            webhookName="a-hook"), "WebhookNotFoundException"),
        ("DeregisterWebhookWithThirdParty", lambda b: b.deregister_webhook_with_third_party(
            webhookName="a-hook"), "WebhookNotFoundException"),
    ]
    for kind, resource_arn in (("pipeline", w.pipeline_arn), ("webhook", w.webhook_arn),
                               ("action type", w.type_arn)):
        rows += [
            (f"TagResource on A's {kind}", lambda b, r=resource_arn: b.tag_resource(
                resourceArn=r, tags=[{"key": "owner", "value": "b"}]),
             "ResourceNotFoundException"),
            (f"UntagResource on A's {kind}", lambda b, r=resource_arn: b.untag_resource(
                resourceArn=r, tagKeys=["team", "hook", "kind"]), "ResourceNotFoundException"),
            (f"ListTagsForResource on A's {kind}", lambda b, r=resource_arn:
             b.list_tags_for_resource(resourceArn=r), "ResourceNotFoundException"),
        ]
    return rows


def twin_rows(w, mine):
    """B, now with a pipeline of the same name and shape and a custom action
    type of the same id (mine: B's World-like ids), against A's ids."""
    gone = "PipelineExecutionNotFoundException"
    return [
        ("GetPipelineExecution", lambda b: b.get_pipeline_execution(
            pipelineName=PIPELINE, pipelineExecutionId=w.execution_id), gone),
        ("StopPipelineExecution", lambda b: b.stop_pipeline_execution(
            pipelineName=PIPELINE, pipelineExecutionId=w.execution_id, abandon=True), gone),
        ("RetryStageExecution", lambda b: b.retry_stage_execution(
            pipelineName=PIPELINE, stageName="Gate", pipelineExecutionId=w.execution_id,
            retryMode="FAILED_ACTIONS"), gone),
        ("RollbackStage", lambda b: b.rollback_stage(
            pipelineName=PIPELINE, stageName="Gate", targetPipelineExecutionId=w.execution_id),
         gone),
        ("ListActionExecutions", lambda b: b.list_action_executions(
            pipelineName=PIPELINE, filter={"pipelineExecutionId": w.execution_id}), gone),
        ("ListRuleExecutions", lambda b: b.list_rule_executions(
            pipelineName=PIPELINE, filter={"pipelineExecutionId": w.execution_id}), gone),
        # AWS lists no PipelineExecutionNotFoundException for OverrideStageCondition.
        ("OverrideStageCondition", lambda b: b.override_stage_condition(
            pipelineName=PIPELINE, stageName="Gate", pipelineExecutionId=w.execution_id,
            conditionType="BEFORE_ENTRY"), "ConditionNotOverridableException"),
        ("ListDeployActionExecutionTargets", lambda b: b.list_deploy_action_execution_targets(
            pipelineName=PIPELINE, actionExecutionId=w.approval_execution_id),
         "ActionExecutionNotFoundException"),
        ("PutApprovalResult with A's token", lambda b: b.put_approval_result(
            pipelineName=PIPELINE, stageName="Gate", actionName="Approve", token=w.token,
            result={"summary": "B says yes", "status": "Approved"}),
         "InvalidApprovalTokenException"),
        ("ListPipelineExecutions", lambda b: b.list_pipeline_executions(pipelineName=PIPELINE),
         Holds("only B's execution", lambda r: [
             e["pipelineExecutionId"] for e in r["pipelineExecutionSummaries"]]
             == [mine.execution_id])),
        ("GetPipelineState", lambda b: b.get_pipeline_state(name=PIPELINE),
         Holds("B's own approval", lambda r: action_of(
             r["stageStates"][1], "Approve")["token"] == mine.token)),
        ("PollForJobs of the same type", lambda b: b.poll_for_jobs(
            actionTypeId=CUSTOM, maxBatchSize=10),
         Holds("B's job alone", lambda r: [
             (j["accountId"], j["data"]["pipelineContext"]["pipelineExecutionId"])
             for j in r["jobs"]] == [(ACCOUNT_B, mine.execution_id)])),
        ("AcknowledgeJob", lambda b: b.acknowledge_job(jobId=w.job["id"], nonce=w.job["nonce"]),
         "JobNotFoundException"),
        ("GetJobDetails", lambda b: b.get_job_details(jobId=w.job["id"]),
         "JobNotFoundException"),
        ("PutJobSuccessResult", lambda b: b.put_job_success_result(jobId=w.job["id"]),
         "JobNotFoundException"),
        ("ListTagsForResource on A's pipeline", lambda b: b.list_tags_for_resource(
            resourceArn=w.pipeline_arn), "ResourceNotFoundException"),
        ("ListTagsForResource on its own", lambda b: b.list_tags_for_resource(
            resourceArn=arn(PIPELINE, ACCOUNT_B)), Empty("tags")),
    ]


class CrossAccountMatrix:
    """Account B tries every operation that names account A's resources.

    A subclass gives the server (self.server) and clients(): (A's boto3, B's)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.b = cls.clients()
        cls.world = World(cls.a, ACCOUNT_A)

    def run_rows(self, rows):
        for operation, call, expected in rows:
            with self.subTest(operation):
                if isinstance(expected, str):
                    with self.assertRaises(ClientError) as caught:
                        call(self.b)
                    message = self.assertClientError(caught, expected)
                    # What B is told names A's account only where B named it (an ARN).
                    for named in (self.world.pipeline_arn, self.world.webhook_arn,
                                  self.world.type_arn):
                        message = message.replace(named, "")
                    self.assertNotIn(ACCOUNT_A, message)
                else:
                    response = call(self.b)
                    self.assertIsNone(expected.problem(response), operation)

    def test_b_reaches_nothing_of_a(self):
        w = self.world
        self.run_rows(stranger_rows(w))
        self.assertNothingChanged()

        # B builds a twin: the same names, the same action type, waiting the same way.
        create_custom_type(self.b)
        self.b.create_pipeline(pipeline=matrix_declaration())
        mine = types.SimpleNamespace(execution_id=self.b.start_pipeline_execution(
            name=PIPELINE)["pipelineExecutionId"])
        mine.token = action_of(waiting_gate(self.b, mine.execution_id), "Approve")["token"]
        self.assertNotEqual(mine.token, w.token)
        self.run_rows(twin_rows(w, mine))
        self.assertNothingChanged()

        # And A's work goes on: the job and the approval were still A's to finish.
        self.a.acknowledge_job(jobId=w.job["id"], nonce=w.job["nonce"])
        self.a.put_job_success_result(jobId=w.job["id"])
        self.a.put_approval_result(pipelineName=PIPELINE, stageName="Gate",
                                   actionName="Approve", token=w.token,
                                   result={"summary": "A says yes", "status": "Approved"})
        gate = stage_state(self.a, PIPELINE, "Gate")
        self.assertEqual(action_of(gate, "Approve")["status"], "Succeeded")
        self.assertEqual(action_of(gate, "Custom")["status"], "Succeeded")

    def assertNothingChanged(self):
        a, w = self.a, self.world
        execution = a.get_pipeline_execution(pipelineName=PIPELINE,
                                             pipelineExecutionId=w.execution_id)
        self.assertEqual(execution["pipelineExecution"]["status"], "InProgress")
        self.assertEqual([e["pipelineExecutionId"] for e in a.list_pipeline_executions(
            pipelineName=PIPELINE)["pipelineExecutionSummaries"]], [w.execution_id])
        gate = stage_state(a, PIPELINE, "Gate")
        self.assertTrue(gate["inboundTransitionState"]["enabled"])
        approval = action_of(gate, "Approve")
        self.assertEqual((approval["status"], approval["token"]), ("InProgress", w.token))
        self.assertEqual(action_of(gate, "Custom")["status"], "InProgress")
        self.assertEqual(action_of(gate, "Alexa")["status"], "InProgress")
        self.assertEqual(a.get_job_details(jobId=w.job["id"])["jobDetails"]["id"], w.job["id"])
        self.assertEqual(a.get_third_party_job_details(
            jobId=w.third_party_job["jobId"], clientToken=w.third_party_job["clientId"])
            ["jobDetails"]["id"], w.third_party_job["jobId"])
        self.assertEqual(a.list_tags_for_resource(resourceArn=w.pipeline_arn)["tags"],
                         PIPELINE_TAGS)
        self.assertEqual(a.list_tags_for_resource(resourceArn=w.webhook_arn)["tags"],
                         WEBHOOK_TAGS)
        self.assertEqual(a.list_tags_for_resource(resourceArn=w.type_arn)["tags"], TYPE_TAGS)
        self.assertEqual([(h["definition"]["name"], h["url"])
                          for h in a.list_webhooks()["webhooks"]],
                         [("a-hook", w.webhook["url"])])
        self.assertEqual([t["id"] for t in a.list_action_types(
            actionOwnerFilter="Custom")["actionTypes"]], [CUSTOM])
        self.assertEqual([p["name"] for p in a.list_pipelines()["pipelines"]], [PIPELINE])


class CrossAccountTest(CrossAccountMatrix, CredentialsFileTestCase):
    """The matrix under --auth strict: A and B are keys of the credentials file."""

    server_args = ("--action-duration-ms", "20", "--start-on-create", "false")

    @classmethod
    def clients(cls):
        return (profile_client(cls.server, cls.credentials, "alpha", region="us-east-1"),
                keyed_client(cls.server, *BETA))


# --- the control token ---------------------------------------------------------------

GUARDED = [  # method, path, body, status with the token
    ("GET", "/_sluice/state", None, 200),
    ("POST", "/_sluice/reset", {}, 200),
    ("GET", "/_sluice/events", None, 200),
    ("GET", "/_sluice/events?wait=1", None, 200),
    ("GET", "/_sluice/clock", None, 200),
    ("GET", "/_sluice/outcomes", None, 200),
    ("POST", "/_sluice/faults", {"match": {}}, 400),
    ("GET", "/_sluice/no-such-control", None, 404),
]


class ControlTokenChecks:
    """What any server whose /_sluice/ is guarded answers (self.server, self.token)."""

    def assertUnauthorized(self, answer):
        status, headers, body = answer
        self.assertEqual(status, 401, body)
        self.assertTrue(headers.get("content-type", "").startswith("application/json"), headers)
        self.assertEqual(body["error"], "Unauthorized")
        self.assertIsNone(body["field"])
        self.assertIn(CONTROL_HEADER, body["message"])

    def test_health_is_open(self):
        status, _, health = self.server.control("GET", "/_sluice/health")
        self.assertEqual(status, 200)
        self.assertEqual(health["auth"], self.auth_mode)
        self.assertIs(health["tls"], False)
        # Open to HEAD too: the headers of the same answer.
        status, _, _ = self.server.control("HEAD", "/_sluice/health")
        self.assertEqual(status, 200)

    def test_guarded_paths(self):
        wrong = "0" * len(self.token) if self.token != "0" * len(self.token) else "1" * 32
        for method, path, body, expected in GUARDED:
            with self.subTest(method=method, path=path):
                for name, kwargs in (("no token", {}), ("wrong header", {"token": wrong}),
                                     ("wrong cookie", {"cookie": f"{CONTROL_COOKIE}={wrong}"}),
                                     ("a prefix", {"token": self.token[:-1]}),
                                     ("longer", {"token": self.token + "0"}),
                                     ("another cookie", {"cookie": f"x={self.token}"})):
                    with self.subTest(name):
                        self.assertUnauthorized(self.server.control(method, path, body=body,
                                                                    **kwargs))
                status, _, answer = self.server.control(method, path, body=body,
                                                        token=self.token)
                self.assertEqual(status, expected, answer)
                status, _, answer = self.server.control(
                    method, path, body=body, cookie=f"{CONTROL_COOKIE}={self.token}")
                self.assertEqual(status, expected, answer)

    def test_the_cookie_among_others(self):
        status, _, answer = self.server.control(
            "GET", "/_sluice/state",
            cookie=f"theme=dark; {CONTROL_COOKIE}={self.token}; other=1")
        self.assertEqual(status, 200, answer)

    def test_the_event_stream(self):
        self.assertUnauthorized(self.server.control("GET", "/_sluice/events/stream"))
        conn = self.server.connection(timeout=5)
        try:
            conn.request("GET", "/_sluice/events/stream",
                         headers={"Cookie": f"{CONTROL_COOKIE}={self.token}",
                                  "Accept": "text/event-stream"})
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            self.assertTrue(response.getheader("Content-Type").startswith("text/event-stream"))
        finally:
            conn.close()


class StrictControlTokenTest(ControlTokenChecks, ServerCase):
    """--auth strict with generated credentials and control token."""

    auth_mode = "strict"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auth_dir = cls.class_temp_dir()
        cls.server = cls.start_for_class("--auth", "strict", "--auth-dir", cls.auth_dir,
                                         "--start-on-create", "false")
        with open(os.path.join(cls.auth_dir, "control-token")) as f:
            cls.token = f.read()

    def test_the_python_control_client_sends_the_token(self):
        from sluice_control import SluiceControlError
        with self.assertRaises(SluiceControlError) as refused:
            SluiceControl(self.server.endpoint).state()
        self.assertEqual((refused.exception.status, refused.exception.kind), (401, "Unauthorized"))
        self.assertIn("pipelines", SluiceControl(self.server.endpoint,
                                                 control_token=self.token).state())

    def test_the_console_files_are_open(self):
        status, headers, page = self.server.raw(None, method="GET", path="/_sluice/ui/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"<html", page)
        self.assertEqual(self.server.raw(None, method="HEAD", path="/_sluice/ui/")[0], 200)
        self.assertEqual(self.server.raw(None, method="GET", path="/_sluice/ui")[0], 301)

    def test_a_console_request_acts_in_the_account_it_names(self):
        """The console's AWS calls carry a signature nobody can check; the
        cookie lets them through, scoped as under --auth off."""
        cookie = {"Cookie": f"{CONTROL_COOKIE}={self.token}"}
        console = {"Authorization": fake_authorization(ACCOUNT_A), **cookie}
        status, _, body = self.server.call("CreatePipeline",
                                           {"pipeline": pipeline_decl("from-console")},
                                           headers=console)
        self.assertEqual(status, 200, body)
        status, _, body = self.server.call("GetPipeline", {"name": "from-console"},
                                           headers=console)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["metadata"]["pipelineArn"], arn("from-console", ACCOUNT_A))
        # The header does the same; no Authorization at all is the default scope.
        status, _, body = self.server.call("CreatePipeline",
                                           {"pipeline": pipeline_decl("defaulted")},
                                           headers={CONTROL_HEADER: self.token})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["pipeline"]["name"], "defaulted")
        # The generated key (the default account) sees the second, not the first.
        mine = profile_client(self.server, os.path.join(self.auth_dir, "credentials"), "sluice",
                              config_file=os.path.join(self.auth_dir, "config"))
        names = [p["name"] for p in mine.list_pipelines()["pipelines"]]
        self.assertIn("defaulted", names)
        self.assertNotIn("from-console", names)
        self.assertEqual(mine.get_pipeline(name="defaulted")["metadata"]["pipelineArn"],
                         arn("defaulted", "000000000000"))

        # Without the token (or with a wrong one) the fake signature is checked.
        rows = [
            ("no token, no date", {"Authorization": fake_authorization(ACCOUNT_A)},
             "IncompleteSignatureException"),
            ("wrong cookie, no date", {"Authorization": fake_authorization(ACCOUNT_A),
                                       "Cookie": f"{CONTROL_COOKIE}={'f' * 32}"},
             "IncompleteSignatureException"),
            ("no token, dated", {"Authorization": fake_authorization(
                ACCOUNT_A, date=amz_date(utc_now())[:8]), "X-Amz-Date": amz_date(utc_now())},
             "UnrecognizedClientException"),
            ("no token, no signature", {}, "MissingAuthenticationTokenException"),
        ]
        for name, headers, error in rows:
            with self.subTest(name):
                answer = self.server.call("GetPipeline", {"name": "from-console"},
                                          headers=headers)
                self.assertAwsError(answer, error)


class ControlTokenWithoutStrictTest(ControlTokenChecks, ServerCase):
    """--control-token alone guards /_sluice/; AWS calls stay unsigned."""

    auth_mode = "off"
    token = "e2e-control-token-of-the-test"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.start_for_class("--control-token", cls.token)

    def test_aws_calls_need_no_signature(self):
        status, _, body = self.server.call("ListPipelines", {})
        self.assertEqual(status, 200, body)
        cp = keyed_client(self.server, ACCOUNT_B, "anything")
        cp.create_pipeline(pipeline=pipeline_decl("open"))
        self.assertEqual(cp.get_pipeline(name="open")["metadata"]["pipelineArn"],
                         arn("open", ACCOUNT_B))


class ControlTokenSourcesTest(ServerCase):

    def test_the_flag_wins_and_a_trailing_newline_is_tolerated(self):
        auth_dir = self.temp_dir()
        write_text(auth_dir, "control-token", "from-the-file-0123456789abcdef\n")
        server = self.start("--auth", "strict", "--auth-dir", auth_dir)
        self.assertEqual(server.control("GET", "/_sluice/state",
                                        token="from-the-file-0123456789abcdef")[0], 200)
        self.stop_now(server)
        server = self.start("--auth", "strict", "--auth-dir", auth_dir,
                            "--control-token", "from-the-flag")
        self.assertEqual(server.control("GET", "/_sluice/state", token="from-the-flag")[0], 200)
        self.assertEqual(server.control("GET", "/_sluice/state",
                                        token="from-the-file-0123456789abcdef")[0], 401)
        self.stop_now(server)
        server = self.start(env={"SLUICE_AUTH": "strict", "SLUICE_AUTH_DIR": auth_dir,
                                 "SLUICE_CONTROL_TOKEN": "from-the-environment"})
        self.assertEqual(server.control("GET", "/_sluice/state",
                                        token="from-the-environment")[0], 200)


if __name__ == "__main__":
    unittest.main()
