"""HTTPS end to end: --tls self-signed and --tls-cert/--tls-key, boto3 and
aws-cli trusting (or not) the certificate, plain HTTP sent to the TLS port,
strict SigV4 over TLS, the hostile clients of test_hostile_clients.py once
over TLS (slowloris, a handshake that never comes, limits, malformed HTTP,
the connection cap), and --healthcheck against a TLS server.

What it holds them to is the README's "HTTPS".
"""

import datetime
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import time
import unittest

from botocore.exceptions import ClientError, SSLError

from auth_helpers import (CONTROL_HEADER, HTTPS_PREFIX, ServerCase, aws_cli,
                          keyed_client, profile_client, read_ini, run_sluice, write_text)
from sluice_server import pipeline_decl, write_json_file
from test_hostile_clients import (INVALID_HTTP, Response, ServerClosed, error_problem,
                                  ok_problem, partial_request_head, request_bytes)


def system_ca_file():
    """The system's bundle of authorities (what a client trusts when told
    nothing), or None."""
    for path in ("/etc/ssl/certs/ca-certificates.crt", ssl.get_default_verify_paths().cafile,
                 ssl.get_default_verify_paths().openssl_cafile):
        if path and os.path.isfile(path):
            return path
    return None


SYSTEM_CA = system_ca_file()


def decode_certificate(path):
    """The certificate's fields as ssl's getpeercert() gives them."""
    return ssl._ssl._test_decode_cert(path)  # CPython's own decoder; no extra package


def cert_time(text):
    return datetime.datetime.strptime(text, "%b %d %H:%M:%S %Y %Z")


def client_hello():
    """The bytes of a real TLS ClientHello, made without a socket."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class TlsConnection:
    """A TLS client socket that frames HTTP/1.1 responses itself, so that it
    can send what http.client refuses to (test_hostile_clients' RawConnection
    over TLS)."""

    def __init__(self, server, timeout=10, handshake=True):
        raw = socket.create_connection((server.host, server.port), timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = raw
        if handshake:
            self.sock = server.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")
        self.timeout = timeout
        self.buffer = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _recv(self, timeout):
        """Bytes read, b"" once the server has closed (a TLS error counts as a close)."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return b""

    def read_response(self):
        while b"\r\n\r\n" not in self.buffer:
            chunk = self._recv(self.timeout)
            if not chunk:
                raise ServerClosed(f"closed after {self.buffer[:200]!r}")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            chunk = self._recv(self.timeout)
            if not chunk:
                raise ServerClosed("closed mid-body")
            self.buffer += chunk
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Response(int(lines[0].split(" ")[1]), headers, body)

    def wait_for_close(self, timeout):
        """(seconds until the server closed, bytes read), or (None, bytes) if still open."""
        start = time.monotonic()
        data = self.buffer
        while True:
            remaining = start + timeout - time.monotonic()
            if remaining <= 0:
                return None, data
            try:
                chunk = self._recv(remaining)
            except socket.timeout:
                return None, data
            if not chunk:
                return time.monotonic() - start, data
            data += chunk


class TlsCase(ServerCase):

    def self_signed(self, *args, tls_dir=None, **kwargs):
        """A server with --tls self-signed in a fresh (or given) directory; (server, dir)."""
        tls_dir = tls_dir or self.temp_dir()
        server = self.start("--tls", "self-signed", "--tls-dir", tls_dir, *args,
                            ca_file=os.path.join(tls_dir, "cert.pem"), **kwargs)
        return server, tls_dir

    def assertServing(self, server):
        self.assertIsNone(server.proc.poll(), server.stderr_tail())
        status, _, body = server.call("ListPipelines", {})
        self.assertEqual(status, 200, body)

    def assertStartFails(self, *args, mentions=()):
        done = run_sluice("--port", "0", *args)
        self.assertEqual(done.returncode, 2, (done.stdout, done.stderr))
        self.assertEqual(done.stdout, "")
        self.assertTrue(done.stderr.startswith("sluice: "), done.stderr)
        for text in mentions:
            self.assertIn(text, done.stderr)


# --- --tls self-signed -------------------------------------------------------------

