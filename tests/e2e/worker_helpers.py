"""Helpers for the end-to-end tests of the people and workers acting on
executions (test_approvals.py, test_stop_retry.py, test_transitions.py,
test_action_revision.py, test_job_workers.py).

Pipelines with manual approvals and job-worker actions, waiting for an
approval's token or for a polled job with a deadline, and two small clients
that run in a thread against the server: a job worker and an approval bot.
"""

import copy
import threading

from botocore.exceptions import ClientError

from execution_helpers import DEADLINE, stage_state, wait_until
from sluice_server import approval_action, build_action, pipeline_decl

CODEBUILD = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
ALEXA = {"category": "Deploy", "owner": "ThirdParty", "provider": "AlexaSkillsKit",
         "version": "1"}
ZERO_UUID = "00000000-0000-4000-8000-000000000000"


# --- declarations ----------------------------------------------------------------

def approval_decl(name, approval_stage="Approve", action=None, **extra):
    """Source (S3) -> Build (CodeBuild) -> `approval_stage` (one manual approval)."""
    decl = pipeline_decl(name, **extra)
    decl["stages"].append({"name": approval_stage,
                           "actions": [action or approval_action()]})
    return copy.deepcopy(decl)


def alexa_action(name="Deploy", inputs=("SourceOutput",)):
    """A third-party deploy action (the only kind of ThirdParty action that is not a source)."""
    return {
        "name": name,
        "actionTypeId": dict(ALEXA),
        "configuration": {"ClientId": "client", "ClientSecret": "****",
                          "RefreshToken": "****", "SkillId": "skill-1"},
        "inputArtifacts": [{"name": n} for n in inputs],
    }


def job_decl(name, project="my-project", namespace=None, then=None, **extra):
    """Source (S3) -> Build (CodeBuild `project`, optional namespace) [-> `then` stage]."""
    decl = pipeline_decl(name, **extra)
    build = build_action(configuration={"ProjectName": project})
    if namespace:
        build["namespace"] = namespace
    decl["stages"][1]["actions"] = [build]
    if then is not None:
        decl["stages"].append(then)
    return copy.deepcopy(decl)


# --- approvals -------------------------------------------------------------------

def action_state(cp, pipeline, stage, action):
    for state in stage_state(cp, pipeline, stage).get("actionStates", []):
        if state["actionName"] == action:
            return state
    raise AssertionError(f"no action {action} in stage {stage} of {pipeline}")


def wait_for_token(cp, pipeline, stage="Approve", action="Approve", execution_id=None,
                   timeout=DEADLINE):
    """The token of the approval waiting in `stage` (for `execution_id`, if given)."""
    def waiting():
        state = stage_state(cp, pipeline, stage)
        if execution_id is not None and \
                state.get("latestExecution", {}).get("pipelineExecutionId") != execution_id:
            return None
        for action_st in state.get("actionStates", []):
            latest = action_st.get("latestExecution", {})
            if action_st["actionName"] == action and latest.get("status") == "InProgress" \
                    and latest.get("token"):
                return latest["token"]
        return None
    return wait_until(waiting, timeout, what=f"approval {stage}.{action} of {pipeline} to wait")


def answer(cp, pipeline, token, status, summary="", stage="Approve", action="Approve"):
    return cp.put_approval_result(
        pipelineName=pipeline, stageName=stage, actionName=action, token=token,
        result={"summary": summary or status, "status": status})


# --- jobs ------------------------------------------------------------------------

def poll_jobs(cp, action_type=CODEBUILD, timeout=DEADLINE, max_batch=1, **kwargs):
    """PollForJobs until it returns at least one job; returns the jobs."""
    return wait_until(
        lambda: cp.poll_for_jobs(actionTypeId=action_type, maxBatchSize=max_batch,
                                 **kwargs)["jobs"],
        timeout, what=f"a job for {action_type['provider']}")


def poll_third_party_jobs(cp, action_type=ALEXA, timeout=DEADLINE, max_batch=1):
    return wait_until(
        lambda: cp.poll_for_third_party_jobs(actionTypeId=action_type,
                                             maxBatchSize=max_batch)["jobs"],
        timeout, what=f"a third-party job for {action_type['provider']}")


