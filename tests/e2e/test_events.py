"""The EventBridge events end to end: what an execution's changes send, read
as a page, a long poll and a Server-Sent Events stream, and POSTed to an HTTP
target, driven with boto3 against the real binary.

The reference table below is the order AWS documents each state for
(user guide, "Monitoring CodePipeline events"); the member sets are those of
that page's examples.
"""

import http.client
import http.server
import json
import os
import sys
import threading
import time
import unittest

from execution_helpers import MANUAL_CLOCK, UUID4, settle
from sluice_server import (REPO, ServerTestCase, SluiceServer, approval_action, build_action,
                           pipeline_decl)
from worker_helpers import poll_jobs, wait_for_token

sys.path.insert(0, os.path.join(REPO, "clients", "python"))
from sluice_control import SluiceControl, SluiceControlError  # noqa: E402

PIPELINE = "CodePipeline Pipeline Execution State Change"
STAGE = "CodePipeline Stage Execution State Change"
ACTION = "CodePipeline Action Execution State Change"
ECS_DEPLOY = {"category": "Deploy", "owner": "AWS", "provider": "ECS", "version": "1"}

# The `detail` members of AWS's examples, by (detail-type, state). sluice
# adds the action's region to action STARTED (every other action example has
# it) and start-time to the pipeline and stage states AWS shows no example of.
ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources",
            "detail"}
PIPELINE_MEMBERS = {"pipeline", "execution-id", "start-time", "execution-trigger", "state",
                    "version", "pipeline-execution-attempt"}
STAGE_MEMBERS = {"pipeline", "execution-id", "start-time", "stage", "state", "version",
                 "pipeline-execution-attempt"}
ACTION_MEMBERS = {"pipeline", "execution-id", "start-time", "stage", "action-execution-id",
                  "action", "state", "region", "type", "version", "pipeline-execution-attempt"}
EXPECTED_MEMBERS = {
    (PIPELINE, "STARTED"): PIPELINE_MEMBERS,
    (PIPELINE, "SUCCEEDED"): PIPELINE_MEMBERS,
    (PIPELINE, "FAILED"): PIPELINE_MEMBERS,
    (PIPELINE, "RESUMED"): PIPELINE_MEMBERS,
    (PIPELINE, "STOPPING"): PIPELINE_MEMBERS | {"stop-execution-comments"},
    (PIPELINE, "STOPPED"): PIPELINE_MEMBERS | {"stop-execution-comments"},
    (STAGE, "STARTED"): STAGE_MEMBERS,
    (STAGE, "SUCCEEDED"): STAGE_MEMBERS,
    (STAGE, "FAILED"): STAGE_MEMBERS,
    (STAGE, "STOPPING"): STAGE_MEMBERS,
    (STAGE, "STOPPED"): STAGE_MEMBERS,
    (STAGE, "RESUMED"): STAGE_MEMBERS - {"start-time"} | {"stage-last-retry-attempt-time"},
    (ACTION, "STARTED"): ACTION_MEMBERS,
    (ACTION, "SUCCEEDED"): ACTION_MEMBERS | {"execution-result"},
    (ACTION, "FAILED"): ACTION_MEMBERS | {"execution-result"},
    (ACTION, "ABANDONED"): ACTION_MEMBERS - {"start-time"},
}


def reference_decl(name):
    """Source (S3) -> Approve (manual) -> Build (CodeBuild, a job) -> Deploy (ECS)."""
    decl = pipeline_decl(name)
    decl["stages"] = [
        decl["stages"][0],
        {"name": "Approve", "actions": [approval_action()]},
        {"name": "Build", "actions": [build_action(outputs=("BuildOutput",))]},
        {"name": "Deploy", "actions": [{
            "name": "Deploy", "actionTypeId": dict(ECS_DEPLOY),
            "configuration": {"ClusterName": "prod", "ServiceName": "web"},
            "inputArtifacts": [{"name": "BuildOutput"}]}]},
    ]
    return decl


