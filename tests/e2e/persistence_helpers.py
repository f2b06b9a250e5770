"""Helpers for the end-to-end tests of --data-dir (test_persistence.py).

What the tests need beside sluice_server.py: starting sluice when the start
may fail (a damaged data dir) without losing its exit code and stderr; a raw
keep-alive HTTP client for threads that write at full speed and must tell an
acknowledged write (a 200 they read whole) from one whose fate is unknown;
crc32c and readers of the journal and snapshot formats (the README's
"Keeping state" and src/persist/record_log.h and snapshot_file.h), written
apart from sluice's own readers, so that the tests check the files sluice
writes and can damage them on purpose; and the pipelines the tests run.
"""

import http.client
import json
import os
import re
import signal
import struct
import subprocess
import tempfile
import time

from sluice_server import (ADDRESS_PREFIX, DEFAULT_REGION, SLUICE_BIN, TARGET_PREFIX,
                           SluiceServer, approval_action, pipeline_decl, read_line)

# --- the files of a data dir --------------------------------------------------

JOURNAL_MAGIC = b"SLUICEJL"
SNAPSHOT_MAGIC = b"SLUICESN"
FORMAT_VERSION = 1
JOURNAL_HEADER = 16
SNAPSHOT_HEADER = 32
RECORD_HEADER = 9  # u32 length, u32 crc32c(type + payload), u8 type

