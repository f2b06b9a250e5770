"""Starting, timing and measuring the servers the benchmark compares.

Each server runs pinned to one core (taskset) with the load generator on
another, so that neither steals the other's time. A Server knows how to start
its process, when it first answers, and its resident set size.
"""
import os
import re
import shutil
import socket
import subprocess
import time

from aws_client import AwsJsonClient

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class Server:
    """A server process on a free port, pinned to `core`."""

    name = "?"
    stderr = subprocess.DEVNULL  # where the process's stderr goes
    start_timeout = 30  # seconds to the first answer
    tls = False  # whether it speaks HTTPS
    key = None  # the SigV4Key its AWS requests must be signed with, if any

    def __init__(self, core):
        self.core = core
        self.port = free_port()
        self.proc = None
        self.startup_ms = None

    def command(self):
        raise NotImplementedError

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/"

    def client(self):
        """A client that this server answers (signing, over TLS, as it needs)."""
        return AwsJsonClient(self.port, key=self.key, tls=self.tls)

    def start(self):
        """Starts the process and returns once it has answered a request."""
        cmd = ["taskset", "-c", str(self.core), *self.command()]
        began = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.stderr)
        client = self.client()
        deadline = began + self.start_timeout
        while True:
            try:
                client.call("ListPipelines", {})
                break
            except OSError:
                if self.proc.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError(f"{self.name} did not start: {' '.join(cmd)}")
                time.sleep(0.0002)
            finally:
                client.close()
        self.startup_ms = (time.perf_counter() - began) * 1000
        return self

    def rss_kb(self):
        return rss_kb(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Sluice(Server):
    """extra: more flags. When they include --tls or --auth strict, tls and
    key say so (the server speaks HTTPS; requests are signed with key)."""

    name = "sluice"

    def __init__(self, core, binary, *extra, tls=False, key=None):
        super().__init__(core)
        self.binary = binary
        self.extra = list(extra)
        self.tls = tls
        self.key = key

    def command(self):
        # One worker thread: the server has one core, as the others do.
        return [self.binary, "--port", str(self.port), "--threads", "1",
                "--log-level", "warn", *self.extra]


class Reference(Server):
    name = "reference"

    def __init__(self, core, binary):
        super().__init__(core)
        self.binary = binary

    def command(self):
        return [self.binary, str(self.port)]


class Moto(Server):
    name = "moto"

    def command(self):
        return ["python3", "-m", "moto.server", "-p", str(self.port)]

    def start(self):
        super().start()
        # moto checks that the pipeline's role exists and trusts CodePipeline.
        AwsJsonClient(self.port).create_role("bench")
        return self


def build_reference(build_dir):
    """Compiles the bare Beast server with the same flags as a Release build."""
    os.makedirs(build_dir, exist_ok=True)
    out = os.path.join(build_dir, "reference_server")
    src = os.path.join(HERE, "reference", "reference_server.cpp")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        subprocess.run(["g++", "-std=c++20", "-O2", "-DNDEBUG", src, "-o", out, "-pthread"],
                       check=True)
    return out


def moto_available():
    try:
        import moto.server  # noqa: F401
        return True
    except ImportError:
        return False


def wrk_available():
    return shutil.which("wrk") is not None


def version_of(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return re.sub(r"\s+", " ", (out.stdout or out.stderr).strip())[:80]
    except (OSError, subprocess.TimeoutExpired):
        return "?"