def line(event):
    """"<Pipeline|Stage name|Action name> STATE": one row of a reference table."""
    detail = event["detail"]
    if event["detail-type"] == PIPELINE:
        subject = "Pipeline"
    elif event["detail-type"] == STAGE:
        subject = "Stage " + detail["stage"]
    else:
        subject = "Action " + detail["action"]
    return f"{subject} {detail['state']}"


class EventSequenceTest(ServerTestCase):

    server_args = ("--start-on-create", "false", "--external-providers", "CodeBuild",
                   *MANUAL_CLOCK)

    def setUp(self):
        self.control = SluiceControl(self.server.endpoint)
        self.control.reset()
        self.cp = self.server.client()
        self.after = self.control.events()["nextAfter"]

    def new_events(self, **filters):
        """The events since the last call, all of them (paging on nextAfter)."""
        events = []
        while True:
            page = self.control.events(after=self.after, **filters)
            self.assertLessEqual(page["oldestAvailable"], self.after + 1, "events were dropped")
            events += page["events"]
            if page["nextAfter"] == self.after:
                return events
            self.after = page["nextAfter"]

    def assertShapes(self, events, execution_id, pipeline):
        for event in events:
            key = (event["detail-type"], event["detail"]["state"])
            self.assertEqual(set(event), ENVELOPE)
            self.assertEqual(event["version"], "0")
            self.assertEqual(event["source"], "aws.codepipeline")
            self.assertRegex(event["id"], UUID4)
            self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertEqual(event["resources"],
                             [f"arn:aws:codepipeline:us-east-1:{event['account']}:{pipeline}"])
            detail = event["detail"]
            expected = set(EXPECTED_MEMBERS[key])
            if event["detail-type"] == ACTION and detail["state"] == "STARTED" \
                    and detail["action"] not in ("Source", "Approve"):
                expected.add("input-artifacts")
            if event["detail-type"] == ACTION and detail["state"] == "SUCCEEDED" \
                    and detail["action"] in ("Source", "Build"):
                expected.add("output-artifacts")
            if event["detail-type"] == STAGE and detail["pipeline-execution-attempt"] > 1:
                # "present in all the subsequent stage events after a stage has been retried"
                expected.add("stage-last-retry-attempt-time")
            self.assertEqual(set(detail), expected, line(event))
            self.assertEqual(detail["execution-id"], execution_id)
            self.assertIsInstance(detail["version"], float)
            self.assertIsInstance(detail["pipeline-execution-attempt"], float)

    def test_approval_job_failure_and_retry_send_the_reference_sequence(self):
        decl = reference_decl("events-ref")
        self.cp.create_pipeline(pipeline=decl)
        # Deploy fails once, then succeeds on the retry.
        self.control.add_outcome({"pipeline": "events-ref", "stage": "Deploy"}, result="Failed",
                                 errorCode="JobFailed", summary="Deployment d-1 failed", times=1)
        execution_id = self.cp.start_pipeline_execution(name="events-ref")["pipelineExecutionId"]
        settle(self.server)
        token = wait_for_token(self.cp, "events-ref", timeout=1)
        self.cp.put_approval_result(pipelineName="events-ref", stageName="Approve",
                                    actionName="Approve", token=token,
                                    result={"summary": "ship it", "status": "Approved"})
        settle(self.server)
        [job] = poll_jobs(self.cp, timeout=1)
        self.cp.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
        self.cp.put_job_success_result(jobId=job["id"],
                                       executionDetails={"summary": "built",
                                                         "externalExecutionId": "build-1"})
        settle(self.server)
        first = self.new_events()
        self.cp.retry_stage_execution(pipelineName="events-ref", stageName="Deploy",
                                      pipelineExecutionId=execution_id,
                                      retryMode="FAILED_ACTIONS")
        settle(self.server)
        retried = self.new_events()

        self.assertEqual([line(e) for e in first], [
            "Pipeline STARTED", "Stage Source STARTED", "Action Source STARTED",
            "Action Source SUCCEEDED", "Stage Source SUCCEEDED",
            "Stage Approve STARTED", "Action Approve STARTED",
            "Action Approve SUCCEEDED", "Stage Approve SUCCEEDED",
            "Stage Build STARTED", "Action Build STARTED",
            "Action Build SUCCEEDED", "Stage Build SUCCEEDED",
            "Stage Deploy STARTED", "Action Deploy STARTED",
            "Action Deploy FAILED", "Stage Deploy FAILED", "Pipeline FAILED",
        ])
        self.assertEqual([line(e) for e in retried], [
            "Pipeline RESUMED", "Stage Deploy RESUMED", "Action Deploy STARTED",
            "Action Deploy SUCCEEDED", "Stage Deploy SUCCEEDED", "Pipeline SUCCEEDED",
        ])
        self.assertShapes(first + retried, execution_id, "events-ref")

        by_line = {line(e): e["detail"] for e in first}
        self.assertEqual(by_line["Pipeline STARTED"]["execution-trigger"]["trigger-type"],
                         "StartPipelineExecution")
        self.assertEqual(by_line["Action Build SUCCEEDED"]["execution-result"],
                         {"external-execution-summary": "built",
                          "external-execution-id": "build-1"})
        self.assertEqual(by_line["Action Build STARTED"]["type"],
                         {"owner": "AWS", "category": "Build", "provider": "CodeBuild",
                          "version": "1"})
        self.assertEqual([a["name"] for a in by_line["Action Build STARTED"]["input-artifacts"]],
                         ["SourceOutput"])
        self.assertEqual(by_line["Action Deploy FAILED"]["execution-result"]["error-code"],
                         "JobFailed")
        self.assertEqual(
            by_line["Action Deploy FAILED"]["execution-result"]["external-execution-summary"],
            "Deployment d-1 failed")
        # The artifact a later action reads is where the earlier one wrote it.
        self.assertEqual(by_line["Action Build SUCCEEDED"]["output-artifacts"],
                         by_line["Action Deploy STARTED"]["input-artifacts"])
        # After the retry: the second attempt, and the stage says when it was retried.
        for event in retried:
            self.assertEqual(event["detail"]["pipeline-execution-attempt"], 2.0, line(event))
            if event["detail-type"] == STAGE:
                self.assertIn("stage-last-retry-attempt-time", event["detail"])
        for event in first:
            self.assertEqual(event["detail"]["pipeline-execution-attempt"], 1.0, line(event))
        # The same events, in the same order, whatever the read.
        everything = self.control.events(after=0, pipeline="events-ref")["events"]
        self.assertEqual(everything, first + retried)
        self.assertEqual(
            [line(e) for e in self.control.events(after=0, execution_id=execution_id,
                                                  state="FAILED")["events"]],
            ["Action Deploy FAILED", "Stage Deploy FAILED", "Pipeline FAILED"])
        self.assertEqual(
            [line(e) for e in self.control.events(after=0, detail_type=PIPELINE)["events"]],
            ["Pipeline STARTED", "Pipeline FAILED", "Pipeline RESUMED", "Pipeline SUCCEEDED"])

    def test_a_job_failure_reports_its_type_and_message(self):
        decl = reference_decl("events-job-failure")
        decl["stages"] = [decl["stages"][0], decl["stages"][2]]  # Source, Build
        self.cp.create_pipeline(pipeline=decl)
        self.cp.start_pipeline_execution(name="events-job-failure")
        settle(self.server)
        [job] = poll_jobs(self.cp, timeout=1)
        self.cp.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
        self.cp.put_job_failure_result(jobId=job["id"], failureDetails={
            "type": "ConfigurationError", "message": "no such project"})
        [failed] = [e for e in self.new_events()
                    if e["detail-type"] == ACTION and e["detail"]["state"] == "FAILED"]
        self.assertEqual(failed["detail"]["execution-result"],
                         {"external-execution-summary": "no such project",
                          "error-code": "ConfigurationError"})

    def test_stop_and_abandon_sends_stopping_abandoned_and_stopped(self):
        self.cp.create_pipeline(pipeline=reference_decl("events-stop"))
        execution_id = self.cp.start_pipeline_execution(name="events-stop")["pipelineExecutionId"]
        settle(self.server)  # the approval waits
        self.new_events()
        self.cp.stop_pipeline_execution(pipelineName="events-stop",
                                        pipelineExecutionId=execution_id, abandon=True,
                                        reason="Stopping the pipeline for an update")
        settle(self.server)
        events = self.new_events()
        self.assertEqual([line(e) for e in events], [
            "Pipeline STOPPING", "Stage Approve STOPPING", "Action Approve ABANDONED",
            "Stage Approve STOPPED", "Pipeline STOPPED",
        ])
        self.assertShapes(events, execution_id, "events-stop")
        self.assertEqual(events[0]["detail"]["stop-execution-comments"],
                         "Stopping the pipeline for an update")

    def test_a_superseded_execution_says_so(self):
        self.cp.create_pipeline(pipeline=reference_decl("events-superseded"))
        ids = []
        for _ in range(3):
            ids.append(self.cp.start_pipeline_execution(
                name="events-superseded")["pipelineExecutionId"])
            settle(self.server)
        # The first waits in Approve, the second waited to enter it until the
        # third came and superseded it.
        states = [(e["detail"]["execution-id"], line(e)) for e in self.new_events()
                  if e["detail-type"] == PIPELINE]
        self.assertEqual(states, [(ids[0], "Pipeline STARTED"), (ids[1], "Pipeline STARTED"),
                                  (ids[2], "Pipeline STARTED"), (ids[1], "Pipeline SUPERSEDED")])


