"""Drive sluice's test controls (/_sluice/) from Python: one file, stdlib only.

Copy this file into your test tree. It wraps every endpoint of the control
contract (reset, outcome rules, held actions, faults, the manual clock, the
events as a page, a long poll or a stream) and can
start a private sluice on a free port, so a test never shares state it did not
make. boto3 is imported only by ``client()``, when you ask for one.

    from sluice_control import SluiceProcess

    with SluiceProcess(args=["--clock", "manual", "--start-on-create", "false"]) as sluice:
        cp = sluice.client()                       # boto3, dummy credentials
        cp.create_pipeline(pipeline=my_pipeline)   # your declaration
        sluice.control.add_outcome({"provider": "CodeBuild"}, result="Failed", times=1)
        run = cp.start_pipeline_execution(name="my-pipeline")["pipelineExecutionId"]
        sluice.control.settle()                    # run the clock until nothing moves
        state = cp.get_pipeline_execution(pipelineName="my-pipeline", pipelineExecutionId=run)
        assert state["pipelineExecution"]["status"] == "Failed"

Errors of the controls raise SluiceControlError; connection failures raise
OSError as http.client does.
"""

import http.client
import json
import os
import re
import select
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
from urllib.parse import quote, urlsplit

__all__ = ["SluiceControl", "SluiceControlError", "SluiceProcess", "SluiceStartError"]

DEFAULT_ENDPOINT = "http://127.0.0.1:4599"


class SluiceControlError(Exception):
    """A non-2xx answer from /_sluice/: status, error kind, message and field.

    ``kind`` is the contract's "error" ("BadRequest", "NotFound", "Conflict",
    "MethodNotAllowed"); ``field`` names the offending member or is None. A
    body that is not the contract's (a proxy, an older sluice) leaves kind
    None and puts the raw text in message, so the failure still says what came back.
    """

    def __init__(self, status, kind, message, field=None, body=None):
        self.status, self.kind, self.message, self.field, self.body = status, kind, message, field, body
        where = f" (field {field})" if field else ""
        super().__init__(f"{status} {kind or 'error'}: {message}{where}")


def _drop_none(mapping):
    # None means "not given": the server then applies the contract's default.
    return {k: v for k, v in mapping.items() if v is not None}


