#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, tests/fuzz/corpus/<fuzzer>/, one small
file per seed, from the request shapes the end-to-end tests send.

  http_request_fuzzer     whole HTTP/1.1 byte streams, one connection each:
                          boto3's own requests (botocore builds and signs them
                          with SigV4; the send is intercepted, nothing goes on
                          the network) and the raw requests of test_wire.py.
  operation_input_fuzzer  one byte choosing the operation (its index in the
                          model's operations sorted by name, as
                          model::Operations() lists them), then the JSON body:
                          the e2e declarations and starts, plus the valid and
                          first broken cases of tests/unit/data/validation_cases.json.
  sigv4_fuzzer            Authorization header values, as botocore signs them
                          and malformed.

The pipeline declarations come from tests/e2e (sluice_server.py and
execution_helpers.py), so the seeds follow the tests. Signing uses a fixed
clock and fixed invocation ids, so the output is the same on every run.

It also writes tests/fuzz/dictionaries/<fuzzer>.dict, libFuzzer dictionaries
(scripts/fuzz.sh passes them with -dict): the model's member names and enum
values, the action catalog's words, the wire's headers and the SigV4 syntax,
which mutations then splice in whole instead of finding byte by byte.

  python3 scripts/fuzz_corpus.py     # rewrites tests/fuzz/corpus/ and dictionaries/
"""

import datetime
import json
import os
import re
import shutil
import sys
import uuid
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(REPO, "tests", "fuzz", "corpus")
DICTIONARIES = os.path.join(REPO, "tests", "fuzz", "dictionaries")
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

from execution_helpers import (codecommit_source, connection_source,  # noqa: E402
                               three_stage_decl, with_build_configuration, with_source)
from sluice_server import (TARGET_PREFIX, approval_action, build_action,  # noqa: E402
                           pipeline_decl)

HOST = "127.0.0.1:4599"
JSON_11 = "application/x-amz-json-1.1"
# The operation-input fuzzer's fixture pipeline (operation_input_fuzzer.cpp).
FIXTURE = "my-pipeline"
EXECUTION_ID = "0123abcd-4567-89ab-cdef-0123456789ab"

# --- declarations, as the e2e tests build them ----------------------------------


def declarations():
    """name -> a pipeline declaration the e2e tests create."""
    variables = with_build_configuration(
        with_source(pipeline_decl("with-variables", pipelineType="V2",
                                  variables=[{"name": "Color", "defaultValue": "blue"}]),
                    codecommit_source(namespace="Src")),
        Color="#{variables.Color}", Commit="#{Src.CommitId}")
    parallel = pipeline_decl("parallel", pipelineType="V2", executionMode="PARALLEL")
    parallel["stages"][0]["actions"] = [connection_source()]
    parallel["triggers"] = [{"providerType": "CodeStarSourceConnection",
                             "gitConfiguration": {"sourceActionName": "Source"}}]
    approval = pipeline_decl("with-approval")
    approval["stages"].append({"name": "Approve", "actions": [approval_action()]})
    run_orders = pipeline_decl("run-orders")
    run_orders["stages"][1]["actions"] = [
        build_action("First", outputs=("Built",)),
        build_action("Second", inputs=("Built",), runOrder=2),
    ]
    return {
        "minimal": pipeline_decl("demo"),
        "queued": three_stage_decl("queued", mode="QUEUED", pipelineType="V2"),
        "variables": variables,
        "parallel": parallel,
        "approval": approval,
        "run-orders": run_orders,
        "unresolvable": with_build_configuration(pipeline_decl("unresolvable"),
                                                 Broken="#{Nope.X}"),
    }


# --- botocore's requests, captured ----------------------------------------------


class _Body:
    """The raw stream of a canned response."""

    def __init__(self, data):
        self._data = data

    def stream(self, **_):
        yield self._data


def _render(request):
    """An AWSPreparedRequest as the bytes urllib3 would send."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{request.method} {urlsplit(request.url).path or '/'} HTTP/1.1", f"Host: {HOST}"]
    for key, value in request.headers.items():
        lines.append(f"{key}: {value.decode() if isinstance(value, bytes) else value}")
    if "Content-Length" not in request.headers:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def botocore_requests(calls, access_key="AKIDEXAMPLE", region="us-east-1"):
    """The HTTP requests boto3 sends for calls [(method, kwargs)], SigV4-signed."""
    client = botocore.session.get_session().create_client(
        "codepipeline", region_name=region, endpoint_url=f"http://{HOST}",
        aws_access_key_id=access_key, aws_secret_access_key="dummy-secret",
        config=Config(user_agent="Boto3/1.40.0 botocore/1.40.0 (fuzz corpus)",
                      retries={"max_attempts": 1}))
    captured = []

    def capture(request, **_):
        captured.append(_render(request))
        return AWSResponse(request.url, 200, {"Content-Type": JSON_11}, _Body(b"{}"))

    client.meta.events.register("before-send.codepipeline", capture)
    for method, kwargs in calls:
        getattr(client, method)(**kwargs)
    return captured


