"""A minimal AWS JSON 1.1 client over one keep-alive connection.

boto3 spends far more time per call than the servers under test; for setting
up 10,000 pipelines or 100,000 executions the benchmark talks HTTP itself,
with the same headers an SDK sends. By default the Authorization header has
the right form and a signature nobody checks; given a SigV4Key, the client
signs each request for real (for sluice's --auth strict), and with tls=True
it speaks HTTPS without verifying the certificate, as wrk does.
"""
import datetime
import hashlib
import hmac
import http.client
import json
import ssl
import urllib.parse

ACCOUNT = "123456789012"
HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Date": "20261202T000000Z",
    "User-Agent": "aws-cli/1.29.0 Python/3.11.7 Linux botocore/1.31.0",
}


def authorization(service):
    return (f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/20261202/us-east-1/{service}/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=" + "0123456789abcdef" * 4)


class SigV4Key:
    """An access key that signs AWS JSON 1.1 requests (POST /) with SigV4.

    Signed are the headers every request of the benchmark carries and that
    sluice cannot do without: Content-Type, Host, X-Amz-Date and X-Amz-Target.
    """

    SIGNED_HEADERS = ("content-type", "host", "x-amz-date", "x-amz-target")

    def __init__(self, access_key, secret, region="us-east-1", service="codepipeline"):
        self.access_key = access_key
        self.secret = secret
        self.region = region
        self.service = service

    def sign(self, host, target, body, when=None):
        """The headers of a request to `host` ("127.0.0.1:PORT", as sent) with
        X-Amz-Target `target` and `body` (bytes), signed at `when` (a UTC
        datetime, default now): Content-Type, Host, X-Amz-Date, X-Amz-Target
        and Authorization, exactly as they must be sent."""
        when = when or datetime.datetime.now(datetime.timezone.utc)
        amz_date = when.strftime("%Y%m%dT%H%M%SZ")
        headers = {"Content-Type": HEADERS["Content-Type"], "Host": host,
                   "X-Amz-Date": amz_date, "X-Amz-Target": target}
        scope = f"{amz_date[:8]}/{self.region}/{self.service}/aws4_request"
        signature = hmac.new(self._signing_key(amz_date[:8]),
                             self._string_to_sign(headers, body, amz_date, scope).encode(),
                             hashlib.sha256).hexdigest()
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={';'.join(self.SIGNED_HEADERS)}, "
                                    f"Signature={signature}")
        return headers

    def _string_to_sign(self, headers, body, amz_date, scope):
        by_name = {name.lower(): value.strip() for name, value in headers.items()}
        canonical_headers = "".join(f"{name}:{by_name[name]}\n" for name in self.SIGNED_HEADERS)
        canonical_request = "\n".join(("POST", "/", "", canonical_headers,
                                        ";".join(self.SIGNED_HEADERS),
                                        hashlib.sha256(body).hexdigest()))
        return "\n".join(("AWS4-HMAC-SHA256", amz_date, scope,
                          hashlib.sha256(canonical_request.encode()).hexdigest()))

    def _signing_key(self, date):
        key = ("AWS4" + self.secret).encode()
        for part in (date, self.region, self.service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return key


def unverified_tls():
    """A client TLS context that takes any certificate: a benchmark's
    self-signed server is trusted, as wrk trusts it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def pipeline_declaration(name):
    return {"pipeline": {
        "name": name,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/bench",
        "artifactStore": {"type": "S3", "location": "bench-artifacts"},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source",
                "actionTypeId": {"category": "Source", "owner": "AWS",
                                 "provider": "CodeCommit", "version": "1"},
                "configuration": {"RepositoryName": "repo", "BranchName": "main"},
                "outputArtifacts": [{"name": "src"}]}]},
            {"name": "Build", "actions": [{
                "name": "Build",
                "actionTypeId": {"category": "Build", "owner": "AWS",
                                 "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": "project"},
                "inputArtifacts": [{"name": "src"}]}]}]}}


class AwsJsonClient:
    """key: a SigV4Key that signs every call (default: a signature nobody
    checks); tls: HTTPS, the certificate unchecked."""

    def __init__(self, port, key=None, tls=False):
        self.port = port
        self.key = key
        if tls:
            self.conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                                    context=unverified_tls())
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, operation, body):
        target = f"CodePipeline_20150709.{operation}"
        data = json.dumps(body).encode()
        if self.key:
            headers = dict(HEADERS, **self.key.sign(f"127.0.0.1:{self.port}", target, data))
        else:
            headers = dict(HEADERS, **{"X-Amz-Target": target,
                                       "Authorization": authorization("codepipeline")})
        self.conn.request("POST", "/", data, headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{operation}: HTTP {response.status} {data[:200]!r}")
        return json.loads(data or b"{}")

    def create_role(self, name):
        """IAM's query protocol, for moto: a role that CodePipeline may assume."""
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole"}]})
        body = urllib.parse.urlencode({"Action": "CreateRole", "Version": "2010-05-08",
                                       "RoleName": name, "AssumeRolePolicyDocument": policy})
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                   "X-Amz-Date": HEADERS["X-Amz-Date"], "Authorization": authorization("iam")}
        self.conn.request("POST", "/", body, headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"CreateRole: HTTP {response.status} {data[:200]!r}")

    def close(self):
        self.conn.close()
