"""Helpers for the execution end-to-end tests (test_exec*.py).

Pipeline declarations with the source providers CodePipeline knows, a
three-stage pipeline for the execution-mode races, polling with a deadline
(never a fixed long sleep), and driving a server started with MANUAL_CLOCK:
settle() runs everything that runs by itself until only people, workers and
deadlines are left, advance() moves time to an exact moment in between.
"""

import copy
import os
import re
import sys
import time

from sluice_server import DEFAULT_ACCOUNT, REPO, build_action, pipeline_decl

_CLIENTS = os.path.join(REPO, "clients", "python")
if _CLIENTS not in sys.path:
    sys.path.insert(0, _CLIENTS)
from sluice_control import SluiceControl  # noqa: E402

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HEX40 = re.compile(r"^[0-9a-f]{40}$")
ECR_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")

ROOT_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"
UNRESOLVED_PREFIX = ("An action in this pipeline failed because one or more variables "
                     "could not be resolved")
FINISHED = {"Succeeded", "Failed", "Superseded", "Cancelled", "Stopped"}

# Generous: the slowest path below waits for a few simulated actions.
DEADLINE = 20.0


# --- source actions, one per provider ----------------------------------------

def _source(name, owner, provider, configuration, output, namespace=None):
    action = {
        "name": name,
        "actionTypeId": {"category": "Source", "owner": owner, "provider": provider,
                         "version": "1"},
        "configuration": configuration,
        "outputArtifacts": [{"name": output}],
    }
    if namespace:
        action["namespace"] = namespace
    return action


def codecommit_source(name="Source", output="SourceOutput", namespace=None):
    return _source(name, "AWS", "CodeCommit",
                   {"RepositoryName": "repo", "BranchName": "main"}, output, namespace)


def connection_source(name="Source", output="SourceOutput", namespace=None):
    return _source(name, "AWS", "CodeStarSourceConnection", {
        "ConnectionArn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/x",
        "FullRepositoryId": "org/repo",
        "BranchName": "main",
    }, output, namespace)


def github_source(name="Source", output="SourceOutput", namespace=None):
    return _source(name, "ThirdParty", "GitHub", {
        "Owner": "org", "Repo": "repo", "Branch": "main", "OAuthToken": "****",
    }, output, namespace)


def ecr_source(name="Source", output="SourceOutput", namespace=None):
    return _source(name, "AWS", "ECR", {"RepositoryName": "images", "ImageTag": "latest"},
                   output, namespace)


def s3_source(name="Source", output="SourceOutput", namespace=None, allow_key_override=None):
    configuration = {"S3Bucket": "my-bucket", "S3ObjectKey": "source.zip"}
    if allow_key_override is not None:
        configuration["AllowOverrideForS3ObjectKey"] = allow_key_override
    return _source(name, "AWS", "S3", configuration, output, namespace)


# --- declarations --------------------------------------------------------------

def three_stage_decl(name, mode=None, **extra):
    """Source (S3) -> Build (CodeBuild) -> Test (CodeBuild): one action a stage."""
    decl = pipeline_decl(name, **extra)
    decl["stages"] = [
        decl["stages"][0],
        {"name": "Build", "actions": [build_action(outputs=("BuildOutput",))]},
        {"name": "Test", "actions": [
            build_action(name="UnitTest", inputs=("BuildOutput",),
                         actionTypeId={"category": "Test", "owner": "AWS",
                                       "provider": "CodeBuild", "version": "1"})]},
    ]
    if mode is not None:
        decl["executionMode"] = mode
    return copy.deepcopy(decl)


def with_source(decl, source):
    """decl with its first stage's action replaced by `source` (output SourceOutput)."""
    decl = copy.deepcopy(decl)
    decl["stages"][0]["actions"] = [source]
    return decl


def with_build_configuration(decl, **configuration):
    """decl with extra configuration on the Build stage's first action."""
    decl = copy.deepcopy(decl)
    decl["stages"][1]["actions"][0]["configuration"].update(configuration)
    return decl


# --- polling -------------------------------------------------------------------