class _Loop(threading.Thread):
    """A daemon thread calling step() until stopped; keeps the first error it meets."""

    interval = 0.02

    def __init__(self):
        super().__init__(daemon=True)
        self._stop_event = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self._stop_event.is_set():
                self.step()
                self._stop_event.wait(self.interval)
        except Exception as error:  # reported by stop()
            self.error = error

    def stop(self, test_case=None):
        self._stop_event.set()
        self.join(10)
        if test_case is not None:
            test_case.assertFalse(self.is_alive(), f"{type(self).__name__} did not stop")
            test_case.assertIsNone(self.error, f"{type(self).__name__} failed: {self.error!r}")

    def start_for(self, test_case):
        """Starts the thread and stops it (checking it met no error) at cleanup."""
        self.start()
        test_case.addCleanup(self.stop, test_case)
        return self


class JobWorker(_Loop):
    """A job worker as people write them against boto3.

    Polls for jobs of `action_type`, acknowledges each, and for every job that
    carries no continuation token reports progress with one (so that a second job
    for the same action follows); a job that carries one is finished: with
    success and `output_variables`, or, if `fail_with` is set, with
    PutJobFailureResult of that message. Every call it makes is logged in
    `self.log` as (operation, job id, detail).
    """

    def __init__(self, client, action_type=CODEBUILD, output_variables=None, fail_with=None,
                 continue_once=True, query=None):
        super().__init__()
        self.cp = client
        self.action_type = action_type
        self.output_variables = output_variables or {}
        self.fail_with = fail_with
        self.continue_once = continue_once
        self.query = query
        self.log = []
        self.lock = threading.Lock()

    def record(self, *entry):
        with self.lock:
            self.log.append(entry)

    def entries(self, operation):
        with self.lock:
            return [e for e in self.log if e[0] == operation]

    def step(self):
        kwargs = {"queryParam": self.query} if self.query else {}
        jobs = self.cp.poll_for_jobs(actionTypeId=self.action_type, maxBatchSize=5,
                                     **kwargs)["jobs"]
        for job in jobs:
            self.record("poll", job["id"], job["data"].get("continuationToken"))
            status = self.cp.acknowledge_job(jobId=job["id"], nonce=job["nonce"])["status"]
            self.record("ack", job["id"], status)
            self.handle(job)

    def handle(self, job):
        context = job["data"]["pipelineContext"]
        token = job["data"].get("continuationToken")
        if self.continue_once and token is None:
            self.cp.put_job_success_result(
                jobId=job["id"], continuationToken=f"step-2-of-{context['action']['actionExecutionId']}",
                executionDetails={"summary": "half way", "externalExecutionId": f"ext-{job['id']}",
                                  "percentComplete": 50})
            self.record("continue", job["id"], None)
        elif self.fail_with is not None:
            self.cp.put_job_failure_result(
                jobId=job["id"], failureDetails={"type": "JobFailed", "message": self.fail_with})
            self.record("fail", job["id"], self.fail_with)
        else:
            self.cp.put_job_success_result(
                jobId=job["id"],
                currentRevision={"revision": f"rev-{job['id'][:8]}", "changeIdentifier": "chg"},
                executionDetails={"summary": "built", "externalExecutionId": f"ext-{job['id']}",
                                  "percentComplete": 100},
                outputVariables=self.output_variables)
            self.record("succeed", job["id"], token)


class ApprovalBot(_Loop):
    """Answers every manual approval of `pipeline` it sees waiting.

    decide(pipeline execution id) returns "Approved", "Rejected" or None (leave
    it waiting). Answers are logged in `self.answers` as {execution id: status}.
    """

    def __init__(self, client, pipeline, decide):
        super().__init__()
        self.cp = client
        self.pipeline = pipeline
        self.decide = decide
        self.answers = {}
        self.lock = threading.Lock()

    def step(self):
        for stage in self.cp.get_pipeline_state(name=self.pipeline)["stageStates"]:
            execution_id = stage.get("latestExecution", {}).get("pipelineExecutionId")
            for action in stage.get("actionStates", []):
                latest = action.get("latestExecution", {})
                if latest.get("status") != "InProgress" or not latest.get("token"):
                    continue
                decision = self.decide(execution_id)
                if decision is None:
                    continue
                try:
                    self.cp.put_approval_result(
                        pipelineName=self.pipeline, stageName=stage["stageName"],
                        actionName=action["actionName"], token=latest["token"],
                        result={"summary": f"bot: {decision}", "status": decision})
                except ClientError as error:
                    # Read the state just before another answer landed: harmless.
                    if error.response["Error"]["Code"] != "ApprovalAlreadyCompletedException":
                        raise
                    continue
                with self.lock:
                    self.answers[execution_id] = decision

    def answered(self):
        with self.lock:
            return dict(self.answers)

