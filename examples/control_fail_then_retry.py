#!/usr/bin/env python3
"""Fail a build on purpose, then retry it: sluice's test controls in one story.

Starts a private sluice with a manual clock (so nothing moves until we say so),
creates examples/pipeline.json, adds an outcome rule that fails the next
CodeBuild action once, starts an execution and settles the clock: the Build
fails. RetryStageExecution (FAILED_ACTIONS) and another settle: it succeeds,
because the rule was for one time only. No sleeps, no polling: settle() runs
the clock until nothing can move.

    python3 examples/control_fail_then_retry.py          # from the repository
    SLUICE_BIN=/path/to/sluice python3 examples/control_fail_then_retry.py

The binary is $SLUICE_BIN, else build/sluice in this repository. Exit 0 when
the story goes as told, 1 otherwise.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "clients", "python"))
# boto3 reads the repository's CodePipeline model before its own, so an older
# boto3 knows every member sluice does (see "The service model" in the README).
os.environ["AWS_DATA_PATH"] = os.pathsep.join(
    [os.path.join(REPO, "model")] + [p for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p])

from sluice_control import SluiceControlError, SluiceProcess, SluiceStartError  # noqa: E402

PIPELINE_FILE = os.path.join(HERE, "pipeline.json")


class StoryError(Exception):
    """The server did something other than the story expects."""


def expect(what, actual, wanted):
    print(f"  {what}: {actual}")
    if actual != wanted:
        raise StoryError(f"{what} is {actual!r}, expected {wanted!r}")


def settle(control):
    answer = control.settle()
    print(f"settled at {answer.get('iso')}: settled={answer.get('settled')} waiting={answer.get('waiting')}")
    if not answer.get("settled"):
        raise StoryError(f"the clock did not settle; waiting on {answer.get('waiting')}")


def build_state(cp, pipeline):
    """The Build action's latest execution as GetPipelineState shows it."""
    for stage in cp.get_pipeline_state(name=pipeline)["stageStates"]:
        if stage["stageName"] == "Build":
            return stage["actionStates"][0].get("latestExecution", {})
    raise StoryError("no Build stage in the pipeline state")


def story(sluice):
    cp, control = sluice.client(), sluice.control
    with open(PIPELINE_FILE) as f:
        request = json.load(f)
    name = request["pipeline"]["name"]

    cp.create_pipeline(**request)
    print(f"created {name} from {os.path.relpath(PIPELINE_FILE)}")

    rule = control.add_outcome({"provider": "CodeBuild"}, result="Failed", errorCode="JobFailed",
                               errorMessage="unit tests failed (injected by sluice)", times=1)
    print(f"outcome rule {rule}: the next CodeBuild action fails, once")

    execution_id = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    print(f"started execution {execution_id}")
    settle(control)

    execution = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=execution_id)
    expect("execution", execution["pipelineExecution"]["status"], "Failed")
    build = build_state(cp, name)
    expect("Build", build.get("status"), "Failed")
    print(f"  Build error: {build.get('errorDetails')}")

    cp.retry_stage_execution(pipelineName=name, stageName="Build", pipelineExecutionId=execution_id,
                             retryMode="FAILED_ACTIONS")
    print("retried the Build stage (FAILED_ACTIONS)")
    settle(control)

    execution = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=execution_id)
    expect("execution", execution["pipelineExecution"]["status"], "Succeeded")
    expect("Build", build_state(cp, name).get("status"), "Succeeded")
    matched = {r["id"]: r.get("matched") for r in control.outcomes()}
    expect("times the rule matched", matched.get(rule), 1)


def main():
    binary = os.environ.get("SLUICE_BIN") or os.path.join(REPO, "build", "sluice")
    try:
        # --start-on-create false: CreatePipeline's own first execution would
        # otherwise meet the rule before ours does.
        sluice = SluiceProcess(binary, ["--clock", "manual", "--start-on-create", "false"])
    except SluiceStartError as error:
        print(f"could not start sluice: {error}", file=sys.stderr)
        return 1
    with sluice:
        try:
            print(f"sluice {sluice.version} at {sluice.endpoint}, clock {sluice.control.clock().get('mode')}")
            story(sluice)
        except (StoryError, SluiceControlError) as error:
            print(f"FAILED: {error}", file=sys.stderr)
            return 1
        except Exception as error:  # a botocore ClientError, say: still a failed story
            print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    print("OK: the build failed once, the retry succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