class SelfSignedTest(TlsCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tls_dir = cls.class_temp_dir()
        cls.cert = os.path.join(cls.tls_dir, "cert.pem")
        cls.server = cls.start_for_class("--tls", "self-signed", "--tls-dir", cls.tls_dir,
                                         "--start-on-create", "false", ca_file=cls.cert)

    def test_the_listening_line_the_files_and_stderr(self):
        self.assertEqual(self.server.address_line, f"{HTTPS_PREFIX}{self.server.port}")
        self.assertMode(self.cert, 0o644)
        self.assertMode(os.path.join(self.tls_dir, "key.pem"), 0o600)
        log = self.server.wait_for_stderr(self.cert)
        self.assertIn(f"sluice: --tls self-signed: certificate in {self.cert} "
                      f"(trust it with AWS_CA_BUNDLE={self.cert})", log)
        status, _, health = self.server.control("GET", "/_sluice/health")
        self.assertEqual(status, 200)
        self.assertIs(health["tls"], True)
        self.assertEqual(health["auth"], "off")

    def test_the_certificate(self):
        cert = decode_certificate(self.cert)
        names = {(kind, ipaddress.ip_address(value.strip()) if kind == "IP Address" else value)
                 for kind, value in cert["subjectAltName"]}
        self.assertLessEqual({("DNS", "localhost"),
                              ("IP Address", ipaddress.ip_address("127.0.0.1")),
                              ("IP Address", ipaddress.ip_address("::1"))}, names)
        not_before, not_after = cert_time(cert["notBefore"]), cert_time(cert["notAfter"])
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        one_day_ago = now - datetime.timedelta(days=1)
        self.assertLess(abs(not_before - one_day_ago), datetime.timedelta(hours=1), not_before)
        # 825 days in all, not from now: Apple's platforms refuse a TLS server
        # certificate whose notBefore..notAfter is longer.
        self.assertEqual(not_after - not_before, datetime.timedelta(days=825))
        if shutil.which("openssl"):
            text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", self.cert],
                                  capture_output=True, text=True, check=True).stdout
            self.assertIn("id-ecPublicKey", text)
            self.assertTrue("prime256v1" in text or "P-256" in text, text)

    def test_boto3_trusting_the_certificate(self):
        cp = keyed_client(self.server, "111111111111", "x", verify=self.cert)
        cp.create_pipeline(pipeline=pipeline_decl("over-tls"))
        self.assertEqual(cp.get_pipeline(name="over-tls")["pipeline"]["name"], "over-tls")
        execution_id = cp.start_pipeline_execution(name="over-tls")["pipelineExecutionId"]
        self.assertTrue(execution_id)
        # The name in the certificate, as well as the address.
        by_name = keyed_client(self.server, "111111111111", "x", verify=self.cert,
                               endpoint=f"https://localhost:{self.server.port}")
        self.assertIn("over-tls", [p["name"] for p in by_name.list_pipelines()["pipelines"]])

    def test_aws_cli_trusting_the_certificate(self):
        keys = dict(access_key="222222222222", secret="x", region="us-east-1")
        decl = write_json_file(self.temp_dir(), "decl.json", pipeline_decl("cli-tls"))
        rc, out, err = aws_cli(self.server, "codepipeline", "create-pipeline", "--pipeline",
                               f"file://{decl}", ca_bundle=self.cert, **keys)
        self.assertEqual(rc, 0, err)
        rc, out, err = aws_cli(self.server, "codepipeline", "list-pipelines",
                               ca_bundle=self.cert, **keys)
        self.assertEqual(rc, 0, err)
        self.assertEqual([p["name"] for p in out["pipelines"]], ["cli-tls"])
        # Trusting only the system's authorities: refused.
        if SYSTEM_CA is None:
            self.skipTest("no system CA bundle")
        rc, out, err = aws_cli(self.server, "codepipeline", "list-pipelines",
                               ca_bundle=SYSTEM_CA, **keys)
        self.assertNotEqual(rc, 0)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", err)

    def test_clients_that_do_not_trust_the_certificate_fail(self):
        if SYSTEM_CA is None:
            self.skipTest("no system CA bundle")
        with socket.create_connection((self.server.host, self.server.port), timeout=5) as raw:
            with self.assertRaises(ssl.SSLCertVerificationError):
                ssl.create_default_context(cafile=SYSTEM_CA).wrap_socket(
                    raw, server_hostname="localhost")
        with self.assertRaises(SSLError):
            keyed_client(self.server, "111111111111", "x", verify=SYSTEM_CA).list_pipelines()
        # A name the certificate does not hold fails too.
        with socket.create_connection((self.server.host, self.server.port), timeout=5) as raw:
            with self.assertRaises(ssl.SSLCertVerificationError):
                self.server.ssl_context().wrap_socket(raw, server_hostname="sluice.example")
        self.assertServing(self.server)

    def test_plain_http_to_the_tls_port_gets_no_answer(self):
        for request in (request_bytes("ListPipelines"),
                        b"GET /_sluice/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"):
            with self.subTest(request=request[:20]):
                with socket.create_connection((self.server.host, self.server.port),
                                              timeout=5) as sock:
                    sock.sendall(request)
                    data, start = b"", time.monotonic()
                    sock.settimeout(5)
                    try:
                        while True:
                            chunk = sock.recv(65536)
                            if not chunk:
                                break
                            data += chunk
                    except ConnectionResetError:
                        pass
                    except socket.timeout:
                        self.fail(f"the connection stayed open; it got {data[:100]!r}")
                    self.assertLess(time.monotonic() - start, 4, "the connection stayed open")
                    self.assertNotIn(b"HTTP/", data)
        self.assertServing(self.server)

    def test_webhook_urls_say_https(self):
        cp = keyed_client(self.server, "333333333333", "x", verify=self.cert)
        cp.create_pipeline(pipeline=pipeline_decl("hooked"))
        url = cp.put_webhook(webhook={
            "name": "hook", "targetPipeline": "hooked", "targetAction": "Source",
            "filters": [{"jsonPath": "$.ref"}], "authentication": "UNAUTHENTICATED",
            "authenticationConfiguration": {}})["webhook"]["url"]
        self.assertTrue(url.startswith(f"https://127.0.0.1:{self.server.port}/webhooks/"), url)
        path = url.split(str(self.server.port), 1)[1]
        status, _, body = self.server.raw(b'{"ref": "refs/heads/main"}', method="POST",
                                          path=path,
                                          headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)


