"""Manual approvals end to end: the waiting action and its token, approving
and rejecting with boto3 and aws-cli, every error of PutApprovalResult, an
approval bot answering two executions, and approvals timing out.

The servers run on the manual clock, but for the approval bot's: the bot is a
thread polling GetPipelineState while the executions run by themselves, and
on a clock that only the test moves there would be nothing to race.
"""

import unittest

from botocore.exceptions import ClientError

from execution_helpers import (MANUAL_CLOCK, ROOT_ARN, UUID4, actions_of, advance,
                               get_execution, settle_finished, settle_token, wait_finished)
from sluice_server import ServerTestCase, approval_action
from worker_helpers import (ZERO_UUID, ApprovalBot, action_state, answer, approval_decl,
                            wait_for_token)


class ApprovalTest(ServerTestCase):

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def start_waiting(self, name, **extra):
        """Creates an approval pipeline, starts it; returns (execution id, token)."""
        self.cp.create_pipeline(pipeline=approval_decl(name, **extra))
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        return execution_id, settle_token(self.server, self.cp, name, execution_id=execution_id)

    def assertRejected(self, code, **kwargs):
        with self.assertRaises(ClientError) as caught:
            self.cp.put_approval_result(**kwargs)
        self.assertClientError(caught, code)

    def test_waiting_approval_shows_a_token(self):
        execution_id, token = self.start_waiting("ap-wait")
        self.assertRegex(token, UUID4)
        latest = action_state(self.cp, "ap-wait", "Approve", "Approve")["latestExecution"]
        self.assertEqual(latest["status"], "InProgress")
        self.assertNotIn("lastUpdatedBy", latest)
        self.assertEqual(get_execution(self.cp, "ap-wait", execution_id)["status"], "InProgress")
        # It waits: the earlier stages are done, the approval is still running.
        details = {d["stageName"]: d["status"] for d in actions_of(self.cp, "ap-wait", execution_id)}
        self.assertEqual(details, {"Source": "Succeeded", "Build": "Succeeded",
                                   "Approve": "InProgress"})

    def test_approve(self):
        execution_id, token = self.start_waiting("ap-yes")
        response = answer(self.cp, "ap-yes", token, "Approved", "looks good")
        self.assertIn("approvedAt", response)
        final = settle_finished(self.server, self.cp, "ap-yes", execution_id)
        self.assertEqual(final["status"], "Succeeded")
        latest = action_state(self.cp, "ap-yes", "Approve", "Approve")["latestExecution"]
        self.assertEqual(latest["status"], "Succeeded")
        self.assertEqual(latest["summary"], "looks good")
        self.assertEqual(latest["lastUpdatedBy"], ROOT_ARN)
        self.assertNotIn("token", latest)
        approval = next(d for d in actions_of(self.cp, "ap-yes", execution_id)
                        if d["stageName"] == "Approve")
        self.assertEqual(approval["status"], "Succeeded")
        self.assertEqual(approval["output"]["executionResult"]["externalExecutionSummary"],
                         "looks good")

    def test_reject(self):
        execution_id, token = self.start_waiting("ap-no")
        answer(self.cp, "ap-no", token, "Rejected", "not today")
        final = settle_finished(self.server, self.cp, "ap-no", execution_id)
        self.assertEqual(final["status"], "Failed")
        latest = action_state(self.cp, "ap-no", "Approve", "Approve")["latestExecution"]
        self.assertEqual(latest["status"], "Failed")
        self.assertEqual(latest["errorDetails"]["code"], "JobFailed")
        self.assertEqual(latest["lastUpdatedBy"], ROOT_ARN)
        approval = next(d for d in actions_of(self.cp, "ap-no", execution_id)
                        if d["stageName"] == "Approve")
        self.assertEqual(approval["status"], "Failed")
        self.assertEqual(approval["output"]["executionResult"]["errorDetails"]["code"],
                         "JobFailed")

    def test_last_updated_by_names_the_caller(self):
        execution_id, token = self.start_waiting("ap-who")
        other = self.server.client(access_key="123456789012")
        # Another account does not see this pipeline at all.
        with self.assertRaises(ClientError) as caught:
            answer(other, "ap-who", token, "Approved")
        self.assertClientError(caught, "PipelineNotFoundException")
        answer(self.server.client(access_key="AKIDSOMEONEELSE"), "ap-who", token, "Approved")
        settle_finished(self.server, self.cp, "ap-who", execution_id)
        latest = action_state(self.cp, "ap-who", "Approve", "Approve")["latestExecution"]
        self.assertEqual(latest["lastUpdatedBy"], ROOT_ARN)

    def test_errors(self):
        execution_id, token = self.start_waiting("ap-err")
        base = dict(pipelineName="ap-err", stageName="Approve", actionName="Approve",
                    result={"summary": "s", "status": "Approved"}, token=token)
        self.assertRejected("InvalidApprovalTokenException", **{**base, "token": ZERO_UUID})
        self.assertRejected("StageNotFoundException", **{**base, "stageName": "Nope"})
        self.assertRejected("ActionNotFoundException", **{**base, "actionName": "Nope"})
        self.assertRejected("PipelineNotFoundException", **{**base, "pipelineName": "absent"})
        # The token of the approval is not a token for another action.
        self.assertRejected("InvalidApprovalTokenException",
                            **{**base, "stageName": "Build", "actionName": "Build"})
        # None of that answered it.
        self.assertEqual(get_execution(self.cp, "ap-err", execution_id)["status"], "InProgress")
        self.cp.put_approval_result(**base)
        self.assertRejected("ApprovalAlreadyCompletedException", **base)
        self.assertRejected("ApprovalAlreadyCompletedException",
                            **{**base, "result": {"summary": "s", "status": "Rejected"}})
        self.assertEqual(settle_finished(self.server, self.cp, "ap-err", execution_id)["status"],
                         "Succeeded")

    def test_token_shape_is_validated(self):
        _, token = self.start_waiting("ap-shape")
        status, _, body = self.server.call("PutApprovalResult", {
            "pipelineName": "ap-shape", "stageName": "Approve", "actionName": "Approve",
            "result": {"summary": "s", "status": "Approved"}, "token": "not-a-token"})
        self.assertEqual((status, body["__type"]), (400, "ValidationException"), body)
        status, _, body = self.server.call("PutApprovalResult", {
            "pipelineName": "ap-shape", "stageName": "Approve", "actionName": "Approve",
            "result": {"summary": "s", "status": "Maybe"}, "token": token})
        self.assertEqual((status, body["__type"]), (400, "ValidationException"), body)

    def test_cli_approve(self):
        execution_id, token = self.start_waiting("ap-cli")
        rc, out, err = self.server.aws(
            "codepipeline", "put-approval-result", "--pipeline-name", "ap-cli",
            "--stage-name", "Approve", "--action-name", "Approve",
            "--result", "summary=approved from the CLI,status=Approved", "--token", token)
        self.assertEqual(rc, 0, err)
        self.assertEqual(list(out), ["approvedAt"])
        self.assertEqual(settle_finished(self.server, self.cp, "ap-cli", execution_id)["status"],
                         "Succeeded")
        latest = action_state(self.cp, "ap-cli", "Approve", "Approve")["latestExecution"]
        self.assertEqual(latest["summary"], "approved from the CLI")

        rc, out, err = self.server.aws(
            "codepipeline", "put-approval-result", "--pipeline-name", "ap-cli",
            "--stage-name", "Approve", "--action-name", "Approve",
            "--result", "summary=again,status=Approved", "--token", token)
        self.assertNotEqual(rc, 0)
        self.assertIn("ApprovalAlreadyCompletedException", err)


