#!/usr/bin/env python3
"""A job worker for a custom action type (Custom/Build/MyBuilder/1), with boto3.

CodePipeline does not run custom actions itself: it queues a job, and a worker
of yours polls for it (PollForJobs), claims it (AcknowledgeJob) and reports
the result (PutJobSuccessResult / PutJobFailureResult). This worker does that
against sluice, so the whole loop can be tried without AWS.

    python3 examples/job_worker.py --create-pipeline worker-demo   # loops; Ctrl-C stops
    python3 examples/job_worker.py --once --timeout 30              # one batch, then exit

The action type is created when missing. --create-pipeline NAME also creates
a two-stage pipeline (CodeCommit source, then a MyBuilder build) to give the
worker something to do. The endpoint is --endpoint, else $SLUICE_ENDPOINT,
else http://127.0.0.1:4599.
"""

import argparse
import os
import sys
import time
import uuid

import boto3

ACTION_TYPE = {"category": "Build", "owner": "Custom", "provider": "MyBuilder", "version": "1"}


def make_client(endpoint):
    # sluice checks no signature, but a 12-digit access key is the account:
    # use the environment's, so this sees what your aws-cli commands made.
    env = os.environ
    return boto3.client("codepipeline", endpoint_url=endpoint,
                        region_name=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1",
                        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "test"),
                        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "test"))


def ensure_action_type(cp):
    """Create Custom/Build/MyBuilder/1 unless the account already has it."""
    listed = cp.list_action_types(actionOwnerFilter="Custom")["actionTypes"]
    wanted = {k: ACTION_TYPE[k] for k in ("category", "provider", "version")}
    if any({k: t["id"][k] for k in wanted} == wanted for t in listed):
        return
    cp.create_custom_action_type(
        **wanted,
        configurationProperties=[{"name": "Command", "required": False, "key": False,
                                  "secret": False, "queryable": False, "type": "String",
                                  "description": "What the builder runs (echoed back)"}],
        inputArtifactDetails={"minimumCount": 0, "maximumCount": 5},
        outputArtifactDetails={"minimumCount": 0, "maximumCount": 5})
    print("created action type Custom/Build/MyBuilder/1")


def ensure_pipeline(cp, name):
    """A pipeline whose Build action is a MyBuilder job, unless it exists."""
    if name in {p["name"] for p in cp.list_pipelines()["pipelines"]}:
        return
    cp.create_pipeline(pipeline={
        "name": name,
        "roleArn": "arn:aws:iam::123456789012:role/CodePipelineRole",
        "artifactStore": {"type": "S3", "location": "my-artifact-bucket"},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source",
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit",
                                 "version": "1"},
                "configuration": {"RepositoryName": "my-repo", "BranchName": "main"},
                "outputArtifacts": [{"name": "SourceOutput"}]}]},
            {"name": "Build", "actions": [{
                "name": "Build", "actionTypeId": dict(ACTION_TYPE),
                "configuration": {"Command": "make all"},
                "inputArtifacts": [{"name": "SourceOutput"}]}]},
        ]})
    print(f"created pipeline {name} (its first execution starts now)")


def run_job(job):
    """The 'build': here it only reads the job. Returns the output variables."""
    data = job["data"]
    config = data.get("actionConfiguration", {}).get("configuration", {})
    context = data.get("pipelineContext", {})
    inputs = [a["name"] for a in data.get("inputArtifacts", [])]
    print(f"  job {job['id']}: {context.get('pipelineName')}/{context.get('stage', {}).get('name')}"
          f"/{context.get('action', {}).get('name')} inputs={inputs} command={config.get('Command')!r}")
    return {"BUILD_ID": job["id"][:8], "COMMAND": config.get("Command") or "none"}


def handle(cp, job):
    # Acknowledging claims the job; anything but InProgress means another
    # worker (or a timeout) got there first.
    status = cp.acknowledge_job(jobId=job["id"], nonce=job["nonce"])["status"]
    if status != "InProgress":
        print(f"  job {job['id']} is {status}; skipped")
        return
    try:
        variables = run_job(job)
    except Exception as error:  # a worker must answer, or the job times out
        cp.put_job_failure_result(jobId=job["id"], failureDetails={
            "type": "JobFailed", "message": str(error)[:5000]})
        print(f"  job {job['id']} failed: {error}")
        return
    cp.put_job_success_result(
        jobId=job["id"], outputVariables=variables,
        executionDetails={"summary": "built by MyBuilder", "externalExecutionId": str(uuid.uuid4()),
                          "percentComplete": 100})
    print(f"  job {job['id']} succeeded with {variables}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default=os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:4599"))
    parser.add_argument("--once", action="store_true", help="exit after the first batch of jobs")
    parser.add_argument("--timeout", type=float, help="give up (exit 1) after this many seconds without a job")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between empty polls")
    parser.add_argument("--create-pipeline", metavar="NAME", help="also create a demo pipeline using the action")
    args = parser.parse_args()

    cp = make_client(args.endpoint)
    ensure_action_type(cp)
    if args.create_pipeline:
        ensure_pipeline(cp, args.create_pipeline)
    print(f"polling {args.endpoint} for Custom/Build/MyBuilder/1 jobs (Ctrl-C stops)")
    last_job = time.monotonic()
    try:
        while True:
            jobs = cp.poll_for_jobs(actionTypeId=ACTION_TYPE, maxBatchSize=10)["jobs"]
            for job in jobs:
                handle(cp, job)
            if jobs:
                last_job = time.monotonic()
                if args.once:
                    return 0
                continue
            if args.timeout is not None and time.monotonic() - last_job > args.timeout:
                print(f"no job for {args.timeout:g}s", file=sys.stderr)
                return 1
            time.sleep(args.interval)
    except KeyboardInterrupt:
        print("stopped")
        return 0


if __name__ == "__main__":
    sys.exit(main())