class EventReadTest(ServerTestCase):
    """The page, the long poll and the stream, and what they refuse."""

    server_args = ("--start-on-create", "false", "--event-buffer", "12", *MANUAL_CLOCK)

    def setUp(self):
        self.control = SluiceControl(self.server.endpoint)
        self.control.reset()
        self.cp = self.server.client()

    def start(self, name):
        try:
            self.cp.create_pipeline(pipeline=pipeline_decl(name))
        except self.cp.exceptions.PipelineNameInUseException:
            pass
        return self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]

    def test_a_long_poll_answers_when_an_event_comes(self):
        after = self.control.events()["nextAfter"]
        answers = []
        poller = threading.Thread(
            target=lambda: answers.append(self.control.events(after=after, wait=10)))
        began = time.monotonic()
        poller.start()
        time.sleep(0.3)
        self.assertEqual(answers, [], "the long poll answered before any event")
        self.start("poll")
        poller.join(10)
        self.assertLess(time.monotonic() - began, 5)
        [answer] = answers
        self.assertEqual(line(answer["events"][0]), "Pipeline STARTED")
        self.assertEqual(answer["nextAfter"], after + len(answer["events"]))

    def test_a_long_poll_with_nothing_new_ends_with_its_wait(self):
        after = self.control.events()["nextAfter"]
        began = time.monotonic()
        answer = self.control.events(after=after, wait=0.4)
        self.assertGreaterEqual(time.monotonic() - began, 0.39)
        self.assertEqual(answer["events"], [])
        self.assertEqual(answer["nextAfter"], after)

    def test_a_filtered_long_poll_ignores_what_it_does_not_want(self):
        after = self.control.events()["nextAfter"]
        answers = []
        poller = threading.Thread(target=lambda: answers.append(
            self.control.events(after=after, wait=10, state="SUCCEEDED", detail_type=PIPELINE)))
        poller.start()
        self.start("filtered")  # STARTED events only: the poll keeps waiting
        time.sleep(0.3)
        self.assertEqual(answers, [])
        settle(self.server)
        poller.join(10)
        [answer] = answers
        self.assertEqual([line(e) for e in answer["events"]], ["Pipeline SUCCEEDED"])

    def test_the_stream_resumes_after_a_disconnect_and_loses_nothing(self):
        self.start("stream")
        stream = self.control.stream_events()
        seen = [next(stream) for _ in range(3)]
        stream.close()  # the client goes away
        last = seen[-1][0]
        settle(self.server)  # events while nobody listens
        resumed = []
        for sequence, event in self.control.stream_events(last_event_id=last):
            resumed.append((sequence, event))
            if line(event) == "Pipeline SUCCEEDED":
                break
        everything = self.control.events(after=0)["events"]
        self.assertEqual([e for _, e in seen + resumed], everything)
        numbers = [s for s, _ in seen + resumed]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + len(numbers))))

    def test_a_reader_that_fell_behind_is_told_what_is_gone(self):
        first = self.control.events()["nextAfter"]
        for i in range(3):
            self.start(f"behind-{i}")
        settle(self.server)  # more than the 12 held
        page = self.control.events(after=first)
        self.assertGreater(page["oldestAvailable"], first + 1)
        self.assertEqual(page["events"][0]["id"],
                         self.control.events(after=page["oldestAvailable"] - 1)["events"][0]["id"])
        self.assertEqual(len(page["events"]), 12)
        stream = self.control.stream_events(after=first)
        sequence, gap = next(stream)
        stream.close()
        self.assertIsNone(sequence)
        self.assertEqual(gap, {"gap": {"after": first, "oldestAvailable": page["oldestAvailable"]}})

    def test_a_number_never_given_reads_from_the_start(self):
        self.start("future")
        held = self.control.events()["events"]
        stream = self.control.stream_events(after=2**64 - 1)  # no gap loop, no overflow
        self.assertEqual([next(stream)[1] for _ in held], held)
        stream.close()
        self.assertEqual(self.control.events(after=2**64 - 1)["events"], held)

    def test_a_reset_forgets_the_events_but_not_their_numbers(self):
        self.start("reset")
        before = self.control.events()
        self.assertEqual(self.control.reset()["events"], len(before["events"]))
        after = self.control.events()
        self.assertEqual(after["events"], [])
        self.assertEqual(after["oldestAvailable"], before["nextAfter"] + 1)
        self.start("reset")
        self.assertEqual(self.control.events()["events"][0]["detail"]["state"], "STARTED")
        self.assertEqual(self.control.events(after=before["nextAfter"])["nextAfter"],
                         before["nextAfter"] + 3)

    def test_the_state_document_carries_the_events(self):
        self.start("state")
        document = self.control.state()
        self.assertEqual([e["event"] for e in document["events"]["held"]],
                         self.control.events(after=0)["events"])
        self.control.reset()
        self.control.load_state(document)
        self.assertEqual(self.control.events(after=0)["events"],
                         [e["event"] for e in document["events"]["held"]])

    def test_bad_reads_are_refused_naming_the_parameter(self):
        cases = [
            ("GET", "/_sluice/events?after=-1", 400, "after"),
            ("GET", "/_sluice/events?after=x", 400, "after"),
            ("GET", "/_sluice/events?wait=301", 400, "wait"),
            ("GET", "/_sluice/events?wait=nan", 400, "wait"),
            ("GET", "/_sluice/events?limit=0", 400, "limit"),
            ("GET", "/_sluice/events?pipline=x", 400, "pipline"),
            ("GET", "/_sluice/events?state=A&state=B", 400, "state"),
            ("GET", "/_sluice/events?state=%zz", 400, "state"),
            ("POST", "/_sluice/events", 405, None),
            ("DELETE", "/_sluice/events/stream", 405, None),
            ("GET", "/_sluice/events/stream?wait=1", 400, "wait"),
        ]
        for method, path, status, field in cases:
            with self.subTest(path=path, method=method):
                got, _, body = self.server.raw(b"", method=method, path=path)
                self.assertEqual(got, status, body)
                answer = json.loads(body)
                self.assertEqual(answer["field"], field)
                self.assertTrue(answer["message"])
        status, _, body = self.server.raw(b"", method="GET", path="/_sluice/events/stream",
                                          headers={"Last-Event-ID": "seven"})
        self.assertEqual((status, json.loads(body)["field"]), (400, "Last-Event-ID"))