def wait_until(predicate, timeout=DEADLINE, interval=0.02, what="condition"):
    """Polls predicate() until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def get_execution(cp, pipeline, execution_id):
    return cp.get_pipeline_execution(pipelineName=pipeline,
                                     pipelineExecutionId=execution_id)["pipelineExecution"]


def wait_finished(cp, pipeline, execution_id, timeout=DEADLINE):
    """Waits until the execution has ended; returns its GetPipelineExecution body."""
    def finished():
        execution = get_execution(cp, pipeline, execution_id)
        return execution if execution["status"] in FINISHED else None
    return wait_until(finished, timeout, what=f"execution {execution_id} of {pipeline} to end")


def wait_all_finished(cp, pipeline, execution_ids, timeout=DEADLINE):
    """Waits until all executions have ended; returns {id: execution} in one read each."""
    deadline = time.monotonic() + timeout
    return {eid: wait_finished(cp, pipeline, eid, max(0.1, deadline - time.monotonic()))
            for eid in execution_ids}


def list_all_executions(cp, pipeline, **kwargs):
    """Every summary of ListPipelineExecutions, following nextToken."""
    summaries, token, pages = [], None, 0
    while True:
        args = dict(kwargs)
        if token:
            args["nextToken"] = token
        page = cp.list_pipeline_executions(pipelineName=pipeline, **args)
        summaries += page["pipelineExecutionSummaries"]
        token = page.get("nextToken")
        pages += 1
        if not token:
            return summaries
        if pages > 200:
            raise AssertionError("ListPipelineExecutions pagination does not terminate")


def list_all_actions(cp, pipeline, **kwargs):
    """Every detail of ListActionExecutions, following nextToken."""
    details, token, pages = [], None, 0
    while True:
        args = dict(kwargs)
        if token:
            args["nextToken"] = token
        page = cp.list_action_executions(pipelineName=pipeline, **args)
        details += page["actionExecutionDetails"]
        token = page.get("nextToken")
        pages += 1
        if not token:
            return details
        if pages > 200:
            raise AssertionError("ListActionExecutions pagination does not terminate")


def actions_of(cp, pipeline, execution_id):
    return list_all_actions(cp, pipeline, filter={"pipelineExecutionId": execution_id})


def stage_state(cp, pipeline, stage):
    for state in cp.get_pipeline_state(name=pipeline)["stageStates"]:
        if state["stageName"] == stage:
            return state
    raise AssertionError(f"no stage {stage} in GetPipelineState of {pipeline}")


# --- the manual clock ------------------------------------------------------------
#
# A server started with MANUAL_CLOCK in its arguments runs nothing by itself:
# an execution stays exactly where its last request left it until the test
# settles or advances the clock. What a test reads between two such calls is
# therefore one fixed state, and "while Build runs, ..." needs no timing.

MANUAL_CLOCK = ("--clock", "manual")

# The timeout for wait_until and the waits built on it (wait_for_token,
# poll_jobs, ...) on the manual clock: the state it waits for is there at the
# first read after settle()/advance(), or never.
AT_ONCE = 0


def clock_of(server):
    """The /_sluice/ controls of a running SluiceServer."""
    return SluiceControl(server.endpoint)


def settle(server):
    """Runs the manual clock until every execution has finished or waits on a
    person, a worker or a deadline; returns the answer ({"now", "waiting", ...})."""
    answer = clock_of(server).settle()
    if not answer["settled"]:
        raise AssertionError(f"the manual clock did not settle: {answer}")
    return answer


def advance(server, seconds):
    """Moves the manual clock `seconds` on, running everything due on the way in order.

    Rounded to whole milliseconds first: the server truncates to them, and
    3 * 0.3 is 0.8999999999999999, which would stop a millisecond short of
    the third action's end.
    """
    return clock_of(server).advance(round(seconds, 3))


def settle_token(server, cp, pipeline, stage="Approve", action="Approve", execution_id=None):
    """settle(), then the token of the approval that must now wait in `stage`
    (for `execution_id`, if given): worker_helpers.wait_for_token's, read once."""
    from worker_helpers import wait_for_token  # not at the top: it imports this module
    settle(server)
    return wait_for_token(cp, pipeline, stage, action, execution_id, timeout=AT_ONCE)


def settle_finished(server, cp, pipeline, execution_id):
    """settle(), then the execution's GetPipelineExecution body, which must have ended."""
    return settle_all_finished(server, cp, pipeline, [execution_id])[execution_id]


def settle_all_finished(server, cp, pipeline, execution_ids):
    """settle(), then {id: GetPipelineExecution body} of executions that must all have ended."""
    answer = settle(server)
    found = {eid: get_execution(cp, pipeline, eid) for eid in execution_ids}
    running = {eid: e["status"] for eid, e in found.items() if e["status"] not in FINISHED}
    if running:
        raise AssertionError(f"executions of {pipeline} still running once the clock settled: "
                             f"{running}; waiting: {answer['waiting']}")
    return found
