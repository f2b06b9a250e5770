"""StopPipelineExecution and RetryStageExecution end to end.

Most executions are held by a manual approval, which keeps them running (and
a stopping execution Stopping) until it is answered: no timing involved. The
graceful stop of a running simulated action uses a class whose actions take
SLOW_MS. Every server runs on the manual clock: an execution moves only when
a test settles or advances it.
"""

import unittest

from botocore.exceptions import ClientError

from execution_helpers import (MANUAL_CLOCK, actions_of, advance, get_execution,
                               list_all_executions, settle, settle_finished, settle_token,
                               stage_state)
from sluice_server import ServerTestCase, approval_action, build_action, pipeline_decl
from worker_helpers import ZERO_UUID, action_state, answer, approval_decl

SLOW_MS = 1000


def summary_of(cp, pipeline, execution_id):
    return next(s for s in list_all_executions(cp, pipeline)
                if s["pipelineExecutionId"] == execution_id)


def ran(cp, pipeline, execution_id):
    """(stage, action, status) of every action execution, oldest first."""
    return [(d["stageName"], d["actionName"], d["status"])
            for d in sorted(actions_of(cp, pipeline, execution_id),
                            key=lambda d: (d["startTime"], d["stageName"], d["actionName"]))]


class StopTest(ServerTestCase):

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def waiting_at_approval(self, name):
        self.cp.create_pipeline(pipeline=approval_decl(name))
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        return execution_id, settle_token(self.server, self.cp, name, execution_id=execution_id)

    def stop(self, name, execution_id, reason, abandon=False):
        return self.cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=execution_id,
                                               abandon=abandon, reason=reason)

    def assertStopRejected(self, code, **kwargs):
        with self.assertRaises(ClientError) as caught:
            self.cp.stop_pipeline_execution(**kwargs)
        self.assertClientError(caught, code)

    def test_stop_waits_for_the_running_approval(self):
        execution_id, token = self.waiting_at_approval("stop-wait")
        response = self.stop("stop-wait", execution_id, "wrong build")
        self.assertEqual(response["pipelineExecutionId"], execution_id)
        self.assertEqual(get_execution(self.cp, "stop-wait", execution_id)["status"], "Stopping")
        self.assertEqual(summary_of(self.cp, "stop-wait", execution_id)["stopTrigger"],
                         {"reason": "wrong build"})
        # A second plain stop is a duplicate.
        with self.assertRaises(ClientError) as caught:
            self.stop("stop-wait", execution_id, "again")
        self.assertClientError(caught, "DuplicatedStopRequestException")
        # It stays Stopping until the running action ends.
        self.assertEqual(get_execution(self.cp, "stop-wait", execution_id)["status"], "Stopping")
        answer(self.cp, "stop-wait", token, "Approved")
        final = settle_finished(self.server, self.cp, "stop-wait", execution_id)
        self.assertEqual(final["status"], "Stopped")
        self.assertEqual(ran(self.cp, "stop-wait", execution_id)[-1],
                         ("Approve", "Approve", "Succeeded"))

    def test_abandon_while_stopping(self):
        execution_id, token = self.waiting_at_approval("stop-then-abandon")
        self.stop("stop-then-abandon", execution_id, "first")
        self.assertEqual(get_execution(self.cp, "stop-then-abandon", execution_id)["status"],
                         "Stopping")
        response = self.stop("stop-then-abandon", execution_id, "now", abandon=True)
        self.assertEqual(response["pipelineExecutionId"], execution_id)
        self.assertEqual(get_execution(self.cp, "stop-then-abandon", execution_id)["status"],
                         "Stopped")
        self.assertEqual(ran(self.cp, "stop-then-abandon", execution_id)[-1],
                         ("Approve", "Approve", "Abandoned"))
        with self.assertRaises(ClientError) as caught:
            answer(self.cp, "stop-then-abandon", token, "Approved")
        self.assertClientError(caught, "ApprovalAlreadyCompletedException")

    def test_abandon_stops_at_once(self):
        execution_id, _ = self.waiting_at_approval("stop-abandon")
        self.stop("stop-abandon", execution_id, "abandon it", abandon=True)
        self.assertEqual(get_execution(self.cp, "stop-abandon", execution_id)["status"], "Stopped")
        self.assertEqual(ran(self.cp, "stop-abandon", execution_id),
                         [("Source", "Source", "Succeeded"), ("Build", "Build", "Succeeded"),
                          ("Approve", "Approve", "Abandoned")])
        state = stage_state(self.cp, "stop-abandon", "Approve")
        self.assertEqual(state["latestExecution"],
                         {"pipelineExecutionId": execution_id, "status": "Stopped", "type": "STANDARD"})
        self.assertEqual(state["actionStates"][0]["latestExecution"]["status"], "Abandoned")
        self.assertNotIn("token", state["actionStates"][0]["latestExecution"])
        self.assertEqual(summary_of(self.cp, "stop-abandon", execution_id)["stopTrigger"],
                         {"reason": "abandon it"})

    def test_finished_unknown_and_absent(self):
        execution_id, _ = self.waiting_at_approval("stop-errors")
        self.stop("stop-errors", execution_id, "x", abandon=True)
        self.assertStopRejected("PipelineExecutionNotStoppableException", pipelineName="stop-errors",
                                pipelineExecutionId=execution_id, reason="again")
        self.assertStopRejected("PipelineExecutionNotStoppableException", pipelineName="stop-errors",
                                pipelineExecutionId=execution_id, abandon=True, reason="again")
        self.assertStopRejected("PipelineExecutionNotFoundException", pipelineName="stop-errors",
                                pipelineExecutionId=ZERO_UUID, reason="x")
        self.assertStopRejected("PipelineNotFoundException", pipelineName="stop-absent",
                                pipelineExecutionId=execution_id, reason="x")
        # A succeeded execution cannot be stopped either.
        self.cp.create_pipeline(pipeline=pipeline_decl("stop-done"))
        done = self.cp.start_pipeline_execution(name="stop-done")["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, "stop-done", done)["status"],
                         "Succeeded")
        self.assertStopRejected("PipelineExecutionNotStoppableException", pipelineName="stop-done",
                                pipelineExecutionId=done, reason="x")

    def test_stop_an_execution_waiting_at_a_disabled_transition(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("stop-held"))
        self.cp.disable_stage_transition(pipelineName="stop-held", stageName="Build",
                                         transitionType="Inbound", reason="hold")
        execution_id = self.cp.start_pipeline_execution(name="stop-held")["pipelineExecutionId"]
        settle(self.server)
        self.assertEqual(
            [e["pipelineExecutionId"]
             for e in stage_state(self.cp, "stop-held", "Build")["inboundExecutions"]],
            [execution_id])
        self.stop("stop-held", execution_id, "not needed")
        # Nothing runs, so there is nothing to wait for.
        self.assertEqual(settle_finished(self.server, self.cp, "stop-held", execution_id)["status"],
                         "Stopped")
        self.assertEqual(stage_state(self.cp, "stop-held", "Build")["inboundExecutions"], [])
        self.assertEqual(ran(self.cp, "stop-held", execution_id),
                         [("Source", "Source", "Succeeded")])

    def test_cli_stop(self):
        execution_id, _ = self.waiting_at_approval("stop-cli")
        rc, out, err = self.server.aws(
            "codepipeline", "stop-pipeline-execution", "--pipeline-name", "stop-cli",
            "--pipeline-execution-id", execution_id, "--abandon", "--reason", "from the CLI")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, {"pipelineExecutionId": execution_id})
        self.assertEqual(get_execution(self.cp, "stop-cli", execution_id)["status"], "Stopped")
        rc, out, err = self.server.aws(
            "codepipeline", "list-pipeline-executions", "--pipeline-name", "stop-cli")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["pipelineExecutionSummaries"][0]["stopTrigger"],
                         {"reason": "from the CLI"})
        rc, _, err = self.server.aws(
            "codepipeline", "stop-pipeline-execution", "--pipeline-name", "stop-cli",
            "--pipeline-execution-id", execution_id, "--no-abandon", "--reason", "again")
        self.assertNotEqual(rc, 0)
        self.assertIn("PipelineExecutionNotStoppableException", err)


