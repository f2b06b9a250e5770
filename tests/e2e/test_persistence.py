"""--data-dir end to end (the README's "Keeping state"): state that
survives a restart and a kill -9, a journal and snapshots that refuse damage
instead of loading part of it, the directory's lock, executions that resume
where they waited, and the options.

Every test keeps its state in its own temporary directory and starts the
servers it needs. The crash tests print one summary line each on stderr
(kills, acknowledged writes, writes lost); SLUICE_E2E_SEED in the environment
repeats a run's random choices (kill moments, damaged bytes), which every
summary and failure names.
"""

import collections
import copy
import json
import os
import random
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import unittest

from execution_helpers import (AT_ONCE, actions_of, clock_of, get_execution, stage_state,
                               wait_until)
from persistence_helpers import (JOURNAL_HEADER, Attempt, Gone, RawClient, approval_two_stage,
                                 call_once, crc32c, custom_type_id, custom_type_request,
                                 data_files, first_difference, job_two_stage, journal_header,
                                 kill_9, newest_journal, patch_magic, patch_version,
                                 recovered_line, run_to_exit, scan_journal, snapshot_problem,
                                 two_stage)
from sluice_server import (DEFAULT_ACCOUNT, DEFAULT_REGION, REPO, SLUICE_BIN,
                           STATUS_TABLE_BREACH, binary_available, build_action, pipeline_decl,
                           temp_dir, write_json_file)
from worker_helpers import answer, approval_decl, poll_jobs, wait_for_token

sys.path.insert(0, os.path.join(REPO, "clients", "python"))
from sluice_control import SluiceControl  # noqa: E402

OTHER_ACCOUNT = "111122223333"
OTHER_REGION = "eu-west-1"
# Webhook URLs start with the Host a client names; the servers of one test
# listen on different ports, so every read compared across them names this one.
FIXED_HOST = "sluice.test:4599"
CLOCK_START = "2030-01-01T00:00:00Z"
CLOCK_START_EPOCH = 1893456000.0
APPROVAL_TIMED_OUT = "The manual approval action timed out"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def comparable_state(document):
    """A state document without what a restart legitimately changes.

    - "events": the event history is not kept; a restarted sluice numbers
      its events afresh (the README's "Keeping state").
    - "ids"."drawn": how many ids the seeded source has drawn. Reads draw
      request ids too, and a restart may resume past them (it must never
      resume before an id it handed out with a change); the callers compare
      it on its own.
    """
    document = copy.deepcopy(document)
    document.pop("events", None)
    drawn = document["ids"].pop("drawn")
    return document, drawn


def stage_details(cp, pipeline, execution_id, stage):
    """The action executions of one stage of one execution (boto3)."""
    return [d for d in actions_of(cp, pipeline, execution_id) if d["stageName"] == stage]


def all_action_details(client, pipeline, execution_id):
    """ListActionExecutions of one execution over a RawClient, every page."""
    details, token = [], None
    while True:
        body = {"pipelineName": pipeline, "filter": {"pipelineExecutionId": execution_id}}
        if token:
            body["nextToken"] = token
        page = client.ok("ListActionExecutions", body)
        details += page["actionExecutionDetails"]
        token = page.get("nextToken")
        if not token:
            return details


