"""A minimal AWS JSON 1.1 client over one keep-alive connection.

boto3 spends far more time per call than the servers under test; for setting
up 10,000 pipelines or 100,000 executions the benchmark talks HTTP itself,
with the same headers an SDK sends.
"""
import http.client
import json
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
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, operation, body):
        headers = dict(HEADERS, **{"X-Amz-Target": f"CodePipeline_20150709.{operation}",
                                   "Authorization": authorization("codepipeline")})
        self.conn.request("POST", "/", json.dumps(body), headers)
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