JOURNAL_NAME = re.compile(r"^journal-(\d{20})\.log$")
SNAPSHOT_NAME = re.compile(r"^snapshot-(\d{20})\.snap$")


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as iSCSI and leveldb use it."""
    crc ^= 0xFFFFFFFF
    table = _CRC32C
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def u32(data, offset):
    return struct.unpack_from("<I", data, offset)[0]


def journal_header(version=FORMAT_VERSION, magic=JOURNAL_MAGIC):
    """The 16 bytes a journal starts with: magic, u32 LE version, u32 LE crc32c of those 12."""
    head = magic + struct.pack("<I", version)
    return head + struct.pack("<I", crc32c(head))


def data_files(directory):
    """{"journals": [(sequence, name)], "snapshots": [(sequence, name)]}, each ascending."""
    journals, snapshots = [], []
    for name in os.listdir(directory):
        if (found := JOURNAL_NAME.match(name)):
            journals.append((int(found.group(1)), name))
        elif (found := SNAPSHOT_NAME.match(name)):
            snapshots.append((int(found.group(1)), name))
    return {"journals": sorted(journals), "snapshots": sorted(snapshots)}


def newest_journal(directory):
    journals = data_files(directory)["journals"]
    return journals[-1][1] if journals else None


class JournalScan:
    """A journal file read by the documented format's rules.

    kind: "clean" (every byte read as records), "torn" (the end was being
    written at a crash: a frame or header cut short, a bad checksum on the
    file's last frame, an all-zero tail), "corrupt" (a bad frame with more
    after it), "not-journal" (bad magic or header checksum) or "version" (an
    intact header of another version). records: [(start, end, type)] of the
    good frames before the problem; offset: where the problem starts (the
    frame's start), or the file's size when clean.
    """

    def __init__(self, kind, records, offset, version=None):
        self.kind, self.records, self.offset, self.version = kind, records, offset, version

    @property
    def valid(self):
        """Where the intact records end."""
        return self.records[-1][1] if self.records else JOURNAL_HEADER

    def __repr__(self):
        return (f"JournalScan({self.kind}, {len(self.records)} records, offset {self.offset}, "
                f"version {self.version})")


def scan_journal(data):
    size = len(data)
    good_header = journal_header()
    if size < JOURNAL_HEADER:
        # A header cut short: torn if what is there is the start of one.
        if data == good_header[:size]:
            return JournalScan("torn", [], 0)
        return JournalScan("not-journal", [], 0)
    if data[:8] != JOURNAL_MAGIC or u32(data, 12) != crc32c(data[:12]):
        return JournalScan("not-journal", [], 0)
    version = u32(data, 8)
    if version != FORMAT_VERSION:
        return JournalScan("version", [], 0, version)
    records, pos = [], JOURNAL_HEADER
    while pos < size:
        left = size - pos
        if left < RECORD_HEADER:
            return JournalScan("torn", records, pos, version)
        length, stored = struct.unpack_from("<II", data, pos)
        if length > left - RECORD_HEADER:
            return JournalScan("torn", records, pos, version)
        end = pos + RECORD_HEADER + length
        kind = data[pos + 8]
        if kind == 0 or crc32c(data[pos + 8:end]) != stored:
            if end == size or not any(data[pos:]):
                return JournalScan("torn", records, pos, version)
            return JournalScan("corrupt", records, pos, version)
        records.append((pos, end, kind))
        pos = end
    return JournalScan("clean", records, size, version)


def snapshot_problem(data):
    """None for a snapshot file the documented format allows, else what is wrong."""
    if len(data) < SNAPSHOT_HEADER:
        return f"{len(data)} bytes: shorter than the 32-byte header"
    magic, version, flags, length, payload_crc, header_crc = struct.unpack_from("<8sIIQII", data, 0)
    if magic != SNAPSHOT_MAGIC:
        return f"magic {magic!r}"
    if header_crc != crc32c(data[:28]):
        return "header checksum mismatch"
    if version != FORMAT_VERSION:
        return f"version {version}"
    if flags != 0:
        return f"flags {flags}"
    if length != len(data) - SNAPSHOT_HEADER:
        return f"payload length {length}, file holds {len(data) - SNAPSHOT_HEADER}"
    if payload_crc != crc32c(data[SNAPSHOT_HEADER:]):
        return "payload checksum mismatch"
    return None


def patch_version(data, version):
    """The file's bytes with another format version and a header checksum to match."""
    data = bytearray(data)
    struct.pack_into("<I", data, 8, version)
    if data[:8] == JOURNAL_MAGIC:
        struct.pack_into("<I", data, 12, crc32c(bytes(data[:12])))
    else:
        struct.pack_into("<I", data, 28, crc32c(bytes(data[:28])))
    return bytes(data)


def patch_magic(data, magic):
    """The file's bytes with another magic and a header checksum to match."""
    journal = data[:8] == JOURNAL_MAGIC
    data = bytearray(data)
    data[:8] = magic
    if journal:
        struct.pack_into("<I", data, 12, crc32c(bytes(data[:12])))
    else:
        struct.pack_into("<I", data, 28, crc32c(bytes(data[:28])))
    return bytes(data)


# --- starting sluice when the start may fail ------------------------------------

# What sanitizers and glibc print when a process goes wrong.
CRASH_MARKERS = ("Sanitizer", "runtime error:", "terminate called", "Segmentation fault",
                 "Assertion `", "stack smashing", "double free", "corrupted size")


def sluice_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(extra or {})
    return env


class StartedServer(SluiceServer):
    """A SluiceServer around a process Attempt started (the same methods)."""

    def __init__(self, proc, stderr_file, line):  # pylint: disable=super-init-not-called
        self.args = proc.args
        self.proc = proc
        self._stderr_file = stderr_file
        self.address_line = line.rstrip("\n")
        self.port = int(self.address_line[len(ADDRESS_PREFIX):])
        self.host = "127.0.0.1"
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stderr_text(self):
        return self.stderr_tail(limit=10**8)


class Attempt:
    """One start of sluice: it ends listening (`server`) or exiting (`code`).

    `code` is None while it runs, the exit code (negative: killed by that
    signal) when it exited before its listening line, and "hung" when it
    neither listened nor exited within `timeout` seconds (then it is killed).
    """

    def __init__(self, *args, env=None, log_level="warn", timeout=20):
        argv = [SLUICE_BIN, "--port", "0"]
        if log_level is not None:
            argv += ["--log-level", log_level]
        argv += [str(a) for a in args]
        self.argv = argv
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=sluice_env(env))
        self.server = None
        self.code = None
        self.started_in = None
        began = time.monotonic()
        line = read_line(self.proc.stdout, timeout)
        self.first_line = line
        if line is not None and line.startswith(ADDRESS_PREFIX):
            self.started_in = time.monotonic() - began
            self.server = StartedServer(self.proc, self._stderr, line)
            return
        try:
            self.code = self.proc.wait(timeout=max(1.0, timeout - (time.monotonic() - began)))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.code = "hung"
        self.proc.stdout.close()

    @property
    def started(self):
        return self.server is not None

    def stderr_text(self):
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def crash_report(self):
        """Why this run counts as a crash (a signal, a hang, sanitizer output), or None."""
        text = self.stderr_text()
        if self.code == "hung":
            return "neither listened nor exited in time"
        if isinstance(self.code, int) and self.code < 0:
            return f"killed by signal {-self.code}"
        for marker in CRASH_MARKERS:
            if marker in text:
                return f"stderr holds {marker!r}"
        return None

    def kill_if_running(self):
        """The cleanup: kills it if it still runs, and closes its pipe and log file."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
        self._stderr.close()

    def describe(self):
        return (f"{' '.join(self.argv)}\n  exit: {self.code}; "
                f"first stdout line: {self.first_line!r}\n"
                f"  stderr (tail):\n{self.stderr_text()[-4000:]}")


def run_to_exit(*args, env=None, timeout=20):
    """Runs sluice expecting it to exit (bad flags, a locked dir); returns CompletedProcess.

    One that is still running after `timeout` seconds is killed, and its
    returncode reads "still running after N s" (so an assertion on it fails
    with that).
    """
    argv = [SLUICE_BIN, *[str(a) for a in args]]
    try:
        return subprocess.run(argv, capture_output=True, text=True, env=sluice_env(env),
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as expired:
        def text(data):
            return data.decode(errors="replace") if isinstance(data, bytes) else (data or "")
        return subprocess.CompletedProcess(argv, f"still running after {timeout} s",
                                           text(expired.stdout), text(expired.stderr))


def kill_9(server):
    """SIGKILL; returns the exit code (-9)."""
    code, _ = server.stop(signal.SIGKILL)
    return code


# --- the recovery log line ------------------------------------------------------

RECOVERED = re.compile(
    r"recovered (\d+) pipelines and (\d+) executions from (.+?) in (\d+) ms "
    r"\(snapshot ([^,]+), (\d+) journal records, torn tail dropped: (yes|no)\)")


def recovered_line(stderr):
    """The recovery log line as a dict, or None."""
    found = RECOVERED.search(stderr)
    if not found:
        return None
    return {"pipelines": int(found.group(1)), "executions": int(found.group(2)),
            "dir": found.group(3), "ms": int(found.group(4)), "snapshot": found.group(5),
            "records": int(found.group(6)), "torn": found.group(7) == "yes"}


# --- a raw client -----------------------------------------------------------------

class Gone(Exception):
    """The server went away mid-request: the request's fate is unknown."""