# --- --tls-cert / --tls-key ------------------------------------------------------------

class GivenCertificateTest(TlsCase):

    def generated(self):
        """cert.pem and key.pem of a --tls self-signed start, copied away."""
        server, tls_dir = self.self_signed()
        self.stop_now(server)
        copy = self.temp_dir()
        for name in ("cert.pem", "key.pem"):
            shutil.copy(os.path.join(tls_dir, name), os.path.join(copy, name))
        return os.path.join(copy, "cert.pem"), os.path.join(copy, "key.pem")

    def test_a_given_pair_is_served(self):
        cert, key = self.generated()
        for how, args, env in (
                ("flags", ("--tls-cert", cert, "--tls-key", key), None),
                ("environment", (), {"SLUICE_TLS_CERT": cert, "SLUICE_TLS_KEY": key})):
            with self.subTest(how):
                server = self.start(*args, env=env, ca_file=cert)
                self.assertTrue(server.address_line.startswith(HTTPS_PREFIX),
                                server.address_line)
                cp = keyed_client(server, "111111111111", "x", verify=cert)
                self.assertEqual(cp.list_pipelines()["pipelines"], [])
                self.assertIs(server.control("GET", "/_sluice/health")[2]["tls"], True)
                self.stop_now(server)

    def test_each_self_signed_start_makes_a_new_key(self):
        tls_dir = self.temp_dir()
        server, _ = self.self_signed(tls_dir=tls_dir)
        with open(os.path.join(tls_dir, "cert.pem")) as f:
            first = f.read()
        self.stop_now(server)
        server, _ = self.self_signed(tls_dir=tls_dir)
        with open(os.path.join(tls_dir, "cert.pem")) as f:
            self.assertNotEqual(f.read(), first)
        self.assertServing(server)

    def test_bad_files_stop_the_start(self):
        cert, key = self.generated()
        other_cert, other_key = self.generated()
        junk = write_text(self.temp_dir(), "junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64"
                                                       "\n-----END CERTIFICATE-----\n")
        absent = os.path.join(self.temp_dir(), "absent.pem")
        rows = [
            ("a missing certificate", ("--tls-cert", absent, "--tls-key", key), (absent,)),
            ("a missing key", ("--tls-cert", cert, "--tls-key", absent), (absent,)),
            ("a certificate that is no PEM", ("--tls-cert", junk, "--tls-key", key), ()),
            ("a key that is no PEM", ("--tls-cert", cert, "--tls-key", junk), ()),
            ("a key of another certificate", ("--tls-cert", cert, "--tls-key", other_key), ()),
            ("the key given as certificate", ("--tls-cert", key, "--tls-key", key), ()),
            ("a certificate without its key", ("--tls-cert", other_cert), ()),
            ("a TLS mode that is none", ("--tls", "on"), ()),
        ]
        for name, args, mentions in rows:
            with self.subTest(name):
                self.assertStartFails(*args, mentions=mentions)


# --- strict SigV4 over TLS -----------------------------------------------------------