class StopRunningActionTest(ServerTestCase):
    """A stop without abandon lets the running simulated action finish."""

    server_args = ("--action-duration-ms", str(SLOW_MS), "--start-on-create", "false",
                   *MANUAL_CLOCK)

    def test_stopping_then_stopped_once_the_action_ends(self):
        cp = self.server.client()
        cp.create_pipeline(pipeline=pipeline_decl("stop-slow"))
        execution_id = cp.start_pipeline_execution(name="stop-slow")["pipelineExecutionId"]
        cp.stop_pipeline_execution(pipelineName="stop-slow", pipelineExecutionId=execution_id,
                                   reason="slow")
        self.assertEqual(get_execution(cp, "stop-slow", execution_id)["status"], "Stopping")
        # Still stopping a millisecond before the running action's end ...
        advance(self.server, SLOW_MS / 1000 - 0.001)
        self.assertEqual(get_execution(cp, "stop-slow", execution_id)["status"], "Stopping")
        # ... and stopped once it has ended.
        final = settle_finished(self.server, cp, "stop-slow", execution_id)
        self.assertEqual(final["status"], "Stopped")
        # Source ran to its end; Build never started.
        self.assertEqual(ran(cp, "stop-slow", execution_id), [("Source", "Source", "Succeeded")])

    def test_abandon_a_running_action(self):
        cp = self.server.client()
        cp.create_pipeline(pipeline=pipeline_decl("abandon-slow"))
        execution_id = cp.start_pipeline_execution(name="abandon-slow")["pipelineExecutionId"]
        cp.stop_pipeline_execution(pipelineName="abandon-slow", pipelineExecutionId=execution_id,
                                   abandon=True, reason="now")
        self.assertEqual(get_execution(cp, "abandon-slow", execution_id)["status"], "Stopped")
        self.assertEqual(ran(cp, "abandon-slow", execution_id), [("Source", "Source", "Abandoned")])


