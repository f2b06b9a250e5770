#!/usr/bin/env python3
"""An approval bot: answers a pipeline's manual approvals as they come, with boto3.

A manual approval (category Approval, provider Manual) waits until someone
calls PutApprovalResult with the token GetPipelineState shows for it. This
bot watches one pipeline and approves (or, with --reject, rejects) every
approval that is InProgress with a token.

    python3 examples/approval_bot.py --pipeline my-pipeline            # loops; Ctrl-C stops
    python3 examples/approval_bot.py --pipeline my-pipeline --once --timeout 60

The endpoint is --endpoint, else $SLUICE_ENDPOINT, else http://127.0.0.1:4599.
"""

import argparse
import os
import sys
import time

import boto3
from botocore.exceptions import ClientError


def make_client(endpoint):
    # sluice checks no signature, but a 12-digit access key is the account:
    # use the environment's, so this sees what your aws-cli commands made.
    env = os.environ
    return boto3.client("codepipeline", endpoint_url=endpoint,
                        region_name=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1",
                        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "test"),
                        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "test"))


def approval_actions(cp, pipeline):
    """(stage, action) of every manual approval in the pipeline's declaration.

    The state's token alone does not say an action is an approval; the
    declaration does.
    """
    declaration = cp.get_pipeline(name=pipeline)["pipeline"]
    return {(stage["name"], action["name"])
            for stage in declaration["stages"] for action in stage["actions"]
            if action["actionTypeId"]["category"] == "Approval"}


def waiting_approvals(cp, pipeline):
    """(stage, action, token) of the approvals waiting for an answer now."""
    approvals = approval_actions(cp, pipeline)
    found = []
    for stage in cp.get_pipeline_state(name=pipeline).get("stageStates", []):
        for action in stage.get("actionStates", []):
            latest = action.get("latestExecution", {})
            if (stage["stageName"], action["actionName"]) in approvals \
                    and latest.get("status") == "InProgress" and latest.get("token"):
                found.append((stage["stageName"], action["actionName"], latest["token"]))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--endpoint", default=os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:4599"))
    parser.add_argument("--reject", action="store_true", help="reject instead of approving")
    parser.add_argument("--once", action="store_true", help="exit after answering the first approvals found")
    parser.add_argument("--timeout", type=float, help="give up (exit 1) after this many seconds with nothing to answer")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks")
    args = parser.parse_args()

    cp = make_client(args.endpoint)
    status = "Rejected" if args.reject else "Approved"
    answered = set()  # tokens already answered, in case the state lags behind
    last_answer = time.monotonic()
    print(f"watching {args.pipeline} at {args.endpoint}; answering {status} (Ctrl-C stops)")
    try:
        while True:
            done = 0
            for stage, action, token in waiting_approvals(cp, args.pipeline):
                if token in answered:
                    continue
                try:
                    cp.put_approval_result(
                        pipelineName=args.pipeline, stageName=stage, actionName=action, token=token,
                        result={"status": status, "summary": f"{status} by approval_bot.py"})
                    print(f"{status} {args.pipeline}/{stage}/{action}")
                    done += 1
                except ClientError as error:
                    # The approval may have timed out or been superseded meanwhile.
                    print(f"could not answer {stage}/{action}: {error}", file=sys.stderr)
                answered.add(token)
            if done:
                last_answer = time.monotonic()
                if args.once:
                    return 0
            elif args.timeout is not None and time.monotonic() - last_answer > args.timeout:
                print(f"no approval to answer for {args.timeout:g}s", file=sys.stderr)
                return 1
            time.sleep(args.interval)
    except KeyboardInterrupt:
        print("stopped")
        return 0


if __name__ == "__main__":
    sys.exit(main())