class SluiceControl:
    """Thin client of the /_sluice/ controls of one sluice endpoint.

    Field names are the contract's camelCase ones (``errorCode``,
    ``durationMs``...), passed through unchanged, so the contract document is
    the reference and the server the one validator: a misspelt field comes
    back as a 400 naming it rather than being silently dropped here.
    """

    def __init__(self, endpoint=DEFAULT_ENDPOINT, timeout=30.0, control_token=None, cafile=None):
        """control_token: what a guarded sluice (--auth strict, --control-token)
        wants in X-Sluice-Control-Token; default $SLUICE_CONTROL_TOKEN.
        cafile: the certificate to trust for https (--tls self-signed's
        cert.pem); default the system's."""
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"endpoint must be http(s)://host[:port], got {endpoint!r}")
        self.endpoint = endpoint.rstrip("/")
        self.timeout, self._https, self._host = timeout, parts.scheme == "https", parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._token = control_token or os.environ.get("SLUICE_CONTROL_TOKEN")
        self._tls = ssl.create_default_context(cafile=cafile) if self._https else None

    def _connection(self, timeout):
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout,
                                               context=self._tls)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _headers(self, **headers):
        if self._token:
            headers["X-Sluice-Control-Token"] = self._token
        return headers

    def _request(self, method, path, body=None, timeout=None):
        """One request on a fresh connection; returns the parsed JSON answer.

        A connection per call keeps the client free of keep-alive state, so
        it survives server restarts between tests; the controls are not hot.
        """
        conn = self._connection(timeout or self.timeout)
        headers = self._headers(**{"Accept": "application/json", "Content-Type": "application/json"})
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, "/_sluice/" + path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text.strip() else {}
        except ValueError:
            parsed = None
        if 200 <= response.status < 300 and isinstance(parsed, dict):
            return parsed
        if isinstance(parsed, dict) and ("error" in parsed or "__type" in parsed):
            # "__type" is sluice's AWS-style error, e.g. for a path outside /_sluice/.
            raise SluiceControlError(response.status, parsed.get("error") or parsed.get("__type"),
                                     parsed.get("message", text), parsed.get("field"), body=text)
        raise SluiceControlError(response.status, None, text[:500] or response.reason, body=text)

    def health(self):
        """{"status": "ok", "version": ..., "uptimeSeconds": ...}; works even with --control off."""
        return self._request("GET", "health")

    def reset(self, account=None, region=None):
        """Forget everything (or one account/region); returns the "removed" counts."""
        return self._request("POST", "reset", _drop_none({"account": account, "region": region}))["removed"]

    def add_outcome(self, match=None, **fields):
        """Add a rule deciding how matching actions end; returns the rule id.

        ``match`` holds exact strings or globs (* and ?) for account, region,
        pipeline, stage, action, rule, category, owner, provider; None or {}
        matches every action. ``fields``: result, errorCode, errorMessage,
        durationMs, outputVariables, summary, externalExecutionId, hold,
        times, skip. Example: ``add_outcome({"provider": "CodeBuild"},
        result="Failed", times=1)`` fails the next CodeBuild action only.
        """
        body = _drop_none(fields)
        body["match"] = dict(match or {})
        return self._request("POST", "outcomes", body)["id"]

    def outcomes(self):
        """The outcome rules, each with its "matched" count (list of dicts)."""
        return self._request("GET", "outcomes")["outcomes"]

    def clear_outcomes(self, rule_id=None):
        """Delete one rule (404 if unknown) or all of them; returns how many went."""
        path = "outcomes" if rule_id is None else "outcomes/" + quote(str(rule_id), safe="")
        return self._request("DELETE", path)["removed"]

    def complete_action(self, pipeline, execution_id, stage, action, result="Succeeded", **fields):
        """Finish an action an outcome rule holds (``hold=True``).

        ``fields``: account, region, errorCode, errorMessage, outputVariables,
        summary, externalExecutionId. 404 when that action is not held in progress.
        """
        body = _drop_none(fields)
        body.update(pipeline=pipeline, executionId=execution_id, stage=stage, action=action, result=result)
        return self._request("POST", "actions/complete", body)

    def add_fault(self, match=None, **fields):
        """Add a fault on the CodePipeline API itself; returns the fault id.

        ``match``: {"operation": glob, "account": .., "region": ..}, or a
        string as shorthand for the operation glob. ``fields``: error (e.g.
        {"type": "ThrottlingException", "status": 400, "message": "Rate
        exceeded"}), latencyMs, phase ("before"/"after"), times, skip,
        probability. One of error and latencyMs is required.
        """
        if isinstance(match, str):
            match = {"operation": match}
        body = _drop_none(fields)
        body["match"] = dict(match or {})
        return self._request("POST", "faults", body)["id"]

    def faults(self):
        """The fault rules (list of dicts)."""
        return self._request("GET", "faults")["faults"]

    def clear_faults(self, fault_id=None):
        """Delete one fault (404 if unknown) or all of them; returns how many went."""
        path = "faults" if fault_id is None else "faults/" + quote(str(fault_id), safe="")
        return self._request("DELETE", path)["removed"]

    def clock(self):
        """{"mode": "manual"|"system", "now": epoch seconds, "iso": ...}."""
        return self._request("GET", "clock")

    def advance(self, seconds):
        """Move the manual clock forward (409 Conflict under --clock system)."""
        return self._request("POST", "clock/advance", {"seconds": seconds})

    def settle(self):
        """Run the manual clock until nothing moves by itself any more.

        It never runs into a deadline (an approval's or a job's timeout). The
        answer's "settled" says no self-running work is left (False only if
        the server's step bound was hit), and "waiting" lists what waits on a
        person, a worker, a held action or a transition ("on": approval, job,
        hold, stage).
        """
        return self._request("POST", "clock/settle", {})

    def report_source(self, kind, **fields):
        """Report a source change the way the source would; returns what it started.

        ``kind``: "push" or "pull-request" (a repository reached through a
        connection: repository, ref or event/sourceBranch/destinationBranch,
        commitId, commitMessage, author, changedFiles, connectionArn), "s3"
        (bucket, key, versionId, etag), "ecr" (repository, tag, digest) or
        "codecommit" (repository, branch, commitId, commitMessage, author).
        Answers {"started": [{"pipeline", "pipelineExecutionId", "triggerType",
        "filter"?}], "skipped": [{"pipeline", "reason"}]}.
        """
        return self._request("POST", "sources/" + kind, _drop_none(fields))

    def state(self):
        """All state as one document ("format": 1), for load_state() here or elsewhere."""
        return self._request("GET", "state")

    def load_state(self, document):
        """Replace all state with `document`; refused whole (400) if any part does not fit."""
        return self._request("PUT", "state", document)

    def events(self, after=0, wait=None, limit=None, **filters):
        """The events numbered after `after`: {"events", "nextAfter", "oldestAvailable"}.

        With `wait` (seconds), the server holds the request until a matching
        event comes or the wait ends. Filters: pipeline, detail_type,
        execution_id, state (exact values). Pass "nextAfter" back as `after`.
        """
        query = _event_query(after=after, wait=wait, limit=limit, **filters)
        # The socket outwaits the server's wait.
        return self._request("GET", "events?" + query, timeout=max(self.timeout, (wait or 0) + 10))

    def stream_events(self, after=None, last_event_id=None, **filters):
        """Server-Sent Events: yields (sequence, event) for each event, forever.

        A reconnect passes the last sequence it read as `last_event_id` and
        loses nothing still held. When events asked for are no longer held,
        yields (None, {"gap": {"after", "oldestAvailable"}}) first.
        """
        conn = self._connection(self.timeout)
        headers = self._headers(Accept="text/event-stream")
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        try:
            conn.request("GET", "/_sluice/events/stream?" + _event_query(after=after, **filters),
                         headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                raw = response.read().decode("utf-8", errors="replace")
                parsed = json.loads(raw) if raw.startswith("{") else {}
                raise SluiceControlError(response.status, parsed.get("error"),
                                         parsed.get("message", raw), parsed.get("field"), body=raw)
            kind, sequence, data = "message", None, []
            for raw_line in response:
                line = raw_line.decode("utf-8").rstrip("\r\n")
                if line.startswith("id: "):
                    sequence = int(line[4:])
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif not line:
                    if data and kind == "gap":
                        yield None, {"gap": json.loads("\n".join(data))}
                    elif data:
                        yield sequence, json.loads("\n".join(data))
                    kind, sequence, data = "message", None, []
        finally:
            conn.close()

    def client(self, service="codepipeline", region="us-east-1", access_key="test", **kwargs):
        """A boto3 client on this endpoint with dummy credentials.

        The access key is not 12 digits, so sluice files the calls under its
        --default-account: the same account the controls use when a body names
        none. Pass a 12-digit access_key to act as that account instead.
        Other keywords (config=...) go to boto3; its default retries also
        retry the throttling errors add_fault injects.
        """
        import boto3  # lazily: the rest of the module needs only the stdlib

        session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key="test",
                                        region_name=region)
        return session.client(service, endpoint_url=self.endpoint, **kwargs)