class PersistenceCase(unittest.TestCase):
    """Own data dirs and servers for each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not binary_available():
            raise RuntimeError(f"sluice binary not found at {SLUICE_BIN}: build it, "
                               "or set SLUICE_BIN")

    def data_dir(self):
        """A fresh directory, removed when the test ends; its real path, as sluice will print it."""
        directory = tempfile.TemporaryDirectory(prefix="sluice-persist-")
        self.addCleanup(directory.cleanup)
        return os.path.realpath(directory.name)

    def attempt(self, *args, log_level="warn", env=None):
        """A start that may fail; the process is killed at cleanup if it still runs."""
        attempt = Attempt(*args, log_level=log_level, env=env)
        self.addCleanup(attempt.kill_if_running)
        return attempt

    def start(self, *args, log_level="warn", env=None):
        """A start that must succeed; returns the server."""
        attempt = self.attempt(*args, log_level=log_level, env=env)
        if not attempt.started:
            self.fail(f"sluice did not start:\n{attempt.describe()}")
        return attempt.server

    def stop_cleanly(self, server):
        code, _ = server.stop(signal.SIGTERM, timeout=15)
        text = server.stderr_text()
        self.assertEqual(code, 0,
                         f"sluice exited with {code} after SIGTERM; stderr:\n{text[-4000:]}")
        self.assertNotIn(STATUS_TABLE_BREACH, text)
        self.assertNotIn("Sanitizer", text)


# --- the test's own reading of the formats ----------------------------------------

class FormatReaderTest(unittest.TestCase):
    """The crc32c and the journal reader these tests use, on bytes made here."""

    def test_crc32c_check_value(self):
        # The CRC catalogue's check value for CRC-32C (iSCSI).
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(crc32c(b""), 0)

    def test_journal_reader_tells_torn_from_corrupt(self):
        def frame(kind, payload):
            return (len(payload).to_bytes(4, "little") +
                    crc32c(bytes([kind]) + payload).to_bytes(4, "little") + bytes([kind]) + payload)
        data = journal_header() + frame(1, b"first") + frame(2, b"second!") + frame(1, b"third")
        clean = scan_journal(data)
        self.assertEqual(clean.kind, "clean")
        self.assertEqual([r[0] for r in clean.records], [16, 30, 46])
        self.assertEqual(scan_journal(data[:-1]).kind, "torn")
        self.assertEqual(scan_journal(data[:-1]).offset, 46)
        spoiled = bytearray(data)
        spoiled[35] ^= 0x40  # in the second record's payload
        self.assertEqual((scan_journal(bytes(spoiled)).kind, scan_journal(bytes(spoiled)).offset),
                         ("corrupt", 30))
        spoiled = bytearray(data)
        spoiled[-2] ^= 0x01  # in the last record
        self.assertEqual(scan_journal(bytes(spoiled)).kind, "torn")
        self.assertEqual(scan_journal(patch_version(data, 2)).kind, "version")
        self.assertEqual(scan_journal(patch_magic(data, b"SLUICEXX")).kind, "not-journal")


# --- a clean restart keeps everything ---------------------------------------------

class RoundTripTest(PersistenceCase):

    def reads(self, server, webhook_arn):
        """Every read a dashboard makes, in both scopes, and the controls' lists."""
        mine = RawClient(server.port, host_header=FIXED_HOST)
        theirs = RawClient(server.port, account=OTHER_ACCOUNT, region=OTHER_REGION,
                           host_header=FIXED_HOST)
        control = SluiceControl(server.endpoint)
        app_arn = f"arn:aws:codepipeline:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:rt-app"
        plain_arn = f"arn:aws:codepipeline:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:rt-plain"
        other_arn = f"arn:aws:codepipeline:{OTHER_REGION}:{OTHER_ACCOUNT}:rt-other"
        calls = [
            (mine, "GetPipeline", {"name": "rt-app"}),
            (mine, "GetPipeline", {"name": "rt-app", "version": 1}),
            (mine, "GetPipeline", {"name": "rt-plain"}),
            (mine, "ListPipelines", {}),
            (mine, "GetPipelineState", {"name": "rt-app"}),
            (mine, "GetPipelineState", {"name": "rt-plain"}),
            (mine, "ListPipelineExecutions", {"pipelineName": "rt-app"}),
            (mine, "ListPipelineExecutions", {"pipelineName": "rt-plain"}),
            (mine, "ListActionExecutions", {"pipelineName": "rt-app"}),
            (mine, "ListActionTypes", {"actionOwnerFilter": "Custom"}),
            (mine, "ListWebhooks", {}),
            (mine, "ListTagsForResource", {"resourceArn": app_arn}),
            (mine, "ListTagsForResource", {"resourceArn": plain_arn}),
            (mine, "ListTagsForResource", {"resourceArn": webhook_arn}),
            (theirs, "GetPipeline", {"name": "rt-other"}),
            (theirs, "ListPipelines", {}),
            (theirs, "ListPipelineExecutions", {"pipelineName": "rt-other"}),
            (theirs, "ListActionExecutions", {"pipelineName": "rt-other"}),
            (theirs, "ListActionTypes", {"actionOwnerFilter": "Custom"}),
            (theirs, "ListWebhooks", {}),
            (theirs, "ListTagsForResource", {"resourceArn": other_arn}),
        ]
        answers = collections.OrderedDict()
        for client, operation, body in calls:
            scope = "theirs" if client is theirs else "mine"
            answers[f"{scope} {operation} {json.dumps(body)}"] = client.ok(operation, body)
        # Every execution on its own too.
        for scope, client, pipeline in (("mine", mine, "rt-app"), ("mine", mine, "rt-plain"),
                                        ("theirs", theirs, "rt-other")):
            listed = answers[f"{scope} ListPipelineExecutions "
                             f"{json.dumps({'pipelineName': pipeline})}"]
            for summary in listed["pipelineExecutionSummaries"]:
                body = {"pipelineName": pipeline,
                        "pipelineExecutionId": summary["pipelineExecutionId"]}
                answers[f"{scope} GetPipelineExecution {json.dumps(body)}"] = client.ok(
                    "GetPipelineExecution", body)
        answers["/_sluice/outcomes"] = control.outcomes()
        answers["/_sluice/faults"] = control.faults()
        answers["/_sluice/clock"] = control.clock()
        mine.close()
        theirs.close()
        return answers

    def test_everything_reads_back_equal_after_sigterm_and_restart(self):
        data = self.data_dir()
        # The same command line both times, as a compose service restarts:
        # the saved clock and id source must win over --clock-start and --seed.
        args = ("--data-dir", data, "--clock", "manual", "--clock-start", CLOCK_START,
                "--seed", "11", "--start-on-create", "false")
        server = self.start(*args)
        mine = server.client()
        theirs = server.client(access_key=OTHER_ACCOUNT, region=OTHER_REGION)
        control = SluiceControl(server.endpoint)

        mine.create_pipeline(pipeline=approval_decl("rt-app"),
                             tags=[{"key": "team", "value": "app"}])
        updated_decl = approval_decl("rt-app")
        updated_decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "project-v2"
        self.assertEqual(mine.update_pipeline(pipeline=updated_decl)["pipeline"]["version"], 2)
        created = mine.create_pipeline(pipeline=pipeline_decl("rt-plain"))
        self.assertEqual(created["pipeline"]["version"], 1)
        plain_arn = mine.get_pipeline(name="rt-plain")["metadata"]["pipelineArn"]
        mine.tag_resource(resourceArn=plain_arn, tags=[{"key": "env", "value": "dev"}])
        theirs.create_pipeline(
            pipeline=pipeline_decl("rt-other", pipelineType="V2", executionMode="PARALLEL",
                                   variables=[{"name": "Env", "defaultValue": "dev"}]),
            tags=[{"key": "owner", "value": "them"}])
        mine.create_custom_action_type(**custom_type_request("RoundTripCI"))
        theirs.create_custom_action_type(**custom_type_request("TheirCI", category="Test"))
        webhook = mine.put_webhook(webhook={
            "name": "rt-hook", "targetPipeline": "rt-app", "targetAction": "Source",
            "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{Branch}"}],
            "authentication": "GITHUB_HMAC",
            "authenticationConfiguration": {"SecretToken": "s3cret"}},
            tags=[{"key": "hook", "value": "main"}])["webhook"]
        rule = control.add_outcome({"pipeline": "rt-other", "stage": "Build"},
                                   outputVariables={"IMAGE": "app:7"}, times=5)
        fault = control.add_fault({"operation": "DeleteWebhook"},
                                  error={"type": "ThrottlingException"})
        mine.disable_stage_transition(pipelineName="rt-plain", stageName="Build",
                                      transitionType="Inbound", reason="release freeze")
        first = mine.start_pipeline_execution(name="rt-app")["pipelineExecutionId"]
        plain = mine.start_pipeline_execution(name="rt-plain")["pipelineExecutionId"]
        others = [theirs.start_pipeline_execution(name="rt-other")["pipelineExecutionId"]
                  for _ in range(2)]
        settled = control.settle()
        self.assertEqual(sorted((w["pipeline"], w["on"]) for w in settled["waiting"]),
                         [("rt-app", "approval"), ("rt-plain", "stage")], settled)
        # A second one mid-Source when the server stops.
        second = mine.start_pipeline_execution(name="rt-app")["pipelineExecutionId"]
        control.advance(0.25)

        # The state right after the last change: no AWS call (each draws a
        # request id) between it and the reads below.
        before_state = control.state()
        before = self.reads(server, webhook["arn"])

        # What is read is real: the test would pass on an empty server otherwise.
        app = before['mine GetPipeline {"name": "rt-app"}']
        self.assertEqual(app["pipeline"]["version"], 2)
        self.assertEqual(app["pipeline"]["stages"][1]["actions"][0]["configuration"]["ProjectName"],
                         "project-v2")
        self.assertEqual(before['mine GetPipeline {"name": "rt-app", "version": 1}']["pipeline"][
            "stages"][1]["actions"][0]["configuration"]["ProjectName"], "my-project")
        self.assertEqual(sorted(p["name"] for p in before["mine ListPipelines {}"]["pipelines"]),
                         ["rt-app", "rt-plain"])
        self.assertEqual([p["name"] for p in before["theirs ListPipelines {}"]["pipelines"]],
                         ["rt-other"])
        app_runs = before['mine ListPipelineExecutions {"pipelineName": "rt-app"}']
        self.assertEqual({s["pipelineExecutionId"]: s["status"]
                          for s in app_runs["pipelineExecutionSummaries"]},
                         {first: "InProgress", second: "InProgress"})
        other_runs = before['theirs ListPipelineExecutions {"pipelineName": "rt-other"}']
        self.assertEqual(sorted(s["status"] for s in other_runs["pipelineExecutionSummaries"]),
                         ["Succeeded", "Succeeded"])
        types = before['mine ListActionTypes {"actionOwnerFilter": "Custom"}']["actionTypes"]
        self.assertEqual([t["id"]["provider"] for t in types], ["RoundTripCI"])
        webhooks = before["mine ListWebhooks {}"]["webhooks"]
        self.assertEqual([w["definition"]["name"] for w in webhooks], ["rt-hook"])
        plain_tags = before[f'mine ListTagsForResource {{"resourceArn": "{plain_arn}"}}']
        self.assertEqual(plain_tags["tags"], [{"key": "env", "value": "dev"}])
        self.assertEqual([r["id"] for r in before["/_sluice/outcomes"]], [rule])
        self.assertEqual([f["id"] for f in before["/_sluice/faults"]], [fault])
        self.assertGreater(before["/_sluice/clock"]["now"], CLOCK_START_EPOCH)
        self.assertIn("events", before_state, "the state document has an events section")

        self.stop_cleanly(server)
        restarted = self.start(*args, log_level="info")
        after_state = SluiceControl(restarted.endpoint).state()
        after = self.reads(restarted, webhook["arn"])

        self.assertEqual(list(after), list(before))
        for label in before:
            self.assertEqual(after[label], before[label],
                             f"{label} reads differently after the restart: "
                             f"{first_difference(before[label], after[label])}")
        kept_before, drawn_before = comparable_state(before_state)
        kept_after, drawn_after = comparable_state(after_state)
        self.assertEqual(kept_after, kept_before,
                         "GET /_sluice/state differs after the restart (events and ids.drawn "
                         f"aside): {first_difference(kept_before, kept_after)}")
        self.assertEqual(after_state["ids"]["seed"], 11)
        self.assertGreaterEqual(drawn_after, drawn_before,
                                "the seeded id source went back: it would hand out ids again")

        # Recovery says what it read (README, "Keeping state").
        recovered = recovered_line(restarted.stderr_text())
        self.assertIsNotNone(recovered, "no 'recovered P pipelines and E executions ...' line at "
                                        f"info; stderr:\n{restarted.stderr_text()[-3000:]}")
        self.assertEqual((recovered["pipelines"], recovered["executions"], recovered["dir"],
                          recovered["torn"]), (3, 5, data, False), recovered)

        # And it goes on from there: the approval's token still answers it,
        # the held execution runs once the transition opens.
        cp = restarted.client()
        token = wait_for_token(cp, "rt-app", execution_id=first, timeout=AT_ONCE)
        answer(cp, "rt-app", token, "Approved", "after the restart")
        cp.enable_stage_transition(pipelineName="rt-plain", stageName="Build",
                                   transitionType="Inbound")
        SluiceControl(restarted.endpoint).settle()
        self.assertEqual(get_execution(cp, "rt-app", first)["status"], "Succeeded")
        self.assertEqual(get_execution(cp, "rt-plain", plain)["status"], "Succeeded")
        for execution_id in others:
            got = call_once(restarted.port, "GetPipelineExecution",
                            {"pipelineName": "rt-other", "pipelineExecutionId": execution_id},
                            account=OTHER_ACCOUNT, region=OTHER_REGION)
            self.assertEqual(got["pipelineExecution"]["status"], "Succeeded")
        self.stop_cleanly(restarted)


# --- kill -9 while clients write at full speed ------------------------------------

CRASH_PROVIDER = "CrashCI"


