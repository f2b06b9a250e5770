"""The command line, environment variables, logging and signal handling."""

import json
import os
import signal
import socket
import subprocess
import time
import unittest

from botocore.exceptions import ClientError

from sluice_server import (SLUICE_BIN, TARGET_PREFIX, SluiceServer, binary_available,
                           pipeline_decl)

JSON_11 = "application/x-amz-json-1.1"


def run_sluice(*args, env=None, timeout=10):
    """Runs the binary to completion (for --help, --version, bad flags)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    full_env.update(env or {})
    return subprocess.run([SLUICE_BIN, *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CliTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not binary_available():
            raise RuntimeError(f"sluice binary not found at {SLUICE_BIN}: build it, or set SLUICE_BIN")

    def start(self, *args, **kwargs):
        server = SluiceServer(*args, **kwargs)

        def cleanup():
            if server.proc.poll() is None:
                server.proc.kill()
                server.proc.wait()
            for pipe in (server.proc.stdout, server.proc.stderr):
                if pipe and not pipe.closed:
                    pipe.close()
        self.addCleanup(cleanup)
        return server

    def assertStops(self, server, sig, within=2.0, check_serving=True):
        if check_serving:
            # Answering a request proves start-up is complete; signals right after
            # the address line are covered by SignalTest.test_*_right_after_address_line.
            status, _, _ = server.raw(None, method="GET", path="/_sluice/health")
            self.assertEqual(status, 200)
        code, seconds = server.stop(sig, timeout=10)
        self.assertEqual(code, 0, f"exit code after signal {sig}")
        self.assertLess(seconds, within, f"took {seconds:.2f}s to stop after signal {sig}")


class CommandLineTest(CliTestCase):

    def test_version(self):
        done = run_sluice("--version")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "sluice 0.1.0\n")

    def test_healthcheck_probes_a_running_server(self):
        server = self.start()
        # A container's server listens on 0.0.0.0: the probe then asks loopback.
        done = run_sluice("--healthcheck", env={"SLUICE_HOST": "0.0.0.0",
                                                "SLUICE_PORT": str(server.port)})
        self.assertEqual(done.returncode, 0, done.stderr)
        done = run_sluice("--healthcheck", "--port", str(server.port))
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_healthcheck_fails_where_nothing_listens(self):
        done = run_sluice("--healthcheck", "--port", str(free_port()))
        self.assertEqual(done.returncode, 1)
        self.assertIn("not healthy", done.stderr)

    def test_healthcheck_fails_against_something_else(self):
        # A listener that accepts and answers no HTTP: the probe must give up, not hang.
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            port = listener.getsockname()[1]
            started = time.monotonic()
            done = run_sluice("--healthcheck", "--port", str(port))
            self.assertEqual(done.returncode, 1)
            self.assertLess(time.monotonic() - started, 5)

    def test_help(self):
        for flag in ("--help", "-h"):
            with self.subTest(flag=flag):
                done = run_sluice(flag)
                self.assertEqual(done.returncode, 0, done.stderr)
                for option in ("--port", "--host", "--threads", "--log-level", "--log-format",
                               "--default-account", "--default-region", "--body-limit",
                               "--idle-timeout", "--max-connections", "--version", "SLUICE_PORT"):
                    self.assertIn(option, done.stdout)

    def test_bad_flags_exit_2(self):
        cases = [
            ("--bogus",),
            ("--port",),
            ("--port", "abc"),
            ("--port", "70000"),
            ("--port=-1",),
            ("--threads", "0"),
            ("--log-level", "loud"),
            ("--log-format", "xml"),
            ("--default-account", "12345"),
            ("--default-account", "abcdefghijkl"),
            ("--body-limit", "10"),
            ("--idle-timeout", "0"),
            ("--max-connections", "0"),
            ("positional",),
        ]
        for args in cases:
            with self.subTest(args=args):
                done = run_sluice(*args)
                self.assertEqual(done.returncode, 2, (done.stdout, done.stderr))
                self.assertTrue(done.stderr.strip(), "expected a message on stderr")
                self.assertEqual(done.stdout, "")

    def test_bad_environment_value_exit_2(self):
        done = run_sluice(env={"SLUICE_PORT": "not-a-port"})
        self.assertEqual(done.returncode, 2)
        self.assertIn("SLUICE_PORT", done.stderr)

    def test_port_from_environment(self):
        port = free_port()
        server = self.start(port_args=(), env={"SLUICE_PORT": str(port)})
        self.assertEqual(server.port, port)
        self.assertEqual(server.address_line, f"sluice 0.1.0 listening on http://127.0.0.1:{port}")
        status, _, body = server.call("ListPipelines", {})
        self.assertEqual(status, 200, body)
        self.assertStops(server, signal.SIGTERM)

    def test_flag_wins_over_environment(self):
        env_port, flag_port = free_port(), free_port()
        while flag_port == env_port:
            flag_port = free_port()
        server = self.start(port_args=("--port", str(flag_port)),
                            env={"SLUICE_PORT": str(env_port)})
        self.assertEqual(server.port, flag_port)
        self.assertStops(server, signal.SIGTERM)

    def test_flag_equals_syntax(self):
        server = self.start(port_args=("--port=0",))
        status, _, _ = server.call("ListPipelines", {})
        self.assertEqual(status, 200)
        self.assertStops(server, signal.SIGTERM)

    def test_default_account_and_region(self):
        server = self.start("--default-account", "123123123123", "--default-region", "sa-east-1")
        status, _, body = server.call("CreatePipeline", {"pipeline": pipeline_decl("dflt")})
        self.assertEqual(status, 200, body)
        status, _, body = server.call("GetPipeline", {"name": "dflt"})
        self.assertEqual(body["metadata"]["pipelineArn"],
                         "arn:aws:codepipeline:sa-east-1:123123123123:dflt")
        # A signed caller with a non-account key lands in the default account.
        got = server.client(access_key="AKIDNOTANACCOUNT", region="sa-east-1").get_pipeline(
            name="dflt")
        self.assertEqual(got["metadata"]["pipelineArn"],
                         "arn:aws:codepipeline:sa-east-1:123123123123:dflt")
        self.assertStops(server, signal.SIGTERM)

    def test_default_account_from_environment(self):
        server = self.start(env={"SLUICE_DEFAULT_ACCOUNT": "321321321321"})
        status, _, body = server.call("GetPipeline", {"name": "missing"})
        self.assertEqual(status, 400)
        self.assertIn("'321321321321'", body["message"])
        self.assertStops(server, signal.SIGTERM)

    def test_body_limit_flag(self):
        server = self.start("--body-limit", "2048")
        small = json.dumps({"name": "x" * 1500})
        status, _, body = server.raw(small, target=TARGET_PREFIX + "GetPipeline")
        self.assertEqual(status, 400, body)
        self.assertEqual(json.loads(body)["__type"], "ValidationException")
        large = json.dumps({"name": "x" * 3000})
        status, headers, body = server.raw(large, target=TARGET_PREFIX + "GetPipeline")
        self.assertEqual(status, 413, body)
        self.assertEqual(json.loads(body)["__type"], "RequestEntityTooLargeException")
        self.assertIn("2048", json.loads(body)["message"])
        self.assertStops(server, signal.SIGTERM)

    def test_idle_timeout_closes_silent_connection(self):
        server = self.start("--idle-timeout", "1")
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            start = time.monotonic()
            sock.settimeout(6)
            try:
                data = sock.recv(1)
            except ConnectionResetError:
                data = b""
            elapsed = time.monotonic() - start
        self.assertEqual(data, b"")
        self.assertLess(elapsed, 4, "the silent connection should be closed after ~1 s")
        status, _, _ = server.call("ListPipelines", {})
        self.assertEqual(status, 200)
        self.assertStops(server, signal.SIGTERM)

    def test_max_connections(self):
        server = self.start("--max-connections", "1")
        holder = server.connection()
        self.addCleanup(holder.close)
        status, _, _ = server.call("ListPipelines", {}, conn=holder)
        self.assertEqual(status, 200)
        # The held connection stays open; another one is refused with 503.
        refused = server.client()
        self.addCleanup(refused.close)
        with self.assertRaises(ClientError) as ctx:
            refused.list_pipelines()
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ServiceUnavailableException")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 503)
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall((f"POST / HTTP/1.1\r\nHost: x\r\n"
                          f"X-Amz-Target: {TARGET_PREFIX}ListPipelines\r\n"
                          "Content-Length: 2\r\n\r\n{}").encode())
            sock.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 503"), data[:100])
        self.assertIn(b"x-amzn-ErrorType: ServiceUnavailableException", data)
        holder.close()
        deadline = time.monotonic() + 3
        while True:
            later = server.client()
            try:
                later.list_pipelines()
                break
            except ClientError:
                if time.monotonic() > deadline:
                    self.fail("a slot should free up once the first connection closes")
                time.sleep(0.05)
            finally:
                later.close()  # frees the only slot again
        deadline = time.monotonic() + 3
        while server.raw(None, method="GET", path="/_sluice/health")[0] != 200:
            self.assertLess(time.monotonic(), deadline, "the slot was never freed")
            time.sleep(0.05)
        self.assertStops(server, signal.SIGTERM, check_serving=False)


class LoggingTest(CliTestCase):

    def test_json_log_lines(self):
        server = self.start("--log-format", "json", log_level="info", stderr=subprocess.PIPE)
        status, headers, _ = server.call("GetPipeline", {})
        self.assertEqual(status, 400)
        request_id = headers["x-amzn-requestid"]
        status, _, _ = server.call("ListPipelines", {})
        self.assertEqual(status, 200)
        self.assertStops(server, signal.SIGTERM)
        lines = server.proc.stderr.read().decode().splitlines()
        server.proc.stderr.close()
        self.assertTrue(lines, "expected log lines on stderr")
        records = []
        for line in lines:
            with self.subTest(line=line):
                record = json.loads(line)
                self.assertIsInstance(record, dict)
                for key in ("time", "level", "msg"):
                    self.assertIn(key, record)
                records.append(record)
        self.assertTrue(any(request_id in json.dumps(r) for r in records),
                        f"no log line names request {request_id}")

    def test_log_level_from_environment(self):
        server = self.start(log_level=None, stderr=subprocess.PIPE,
                            env={"SLUICE_LOG_LEVEL": "off", "SLUICE_LOG_FORMAT": "json"})
        server.call("GetPipeline", {})
        self.assertStops(server, signal.SIGTERM)
        self.assertEqual(server.proc.stderr.read().decode(), "")
        server.proc.stderr.close()

    def test_text_logs_mention_requests(self):
        server = self.start(log_level="info", stderr=subprocess.PIPE)
        _, headers, _ = server.call("GetPipeline", {})
        self.assertStops(server, signal.SIGTERM)
        text = server.proc.stderr.read().decode()
        server.proc.stderr.close()
        self.assertIn(headers["x-amzn-requestid"], text)
        for line in text.splitlines():
            with self.subTest(line=line):
                with self.assertRaises(ValueError):
                    json.loads(line)


class SignalTest(CliTestCase):

    def test_sigterm_when_idle(self):
        server = self.start()
        status, _, _ = server.call("ListPipelines", {})
        self.assertEqual(status, 200)
        self.assertStops(server, signal.SIGTERM)

    def test_sigint_when_idle(self):
        server = self.start()
        status, _, _ = server.call("ListPipelines", {})
        self.assertEqual(status, 200)
        self.assertStops(server, signal.SIGINT)

    def test_sigterm_right_after_address_line(self):
        """Once the address line is out, SIGTERM must already mean a graceful stop."""
        codes = []
        for _ in range(25):
            server = self.start()
            code, _ = server.stop(signal.SIGTERM, timeout=10)
            codes.append(code)
        self.assertEqual(codes, [0] * 25,
                         "exit codes of servers sent SIGTERM right after the address line "
                         "(-15 means killed by the signal's default action)")

    def test_sigint_right_after_address_line(self):
        codes = []
        for _ in range(25):
            server = self.start()
            code, _ = server.stop(signal.SIGINT, timeout=10)
            codes.append(code)
        self.assertEqual(codes, [0] * 25,
                         "exit codes of servers sent SIGINT right after the address line "
                         "(-2 means killed by the signal's default action)")

    def test_sigterm_with_open_idle_connection(self):
        server = self.start()
        conn = server.connection()
        self.addCleanup(conn.close)
        status, _, _ = server.call("ListPipelines", {}, conn=conn)
        self.assertEqual(status, 200)
        # The keep-alive connection sits idle; shutdown must not wait for it.
        with socket.create_connection((server.host, server.port), timeout=5) as silent:
            self.assertStops(server, signal.SIGTERM)
            silent.settimeout(2)
            try:
                self.assertEqual(silent.recv(1), b"")
            except ConnectionResetError:
                pass

    def test_sigterm_with_half_sent_request(self):
        server = self.start()
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(0.1)
            self.assertStops(server, signal.SIGTERM)

    def test_slow_client_byte_by_byte(self):
        server = self.start()
        body = json.dumps({"pipeline": pipeline_decl("slowpoke")}).encode()
        head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                f"X-Amz-Target: {TARGET_PREFIX}CreatePipeline\r\n"
                f"Content-Type: {JSON_11}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(len(head)):
                sock.sendall(head[i:i + 1])
                time.sleep(0.003)
            for i in range(0, len(body), 64):
                sock.sendall(body[i:i + 64])
                time.sleep(0.003)
            sock.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
        status, _, got = server.call("GetPipeline", {"name": "slowpoke"})
        self.assertEqual(status, 200)
        self.assertEqual(got["pipeline"]["name"], "slowpoke")
        self.assertStops(server, signal.SIGTERM)

    def test_slow_client_never_silent_outlives_idle_timeout(self):
        """--idle-timeout bounds silence ("seconds a connection may stay silent
        mid-request"), not the total time a steadily arriving request takes."""
        server = self.start("--idle-timeout", "1")
        head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                f"X-Amz-Target: {TARGET_PREFIX}ListPipelines\r\n"
                f"Content-Type: {JSON_11}\r\nContent-Length: 2\r\n\r\n{{}}").encode()
        start = time.monotonic()
        data = b""
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                for i in range(len(head)):
                    sock.sendall(head[i:i + 1])
                    time.sleep(max(0.0, start + 2.5 * (i + 1) / len(head) - time.monotonic()))
                sock.settimeout(5)
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (BrokenPipeError, ConnectionResetError) as e:
                self.fail(f"connection dropped after {time.monotonic() - start:.2f}s "
                          f"although the client was never silent for long: {e!r}")
        self.assertGreater(time.monotonic() - start, 2.0)
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertStops(server, signal.SIGTERM)

    def test_slow_client_does_not_block_others(self):
        server = self.start("--threads", "1")
        with socket.create_connection((server.host, server.port), timeout=10) as slow:
            slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-")
            start = time.monotonic()
            status, _, _ = server.call("ListPipelines", {})
            self.assertEqual(status, 200)
            self.assertLess(time.monotonic() - start, 1.0)
        self.assertStops(server, signal.SIGTERM)

    def test_second_signal_while_stopping_is_harmless(self):
        server = self.start()
        status, _, _ = server.call("ListPipelines", {})  # surely serving
        self.assertEqual(status, 200)
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.send_signal(signal.SIGINT)
        except ProcessLookupError:
            pass
        code = server.proc.wait(timeout=5)
        server.proc.stdout.close()
        self.assertEqual(code, 0)


if __name__ == "__main__":
    unittest.main()