class StrictOverTlsTest(TlsCase):
    """--auth strict with --tls self-signed; the certificate goes to the auth
    dir when no --tls-dir is given."""

    def test_generated_keys_and_certificate_together(self):
        auth_dir = self.temp_dir()
        cert = os.path.join(auth_dir, "cert.pem")
        server = self.start("--auth", "strict", "--auth-dir", auth_dir, "--tls", "self-signed",
                            ca_file=cert)
        self.assertTrue(os.path.isfile(cert))
        credentials = os.path.join(auth_dir, "credentials")
        config = os.path.join(auth_dir, "config")
        health = server.control("GET", "/_sluice/health")[2]
        self.assertEqual((health["auth"], health["tls"]), ("strict", True))

        cp = profile_client(server, credentials, "sluice", config_file=config, verify=cert)
        cp.create_pipeline(pipeline=pipeline_decl("strict-tls"))
        self.assertEqual(cp.get_pipeline(name="strict-tls")["metadata"]["pipelineArn"],
                         "arn:aws:codepipeline:us-east-1:000000000000:strict-tls")
        files = dict(credentials_file=credentials, config_file=config, profile="sluice")
        rc, out, err = aws_cli(server, "codepipeline", "list-pipelines", ca_bundle=cert, **files)
        self.assertEqual(rc, 0, err)
        self.assertEqual([p["name"] for p in out["pipelines"]], ["strict-tls"])

        key = read_ini(credentials)["sluice"]["aws_access_key_id"]
        wrong = keyed_client(server, key, "w" * 40, verify=cert)
        with self.assertRaises(ClientError) as caught:
            wrong.list_pipelines()
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidSignatureException")

        with open(os.path.join(auth_dir, "control-token")) as f:
            token = f.read().strip()
        self.assertEqual(server.control("GET", "/_sluice/state")[0], 401)
        status, _, state = server.control("GET", "/_sluice/state", headers={CONTROL_HEADER: token})
        self.assertEqual(status, 200, state)


# --- hostile clients over TLS -----------------------------------------------------------

class HostileOverTlsTest(TlsCase):
    """test_hostile_clients.py's slow, stalled, oversized and malformed
    clients, once each over TLS."""

    IDLE_TIMEOUT = 1
    BODY_LIMIT = 8192

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tls_dir = cls.class_temp_dir()
        cls.server = cls.start_for_class(
            "--tls", "self-signed", "--tls-dir", tls_dir,
            "--idle-timeout", str(cls.IDLE_TIMEOUT), "--body-limit", str(cls.BODY_LIMIT),
            ca_file=os.path.join(tls_dir, "cert.pem"))

    def connect(self, handshake=True):
        conn = TlsConnection(self.server, handshake=handshake)
        self.addCleanup(conn.close)
        return conn

    def assertClosedAtIdleTimeout(self, conn, started=None):
        closed_after, data = conn.wait_for_close(8)
        self.assertIsNotNone(closed_after, "the connection was never closed")
        if started is not None:
            closed_after = time.monotonic() - started
        self.assertGreater(closed_after, 0.5 * self.IDLE_TIMEOUT, "closed before the timeout")
        self.assertLess(closed_after, 5 * self.IDLE_TIMEOUT)
        self.assertTrue(data == b"" or data.startswith(b"HTTP/1.1 4"), data[:100])

    def test_a_handshake_that_never_comes_or_never_ends(self):
        silent = self.connect(handshake=False)
        half = self.connect(handshake=False)
        half.send(client_hello()[:40])
        start = time.monotonic()
        self.assertServing(self.server)  # others are served meanwhile
        for conn in (silent, half):
            self.assertClosedAtIdleTimeout(conn, started=start)
        self.assertServing(self.server)

    def test_stall_mid_headers_is_closed(self):
        conn = self.connect()
        conn.send(partial_request_head())
        start = time.monotonic()
        self.assertServing(self.server)
        self.assertClosedAtIdleTimeout(conn, started=start)

    def test_trickle_then_stall_is_closed_after_the_last_byte(self):
        conn = self.connect()
        head = request_bytes("ListPipelines")
        start = time.monotonic()
        for i in range(7):  # 2.45 idle timeouts in all, never silent for more than 0.35
            time.sleep(0.35 * self.IDLE_TIMEOUT)
            conn.send(head[i:i + 1])  # one TLS record a byte
        self.assertGreater(time.monotonic() - start, 2 * self.IDLE_TIMEOUT)
        self.assertClosedAtIdleTimeout(conn)

    def test_a_request_dripped_byte_by_byte_is_answered(self):
        conn = self.connect()
        data = request_bytes("ListPipelines")
        start = time.monotonic()
        for i in range(len(data)):
            conn.send(data[i:i + 1])
            time.sleep(0.3 * self.IDLE_TIMEOUT if i % 40 == 0 else 0.002)
        response = conn.read_response()
        self.assertIsNone(ok_problem(response))
        self.assertGreater(time.monotonic() - start, self.IDLE_TIMEOUT)

    def test_a_header_over_the_limit(self):
        conn = self.connect()
        try:
            conn.send(request_bytes("ListPipelines", headers=[("X-Huge", b"h" * (32 * 1024))]))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # refused early: the answer is still there to read
        response = conn.read_response()
        self.assertIsNone(error_problem(response, 431, "RequestHeaderFieldsTooLargeException"))
        self.assertEqual(response.headers.get("connection", "").lower(), "close")
        self.assertIsNotNone(conn.wait_for_close(5)[0])
        self.assertServing(self.server)

    def test_bodies_over_the_limit(self):
        big = b'{"name": "' + b"b" * (4 * self.BODY_LIMIT) + b'"}'
        for name, data in (("whole", request_bytes("GetPipeline", big)),
                           ("announced only", request_bytes("GetPipeline", b"",
                                                            content_length=10 ** 9))):
            with self.subTest(name):
                conn = self.connect()
                try:
                    conn.send(data)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass
                response = conn.read_response()
                self.assertIsNone(error_problem(response, 413, "RequestEntityTooLargeException"))
                self.assertIn(str(self.BODY_LIMIT), response.body.decode())
                self.assertIsNotNone(conn.wait_for_close(5)[0], "left open after a 413")
        self.assertServing(self.server)

    def test_malformed_http(self):
        for data in INVALID_HTTP:
            with self.subTest(data=data[:30]):
                conn = self.connect()
                conn.send(data)
                response = conn.read_response()
                self.assertIsNone(error_problem(response, 400, "BadRequestException"))
                self.assertIsNotNone(conn.wait_for_close(5)[0])
        self.assertServing(self.server)