def _event_query(**params):
    names = {"detail_type": "detail-type", "execution_id": "execution-id"}
    return "&".join(f"{names.get(k, k)}={quote(str(v), safe='')}"
                    for k, v in params.items() if v is not None)


class SluiceStartError(RuntimeError):
    """sluice did not start (no listening line within the timeout); carries its stderr."""

    def __init__(self, message, stderr=""):
        self.stderr = stderr
        super().__init__(f"{message}\n--- sluice stderr ---\n{stderr}" if stderr else message)


_LISTENING = re.compile(r"^sluice (\S+) listening on (https?://\S+)\s*$")


class SluiceProcess:
    """A private sluice on a free port, for one test or one test module.

    ``--port 0`` lets the kernel pick the port, so parallel test runs never
    collide; the port is read from the one line sluice prints on stdout.
    Logs go to a temporary file (read them with ``stderr_text()``), never a
    pipe, so a chatty server cannot block on a full pipe.
    """

    def __init__(self, binary=None, args=(), env=None, start_timeout=10.0):
        binary = binary or os.environ.get("SLUICE_BIN") or shutil.which("sluice")
        if not binary:
            raise SluiceStartError("no sluice binary: pass its path, set SLUICE_BIN or put sluice on PATH")
        full_env = dict(os.environ)
        full_env.setdefault("SLUICE_LOG_LEVEL", "warn")  # an access line per request is noise in tests
        full_env.update(env or {})
        self.binary = binary
        self.args = [binary, "--port", "0", *args]
        self._stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=self._stderr, env=full_env)
        except OSError as error:
            self._stderr.close()
            raise SluiceStartError(f"cannot run {binary}: {error}") from error
        line = self._read_line(start_timeout)
        found = _LISTENING.match(line or "")
        if not found:
            try:  # an early exit closes stdout a moment before the exit code is there
                exited = self.proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                exited = None
            self._kill()
            why = f"exited with code {exited}" if exited is not None else f"was silent for {start_timeout}s"
            raise SluiceStartError(f"{binary} {why} instead of printing its listening line "
                                   f"(stdout: {line!r})", self.stderr_text())
        self.version = found.group(1)
        # A wildcard bind (--host 0.0.0.0) is reachable on loopback.
        self.endpoint = found.group(2).replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:")
        self.control = SluiceControl(self.endpoint)

    def _read_line(self, timeout):
        # Byte by byte with select: a buffered readline() could not time out.
        deadline, data, fd = time.monotonic() + timeout, b"", self.proc.stdout.fileno()
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return data.decode(errors="replace") or None
            chunk = os.read(fd, 1)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace") or None

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()

    def stderr_text(self):
        """Everything sluice wrote to stderr so far (its logs)."""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self, timeout=5.0):
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL; returns the exit code.

        sluice exits 0 on SIGTERM after in-flight requests finish, so any
        other code (or needing the kill) points at a server bug.
        """
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.proc.stdout.closed:
            self.proc.stdout.close()
        return self.proc.returncode

    def client(self, service="codepipeline", **kwargs):
        """A boto3 client on this sluice (see SluiceControl.client)."""
        return self.control.client(service, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()  # the log file stays readable (stderr_text) until this object goes
        return False