def authorization(account, region):
    """A SigV4 Authorization header that files calls under `account` and `region`
    (sluice reads the credential scope and checks no signature)."""
    return (f"AWS4-HMAC-SHA256 Credential={account}/20300101/{region}/codepipeline/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={'0' * 64}")


class RawClient:
    """AWS JSON 1.1 calls over one keep-alive connection.

    call() returns (status, parsed body, request id) for every answer read
    whole, whatever its status; it raises Gone when the connection fails
    (refused, reset, closed mid-answer), the case where a write may or may
    not have happened.
    """

    def __init__(self, port, account=None, region=DEFAULT_REGION, host_header=None, timeout=20):
        self.port = port
        self.timeout = timeout
        self.headers = {"Content-Type": "application/x-amz-json-1.1"}
        if account is not None:
            self.headers["Authorization"] = authorization(account, region)
        if host_header is not None:
            self.headers["Host"] = host_header
        self.conn = None

    def call(self, operation, body):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = dict(self.headers)
        headers["X-Amz-Target"] = TARGET_PREFIX + operation
        try:
            self.conn.request("POST", "/", body=json.dumps(body).encode(), headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise Gone(f"{operation}: {error!r}") from error
        parsed = json.loads(data) if data else None
        return response.status, parsed, response.getheader("x-amzn-RequestId")

    def ok(self, operation, body):
        """call() that must answer 200; returns the body."""
        status, parsed, _ = self.call(operation, body)
        if status != 200:
            raise AssertionError(f"{operation} {json.dumps(body)[:300]} answered {status}: "
                                 f"{parsed}")
        return parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def call_once(port, operation, body, **client_args):
    """One call that must answer 200, on a connection of its own; returns the body."""
    with RawClient(port, **client_args) as client:
        return client.ok(operation, body)


# --- pipelines ------------------------------------------------------------------

def custom_type_request(provider, category="Build"):
    """CreateCustomActionType's request for a Custom type with one queryable key, Target."""
    return {
        "category": category,
        "provider": provider,
        "version": "1",
        "settings": {"entityUrlTemplate": "https://ci.example.com/{Config:Target}"},
        "configurationProperties": [
            {"name": "Target", "required": True, "key": True, "secret": False,
             "queryable": True, "type": "String"},
        ],
        "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
        "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    }


def custom_type_id(provider, category="Build"):
    return {"category": category, "owner": "Custom", "provider": provider, "version": "1"}


def custom_action(provider, target, name="Custom"):
    return {"name": name, "actionTypeId": custom_type_id(provider),
            "configuration": {"Target": target}, "inputArtifacts": [{"name": "SourceOutput"}]}


def two_stage(name, second_stage, second_action, revision=0, **extra):
    """Source (S3, key rev-<revision>.zip) -> `second_stage` with one action."""
    decl = pipeline_decl(name, **extra)
    decl["stages"][0]["actions"][0]["configuration"]["S3ObjectKey"] = f"rev-{revision}.zip"
    decl["stages"] = [decl["stages"][0], {"name": second_stage, "actions": [second_action]}]
    return decl


def approval_two_stage(name, revision=0, **action_extra):
    return two_stage(name, "Approve", approval_action(**action_extra), revision)


def job_two_stage(name, provider, revision=0, **extra):
    return two_stage(name, "Build", custom_action(provider, name), revision, **extra)


def first_difference(left, right, path="$"):
    """Where two JSON values first differ, for an assertion message; None if equal."""
    if type(left) is not type(right):
        return f"{path}: {json.dumps(left)[:300]} != {json.dumps(right)[:300]}"
    if isinstance(left, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                side = "before" if key in left else "after"
                return f"{path}.{key}: only {side}"
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)} items"
        for index, (a, b) in enumerate(zip(left, right)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if left == right:
        return None
    return f"{path}: {json.dumps(left)[:300]} != {json.dumps(right)[:300]}"