class ConnectionCapOverTlsTest(TlsCase):

    CAP = 3

    def test_connections_over_the_cap_are_refused(self):
        server, _ = self.self_signed("--max-connections", str(self.CAP), "--idle-timeout", "20")
        held = []
        for _ in range(self.CAP):
            conn = TlsConnection(server)
            self.addCleanup(conn.close)
            conn.send(request_bytes("ListPipelines"))
            self.assertIsNone(ok_problem(conn.read_response()))
            held.append(conn)
        # One more: refused at once with plain HTTP's 503, after the handshake.
        start = time.monotonic()
        extra = TlsConnection(server, timeout=5)
        try:
            extra.send(request_bytes("ListPipelines"))
            refused = extra.read_response()
        finally:
            extra.close()  # as any client does after Connection: close
        self.assertLess(time.monotonic() - start, 3)
        self.assertIsNone(error_problem(refused, 503, "ServiceUnavailableException"))
        self.assertEqual(refused.headers.get("connection", "").lower(), "close")
        # The held ones are still served; once one goes, a new one is.
        held[0].send(request_bytes("ListPipelines"))
        self.assertIsNone(ok_problem(held[0].read_response()))
        held.pop().close()
        deadline = time.monotonic() + 5
        response = None
        while response is None or response.status != 200:
            self.assertLess(time.monotonic(), deadline, f"no slot came back: {response}")
            time.sleep(0.1)
            conn = None
            try:
                conn = TlsConnection(server, timeout=5)
                conn.send(request_bytes("ListPipelines"))
                response = conn.read_response()
            except (ssl.SSLError, ConnectionResetError, BrokenPipeError, ServerClosed):
                response = None
            finally:
                if conn is not None:
                    conn.close()


# --- --healthcheck ---------------------------------------------------------------------

class HealthcheckOverTlsTest(TlsCase):

    def test_healthcheck_speaks_tls_when_told(self):
        server, tls_dir = self.self_signed()
        port = str(server.port)
        probe_dir = self.temp_dir()  # the probe must not need the server's directory
        done = run_sluice("--healthcheck", env={"SLUICE_TLS": "self-signed", "SLUICE_PORT": port,
                                                "SLUICE_TLS_DIR": probe_dir})
        self.assertEqual(done.returncode, 0, done.stderr)
        done = run_sluice("--healthcheck", "--port", port, env={
            "SLUICE_TLS_CERT": os.path.join(tls_dir, "cert.pem"),
            "SLUICE_TLS_KEY": os.path.join(tls_dir, "key.pem")})
        self.assertEqual(done.returncode, 0, done.stderr)
        # Plain HTTP against the TLS port is not healthy.
        started = time.monotonic()
        done = run_sluice("--healthcheck", "--port", port)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertLess(time.monotonic() - started, 8)
        self.assertServing(server)


if __name__ == "__main__":
    unittest.main()
