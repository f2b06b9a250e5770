"""The AWS JSON 1.1 wire protocol, spoken raw over http.client and sockets (no SDK)."""

import json
import socket
import unittest
import uuid

import botocore.session

from sluice_server import TARGET_PREFIX, ServerTestCase, pipeline_decl

JSON_11 = "application/x-amz-json-1.1"
NAME_PATTERN = r"[A-Za-z0-9.@\-_]+"


def service_model():
    return botocore.session.get_session().get_service_model("codepipeline")


def recv_response(sock, timeout=10):
    """Reads one HTTP response (Content-Length framed) from a raw socket.

    Returns (status, headers lower-cased, body bytes, closed) where closed says
    whether the server closed the connection right after it.
    """
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a full response header: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    body = rest[:length]
    closed = False
    try:
        sock.settimeout(3)
        closed = sock.recv(1) == b""
    except (socket.timeout, ConnectionResetError):
        closed = False
    return status, headers, body, closed


class WireTest(ServerTestCase):

    # --- helpers ---------------------------------------------------------------

    def assertAwsError(self, status, headers, body, expected_status, error_type):
        self.assertEqual(status, expected_status, body)
        self.assertEqual(headers.get("content-type"), JSON_11)
        self.assertEqual(headers.get("x-amzn-errortype"), error_type)
        self.assertValidRequestId(headers)
        if isinstance(body, (bytes, str)):
            body = json.loads(body)
        self.assertEqual(body["__type"], error_type)
        self.assertIsInstance(body["message"], str)
        self.assertTrue(body["message"])
        return body["message"]

    def assertValidRequestId(self, headers):
        self.assertIn("x-amzn-requestid", headers)
        parsed = uuid.UUID(headers["x-amzn-requestid"])
        self.assertEqual(str(parsed), headers["x-amzn-requestid"].lower())

    # --- headers ----------------------------------------------------------------

    def test_success_headers(self):
        status, headers, body = self.server.call("ListPipelines", {})
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], JSON_11)
        self.assertValidRequestId(headers)
        self.assertNotIn("x-amzn-errortype", headers)
        self.assertIn("pipelines", body)

    def test_request_ids_are_unique(self):
        ids = set()
        for _ in range(5):
            _, headers, _ = self.server.call("ListPipelines", {})
            ids.add(headers["x-amzn-requestid"])
        _, headers, _ = self.server.call("GetPipeline", {})
        ids.add(headers["x-amzn-requestid"])
        self.assertEqual(len(ids), 6)

    def test_error_headers(self):
        status, headers, body = self.server.call("GetPipeline", {"name": "absent"})
        self.assertAwsError(status, headers, body, 400, "PipelineNotFoundException")
        self.assertEqual(body["message"],
                         "Account '000000000000' does not have a pipeline with name 'absent'")

    def test_unsigned_request_uses_defaults(self):
        name = "unsigned-raw"
        status, _, body = self.server.call("CreatePipeline", {"pipeline": pipeline_decl(name)})
        self.assertEqual(status, 200, body)
        # Visible to a signed caller in the default account and region.
        got = self.server.client(access_key="AKIDEXAMPLE", region="us-east-1").get_pipeline(
            name=name)
        self.assertEqual(got["metadata"]["pipelineArn"],
                         f"arn:aws:codepipeline:us-east-1:000000000000:{name}")
        self.server.call("DeletePipeline", {"name": name})

    def test_identity_from_authorization_header(self):
        auth = ("AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-north-1/codepipeline/"
                "aws4_request, SignedHeaders=host;x-amz-date, Signature=deadbeef")
        status, headers, body = self.server.call("CreatePipeline",
                                                 {"pipeline": pipeline_decl("by-header")},
                                                 headers={"Authorization": auth})
        self.assertEqual(status, 200, body)
        status, headers, body = self.server.call("GetPipeline", {"name": "by-header"},
                                                 headers={"Authorization": auth})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["metadata"]["pipelineArn"],
                         "arn:aws:codepipeline:eu-north-1:123456789012:by-header")
        # Another account in the same region does not see it.
        other = auth.replace("123456789012", "210987654321")
        status, headers, body = self.server.call("GetPipeline", {"name": "by-header"},
                                                 headers={"Authorization": other})
        self.assertAwsError(status, headers, body, 400, "PipelineNotFoundException")
        self.assertIn("'210987654321'", body["message"])

    # --- serialization ----------------------------------------------------------

    def test_malformed_json(self):
        for raw in ('{"name": ', "{not json}", "nul", '{"name": "a"} trailing', "\x00\x01"):
            with self.subTest(body=raw):
                status, headers, body = self.server.raw(raw, target=TARGET_PREFIX + "GetPipeline")
                self.assertAwsError(status, headers, body, 400, "SerializationException")

    def test_wrong_member_type(self):
        cases = [
            ("GetPipeline", {"name": 5}),
            ("GetPipeline", {"name": "a", "version": "1"}),
            ("GetPipeline", {"name": ["a"]}),
            ("ListPipelines", {"maxResults": "7"}),
            ("ListPipelines", {"maxResults": 1.5}),
            ("CreatePipeline", {"pipeline": []}),
            ("CreatePipeline", {"pipeline": pipeline_decl("typed", stages={"a": 1})}),
            ("DeletePipeline", {"name": True}),
        ]
        for operation, payload in cases:
            with self.subTest(operation=operation, payload=payload):
                status, headers, body = self.server.call(operation, payload)
                self.assertAwsError(status, headers, body, 400, "SerializationException")

    def test_top_level_not_object(self):
        for raw in ("[]", '["name"]', '"name"', "5", "null", "true"):
            with self.subTest(body=raw):
                status, headers, body = self.server.raw(raw, target=TARGET_PREFIX + "GetPipeline")
                self.assertAwsError(status, headers, body, 400, "SerializationException")

    def test_deeply_nested_json(self):
        raw = '{"name": "a", "x": ' + "[" * 5000 + "]" * 5000 + "}"
        status, headers, body = self.server.raw(raw, target=TARGET_PREFIX + "GetPipeline")
        self.assertAwsError(status, headers, body, 400, "SerializationException")

    def test_empty_body_is_empty_request(self):
        status, headers, body = self.server.raw(b"", target=TARGET_PREFIX + "GetPipeline")
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertEqual(message, "1 validation error detected: Value at 'name' failed to "
                                  "satisfy constraint: Member must not be null")
        status, _, body = self.server.raw(b"", target=TARGET_PREFIX + "ListPipelines")
        self.assertEqual(status, 200, body)

    def test_null_member_is_absent(self):
        status, headers, body = self.server.call("GetPipeline", {"name": None})
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertIn("Value at 'name' failed to satisfy constraint: Member must not be null",
                      message)

    # --- routing ----------------------------------------------------------------

    def test_unknown_operation(self):
        status, headers, body = self.server.call("FlyToTheMoon", {})
        message = self.assertAwsError(status, headers, body, 400, "UnknownOperationException")
        self.assertIn("FlyToTheMoon", message)

    def test_missing_target(self):
        status, headers, body = self.server.raw("{}")
        self.assertAwsError(status, headers, body, 400, "UnknownOperationException")

    def test_foreign_target_prefix(self):
        for target in ("DynamoDB_20120810.ListTables", "CodePipeline_20150709",
                       "codepipeline_20150709.ListPipelines", "ListPipelines",
                       "CodePipeline_20150710.ListPipelines"):
            with self.subTest(target=target):
                status, headers, body = self.server.raw("{}", target=target)
                self.assertAwsError(status, headers, body, 400, "UnknownOperationException")

    def test_get_root(self):
        status, headers, body = self.server.raw(None, method="GET", path="/")
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        self.assertAwsError(status, headers, body, status, json.loads(body)["__type"])

    def test_other_paths_and_methods(self):
        for method, path in (("POST", "/other"), ("PUT", "/"), ("DELETE", "/")):
            with self.subTest(method=method, path=path):
                status, headers, body = self.server.raw(
                    "{}", method=method, path=path, target=TARGET_PREFIX + "ListPipelines")
                self.assertGreaterEqual(status, 400)
                self.assertLess(status, 500)
                parsed = json.loads(body)
                self.assertAwsError(status, headers, parsed, status, parsed["__type"])

    def test_unknown_controls_answer_in_the_controls_shape(self):
        # /_sluice/ is the test controls' surface, not the AWS wire: its errors
        # are {"error", "message", "field"}, with 404 for a path it lacks and
        # 405 for a method a path does not take.
        for method, path, expected in (("GET", "/_sluice/nothing", 404),
                                       ("POST", "/_sluice/health", 405),
                                       ("HEAD", "/_sluice/reset", 405)):
            with self.subTest(method=method, path=path):
                status, headers, body = self.server.raw(
                    "{}", method=method, path=path, target=TARGET_PREFIX + "ListPipelines")
                self.assertEqual(status, expected)
                self.assertEqual(headers.get("content-type"), "application/json")
                if method == "HEAD":
                    self.assertFalse(body)
                    continue
                parsed = json.loads(body)
                self.assertEqual(set(parsed), {"error", "message", "field"})
                self.assertIn(path, parsed["message"])

    def test_health(self):
        status, headers, body = self.server.raw(None, method="GET", path="/_sluice/health")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        health = json.loads(body)
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["version"], "0.1.0")
        self.assertIsInstance(health["uptimeSeconds"], (int, float))
        self.assertGreaterEqual(health["uptimeSeconds"], 0)

    # --- body limit ---------------------------------------------------------------

    def test_oversized_body(self):
        payload = b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'"}'
        request = (
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\n"
            f"Content-Type: {JSON_11}\r\nX-Amz-Target: {TARGET_PREFIX}GetPipeline\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as sock:
            sock.sendall(request)
            try:
                sock.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and stop reading early
            status, headers, body, closed = recv_response(sock)
        message = self.assertAwsError(status, headers, body, 413,
                                      "RequestEntityTooLargeException")
        self.assertIn("1048576", message)
        self.assertTrue(closed or headers.get("connection", "").lower() == "close",
                        "the connection should be closed after a 413")
        # A new connection works.
        status, _, body = self.server.call("ListPipelines", {})
        self.assertEqual(status, 200, body)

    def test_oversized_body_via_http_client(self):
        payload = json.dumps({"name": "b" * (2 * 1024 * 1024)})
        conn = self.server.connection()
        try:
            status, headers, body = self.server.raw(payload, target=TARGET_PREFIX + "GetPipeline",
                                                    conn=conn)
        finally:
            conn.close()
        self.assertAwsError(status, headers, body, 413, "RequestEntityTooLargeException")
        status, _, _ = self.server.call("ListPipelines", {})
        self.assertEqual(status, 200)

    def test_body_just_under_limit_is_read(self):
        # A body under 1 MiB is parsed; the long name then fails validation.
        payload = json.dumps({"name": "c" * (1024 * 1024 - 100)})
        self.assertLess(len(payload), 1024 * 1024)
        status, headers, body = self.server.raw(payload, target=TARGET_PREFIX + "GetPipeline")
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertEqual(message, "1 validation error detected: Value at 'name' failed to "
                                  "satisfy constraint: Member must have length less than or "
                                  "equal to 100")

    # --- validation messages --------------------------------------------------------

    def test_validation_missing_required(self):
        status, headers, body = self.server.call("GetPipeline", {})
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertEqual(message, "1 validation error detected: Value at 'name' failed to "
                                  "satisfy constraint: Member must not be null")

    def test_validation_pattern_does_not_echo_value(self):
        status, headers, body = self.server.call("GetPipeline", {"name": "bad name!"})
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertEqual(message, "1 validation error detected: Value at 'name' failed to "
                                  "satisfy constraint: Member must satisfy regular expression "
                                  f"pattern: {NAME_PATTERN}")
        self.assertNotIn("bad name!", message)

    def test_validation_multiple_errors(self):
        status, headers, body = self.server.call("GetPipeline", {"name": "", "version": 0})
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertEqual(
            message,
            "3 validation errors detected: "
            "Value at 'name' failed to satisfy constraint: Member must satisfy regular "
            f"expression pattern: {NAME_PATTERN}; "
            "Value at 'name' failed to satisfy constraint: Member must have length greater "
            "than or equal to 1; "
            "Value at 'version' failed to satisfy constraint: Member must have value greater "
            "than or equal to 1")

    def test_validation_nested_path(self):
        decl = pipeline_decl("nested")
        decl["stages"][1]["name"] = "bad stage"
        status, headers, body = self.server.call("CreatePipeline", {"pipeline": decl})
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertEqual(message, "1 validation error detected: Value at "
                                  "'pipeline.stages.2.member.name' failed to satisfy "
                                  "constraint: Member must satisfy regular expression "
                                  f"pattern: {NAME_PATTERN}")

    def test_validation_capped_at_ten(self):
        decl = pipeline_decl("capped")
        decl["stages"] = [{"name": f"bad stage {i}", "actions": []} for i in range(12)]
        status, headers, body = self.server.call("CreatePipeline", {"pipeline": decl})
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertTrue(message.startswith("10 validation errors detected: "), message)
        parts = message[len("10 validation errors detected: "):].split("; ")
        self.assertEqual(len(parts), 10, message)
        for i, part in enumerate(parts, start=1):
            self.assertEqual(part, f"Value at 'pipeline.stages.{i}.member.name' failed to "
                                   "satisfy constraint: Member must satisfy regular expression "
                                   f"pattern: {NAME_PATTERN}")

    def test_length_counts_characters_not_bytes(self):
        """AWS measures string length in characters (UTF-16 units), not UTF-8 bytes."""
        decl = pipeline_decl("unicode-lengths", variables=[
            {"name": "Greeting", "defaultValue": "\u00e9" * 1000,   # max 1000
             "description": "\u00e9" * 150}])                      # max 200
        status, headers, body = self.server.call(
            "CreatePipeline",
            {"pipeline": decl, "tags": [{"key": "k\u00e9" * 40, "value": "\u00e9" * 200}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["pipeline"]["variables"], decl["variables"])
        self.server.call("DeletePipeline", {"name": "unicode-lengths"})
        # One character over is still refused.
        decl["variables"][0]["description"] = "\u00e9" * 201
        status, headers, body = self.server.call("CreatePipeline", {"pipeline": decl})
        message = self.assertAwsError(status, headers, body, 400, "ValidationException")
        self.assertEqual(message, "1 validation error detected: Value at "
                                  "'pipeline.variables.1.member.description' failed to satisfy "
                                  "constraint: Member must have length less than or equal to 200")

    # --- operations -------------------------------------------------------------------


    def test_every_operation_validates_first(self):
        model = service_model()
        operations = list(model.operation_names)
        self.assertEqual(len(operations), 44)
        implemented = {"CreatePipeline", "GetPipeline", "UpdatePipeline", "DeletePipeline",
                       "ListPipelines", "ListActionTypes", "ListRuleTypes", "ListWebhooks"}
        # Implemented, with nothing required by the model but a webhook by the service.
        needs_webhook = {"RegisterWebhookWithThirdParty", "DeregisterWebhookWithThirdParty"}
        conn = self.server.connection()
        self.addCleanup(conn.close)
        for name in operations:
            with self.subTest(operation=name):
                op = model.operation_model(name)
                required = list(op.input_shape.required_members) if op.input_shape else []
                status, headers, body = self.server.call(name, {}, conn=conn)
                if required:
                    message = self.assertAwsError(status, headers, body, 400,
                                                  "ValidationException")
                    listed = min(len(required), 10)
                    noun = "error" if listed == 1 else "errors"
                    self.assertTrue(
                        message.startswith(f"{listed} validation {noun} detected: "), message)
                    for member in required[:10]:
                        self.assertIn(f"Value at '{member}' failed to satisfy constraint: "
                                      "Member must not be null", message)
                elif name in implemented:
                    self.assertEqual(status, 200, body)
                elif name in needs_webhook:
                    self.assertAwsError(status, headers, body, 400, "WebhookNotFoundException")
                else:
                    self.fail(f"{name} has no required member yet is not expected to "
                              f"succeed: {status} {body!r}")

    # --- connections --------------------------------------------------------------------

    def test_keep_alive(self):
        conn = self.server.connection()
        self.addCleanup(conn.close)
        status, _, _ = self.server.call("ListPipelines", {}, conn=conn)
        self.assertEqual(status, 200)
        sock = conn.sock
        self.assertIsNotNone(sock)
        sequence = [
            ("ListPipelines", {}, 200),
            ("GetPipeline", {}, 400),                       # validation error
            ("GetPipeline", {"name": "nobody"}, 400),       # service error
            ("FlyToTheMoon", {}, 400),                      # unknown operation
            ("PutApprovalResult", {"pipelineName": "x", "stageName": "s", "actionName": "a",
                                   "result": {"summary": "ok", "status": "Approved"},
                                   "token": "0f8fad5b-d9cb-469f-a165-70867728950e"}, 400),  # no such pipeline
            ("ListPipelines", {"maxResults": 1}, 200),
        ]
        for operation, payload, expected in sequence * 2:
            status, headers, _ = self.server.call(operation, payload, conn=conn)
            self.assertEqual(status, expected, operation)
            self.assertNotEqual(headers.get("connection", "").lower(), "close")
            self.assertIs(conn.sock, sock, f"connection was reopened after {operation}")
        status, _, _ = self.server.raw(b"{bad", target=TARGET_PREFIX + "GetPipeline", conn=conn)
        self.assertEqual(status, 400)
        self.assertIs(conn.sock, sock, "connection was reopened after a SerializationException")

    def test_connection_close_request_header(self):
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as sock:
            sock.sendall((f"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          f"X-Amz-Target: {TARGET_PREFIX}ListPipelines\r\n"
                          "Content-Length: 2\r\n\r\n{}").encode())
            status, headers, body, closed = recv_response(sock)
        self.assertEqual(status, 200)
        self.assertTrue(closed)

    def test_head_response_has_no_body(self):
        """RFC 9110 9.3.2: a HEAD response carries no content, or keep-alive framing breaks."""
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as sock:
            sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 4"), data)
            # Anything after the header block is a body that must not be there.
            sock.settimeout(0.5)
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except socket.timeout:
                pass
            _, _, extra = data.partition(b"\r\n\r\n")
            self.assertEqual(extra, b"", "HEAD response carried a body")
            # The next request on the same connection gets a cleanly framed answer.
            sock.sendall((f"POST / HTTP/1.1\r\nHost: x\r\n"
                          f"X-Amz-Target: {TARGET_PREFIX}ListPipelines\r\n"
                          "Content-Length: 2\r\n\r\n{}").encode())
            status, headers, body, _ = recv_response(sock)
        self.assertEqual(status, 200)
        self.assertIn("pipelines", json.loads(body))

    def test_pipelined_requests_on_one_socket(self):
        body = b"{}"
        one = (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {TARGET_PREFIX}ListPipelines\r\n"
               f"Content-Type: {JSON_11}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as sock:
            sock.sendall(one * 3)
            sock.settimeout(10)
            data = b""
            while data.count(b"HTTP/1.1 200") < 3:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertEqual(data.count(b"HTTP/1.1 200"), 3, data)

    def test_http_1_0_closes(self):
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as sock:
            sock.sendall((f"POST / HTTP/1.0\r\nX-Amz-Target: {TARGET_PREFIX}ListPipelines\r\n"
                          "Content-Length: 2\r\n\r\n{}").encode())
            status, headers, body, closed = recv_response(sock)
        self.assertEqual(status, 200)
        self.assertIn("pipelines", json.loads(body))
        self.assertTrue(closed)

    def test_zz_survives_bad_input(self):
        """Runs last in this class: junk of every kind, then the server still answers."""
        junk = [
            b"NOT HTTP AT ALL\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # TLS hello
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{",                     # truncated
            b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"h" * 100000 + b"\r\n\r\n",
            b"",
        ]
        for data in junk:
            with socket.create_connection((self.server.host, self.server.port),
                                          timeout=5) as sock:
                try:
                    sock.sendall(data)
                    sock.shutdown(socket.SHUT_WR)
                    sock.settimeout(5)
                    while sock.recv(65536):
                        pass
                except OSError:  # reset, broken pipe, not connected, timeout
                    pass
        status, headers, body = self.server.raw(None, method="GET", path="/_sluice/health")
        self.assertEqual(status, 200)
        status, headers, body = self.server.call("CreatePipeline",
                                                 {"pipeline": pipeline_decl("after-junk")})
        self.assertEqual(status, 200, body)
        status, headers, body = self.server.call("GetPipeline", {"name": "after-junk"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["pipeline"]["name"], "after-junk")

    def test_malformed_http_gets_aws_error(self):
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as sock:
            sock.sendall(b"BREW / HTCPCP/1.0\r\n\r\n")
            status, headers, body, _ = recv_response(sock)
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        self.assertIn("__type", json.loads(body))


if __name__ == "__main__":
    unittest.main()