class Ledger:
    """Every write a client saw acknowledged (a 200 read whole), and every id handed out.

    Filled by the client threads, read by the checks after each restart. A
    write whose answer never arrived is not here: the kill may or may not
    have let it land, and either is correct.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.pipelines = {}        # name -> {"round", "kind", "versions": {version: declaration}}
        self.approval_names = []   # approval pipelines, for the approver
        self.executions = []       # (round, pipeline, execution id, pipeline version)
        self.execution_ids = set()
        self.approvals = []        # (round, pipeline, execution id, token, summary)
        self.tokens = {}           # approval token -> execution id it was shown for
        self.jobs = {}             # job id -> what PollForJobs handed out, and what followed
        self.job_results = []      # (round, job id) with an acknowledged PutJobSuccessResult
        self.request_ids = collections.Counter()  # of acknowledged writes
        self.counts = collections.Counter()       # acknowledged writes by operation
        self.refused = collections.Counter()      # (operation, error) of non-200 answers
        self.violations = []       # ids handed out twice, acknowledged state forgotten
        self.errors = []           # unexpected exceptions in the client threads

    def acknowledged(self, operation, request_id):
        self.counts[operation] += 1
        if request_id:
            self.request_ids[request_id] += 1

    def created(self, round_no, name, kind, declaration, request_id):
        with self.lock:
            self.acknowledged("CreatePipeline", request_id)
            self.pipelines[name] = {"round": round_no, "kind": kind,
                                    "versions": {declaration["version"]: declaration}}
            if kind == "approval":
                self.approval_names.append(name)

    def updated(self, name, declaration, request_id):
        with self.lock:
            self.acknowledged("UpdatePipeline", request_id)
            self.pipelines[name]["versions"][declaration["version"]] = declaration

    def started(self, round_no, pipeline, execution_id, version, request_id):
        with self.lock:
            self.acknowledged("StartPipelineExecution", request_id)
            if execution_id in self.execution_ids:
                self.violations.append(f"execution id {execution_id} handed out twice "
                                       f"(again by StartPipelineExecution of {pipeline} in round "
                                       f"{round_no})")
            self.execution_ids.add(execution_id)
            self.executions.append((round_no, pipeline, execution_id, version))

    def token_shown(self, token, execution_id, pipeline):
        with self.lock:
            known = self.tokens.setdefault(token, execution_id)
            if known != execution_id:
                self.violations.append(f"approval token {token} shown for execution {known} and "
                                       f"again for {execution_id} of {pipeline}")

    def approved(self, round_no, pipeline, execution_id, token, summary, request_id):
        with self.lock:
            self.acknowledged("PutApprovalResult", request_id)
            self.approvals.append((round_no, pipeline, execution_id, token, summary))

    def polled(self, round_no, job):
        """Records a job PollForJobs handed out; False if it was handed out before."""
        context = job["data"]["pipelineContext"]
        with self.lock:
            if job["id"] in self.jobs:
                first = self.jobs[job["id"]]
                self.violations.append(f"job {job['id']} handed out by PollForJobs in round "
                                       f"{first['round']} and again in round {round_no}")
                return False
            self.jobs[job["id"]] = {
                "round": round_no, "nonce": job["nonce"], "pipeline": context["pipelineName"],
                "execution": context["pipelineExecutionId"],
                "action_execution": context["action"]["actionExecutionId"],
                "acknowledged": False, "finished": False}
            self.counts["PollForJobs (jobs handed out)"] += 1
            return True

    def poll_acknowledged(self, request_id):
        with self.lock:
            if request_id:
                self.request_ids[request_id] += 1

    def job_acknowledged(self, job_id, request_id):
        with self.lock:
            self.acknowledged("AcknowledgeJob", request_id)
            self.jobs[job_id]["acknowledged"] = True

    def job_succeeded(self, round_no, job_id, request_id):
        with self.lock:
            self.acknowledged("PutJobSuccessResult", request_id)
            self.jobs[job_id]["finished"] = True
            self.job_results.append((round_no, job_id))

    def unfinished_jobs(self):
        with self.lock:
            return [(job_id, dict(job)) for job_id, job in self.jobs.items() if not job["finished"]]

    def violation(self, text):
        with self.lock:
            self.violations.append(text)

    def approval_pipelines(self):
        with self.lock:
            return list(self.approval_names)

    def refuse(self, operation, status, body):
        with self.lock:
            self.refused[(operation, status, (body or {}).get("__type"))] += 1

    def main_writes(self):
        return sum(self.counts[op] for op in ("CreatePipeline", "UpdatePipeline",
                                              "StartPipelineExecution", "PutApprovalResult",
                                              "PutJobSuccessResult"))


def crash_decl(name, kind, revision):
    """The pipelines of the crash test: an approval (SUPERSEDED, so that
    GetPipelineState shows every waiting token), a custom-action job
    (PARALLEL), or Source -> Build only (PARALLEL)."""
    if kind == "approval":
        return approval_two_stage(name, revision)
    if kind == "job":
        return job_two_stage(name, CRASH_PROVIDER, revision, pipelineType="V2",
                             executionMode="PARALLEL")
    return two_stage(name, "Build", build_action(), revision, pipelineType="V2",
                     executionMode="PARALLEL")


class ClientThread(threading.Thread):
    """Runs `body(client)` until the server goes (Gone) or `stop` is set."""

    def __init__(self, ledger, port, body, name):
        super().__init__(daemon=True, name=name)
        self.ledger, self.port, self.body = ledger, port, body

    def run(self):
        client = RawClient(self.port, timeout=30)
        try:
            self.body(client)
        except Gone:
            pass
        except Exception as error:  # reported by the test
            self.ledger.errors.append(f"{self.name}: {error!r}")
        finally:
            client.close()


def writer(ledger, round_no, index, kinds, stop):
    """CreatePipeline, then ten starts with an UpdatePipeline among them; again and again."""
    def body(client):
        count = 0
        while not stop.is_set():
            kind = kinds[count % len(kinds)]
            name = f"k{round_no}w{index}n{count}"
            count += 1
            status, got, request_id = client.call(
                "CreatePipeline", {"pipeline": crash_decl(name, kind, 0)})
            if status != 200:
                ledger.refuse("CreatePipeline", status, got)
                continue
            ledger.created(round_no, name, kind, got["pipeline"], request_id)
            version = got["pipeline"]["version"]
            for step in range(10):
                if step == 4:
                    status, got, request_id = client.call(
                        "UpdatePipeline", {"pipeline": crash_decl(name, kind, 1)})
                    if status == 200:
                        version = got["pipeline"]["version"]
                        ledger.updated(name, got["pipeline"], request_id)
                    else:
                        ledger.refuse("UpdatePipeline", status, got)
                status, got, request_id = client.call("StartPipelineExecution", {"name": name})
                if status == 200:
                    ledger.started(round_no, name, got["pipelineExecutionId"], version, request_id)
                else:
                    ledger.refuse("StartPipelineExecution", status, got)
    return body


def approver(ledger, round_no, stop):
    """Approves every waiting approval of the approval pipelines, as ApprovalBot does."""
    def body(client):
        while not stop.is_set():
            answered = 0
            for name in ledger.approval_pipelines():
                if stop.is_set():
                    return
                status, state, _ = client.call("GetPipelineState", {"name": name})
                if status != 200:
                    ledger.refuse("GetPipelineState", status, state)
                    continue
                for stage in state["stageStates"]:
                    execution_id = stage.get("latestExecution", {}).get("pipelineExecutionId")
                    for action in stage.get("actionStates", []):
                        latest = action.get("latestExecution", {})
                        token = latest.get("token")
                        if latest.get("status") != "InProgress" or not token:
                            continue
                        ledger.token_shown(token, execution_id, name)
                        summary = f"approved {token[:8]} in round {round_no}"
                        status, got, request_id = client.call("PutApprovalResult", {
                            "pipelineName": name, "stageName": stage["stageName"],
                            "actionName": action["actionName"], "token": token,
                            "result": {"summary": summary, "status": "Approved"}})
                        if status == 200:
                            ledger.approved(round_no, name, execution_id, token, summary,
                                            request_id)
                            answered += 1
                        else:
                            ledger.refuse("PutApprovalResult", status, got)
            if not answered:
                stop.wait(0.005)
    return body


def job_worker(ledger, round_no, stop):
    """First finishes the jobs it polled before the last kill (with their old ids and
    nonces), then polls, acknowledges and finishes new ones."""
    def finish(client, job_id):
        status, got, request_id = client.call("PutJobSuccessResult", {
            "jobId": job_id, "executionDetails": {"summary": f"built in round {round_no}",
                                                  "percentComplete": 100}})
        if status == 200:
            ledger.job_succeeded(round_no, job_id, request_id)
        else:
            ledger.refuse("PutJobSuccessResult", status, got)

    def body(client):
        for job_id, job in ledger.unfinished_jobs():
            status, got, request_id = client.call("AcknowledgeJob",
                                                  {"jobId": job_id, "nonce": job["nonce"]})
            if status != 200:
                ledger.violation(f"job {job_id}, handed out by a PollForJobs answered 200 in "
                                 f"round {job['round']}, is unknown after the restart: "
                                 f"AcknowledgeJob answered {status} {got}")
                continue
            if job["acknowledged"] and got["status"] == "Dispatched":
                ledger.violation(f"job {job_id}: its AcknowledgeJob in round {job['round']} was "
                                 f"answered 200, yet after the restart it is Dispatched again")
            if got["status"] == "Succeeded":
                # Its result landed before the kill; the answer never came.
                with ledger.lock:
                    ledger.jobs[job_id]["finished"] = True
                continue
            finish(client, job_id)
        while not stop.is_set():
            status, got, request_id = client.call("PollForJobs", {
                "actionTypeId": custom_type_id(CRASH_PROVIDER), "maxBatchSize": 5})
            if status != 200:
                ledger.refuse("PollForJobs", status, got)
                stop.wait(0.005)
                continue
            if not got["jobs"]:
                stop.wait(0.005)
                continue
            ledger.poll_acknowledged(request_id)
            fresh = [job for job in got["jobs"] if ledger.polled(round_no, job)]
            for job in fresh:
                status, acked, request_id = client.call("AcknowledgeJob",
                                                        {"jobId": job["id"], "nonce": job["nonce"]})
                if status == 200:
                    ledger.job_acknowledged(job["id"], request_id)
                else:
                    ledger.refuse("AcknowledgeJob", status, acked)
                finish(client, job["id"])
    return body


class CrashTest(PersistenceCase):

    def check_acknowledged(self, server, ledger, rounds):
        """Every acknowledged write of `rounds` read back; returns what was lost."""
        lost = []
        client = RawClient(server.port, timeout=30)
        with ledger.lock:
            pipelines = {n: copy.deepcopy(p) for n, p in ledger.pipelines.items()
                         if p["round"] in rounds}
            executions = [e for e in ledger.executions if e[0] in rounds]
            approvals = [a for a in ledger.approvals if a[0] in rounds]
            results = [(r, job_id, dict(ledger.jobs[job_id])) for r, job_id in ledger.job_results
                       if r in rounds]
        for name, info in sorted(pipelines.items()):
            status, got, _ = client.call("GetPipeline", {"name": name})
            if status != 200:
                lost.append(f"pipeline {name} (created in round {info['round']}): GetPipeline "
                            f"answered {status} {got}")
                continue
            top = max(info["versions"])
            if got["pipeline"]["version"] < top:
                lost.append(f"pipeline {name}: version {got['pipeline']['version']}, but version "
                            f"{top} was acknowledged")
            for version, declaration in sorted(info["versions"].items()):
                status, got, _ = client.call("GetPipeline", {"name": name, "version": version})
                if status != 200 or got["pipeline"] != declaration:
                    found = (got or {}).get("pipeline")
                    lost.append(f"pipeline {name} version {version}: {status} "
                                f"{first_difference(declaration, found)}")
        for round_no, pipeline, execution_id, version in executions:
            status, got, _ = client.call("GetPipelineExecution", {
                "pipelineName": pipeline, "pipelineExecutionId": execution_id})
            if status != 200:
                lost.append(f"execution {execution_id} of {pipeline} (round {round_no}): "
                            f"GetPipelineExecution answered {status} {got}")
            elif (got["pipelineExecution"]["pipelineExecutionId"],
                  got["pipelineExecution"]["pipelineVersion"]) != (execution_id, version):
                lost.append(f"execution {execution_id} of {pipeline}: reads as "
                            f"{got['pipelineExecution']}, started on version {version}")
        def details_of(pipeline, execution_id):
            try:
                return all_action_details(client, pipeline, execution_id)
            except AssertionError as error:  # the pipeline or execution is gone
                lost.append(f"execution {execution_id} of {pipeline}: {error}")
                return None

        for round_no, pipeline, execution_id, token, summary in approvals:
            details = details_of(pipeline, execution_id)
            if details is None:
                continue
            details = [d for d in details if d["stageName"] == "Approve"]
            said = details[-1].get("output", {}).get("executionResult", {}).get(
                "externalExecutionSummary") if details else None
            if not details or details[-1]["status"] != "Succeeded" or said != summary:
                lost.append(f"approval of execution {execution_id} of {pipeline} (round "
                            f"{round_no}, token {token}): the acknowledged answer is not there: "
                            f"{details}")
            status, again, _ = client.call("PutApprovalResult", {
                "pipelineName": pipeline, "stageName": "Approve", "actionName": "Approve",
                "token": token, "result": {"summary": "again", "status": "Approved"}})
            if status != 400 or again.get("__type") != "ApprovalAlreadyCompletedException":
                lost.append(f"approval token {token} of {pipeline} (round {round_no}), approved "
                            f"with a 200, answers a second PutApprovalResult with {status} {again}")
        for round_no, job_id, job in results:
            status, got, _ = client.call("AcknowledgeJob", {"jobId": job_id, "nonce": job["nonce"]})
            if status != 200 or got["status"] != "Succeeded":
                lost.append(f"job {job_id} of {job['pipeline']} (result acknowledged in round "
                            f"{round_no}): AcknowledgeJob answers {status} {got}, not Succeeded")
            details = details_of(job["pipeline"], job["execution"])
            if details is None:
                continue
            action = [d for d in details if d["actionExecutionId"] == job["action_execution"]]
            if [d["status"] for d in action] != ["Succeeded"]:
                lost.append(f"job {job_id}: its action {job['action_execution']} of execution "
                            f"{job['execution']} did not move on: {action}")
        client.close()
        return lost

    def crash_rounds(self, label, syncs, rounds, kinds, writers, kill_window, extra_args=()):
        seed = int(os.environ.get("SLUICE_E2E_SEED", random.randrange(2 ** 32)))
        rng = random.Random(seed)
        data = self.data_dir()
        args = ("--data-dir", data, "--action-duration-ms", "20", "--start-on-create", "false",
                "--max-pipelines", "100000", *extra_args)
        ledger = Ledger()
        server = self.start(*args, "--sync", syncs[0])
        if "job" in kinds:
            setup = RawClient(server.port)
            setup.ok("CreateCustomActionType", custom_type_request(CRASH_PROVIDER))
            setup.close()
        lost, kills, started = [], 0, time.monotonic()
        for round_no in range(rounds):
            stop = threading.Event()
            threads = [ClientThread(ledger, server.port,
                                    writer(ledger, round_no, i, kinds, stop), f"writer-{i}")
                       for i in range(writers)]
            if "approval" in kinds:
                threads.append(ClientThread(ledger, server.port, approver(ledger, round_no, stop),
                                            "approver"))
            if "job" in kinds:
                threads.append(ClientThread(ledger, server.port, job_worker(ledger, round_no, stop),
                                            "job-worker"))
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(*kill_window))
            kill_9(server)
            kills += 1
            stop.set()
            for thread in threads:
                thread.join(20)
                self.assertFalse(thread.is_alive(), f"{thread.name} did not stop after the kill")
            self.assertEqual(ledger.errors, [], f"client threads failed (seed {seed})")
            server = self.start(*args, "--sync", syncs[(round_no + 1) % len(syncs)])
            # Custom action types are writes too.
            if "job" in kinds:
                types = call_once(server.port, "ListActionTypes", {"actionOwnerFilter": "Custom"})
                if [t["id"]["provider"] for t in types["actionTypes"]] != [CRASH_PROVIDER]:
                    lost.append(f"custom action type {CRASH_PROVIDER}: {types}")
            lost += self.check_acknowledged(server, ledger, {round_no})
        # After the last restart, every round again: later recoveries and
        # snapshots must not have lost what earlier ones kept.
        lost += self.check_acknowledged(server, ledger, set(range(rounds)))
        for job_id, job in ledger.unfinished_jobs():
            client = RawClient(server.port)
            status, got, _ = client.call("AcknowledgeJob", {"jobId": job_id, "nonce": job["nonce"]})
            client.close()
            if status != 200:
                ledger.violation(f"job {job_id} (handed out in round {job['round']}) is unknown "
                                 f"after the last restart: {status} {got}")
        if "job" in kinds:
            # What PollForJobs hands out now was never handed out before: not a
            # job whose result was acknowledged, nor one a worker holds.
            with RawClient(server.port) as client:
                for _ in range(1000):
                    jobs = client.ok("PollForJobs", {"actionTypeId": custom_type_id(CRASH_PROVIDER),
                                                     "maxBatchSize": 100})["jobs"]
                    if not jobs:
                        break
                    for job in jobs:
                        if job["id"] in ledger.jobs:
                            ledger.violation(f"job {job['id']}, handed out in round "
                                             f"{ledger.jobs[job['id']]['round']}, is handed out "
                                             "again after the last restart")
        duplicate_requests = [rid for rid, n in ledger.request_ids.items() if n > 1]
        self.stop_cleanly(server)

        counts = ledger.counts
        log(f"\n[test_persistence] {label}: kills={kills} "
            f"acknowledged writes={ledger.main_writes()} "
            f"(CreatePipeline {counts['CreatePipeline']}, "
            f"UpdatePipeline {counts['UpdatePipeline']}, "
            f"StartPipelineExecution {counts['StartPipelineExecution']}, "
            f"PutApprovalResult {counts['PutApprovalResult']}, "
            f"PutJobSuccessResult {counts['PutJobSuccessResult']}; besides "
            f"{counts['AcknowledgeJob']} AcknowledgeJob and "
            f"{counts['PollForJobs (jobs handed out)']} jobs handed out) "
            f"writes lost={len(lost)} ids handed out twice or forgotten={len(ledger.violations)} "
            f"sync levels={'/'.join(syncs[r % len(syncs)] for r in range(rounds))} "
            f"wall={time.monotonic() - started:.1f}s "
            f"SLUICE_E2E_SEED={seed}")
        if ledger.refused:
            log(f"[test_persistence] {label}: non-200 answers (not acknowledged): "
                f"{dict(ledger.refused)}")
        if lost:
            self.fail(f"{len(lost)} acknowledged writes lost (SLUICE_E2E_SEED={seed}); the first:\n"
                      + "\n".join(lost[:20]))
        if ledger.violations:
            self.fail(f"{len(ledger.violations)} ids handed out twice or acknowledged job states "
                      f"forgotten (SLUICE_E2E_SEED={seed}); the first:\n"
                      + "\n".join(ledger.violations[:20]))
        return ledger, duplicate_requests, seed

    def test_kill_9_under_full_write_load_loses_no_acknowledged_write(self):
        ledger, _, seed = self.crash_rounds(
            "crash test", syncs=["batch", "always", "none"], rounds=5,
            kinds=("approval", "job"), writers=4, kill_window=(0.3, 1.5))
        # Every kind of write was acknowledged, so every kind was checked.
        for operation in ("CreatePipeline", "UpdatePipeline", "StartPipelineExecution",
                          "PutApprovalResult", "PutJobSuccessResult"):
            self.assertGreater(ledger.counts[operation], 0,
                               f"no {operation} was acknowledged in five rounds "
                               f"(SLUICE_E2E_SEED={seed}); counts: {dict(ledger.counts)}")
        self.assertEqual(len({e[0] for e in ledger.executions}), 5,
                         "every round had acknowledged starts")

    def test_seeded_ids_are_never_handed_out_twice_across_kills(self):
        # With --seed every id follows from the seed and the id source's
        # position; a restart that lost the position would hand the same
        # execution ids (and request ids) out again.
        ledger, duplicate_requests, seed = self.crash_rounds(
            "seeded crash test", syncs=["none", "batch", "always"], rounds=3, kinds=("plain",),
            writers=2, kill_window=(0.2, 0.6), extra_args=("--seed", "4242"))
        self.assertGreater(ledger.counts["StartPipelineExecution"], 0)
        self.assertEqual(len(ledger.execution_ids), ledger.counts["StartPipelineExecution"])
        self.assertEqual(duplicate_requests, [],
                         "request ids of acknowledged writes handed out twice "
                         f"(SLUICE_E2E_SEED={seed})")


# --- damaged journals and snapshots -----------------------------------------------

Write = collections.namedtuple("Write", "name version declaration file end")
# file: the newest journal when the write was acknowledged; end: that file's
# size then, so the write's records end at or before `end` in `file` (or lie
# in an older file, when a snapshot rotated the journal meanwhile).


class CorruptionTest(PersistenceCase):

    TRIALS = 40

    def build_corpus(self, base):
        """A data dir with a snapshot and three journals after it (one per start,
        each ended by kill -9, which leaves the files as they were at the last
        acknowledgement); returns every write in the order acknowledged."""
        common = ("--data-dir", base, "--clock", "manual", "--clock-start", CLOCK_START,
                  "--start-on-create", "false")
        writes = []

        def write(client, operation, decl):
            got = client.ok(operation, {"pipeline": decl})["pipeline"]
            journal = newest_journal(base)
            self.assertIsNotNone(journal, f"no journal-*.log in {os.listdir(base)}")
            writes.append(Write(decl["name"], got["version"], got, journal,
                                os.path.getsize(os.path.join(base, journal))))

        first = self.start(*common, "--snapshot-after", "4096")
        client = RawClient(first.port)
        count = 0
        while not data_files(base)["snapshots"]:
            self.assertLess(count, 300, "no snapshot-*.snap after 300 CreatePipeline with "
                                        f"--snapshot-after 4096: {os.listdir(base)}")
            write(client, "CreatePipeline", pipeline_decl(f"base-{count}"))
            count += 1
        for tail in range(2):
            write(client, "CreatePipeline", pipeline_decl(f"tail-{tail}"))
        client.close()
        kill_9(first)
        for phase in ("second", "third"):
            files = data_files(base)
            highest = max(seq for seq, _ in files["journals"] + files["snapshots"])
            server = self.start(*common)
            opened = data_files(base)["journals"][-1][0]
            self.assertEqual(opened, highest + 1, "each start opens a new journal file numbered "
                                                  f"one past the highest seen: {os.listdir(base)}")
            client = RawClient(server.port)
            for index in range(5):
                decl = pipeline_decl(f"{phase}-{index}")
                write(client, "CreatePipeline", decl)
                if index % 2:
                    decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = f"v2-{index}"
                    write(client, "UpdatePipeline", decl)
            client.close()
            kill_9(server)
        # The files are as the README describes them.
        files = data_files(base)
        self.assertTrue(files["snapshots"], os.listdir(base))
        for _, name in files["journals"]:
            scan = scan_journal(read_bytes(os.path.join(base, name)))
            self.assertEqual(scan.kind, "clean", f"{name} does not read as a journal of the "
                                                 f"documented format: {scan}")
        for _, name in files["snapshots"]:
            self.assertIsNone(snapshot_problem(read_bytes(os.path.join(base, name))), name)
        newest = read_bytes(os.path.join(base, files["journals"][-1][1]))
        self.assertGreaterEqual(len(scan_journal(newest).records), 7,
                                "one record per write at least")
        return writes

    def readable(self, client, write):
        """True if the write reads back, False if absent; a message if it reads otherwise."""
        status, got, _ = client.call("GetPipeline", {"name": write.name, "version": write.version})
        if status != 200:
            return False
        if got["pipeline"] != write.declaration:
            return (f"{write.name} version {write.version} reads differently: "
                    f"{first_difference(write.declaration, got['pipeline'])}")
        return True

    def expectation(self, files, damaged_name, damaged, recover_truncate):
        """What the README allows for this damage.

        Returns (outcomes allowed, files whose writes may be lost past a point:
        {file: offset} or None for "everything must be there", phrases the
        refusal must hold, scan of the damaged journal or None)."""
        journal_seqs = {name: seq for seq, name in files["journals"]}
        snapshots = files["snapshots"]
        newest_snapshot = snapshots[-1][0] if snapshots else 0
        newest_journal_name = files["journals"][-1][1]
        if damaged_name in journal_seqs and journal_seqs[damaged_name] <= newest_snapshot:
            # Covered by the snapshot: reading it is not needed.
            return {"start", "exit"}, None, [], None
        if damaged_name not in journal_seqs:
            if damaged_name == snapshots[-1][1]:
                return {"exit"}, None, [], None
            return {"start", "exit"}, None, [], None
        scan = scan_journal(damaged)
        newest = damaged_name == newest_journal_name
        later = {name for seq, name in files["journals"] if seq > journal_seqs[damaged_name]}
        if scan.kind == "clean":
            return {"start"}, {damaged_name: len(damaged)}, [], scan
        if scan.kind == "torn":
            if newest and scan.offset >= JOURNAL_HEADER:
                return {"start"}, {damaged_name: scan.offset}, [], scan
            # A header cut short, or a torn-looking frame in an older journal:
            # read as a crash's trace, or refused.
            return {"start", "exit"}, {damaged_name: scan.offset}, [], scan
        if scan.kind == "corrupt":
            if recover_truncate:
                cut = {damaged_name: scan.offset}
                cut.update({name: JOURNAL_HEADER for name in later})
                return {"start"}, cut, [], scan
            return {"exit"}, None, [f"corrupt at offset {scan.offset}: ",
                                    "--recover-truncate keeps what precedes it"], scan
        if scan.kind == "version":
            return ({"exit"}, None,
                    [f"format version {scan.version}; this sluice reads version 1"], scan)
        return {"exit"}, None, [], scan

    def run_trial(self, base, writes, trial_dir, damaged_name, damage, recover_truncate, what):
        """Copies the corpus, damages one file, starts sluice on it; returns failures."""
        shutil.copytree(base, trial_dir)
        files = data_files(trial_dir)
        path = os.path.join(trial_dir, damaged_name)
        damaged = damage(read_bytes(path))
        write_bytes(path, damaged)
        allowed, cuts, phrases, scan = self.expectation(files, damaged_name, damaged,
                                                        recover_truncate)
        args = ["--data-dir", trial_dir, "--clock", "manual", "--start-on-create", "false"]
        if recover_truncate:
            args.append("--recover-truncate")
        attempt = self.attempt(*args, log_level="info")
        failures = []

        def fail(text):
            failures.append(f"{what}: {text}\n{attempt.describe()}")

        crash = attempt.crash_report()
        if crash:
            fail(f"sluice crashed: {crash}")
            return failures
        outcome = "start" if attempt.started else "exit"
        if outcome not in allowed:
            fail(f"it should {' or '.join(sorted(allowed))} (the damaged journal reads as "
                 f"{scan}), but it did {outcome}")
        if not attempt.started:
            stderr = attempt.stderr_text()
            if attempt.code != 1:
                fail(f"exit code {attempt.code}, expected 1")
            prefix = f"sluice: --data-dir {trial_dir}: {damaged_name}: "
            if prefix not in stderr:
                fail(f"the refusal does not start with {prefix!r}")
            for phrase in phrases:
                if phrase not in stderr:
                    fail(f"the refusal does not say {phrase!r}")
            return failures

        server = attempt.server
        client = RawClient(server.port)
        readable = [self.readable(client, write) for write in writes]
        client.close()
        for write, found in zip(writes, readable):
            if isinstance(found, str):
                fail(found)
        for write, found in zip(writes, readable):
            # Lost legitimately only past the cut in the damaged journal (and,
            # with --recover-truncate, in the journals after it).
            must = cuts is None or write.file not in cuts or write.end <= cuts[write.file]
            if must and found is not True:
                fail(f"{write.name} version {write.version} (acknowledged; in {write.file} "
                     f"before offset {write.end}) is lost")
        # What was kept is a prefix of what was acknowledged: no hole where a
        # damaged record was skipped. (Not for a torn-looking frame in an older
        # journal: the later journals are read after it.)
        older_torn = scan is not None and scan.kind == "torn" and \
            damaged_name != files["journals"][-1][1]
        if not older_torn:
            kept = [found is True for found in readable]
            if False in kept and True in kept[kept.index(False):]:
                hole = kept.index(False)
                fail(f"a hole: {writes[hole].name} v{writes[hole].version} is lost while later "
                     f"writes are kept")
        stderr = server.stderr_text()
        recovered = recovered_line(stderr)
        if recovered is None:
            fail("no 'recovered ...' line at info")
        elif damaged_name == files["journals"][-1][1] and scan is not None and \
                scan.kind in ("clean", "torn") and recovered["torn"] != (scan.kind == "torn"):
            fail(f"'torn tail dropped: {'yes' if recovered['torn'] else 'no'}', but the "
                 f"journal reads as {scan}")
        if recover_truncate and not any(damaged_name in line and str(scan.offset) in line
                                        for line in stderr.splitlines()):
            fail(f"no warning naming {damaged_name} and offset {scan.offset}")
        code, _ = server.stop(signal.SIGTERM, timeout=15)
        if code != 0:
            fail(f"exit code {code} after SIGTERM")
        return failures

    def test_truncations_and_flipped_bytes_are_recovered_or_refused(self):
        seed = int(os.environ.get("SLUICE_E2E_SEED", random.randrange(2 ** 32)))
        rng = random.Random(seed)
        root = self.data_dir()
        base = os.path.join(root, "corpus")
        writes = self.build_corpus(base)
        files = data_files(base)
        newest_name = files["journals"][-1][1]
        newest = read_bytes(os.path.join(base, newest_name))
        records = scan_journal(newest).records
        others = [name for _, name in files["journals"][:-1] + files["snapshots"]]

        def truncate_at(offset):
            return lambda data: data[:offset]

        def flip_at(offset, mask):
            def damage(data):
                data = bytearray(data)
                data[offset] ^= mask
                return bytes(data)
            return damage

        trials = []
        for low, high, count in ((JOURNAL_HEADER, len(newest), 10), (0, JOURNAL_HEADER, 2)):
            for _ in range(count):
                offset = rng.randrange(low, high)
                trials.append((newest_name, truncate_at(offset), False,
                               f"truncate {newest_name} at {offset}"))
        for _ in range(14):
            offset, mask = rng.randrange(len(newest)), rng.randrange(1, 256)
            trials.append((newest_name, flip_at(offset, mask), False,
                           f"xor {mask:#04x} at {offset} of {newest_name}"))
        for _ in range(8):
            name = rng.choice(others)
            size = os.path.getsize(os.path.join(base, name))
            offset, mask = rng.randrange(size), rng.randrange(1, 256)
            trials.append((name, flip_at(offset, mask), False,
                           f"xor {mask:#04x} at {offset} of {name}"))
        for _ in range(self.TRIALS - len(trials)):
            start, end, _ = rng.choice(records[:-1])
            offset, mask = rng.randrange(start, end), rng.randrange(1, 256)
            trials.append((newest_name, flip_at(offset, mask), True,
                           f"--recover-truncate, xor {mask:#04x} at {offset} of {newest_name}"))

        failures, outcomes, began = [], collections.Counter(), time.monotonic()
        for index, (name, damage, recover_truncate, what) in enumerate(trials):
            trial_dir = os.path.join(root, f"trial-{index}")
            found = self.run_trial(base, writes, trial_dir, name, damage, recover_truncate,
                                   f"trial {index} ({what}; SLUICE_E2E_SEED={seed})")
            failures += found
            outcomes["failed" if found else "passed"] += 1
            shutil.rmtree(trial_dir, ignore_errors=True)
        log(f"\n[test_persistence] corruption: {len(trials)} trials on {len(writes)} acknowledged "
            f"writes, {dict(outcomes)} in {time.monotonic() - began:.1f}s, SLUICE_E2E_SEED={seed}")
        if failures:
            self.fail(f"{len(failures)} problems in {outcomes['failed']} of {len(trials)} trials "
                      f"(SLUICE_E2E_SEED={seed}); the first:\n\n" + "\n\n".join(failures[:5]))

    def test_unknown_versions_and_foreign_files_are_refused(self):
        root = self.data_dir()
        base = os.path.join(root, "corpus")
        self.build_corpus(base)
        files = data_files(base)
        journal = files["journals"][-1][1]
        older = files["journals"][-2][1]  # the second start's: after the snapshot
        snapshot = files["snapshots"][-1][1]
        reads = "; this sluice reads version 1"
        cases = [
            (journal, lambda d: patch_version(d, 2), False, "format version 2" + reads),
            # --recover-truncate keeps what precedes a corrupt record, never a file
            # of another version.
            (journal, lambda d: patch_version(d, 2), True, "format version 2" + reads),
            (older, lambda d: patch_version(d, 0), False, "format version 0" + reads),
            (snapshot, lambda d: patch_version(d, 7), False, "format version 7" + reads),
            (journal, lambda d: patch_magic(d, b"SLUICEXX"), False, "not a sluice journal"),
            (snapshot, lambda d: patch_magic(d, b"NOTSLUIC"), False, "not a sluice snapshot"),
        ]
        for index, (name, damage, recover_truncate, says) in enumerate(cases):
            with self.subTest(file=name, says=says, recover_truncate=recover_truncate):
                trial_dir = os.path.join(root, f"case-{index}")
                shutil.copytree(base, trial_dir)
                path = os.path.join(trial_dir, name)
                write_bytes(path, damage(read_bytes(path)))
                args = ["--data-dir", trial_dir]
                if recover_truncate:
                    args.append("--recover-truncate")
                attempt = self.attempt(*args)
                self.assertIsNone(attempt.crash_report(), attempt.describe())
                self.assertFalse(attempt.started, attempt.describe())
                self.assertEqual(attempt.code, 1, attempt.describe())
                self.assertIn(f"sluice: --data-dir {trial_dir}: {name}: {says}",
                              attempt.stderr_text())


# --- the lock ---------------------------------------------------------------------

class LockTest(PersistenceCase):

    def test_a_second_sluice_on_the_same_dir_is_refused(self):
        data = self.data_dir()
        first = self.start("--data-dir", data, "--start-on-create", "false")
        client = RawClient(first.port)
        client.ok("CreatePipeline", {"pipeline": pipeline_decl("locked")})
        lock_path = os.path.join(data, "LOCK")
        self.assertTrue(os.path.isfile(lock_path), os.listdir(data))
        self.assertEqual(read_bytes(lock_path).decode().strip(), str(first.proc.pid))
        files_before = data_files(data)

        expected = f"sluice: --data-dir {data} is in use by another sluice (pid {first.proc.pid})"
        for args, env in ((("--port", "0", "--data-dir", data), None),
                          (("--port", "0"), {"SLUICE_DATA_DIR": data})):
            with self.subTest(args=args, env=env):
                done = run_to_exit(*args, env=env)
                self.assertEqual(done.returncode, 1, done.stderr)
                self.assertEqual(done.stdout, "", "no listening line from a refused start")
                self.assertIn(expected, done.stderr)
        # The refused starts wrote nothing, and the first serves on unharmed.
        self.assertEqual(data_files(data), files_before)
        self.assertEqual(read_bytes(lock_path).decode().strip(), str(first.proc.pid))
        self.assertEqual(client.ok("GetPipeline", {"name": "locked"})["pipeline"]["name"], "locked")
        client.close()
        self.stop_cleanly(first)

        # Once it stopped, a start works, and finds what the first kept.
        second = self.start("--data-dir", data)
        got = call_once(second.port, "GetPipeline", {"name": "locked"})
        self.assertEqual(got["metadata"]["pipelineArn"],
                         f"arn:aws:codepipeline:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:locked")
        self.assertEqual(read_bytes(lock_path).decode().strip(), str(second.proc.pid))
        # A kill -9 leaves LOCK behind, but not its lock.
        kill_9(second)
        third = self.start("--data-dir", data)
        self.assertEqual(call_once(third.port, "GetPipeline", {"name": "locked"})["pipeline"][
            "name"], "locked")
        self.assertEqual(read_bytes(lock_path).decode().strip(), str(third.proc.pid))
        self.stop_cleanly(third)


# --- in-flight executions resume where they waited --------------------------------

RESUME_PROVIDER = "ResumeCI"


class ResumeTest(PersistenceCase):

    def test_every_kind_of_wait_resumes_after_kill_9(self):
        data = self.data_dir()
        # Simulated actions take 10 s of clock time; jobs have 600 s.
        common = ("--data-dir", data, "--clock", "manual", "--start-on-create", "false",
                  "--action-duration-ms", "10000", "--job-timeout-s", "600", "--seed", "21")
        server = self.start(*common, "--clock-start", CLOCK_START)
        cp = server.client()
        control = SluiceControl(server.endpoint)
        cp.create_custom_action_type(**custom_type_request(RESUME_PROVIDER))
        decls = {
            "wait-approval": approval_two_stage("wait-approval"),
            "wait-timeout": approval_two_stage("wait-timeout", timeoutInMinutes=5),
            "job-acked": job_two_stage("job-acked", RESUME_PROVIDER),
            "job-polled": job_two_stage("job-polled", RESUME_PROVIDER),
            "job-queued": job_two_stage("job-queued", RESUME_PROVIDER),
            "held": pipeline_decl("held"),
            "running": pipeline_decl("running"),
        }
        for decl in decls.values():
            cp.create_pipeline(pipeline=decl)
        cp.disable_stage_transition(pipelineName="held", stageName="Build",
                                    transitionType="Inbound", reason="held over the restart")
        ids = {name: cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
               for name in decls if name != "running"}
        settled = control.settle()
        # Every Source ran (10 s); each execution now waits on someone.
        self.assertAlmostEqual(settled["now"], CLOCK_START_EPOCH + 10, places=3)
        self.assertEqual(sorted((w["pipeline"], w["on"]) for w in settled["waiting"]), [
            ("held", "stage"), ("job-acked", "job"), ("job-polled", "job"), ("job-queued", "job"),
            ("wait-approval", "approval"), ("wait-timeout", "approval")], settled)
        token = wait_for_token(cp, "wait-approval", execution_id=ids["wait-approval"],
                               timeout=AT_ONCE)
        job_type = custom_type_id(RESUME_PROVIDER)
        [acked] = poll_jobs(cp, action_type=job_type, timeout=AT_ONCE,
                            queryParam={"Target": "job-acked"})
        self.assertEqual(cp.acknowledge_job(jobId=acked["id"], nonce=acked["nonce"])["status"],
                         "InProgress")
        [polled] = poll_jobs(cp, action_type=job_type, timeout=AT_ONCE,
                             queryParam={"Target": "job-polled"})
        polled_details = cp.get_job_details(jobId=polled["id"])["jobDetails"]
        # The last one starts now and is 4 s into its 10-s Source at the kill.
        ids["running"] = cp.start_pipeline_execution(name="running")["pipelineExecutionId"]
        control.advance(4)
        source = stage_details(cp, "running", ids["running"], "Source")
        self.assertEqual([d["status"] for d in source], ["InProgress"])
        [timeout_approval] = stage_details(cp, "wait-timeout", ids["wait-timeout"], "Approve")
        deadline = timeout_approval["startTime"].timestamp() + 300
        clock_before = control.clock()
        self.assertAlmostEqual(clock_before["now"], CLOCK_START_EPOCH + 14, places=3)
        state_before = control.state()
        queued_jobs = [j for j in state_before["engine"]["jobs"]
                       if j["pipeline_name"] == "job-queued"]
        self.assertEqual(len(queued_jobs), 1, state_before["engine"]["jobs"])
        queued_id = queued_jobs[0]["id"]

        kill_9(server)
        # No --clock-start now: the clock must come back from the data dir.
        restarted = self.start(*common)
        cp = restarted.client()
        control = SluiceControl(restarted.endpoint)
        clock_after = control.clock()
        self.assertEqual((clock_after["mode"], clock_after["iso"]), ("manual", clock_before["iso"]))
        self.assertAlmostEqual(clock_after["now"], clock_before["now"], places=3)
        kept, _ = comparable_state(state_before)
        found, _ = comparable_state(control.state())
        self.assertEqual(found, kept, "the state after kill -9 and restart differs (events and "
                                      f"ids.drawn aside): {first_difference(kept, found)}")

        # Nothing moved by itself.
        for name, execution_id in ids.items():
            self.assertEqual(get_execution(cp, name, execution_id)["status"], "InProgress", name)
        held = stage_state(cp, "held", "Build")
        self.assertIs(held["inboundTransitionState"]["enabled"], False)
        self.assertEqual(held["inboundTransitionState"]["disabledReason"], "held over the restart")
        self.assertEqual([e["pipelineExecutionId"] for e in held["inboundExecutions"]],
                         [ids["held"]])

        # The running action ends at its original due time: 10 s after it began.
        clock_of(restarted).advance(5.999)
        source = stage_details(cp, "running", ids["running"], "Source")
        self.assertEqual([d["status"] for d in source], ["InProgress"],
                         "the Source action ended before its due time")
        clock_of(restarted).advance(0.001)
        source = stage_details(cp, "running", ids["running"], "Source")
        self.assertEqual([d["status"] for d in source], ["Succeeded"],
                         "the Source action did not end at its due time")
        ran = source[0]["lastUpdateTime"] - source[0]["startTime"]
        self.assertAlmostEqual(ran.total_seconds(), 10.0, places=3)

        # The approver answers with the token it read before the restart.
        self.assertEqual(wait_for_token(cp, "wait-approval", execution_id=ids["wait-approval"],
                                        timeout=AT_ONCE), token)
        answer(cp, "wait-approval", token, "Approved", "approved across a restart")
        # The worker that had acknowledged its job finishes it by its old id.
        cp.put_job_success_result(jobId=acked["id"],
                                  executionDetails={"summary": "finished across a restart",
                                                    "percentComplete": 100})
        # The poller that had polled carries on: its nonce, its job.
        self.assertEqual(cp.get_job_details(jobId=polled["id"])["jobDetails"], polled_details)
        self.assertEqual(cp.acknowledge_job(jobId=polled["id"], nonce=polled["nonce"])["status"],
                         "InProgress")
        cp.put_job_success_result(jobId=polled["id"])
        # Jobs handed out before are not handed out again; the one never
        # polled is, with the id it had.
        for target in ("job-acked", "job-polled"):
            self.assertEqual(cp.poll_for_jobs(actionTypeId=job_type, maxBatchSize=10,
                                              queryParam={"Target": target})["jobs"], [], target)
        [queued] = poll_jobs(cp, action_type=job_type, timeout=AT_ONCE,
                             queryParam={"Target": "job-queued"})
        self.assertEqual(queued["id"], queued_id)
        self.assertEqual(cp.acknowledge_job(jobId=queued["id"], nonce=queued["nonce"])["status"],
                         "InProgress")
        cp.put_job_success_result(jobId=queued["id"])
        cp.enable_stage_transition(pipelineName="held", stageName="Build", transitionType="Inbound")

        settled = control.settle()
        self.assertEqual([(w["pipeline"], w["on"]) for w in settled["waiting"]],
                         [("wait-timeout", "approval")], settled)
        for name, execution_id in ids.items():
            if name != "wait-timeout":
                self.assertEqual(get_execution(cp, name, execution_id)["status"], "Succeeded", name)
        self.assertEqual([d["output"]["executionResult"]["externalExecutionSummary"]
                          for d in stage_details(cp, "job-acked", ids["job-acked"], "Build")],
                         ["finished across a restart"])

        # The approval timeout keeps its deadline: 5 minutes after the approval began.
        now = control.clock()["now"]
        self.assertLess(now, deadline - 1)
        clock_of(restarted).advance(round(deadline - now - 0.001, 3))
        self.assertEqual(get_execution(cp, "wait-timeout", ids["wait-timeout"])["status"],
                         "InProgress", "the approval timed out before its deadline")
        clock_of(restarted).advance(0.001)
        self.assertEqual(get_execution(cp, "wait-timeout", ids["wait-timeout"])["status"], "Failed",
                         "the approval did not time out at its deadline")
        self.assertAlmostEqual(control.clock()["now"], deadline, places=3)
        [approval] = stage_details(cp, "wait-timeout", ids["wait-timeout"], "Approve")
        self.assertEqual(approval["status"], "Failed")
        self.assertAlmostEqual((approval["lastUpdateTime"] - approval["startTime"]).total_seconds(),
                               300.0, places=3)
        latest = stage_state(cp, "wait-timeout", "Approve")["actionStates"][0]["latestExecution"]
        self.assertEqual(latest["errorDetails"]["message"], APPROVAL_TIMED_OUT)
        self.stop_cleanly(restarted)


# --- snapshots replace old journals; kill -9 after one loses nothing --------------

class SnapshotTest(PersistenceCase):

    def test_snapshot_removes_older_journals_and_a_kill_loses_nothing(self):
        data = self.data_dir()
        args = ("--data-dir", data, "--snapshot-after", "4096", "--action-duration-ms", "20",
                "--start-on-create", "false")
        server = self.start(*args)
        client = RawClient(server.port)
        pipelines, executions = {}, []

        def write(name):
            decl = two_stage(name, "Build", build_action(), pipelineType="V2",
                             executionMode="PARALLEL")
            pipelines[name] = client.ok("CreatePipeline", {"pipeline": decl})["pipeline"]
            for _ in range(2):
                executions.append((name, client.ok("StartPipelineExecution",
                                                   {"name": name})["pipelineExecutionId"]))

        count = 0
        while not data_files(data)["snapshots"]:
            self.assertLess(count, 400, "no snapshot-*.snap after 400 pipelines and 800 starts "
                                        f"with --snapshot-after 4096: {os.listdir(data)}")
            write(f"snap-{count}")
            count += 1
        for extra in range(3):
            write(f"after-{extra}")
        # At rest: the executions end (the system clock runs them) ...
        for name, execution_id in executions:
            wait_until(lambda: client.ok("GetPipelineExecution", {
                "pipelineName": name, "pipelineExecutionId": execution_id})[
                "pipelineExecution"]["status"] == "Succeeded",
                what=f"execution {execution_id} of {name} to succeed")

        # ... and only journals newer than the newest snapshot stay.
        def settled():
            files = data_files(data)
            newest = files["snapshots"][-1][0]
            if files["journals"] and all(seq > newest for seq, _ in files["journals"]):
                return files
            return None
        files = wait_until(settled, 15, 0.05, "journals covered by the newest snapshot to go")
        newest_seq, newest_name = files["snapshots"][-1]
        self.assertLessEqual(len(files["journals"]), 2,
                             f"more than the current journal files beside {newest_name}: {files}")
        self.assertIsNone(snapshot_problem(read_bytes(os.path.join(data, newest_name))),
                          f"{newest_name} is not a snapshot as the README describes")
        for _, name in files["journals"]:
            scan = scan_journal(read_bytes(os.path.join(data, name)))
            self.assertEqual(scan.kind, "clean", f"{name}: {scan}")
        health = SluiceControl(server.endpoint).health()["persistence"]
        self.assertGreaterEqual(health["snapshots"], 1, health)

        # Executions in flight at the kill run on after the restart ("at once
        # if that passed": their due times went by while sluice was down).
        for name in list(pipelines)[:3]:
            executions.append((name, client.ok("StartPipelineExecution",
                                               {"name": name})["pipelineExecutionId"]))
        client.close()
        kill_9(server)
        snapshot_at_restart = data_files(data)["snapshots"][-1][0]
        restarted = self.start(*args, log_level="info")
        client = RawClient(restarted.port)
        for name, declaration in pipelines.items():
            got = client.ok("GetPipeline", {"name": name})
            self.assertEqual(got["pipeline"], declaration,
                             f"{name}: {first_difference(declaration, got['pipeline'])}")
        listed = set()
        for name in pipelines:
            listed |= {s["pipelineExecutionId"] for s in client.ok(
                "ListPipelineExecutions", {"pipelineName": name})["pipelineExecutionSummaries"]}
        self.assertEqual({e for _, e in executions} - listed, set(), "executions lost")
        for name, execution_id in executions:
            wait_until(lambda: client.ok("GetPipelineExecution", {
                "pipelineName": name, "pipelineExecutionId": execution_id})[
                "pipelineExecution"]["status"] == "Succeeded",
                what=f"execution {execution_id} of {name} to succeed after the restart")
        recovered = recovered_line(restarted.stderr_text())
        self.assertIsNotNone(recovered, restarted.stderr_text()[-3000:])
        self.assertEqual((recovered["pipelines"], recovered["executions"]),
                         (len(pipelines), len(executions)), recovered)
        self.assertIn(str(snapshot_at_restart), recovered["snapshot"],
                      "the recovery line names the snapshot it loaded")
        client.close()
        self.stop_cleanly(restarted)


# --- options ----------------------------------------------------------------------

class OptionsTest(PersistenceCase):

    def test_bad_values_exit_2(self):
        data = self.data_dir()
        cases = [
            (("--data-dir", data, "--sync", "bogus"), None, ["--sync", "always", "batch", "none"]),
            (("--data-dir", data, "--snapshot-after", "10"), None, ["--snapshot-after", "4096"]),
            (("--data-dir", data, "--snapshot-after", "4095"), None, ["--snapshot-after", "4096"]),
            (("--data-dir", data, "--snapshot-after", "lots"), None, ["--snapshot-after"]),
            (("--data-dir", data), {"SLUICE_SYNC": "sometimes"}, ["SLUICE_SYNC"]),
            (("--data-dir", data), {"SLUICE_SNAPSHOT_AFTER": "100"}, ["SLUICE_SNAPSHOT_AFTER"]),
        ]
        for args, env, phrases in cases:
            with self.subTest(args=args, env=env):
                done = run_to_exit("--port", "0", *args, env=env)
                self.assertEqual(done.returncode, 2, (done.stdout, done.stderr))
                self.assertEqual(done.stdout, "")
                self.assertTrue(done.stderr.startswith("sluice: "), done.stderr)
                for phrase in phrases:
                    self.assertIn(phrase, done.stderr)
        # A refused start leaves nothing behind.
        self.assertEqual(data_files(data), {"journals": [], "snapshots": []})
        # The smallest bound is taken.
        server = self.start("--data-dir", data, "--snapshot-after", "4096")
        self.stop_cleanly(server)

    def test_health_says_where_state_is_kept(self):
        plain = self.start()
        health = SluiceControl(plain.endpoint).health()
        self.assertIn("persistence", health)
        self.assertIsNone(health["persistence"])
        self.stop_cleanly(plain)

        data = self.data_dir()
        for sync, args in (("batch", ()), ("always", ("--sync", "always")),
                           ("none", ("--sync", "none"))):
            with self.subTest(sync=sync):
                server = self.start("--data-dir", data, "--start-on-create", "false", *args)
                control = SluiceControl(server.endpoint)
                before = control.health()["persistence"]
                self.assertEqual(sorted(before), ["dataDir", "durableRecords", "journalRecords",
                                                  "snapshots", "sync"])
                self.assertEqual((before["dataDir"], before["sync"]), (data, sync))
                for key in ("durableRecords", "journalRecords", "snapshots"):
                    self.assertIsInstance(before[key], int, key)
                    self.assertGreaterEqual(before[key], 0, key)
                self.assertLessEqual(before["durableRecords"], before["journalRecords"])
                call_once(server.port, "CreatePipeline",
                                          {"pipeline": pipeline_decl(f"health-{sync}")})
                after = control.health()["persistence"]
                self.assertGreater(after["journalRecords"], before["journalRecords"],
                                   "an acknowledged CreatePipeline added no journal record")
                if sync != "none":
                    # The answer waited for the fsync that made it durable.
                    self.assertEqual(after["durableRecords"], after["journalRecords"], after)
                self.stop_cleanly(server)

    def test_data_dir_and_sync_from_the_environment(self):
        data = os.path.join(self.data_dir(), "made-by-sluice")
        env = {"SLUICE_DATA_DIR": data, "SLUICE_SYNC": "none"}
        server = self.start("--start-on-create", "false", env=env)
        self.assertTrue(os.path.isdir(data), "the missing --data-dir was not created")
        self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o700)
        persistence = SluiceControl(server.endpoint).health()["persistence"]
        self.assertEqual((persistence["dataDir"], persistence["sync"]), (data, "none"))
        call_once(server.port, "CreatePipeline", {"pipeline": pipeline_decl("from-env")})
        self.stop_cleanly(server)
        self.assertTrue(data_files(data)["journals"], os.listdir(data))

        again = self.start(env=env)
        self.assertEqual(call_once(again.port, "GetPipeline", {"name": "from-env"})[
            "pipeline"]["name"], "from-env")
        self.stop_cleanly(again)

        # A flag wins over its variable.
        other = self.data_dir()
        flagged = self.start("--data-dir", other, "--sync", "always", env=env)
        persistence = SluiceControl(flagged.endpoint).health()["persistence"]
        self.assertEqual((persistence["dataDir"], persistence["sync"]), (other, "always"))
        with RawClient(flagged.port) as client:
            status, got, _ = client.call("GetPipeline", {"name": "from-env"})
        self.assertEqual((status, got["__type"]), (400, "PipelineNotFoundException"))
        self.stop_cleanly(flagged)

    def test_init_dir_applies_only_while_the_data_dir_holds_no_state(self):
        init = temp_dir(self)
        write_json_file(init, "01-pipeline.json", {"pipeline": pipeline_decl("seeded-app")})
        data = self.data_dir()
        with_init = ("--data-dir", data, "--init-dir", init, "--start-on-create", "false")
        first = self.start(*with_init)
        self.assertEqual(call_once(first.port, "GetPipeline", {"name": "seeded-app"})[
            "pipeline"]["version"], 1)
        # What the init dir made is state like any other once the server
        # listens: a kill right after does not lose it.
        kill_9(first)
        second = self.start("--data-dir", data)
        with RawClient(second.port) as client:
            self.assertEqual(client.ok("GetPipeline", {"name": "seeded-app"})["pipeline"][
                "version"], 1, "the init dir's pipeline did not survive a kill -9")
            client.ok("DeletePipeline", {"name": "seeded-app"})
            client.ok("CreatePipeline", {"pipeline": pipeline_decl("made-later")})
        self.stop_cleanly(second)

        third = self.start(*with_init)
        with RawClient(third.port) as client:
            status, got, _ = client.call("GetPipeline", {"name": "seeded-app"})
            self.assertEqual((status, got["__type"]), (400, "PipelineNotFoundException"),
                             "the init dir was applied again over a data dir that holds state")
            self.assertEqual([p["name"] for p in client.ok("ListPipelines", {})["pipelines"]],
                             ["made-later"])
        self.stop_cleanly(third)


if __name__ == "__main__":
    unittest.main()