class ApprovalBotTest(ServerTestCase):
    """The plain bot (GetPipelineState only) in a thread, answering executions that
    run by themselves: on the system clock, with waits that poll."""

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false")

    def setUp(self):
        self.cp = self.server.client()

    def test_approval_bot_approves_one_and_rejects_another(self):
        # QUEUED: both are started at once and reach the approval one after the other.
        self.cp.create_pipeline(pipeline=approval_decl("ap-bot", executionMode="QUEUED"))
        approve_me = self.cp.start_pipeline_execution(name="ap-bot")["pipelineExecutionId"]
        reject_me = self.cp.start_pipeline_execution(name="ap-bot")["pipelineExecutionId"]
        decisions = {approve_me: "Approved", reject_me: "Rejected"}
        bot = ApprovalBot(self.server.client(), "ap-bot", decisions.get).start_for(self)
        final = {eid: wait_finished(self.cp, "ap-bot", eid) for eid in decisions}
        bot.stop(self)
        self.assertEqual(final[approve_me]["status"], "Succeeded")
        self.assertEqual(final[reject_me]["status"], "Failed")
        self.assertEqual(bot.answered(), decisions)
        for execution_id, status in ((approve_me, "Succeeded"), (reject_me, "Failed")):
            approval = next(d for d in actions_of(self.cp, "ap-bot", execution_id)
                            if d["stageName"] == "Approve")
            self.assertEqual(approval["status"], status)

    def test_bot_answers_executions_one_after_another(self):
        cp = self.cp
        cp.create_pipeline(pipeline=approval_decl("bot-seq"))
        decisions = {}
        bot = ApprovalBot(self.server.client(), "bot-seq", decisions.get).start_for(self)
        first = cp.start_pipeline_execution(name="bot-seq")["pipelineExecutionId"]
        decisions[first] = "Approved"
        self.assertEqual(wait_finished(cp, "bot-seq", first)["status"], "Succeeded")
        second = cp.start_pipeline_execution(name="bot-seq")["pipelineExecutionId"]
        decisions[second] = "Rejected"
        self.assertEqual(wait_finished(cp, "bot-seq", second)["status"], "Failed")
        # One left without a decision keeps waiting until one is made.
        third = cp.start_pipeline_execution(name="bot-seq")["pipelineExecutionId"]
        wait_for_token(cp, "bot-seq", execution_id=third)
        self.assertEqual(get_execution(cp, "bot-seq", third)["status"], "InProgress")
        decisions[third] = "Approved"
        self.assertEqual(wait_finished(cp, "bot-seq", third)["status"], "Succeeded")
        bot.stop(self)
        self.assertEqual(bot.answered(), {first: "Approved", second: "Rejected",
                                          third: "Approved"})