class RetryTest(ServerTestCase):

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def create_two_action_stage(self, name, **extra):
        """Source -> Build {Build, Approve} in parallel -> Deploy {Final}."""
        decl = pipeline_decl(name, **extra)
        decl["stages"][1]["actions"].append(approval_action())
        decl["stages"].append({"name": "Deploy", "actions": [build_action(name="Final")]})
        self.cp.create_pipeline(pipeline=decl)

    def fail_at_build(self, name):
        """Starts an execution and rejects its approval in Build; returns its id."""
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        token = settle_token(self.server, self.cp, name, "Build", execution_id=execution_id)
        answer(self.cp, name, token, "Rejected", stage="Build")
        self.assertEqual(settle_finished(self.server, self.cp, name, execution_id)["status"],
                         "Failed")
        return execution_id

    def retry(self, name, execution_id, mode, stage="Build"):
        return self.cp.retry_stage_execution(pipelineName=name, stageName=stage,
                                             pipelineExecutionId=execution_id, retryMode=mode)

    def assertRetryRejected(self, code, name, execution_id, stage="Build", mode="FAILED_ACTIONS"):
        with self.assertRaises(ClientError) as caught:
            self.retry(name, execution_id, mode, stage)
        self.assertClientError(caught, code)

    def test_failed_actions_reruns_only_the_failed_one(self):
        self.create_two_action_stage("retry-failed")
        execution_id = self.fail_at_build("retry-failed")
        self.assertNotIn("retryStageMetadata", stage_state(self.cp, "retry-failed", "Build"))
        response = self.retry("retry-failed", execution_id, "FAILED_ACTIONS")
        self.assertEqual(response["pipelineExecutionId"], execution_id)
        self.assertEqual(get_execution(self.cp, "retry-failed", execution_id)["status"],
                         "InProgress")
        state = stage_state(self.cp, "retry-failed", "Build")
        self.assertEqual(state["retryStageMetadata"]["manualStageRetryAttempt"], 1)
        self.assertEqual(state["retryStageMetadata"]["latestRetryTrigger"], "ManualStageRetry")

        token = settle_token(self.server, self.cp, "retry-failed", "Build",
                             execution_id=execution_id)
        answer(self.cp, "retry-failed", token, "Approved", stage="Build")
        self.assertEqual(
            settle_finished(self.server, self.cp, "retry-failed", execution_id)["status"],
            "Succeeded")
        actions = ran(self.cp, "retry-failed", execution_id)
        self.assertEqual(sorted(actions), sorted([
            ("Source", "Source", "Succeeded"), ("Build", "Build", "Succeeded"),
            ("Build", "Approve", "Failed"), ("Build", "Approve", "Succeeded"),
            ("Deploy", "Final", "Succeeded")]))
        # The retry used the same execution: nothing new was listed.
        self.assertEqual(len(list_all_executions(self.cp, "retry-failed")), 1)

    def test_all_actions_reruns_the_whole_stage(self):
        self.create_two_action_stage("retry-all")
        execution_id = self.fail_at_build("retry-all")
        self.retry("retry-all", execution_id, "ALL_ACTIONS")
        token = settle_token(self.server, self.cp, "retry-all", "Build", execution_id=execution_id)
        answer(self.cp, "retry-all", token, "Approved", stage="Build")
        self.assertEqual(settle_finished(self.server, self.cp, "retry-all", execution_id)["status"],
                         "Succeeded")
        build = [(a, s) for stage, a, s in ran(self.cp, "retry-all", execution_id)
                 if stage == "Build"]
        self.assertEqual(sorted(build), [("Approve", "Failed"), ("Approve", "Succeeded"),
                                         ("Build", "Succeeded"), ("Build", "Succeeded")])
        # The earlier stage was not run again.
        self.assertEqual([a for a in ran(self.cp, "retry-all", execution_id)
                          if a[0] == "Source"], [("Source", "Source", "Succeeded")])

    def test_retry_attempts_are_counted(self):
        self.create_two_action_stage("retry-count")
        execution_id = self.fail_at_build("retry-count")
        for attempt in (1, 2):
            self.retry("retry-count", execution_id, "FAILED_ACTIONS")
            token = settle_token(self.server, self.cp, "retry-count", "Build",
                                 execution_id=execution_id)
            metadata = stage_state(self.cp, "retry-count", "Build")["retryStageMetadata"]
            self.assertEqual(metadata["manualStageRetryAttempt"], attempt)
            self.assertEqual(metadata["latestRetryTrigger"], "ManualStageRetry")
            answer(self.cp, "retry-count", token, "Rejected", stage="Build")
            self.assertEqual(
                settle_finished(self.server, self.cp, "retry-count", execution_id)["status"],
                "Failed")
        approvals = [s for stage, a, s in ran(self.cp, "retry-count", execution_id)
                     if a == "Approve"]
        self.assertEqual(approvals, ["Failed"] * 3)

    def test_not_retryable(self):
        self.create_two_action_stage("retry-no")
        execution_id = self.fail_at_build("retry-no")
        # Only the failed stage.
        self.assertRetryRejected("StageNotRetryableException", "retry-no", execution_id, "Source")
        self.assertRetryRejected("StageNotRetryableException", "retry-no", execution_id, "Deploy")
        self.assertRetryRejected("StageNotFoundException", "retry-no", execution_id, "Nope")
        self.assertRetryRejected("PipelineExecutionNotFoundException", "retry-no", ZERO_UUID)
        self.assertRetryRejected("PipelineNotFoundException", "retry-absent", execution_id)
        # Not while it runs again.
        self.retry("retry-no", execution_id, "FAILED_ACTIONS")
        self.assertRetryRejected("StageNotRetryableException", "retry-no", execution_id)
        token = settle_token(self.server, self.cp, "retry-no", "Build", execution_id=execution_id)
        answer(self.cp, "retry-no", token, "Approved", stage="Build")
        self.assertEqual(settle_finished(self.server, self.cp, "retry-no", execution_id)["status"],
                         "Succeeded")
        # Nor once it has succeeded.
        for stage in ("Source", "Build", "Deploy"):
            self.assertRetryRejected("StageNotRetryableException", "retry-no", execution_id, stage)

    def test_not_latest_once_a_newer_execution_entered_the_stage(self):
        self.create_two_action_stage("retry-old")
        older = self.fail_at_build("retry-old")
        newer = self.cp.start_pipeline_execution(name="retry-old")["pipelineExecutionId"]
        settle_token(self.server, self.cp, "retry-old", "Build", execution_id=newer)
        self.assertRetryRejected("NotLatestPipelineExecutionException", "retry-old", older)
        self.assertEqual(get_execution(self.cp, "retry-old", older)["status"], "Failed")

    def test_retry_a_stopped_stage(self):
        self.cp.create_pipeline(pipeline=approval_decl("retry-stopped"))
        execution_id = self.cp.start_pipeline_execution(name="retry-stopped")["pipelineExecutionId"]
        first_token = settle_token(self.server, self.cp, "retry-stopped",
                                   execution_id=execution_id)
        self.cp.stop_pipeline_execution(pipelineName="retry-stopped",
                                        pipelineExecutionId=execution_id, abandon=True, reason="x")
        advance(self.server, 1)  # the retry comes later: its approval starts after the first
        self.retry("retry-stopped", execution_id, "FAILED_ACTIONS", stage="Approve")
        self.assertEqual(get_execution(self.cp, "retry-stopped", execution_id)["status"],
                         "InProgress")
        token = settle_token(self.server, self.cp, "retry-stopped", execution_id=execution_id)
        self.assertNotEqual(token, first_token)
        answer(self.cp, "retry-stopped", token, "Approved")
        self.assertEqual(
            settle_finished(self.server, self.cp, "retry-stopped", execution_id)["status"],
            "Succeeded")
        self.assertEqual(ran(self.cp, "retry-stopped", execution_id)[-2:],
                         [("Approve", "Approve", "Abandoned"), ("Approve", "Approve", "Succeeded")])

    def test_cli_retry(self):
        self.create_two_action_stage("retry-cli")
        execution_id = self.fail_at_build("retry-cli")
        rc, out, err = self.server.aws(
            "codepipeline", "retry-stage-execution", "--pipeline-name", "retry-cli",
            "--stage-name", "Build", "--pipeline-execution-id", execution_id,
            "--retry-mode", "FAILED_ACTIONS")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, {"pipelineExecutionId": execution_id})
        latest = action_state(self.cp, "retry-cli", "Build", "Approve")["latestExecution"]
        self.assertEqual(latest["status"], "InProgress")
        rc, _, err = self.server.aws(
            "codepipeline", "retry-stage-execution", "--pipeline-name", "retry-cli",
            "--stage-name", "Build", "--pipeline-execution-id", execution_id,
            "--retry-mode", "EVERYTHING")
        self.assertNotEqual(rc, 0)
        self.assertIn("ValidationException", err)


if __name__ == "__main__":
    unittest.main()