class EventShutdownTest(unittest.TestCase):
    """Readers waiting on events do not hold the server up when it stops."""

    def test_sigterm_ends_open_streams_and_long_polls(self):
        server = SluiceServer(*MANUAL_CLOCK)
        control = SluiceControl(server.endpoint, timeout=10)
        server.client().create_pipeline(pipeline=pipeline_decl("shutdown"))
        stream = control.stream_events()
        self.assertEqual(line(next(stream)[1]), "Pipeline STARTED")  # the stream is open
        polls = []

        def long_poll():
            try:
                polls.append(control.events(after=control.events()["nextAfter"], wait=60))
            except (OSError, http.client.HTTPException) as error:
                polls.append(error)
        poller = threading.Thread(target=long_poll)
        poller.start()
        time.sleep(0.3)  # both are waiting on the server now
        began = time.monotonic()
        code, _ = server.stop()
        self.assertEqual(code, 0, server.stderr_tail())
        self.assertLess(time.monotonic() - began, 5)
        poller.join(5)
        self.assertEqual(len(polls), 1)
        self.assertIsInstance(polls[0], (OSError, http.client.HTTPException))
        # The stream ends: the events it had, then the end of the body.
        try:
            rest = [line(event) for _, event in stream]
        except (OSError, http.client.HTTPException):
            rest = None
        self.assertIn(rest, (None, ["Stage Source STARTED", "Action Source STARTED"]))