class ApprovalTimeoutTest(ServerTestCase):
    """--approval-timeout-s 1 on the manual clock: a test moves time to the deadline."""

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false",
                   "--approval-timeout-s", "1", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def test_unanswered_approval_times_out(self):
        self.cp.create_pipeline(pipeline=approval_decl("to-flag"))
        execution_id = self.cp.start_pipeline_execution(name="to-flag")["pipelineExecutionId"]
        token = settle_token(self.server, self.cp, "to-flag", execution_id=execution_id)
        # Waiting a millisecond before the deadline ...
        advance(self.server, 0.999)
        self.assertEqual(get_execution(self.cp, "to-flag", execution_id)["status"], "InProgress")
        # ... and failed at it.
        advance(self.server, 0.001)
        final = get_execution(self.cp, "to-flag", execution_id)
        self.assertEqual(final["status"], "Failed")
        latest = action_state(self.cp, "to-flag", "Approve", "Approve")["latestExecution"]
        self.assertEqual(latest["status"], "Failed")
        self.assertIn("errorDetails", latest)
        approval = next(d for d in actions_of(self.cp, "to-flag", execution_id)
                        if d["stageName"] == "Approve")
        self.assertEqual(approval["status"], "Failed")
        waited = (approval["lastUpdateTime"] - approval["startTime"]).total_seconds()
        self.assertGreaterEqual(waited, 0.9)
        self.assertLess(waited, 5)
        # Too late to answer.
        with self.assertRaises(ClientError) as caught:
            answer(self.cp, "to-flag", token, "Approved")
        self.assertClientError(caught, "ApprovalAlreadyCompletedException")

    def test_action_timeout_wins_over_the_flag(self):
        self.cp.create_pipeline(pipeline=approval_decl("to-flag-2"))
        self.cp.create_pipeline(pipeline=approval_decl(
            "to-action", action=approval_action(timeoutInMinutes=5)))
        own = self.cp.start_pipeline_execution(name="to-action")["pipelineExecutionId"]
        settle_token(self.server, self.cp, "to-action", execution_id=own)
        # Started after the other reached its approval, so it times out later.
        control = self.cp.start_pipeline_execution(name="to-flag-2")["pipelineExecutionId"]
        settle_token(self.server, self.cp, "to-flag-2", execution_id=control)
        advance(self.server, 1)
        self.assertEqual(get_execution(self.cp, "to-flag-2", control)["status"], "Failed")
        # The flag's second has passed; the action's five minutes have not.
        self.assertEqual(get_execution(self.cp, "to-action", own)["status"], "InProgress")
        token = settle_token(self.server, self.cp, "to-action", execution_id=own)
        answer(self.cp, "to-action", token, "Approved")
        self.assertEqual(settle_finished(self.server, self.cp, "to-action", own)["status"],
                         "Succeeded")


if __name__ == "__main__":
    unittest.main()