def _fixed_signing():
    """Makes botocore's signatures and invocation ids the same on every run."""
    botocore.auth.get_current_datetime = lambda *_, **__: datetime.datetime(2026, 1, 1, 12, 0, 0)
    counter = iter(range(1, 1 << 30))
    uuid.uuid4 = lambda: uuid.UUID(int=next(counter), version=4)


# --- raw requests, as test_wire.py writes them -----------------------------------


def raw(body=b"", target=None, method="POST", path="/", headers=None, version="1.1"):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} HTTP/{version}", "Host: x", f"Content-Type: {JSON_11}"]
    if target is not None:
        lines.append(f"X-Amz-Target: {target}")
    for key, value in (headers or {}).items():
        lines.append(f"{key}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def call(operation, body, **kwargs):
    return raw(body, target=TARGET_PREFIX + operation, **kwargs)


def http_seeds():
    decls = declarations()
    demo = decls["minimal"]
    updated = three_stage_decl("demo")
    seeds = {
        "boto3-lifecycle": b"".join(botocore_requests([
            ("create_pipeline", {"pipeline": demo, "tags": [{"key": "team", "value": "blue"}]}),
            ("get_pipeline", {"name": "demo"}),
            ("start_pipeline_execution", {"name": "demo", "clientRequestToken": "token-1"}),
            ("get_pipeline_state", {"name": "demo"}),
            ("list_pipeline_executions", {"pipelineName": "demo", "maxResults": 1}),
            ("list_action_executions", {"pipelineName": "demo"}),
            ("get_pipeline_execution", {"pipelineName": "demo",
                                        "pipelineExecutionId": EXECUTION_ID}),
            ("update_pipeline", {"pipeline": updated}),
            ("get_pipeline", {"name": "demo", "version": 1}),
            ("list_pipelines", {"maxResults": 1}),
            ("delete_pipeline", {"name": "demo"}),
        ])),
        "boto3-account-and-region": b"".join(botocore_requests([
            ("create_pipeline", {"pipeline": pipeline_decl("by-header")}),
            ("get_pipeline", {"name": "by-header"}),
            ("list_pipelines", {}),
        ], access_key="123456789012", region="eu-north-1")),
        "boto3-variables-and-revisions": b"".join(botocore_requests([
            ("create_pipeline", {"pipeline": decls["variables"]}),
            ("start_pipeline_execution", {
                "name": "with-variables", "variables": [{"name": "Color", "value": "red"}],
                "sourceRevisions": [{"actionName": "Source", "revisionType": "COMMIT_ID",
                                     "revisionValue": "abc123"}]}),
            ("list_action_executions", {"pipelineName": "with-variables"}),
        ])),
        "boto3-queued": b"".join(botocore_requests([
            ("create_pipeline", {"pipeline": decls["queued"]}),
            ("start_pipeline_execution", {"name": "queued"}),
            ("start_pipeline_execution", {"name": "queued"}),
            ("get_pipeline_state", {"name": "queued"}),
            ("list_pipeline_executions", {"pipelineName": "queued",
                                          "filter": {"succeededInStage": {"stageName": "Build"}}}),
        ])),
    }
    for name in ("parallel", "approval", "run-orders", "unresolvable"):
        seeds[f"boto3-create-{name}"] = b"".join(botocore_requests([
            ("create_pipeline", {"pipeline": decls[name]}),
            ("get_pipeline_state", {"name": decls[name]["name"]}),
        ]))

    seeds.update({
        "raw-list-pipelines": call("ListPipelines", {}),
        "raw-empty-body": call("GetPipeline", b""),
        "raw-malformed-json": b"".join(
            call("GetPipeline", body) for body in ('{"name": ', "{not json}", "nul",
                                                   '{"name": "a"} trailing', "\x00\x01")),
        "raw-wrong-member-types": b"".join([
            call("GetPipeline", {"name": 5}),
            call("GetPipeline", {"name": "a", "version": "1"}),
            call("ListPipelines", {"maxResults": 1.5}),
            call("CreatePipeline", {"pipeline": []}),
            call("DeletePipeline", {"name": True}),
        ]),
        "raw-top-level-not-object": b"".join(
            call("GetPipeline", body) for body in ("[]", '"name"', "5", "null")),
        "raw-deep-nesting": call("GetPipeline", '{"name": "a", "x": ' + "[" * 70 + "]" * 70 + "}"),
        "raw-routing": b"".join([
            call("FlyToTheMoon", {}),
            raw("{}"),
            raw("{}", target="DynamoDB_20120810.ListTables"),
            raw("{}", target="CodePipeline_20150709"),
        ]),
        "raw-not-implemented": call("ListWebhooks", {}),
        "raw-get-root-and-health": raw(method="GET") + raw(method="GET", path="/_sluice/health"),
        "raw-head": b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
        "raw-connection-close": call("ListPipelines", {}, headers={"Connection": "close"})
        + call("ListPipelines", {}),
        "raw-pipelined": call("ListPipelines", {}) * 3,
        "raw-http-1-0": call("ListPipelines", {}, version="1.0"),
        "raw-chunked": (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {TARGET_PREFIX}GetPipeline\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "6\r\n{\"name\r\na\r\n\": \"demo\"}\r\n0\r\n\r\n").encode(),
        "raw-body-too-large": (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {TARGET_PREFIX}"
                               "GetPipeline\r\nContent-Length: 2097152\r\n\r\n{").encode(),
        "raw-truncated": b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{",
        "raw-not-http": b"NOT HTTP AT ALL\r\n\r\n",
        "raw-brew": b"BREW / HTCPCP/1.0\r\n\r\n",
        "raw-bad-chunk": b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "raw-validation-errors": b"".join([
            call("GetPipeline", {"name": "bad name!"}),
            call("CreatePipeline", {"pipeline": {"name": "x", "stages": [{"name": ""}]}}),
            call("ListPipelines", {"maxResults": 0}),
        ]),
    })
    return seeds


# --- operation inputs -------------------------------------------------------------


def operation_seeds():
    operations = sorted(botocore.session.get_session()
                        .get_service_model("codepipeline").operation_names)
    index = {name: i for i, name in enumerate(operations)}

    def seed(operation, body):
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        return bytes([index[operation]]) + text.encode()

    seeds = {}
    with open(os.path.join(REPO, "tests", "unit", "data", "validation_cases.json")) as f:
        cases = json.load(f)
    broken_taken = {}
    for case in cases:
        if case["error"] is None:
            seeds[f"case-{case['name']}"] = seed(case["operation"], case["input"])
        elif broken_taken.get(case["operation"], 0) < 2:
            broken_taken[case["operation"]] = broken_taken.get(case["operation"], 0) + 1
            seeds[f"case-{case['name']}"] = seed(case["operation"], case["input"])

    for name, decl in declarations().items():
        seeds[f"e2e-create-{name}"] = seed("CreatePipeline",
                                           {"pipeline": decl,
                                            "tags": [{"key": "team", "value": "blue"}]})
        seeds[f"e2e-update-{name}"] = seed("UpdatePipeline",
                                           {"pipeline": dict(decl, name=FIXTURE)})
    seeds.update({
        "e2e-start-with-revision": seed("StartPipelineExecution", {
            "name": FIXTURE, "clientRequestToken": "token-1",
            "sourceRevisions": [{"actionName": "Source", "revisionType": "COMMIT_ID",
                                 "revisionValue": "abc123"}]}),
        "e2e-start-with-variables": seed("StartPipelineExecution", {
            "name": FIXTURE, "variables": [{"name": "Color", "value": "red"}]}),
        "e2e-get-version": seed("GetPipeline", {"name": FIXTURE, "version": 1}),
        "e2e-list-pipelines-page": seed("ListPipelines", {"maxResults": 1,
                                                          "nextToken": "c2x1aWNlMTpkZW1v"}),
        "e2e-list-executions-filter": seed("ListPipelineExecutions", {
            "pipelineName": FIXTURE, "maxResults": 1,
            "filter": {"succeededInStage": {"stageName": "Build"}}}),
        "e2e-list-actions-filter": seed("ListActionExecutions", {
            "pipelineName": FIXTURE, "filter": {"pipelineExecutionId": EXECUTION_ID}}),
        "e2e-delete": seed("DeletePipeline", {"name": FIXTURE}),
        "malformed-json": seed("GetPipeline", '{"name": '),
        "malformed-not-object": seed("GetPipeline", "[]"),
        "malformed-deep": seed("CreatePipeline", '{"pipeline": ' + "[" * 70 + "]" * 70 + "}"),
        "malformed-wrong-type": seed("CreatePipeline", {"pipeline": {"stages": {"a": 1}}}),
    })
    return seeds


# --- SigV4 headers ---------------------------------------------------------------


def sigv4_seeds():
    seeds = {}
    for access_key, region in (("AKIDEXAMPLE", "us-east-1"), ("123456789012", "eu-north-1"),
                               ("ASIAEXAMPLE", "ap-southeast-2")):
        request = botocore_requests([("list_pipelines", {})], access_key, region)[0]
        header = next(line for line in request.split(b"\r\n")
                      if line.lower().startswith(b"authorization: "))
        seeds[f"botocore-{access_key}-{region}"] = header[len(b"authorization: "):]
    seeds.update({
        "e2e-identity": b"AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-north-1/"
                        b"codepipeline/aws4_request, SignedHeaders=host;x-amz-date, "
                        b"Signature=deadbeef",
        "credential-last": b"AWS4-HMAC-SHA256 SignedHeaders=host,Signature=x,Credential="
                           b"123456789012/20260101/ap-south-1/codepipeline/aws4_request",
        "sigv4a": b"AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20260101/codepipeline/"
                  b"aws4_request, SignedHeaders=host;x-amz-region-set, Signature=3045",
        "basic": b"Basic dXNlcjpwYXNz",
        "algorithm-only": b"AWS4-HMAC-SHA256",
        "empty-credential": b"AWS4-HMAC-SHA256 Credential=",
        "short-scope": b"AWS4-HMAC-SHA256 Credential=AKID/2026",
        "wrong-terminator": b"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/codepipeline/other",
        "empty-region": b"AWS4-HMAC-SHA256 Credential=AKID/20260101//codepipeline/aws4_request",
        "extra-field": b"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request/extra",
        "non-ascii-region": "AWS4-HMAC-SHA256 Credential=AKID/20260101/ré/codepipeline/"
                            "aws4_request".encode() + b"\xff",
    })
    return seeds


# --- dictionaries ---------------------------------------------------------------


def model_words():
    """Every member name and enum value of the model, and the operation names."""
    model = botocore.session.get_session().get_service_model("codepipeline")
    words = set(model.operation_names)
    for name in model.shape_names:
        shape = model.shape_for(name)
        words.update(getattr(shape, "members", {}).keys())
        words.update(getattr(shape, "enum", None) or [])
    return words


def catalog_words():
    """The quoted words of the action catalog: categories, providers, configuration keys."""
    with open(os.path.join(REPO, "src", "domain", "action_catalog.cpp")) as f:
        return set(re.findall(r'"([A-Za-z0-9]+)"', f.read()))


def json_tokens():
    words = model_words() | catalog_words()
    return ([f'"{word}"' for word in sorted(words)] +
            ["#{", "#{variables.", "#{codepipeline.PipelineExecutionId}", "null", "true", "[]", "{}"])


def http_tokens():
    return [TARGET_PREFIX, "X-Amz-Target: ", "Content-Type: application/x-amz-json-1.1\r\n",
            "Content-Length: ", "Transfer-Encoding: chunked\r\n", "Connection: close\r\n",
            "Connection: keep-alive\r\n", "Expect: 100-continue\r\n", "HTTP/1.0", "HTTP/1.1",
            "\r\n\r\n", "POST / ", "GET /_sluice/health ", "HEAD / ",
            "Authorization: AWS4-HMAC-SHA256 Credential=", "123456789012/20260101/eu-west-1",
            "/codepipeline/aws4_request, SignedHeaders=host, Signature=0\r\n"]


def sigv4_tokens():
    return ["AWS4-HMAC-SHA256", "Credential=", "SignedHeaders=", "Signature=", "/aws4_request",
            "/codepipeline/", "/us-east-1/", "123456789012", "20260101", ", "]


def write_dictionary(fuzzer, tokens):
    """A libFuzzer dictionary: one quoted token a line, with C-style escapes."""
    longest = 64  # libFuzzer refuses the whole file over a longer token
    assert all(len(token.encode()) <= longest for token in tokens), fuzzer
    def quoted(token):
        out = []
        for byte in token.encode():
            char = chr(byte)
            if char in '"\\':
                out.append("\\" + char)
            elif 0x20 <= byte < 0x7F:
                out.append(char)
            else:
                out.append(f"\\x{byte:02X}")
        return '"' + "".join(out) + '"'
    os.makedirs(DICTIONARIES, exist_ok=True)
    with open(os.path.join(DICTIONARIES, f"{fuzzer}.dict"), "w") as f:
        f.write(f"# {fuzzer}: written by scripts/fuzz_corpus.py\n")
        for token in sorted(set(tokens)):
            f.write(quoted(token) + "\n")
    print(f"{fuzzer}: dictionary of {len(set(tokens))} tokens")


def write(fuzzer, seeds):
    directory = os.path.join(CORPUS, fuzzer)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print(f"{fuzzer}: {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes")


def main():
    _fixed_signing()
    write("http_request_fuzzer", http_seeds())
    write("operation_input_fuzzer", operation_seeds())
    write("sigv4_fuzzer", sigv4_seeds())
    write_dictionary("http_request_fuzzer", http_tokens() + json_tokens())
    write_dictionary("operation_input_fuzzer", json_tokens())
    write_dictionary("sigv4_fuzzer", sigv4_tokens())


if __name__ == "__main__":
    main()