class _Collector(http.server.BaseHTTPRequestHandler):
    """An HTTP target: keeps each POSTed body."""

    received = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            self.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class EventTargetTest(unittest.TestCase):
    """--event-target: every event POSTed, in order; a dead target counted."""

    def test_events_reach_a_live_target_and_a_dead_one_is_counted(self):
        collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
        threading.Thread(target=collector.serve_forever, daemon=True).start()
        self.addCleanup(collector.server_close)
        self.addCleanup(collector.shutdown)
        live = f"http://127.0.0.1:{collector.server_address[1]}/events"
        dead = "http://127.0.0.1:9/nobody-listens"
        server = SluiceServer("--start-on-create", "false", *MANUAL_CLOCK,
                              "--event-target", live, "--event-target", dead,
                              "--event-delivery-attempts", "2")
        self.addCleanup(server.stop)
        control = SluiceControl(server.endpoint)
        cp = server.client()
        cp.create_pipeline(pipeline=pipeline_decl("target"))
        cp.start_pipeline_execution(name="target")
        settle(server)
        held = control.events(after=0)["events"]

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with _Collector.lock:
                if len(_Collector.received) >= len(held):
                    break
            time.sleep(0.02)
        with _Collector.lock:
            received = list(_Collector.received)
        self.assertEqual([body for _, body in received], held)
        self.assertEqual({kind for kind, _ in received}, {"application/json"})

        def dead_dropped():
            for target in control.health()["events"]["targets"]:
                if target["target"] == dead:
                    return target
            raise AssertionError("no dead target in health")
        while time.monotonic() < deadline and dead_dropped()["dropped"] < len(held):
            time.sleep(0.05)
        self.assertEqual(dead_dropped()["dropped"], len(held))
        self.assertTrue(dead_dropped()["lastError"])
        [live_stats] = [t for t in control.health()["events"]["targets"] if t["target"] == live]
        self.assertEqual((live_stats["delivered"], live_stats["dropped"]), (len(held), 0))


if __name__ == "__main__":
    unittest.main()
