"""DisableStageTransition and EnableStageTransition end to end: the state
GetPipelineState shows, executions held before a disabled transition,
superseding while held, outbound transitions and the errors.
"""

import unittest

from botocore.exceptions import ClientError

from execution_helpers import (MANUAL_CLOCK, ROOT_ARN, actions_of, get_execution, settle,
                               settle_all_finished, settle_finished, stage_state,
                               three_stage_decl)
from sluice_server import ServerTestCase, pipeline_decl


def held_before(cp, pipeline, stage):
    return [e["pipelineExecutionId"] for e in stage_state(cp, pipeline, stage)["inboundExecutions"]]


class TransitionTest(ServerTestCase):

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def disable(self, name, stage, kind="Inbound", reason="held for review"):
        return self.cp.disable_stage_transition(pipelineName=name, stageName=stage,
                                                transitionType=kind, reason=reason)

    def enable(self, name, stage, kind="Inbound"):
        return self.cp.enable_stage_transition(pipelineName=name, stageName=stage,
                                               transitionType=kind)

    def wait_held(self, name, stage, execution_id):
        settle(self.server)
        self.assertIn(execution_id, held_before(self.cp, name, stage),
                      f"{execution_id} waits before {stage}")

    def test_state_while_disabled_and_after_enabling(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("tr-state"))
        self.assertEqual(stage_state(self.cp, "tr-state", "Build")["inboundTransitionState"],
                         {"enabled": True})
        self.disable("tr-state", "Build", reason="release freeze")
        state = stage_state(self.cp, "tr-state", "Build")["inboundTransitionState"]
        self.assertIs(state["enabled"], False)
        self.assertEqual(state["disabledReason"], "release freeze")
        self.assertEqual(state["lastChangedBy"], ROOT_ARN)
        self.assertIn("lastChangedAt", state)
        # Other stages are untouched.
        for other in ("Source", "Test"):
            self.assertEqual(stage_state(self.cp, "tr-state", other)["inboundTransitionState"],
                             {"enabled": True})
        self.enable("tr-state", "Build")
        self.assertIs(stage_state(self.cp, "tr-state", "Build")
                      ["inboundTransitionState"]["enabled"], True)
        self.assertNotIn("disabledReason",
                         stage_state(self.cp, "tr-state", "Build")["inboundTransitionState"])

    def test_execution_waits_then_runs_once_enabled(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("tr-hold"))
        self.disable("tr-hold", "Build")
        execution_id = self.cp.start_pipeline_execution(name="tr-hold")["pipelineExecutionId"]
        self.wait_held("tr-hold", "Build", execution_id)
        self.assertEqual(stage_state(self.cp, "tr-hold", "Build")["inboundExecutions"],
                         [{"pipelineExecutionId": execution_id, "status": "InProgress", "type": "STANDARD"}])
        self.assertEqual(get_execution(self.cp, "tr-hold", execution_id)["status"], "InProgress")
        self.assertEqual([d["stageName"] for d in actions_of(self.cp, "tr-hold", execution_id)],
                         ["Source"])
        self.enable("tr-hold", "Build")
        self.assertEqual(settle_finished(self.server, self.cp, "tr-hold", execution_id)["status"],
                         "Succeeded")
        self.assertEqual(held_before(self.cp, "tr-hold", "Build"), [])
        self.assertEqual(sorted(d["stageName"] for d in actions_of(self.cp, "tr-hold",
                                                                    execution_id)),
                         ["Build", "Source", "Test"])

    def test_newer_execution_supersedes_the_held_one(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("tr-sup"))
        self.disable("tr-sup", "Build")
        older = self.cp.start_pipeline_execution(name="tr-sup")["pipelineExecutionId"]
        self.wait_held("tr-sup", "Build", older)
        newer = self.cp.start_pipeline_execution(name="tr-sup")["pipelineExecutionId"]
        self.wait_held("tr-sup", "Build", newer)
        self.assertEqual(get_execution(self.cp, "tr-sup", older)["status"], "Superseded")
        self.assertEqual(held_before(self.cp, "tr-sup", "Build"), [newer])
        self.enable("tr-sup", "Build")
        final = settle_all_finished(self.server, self.cp, "tr-sup", [older, newer])
        self.assertEqual(final[older]["status"], "Superseded")
        self.assertEqual(final[newer]["status"], "Succeeded")
        self.assertEqual([d["stageName"] for d in actions_of(self.cp, "tr-sup", older)],
                         ["Source"])

    def test_queued_executions_all_wait_and_all_run(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("tr-queued", executionMode="QUEUED"))
        self.disable("tr-queued", "Build")
        first = self.cp.start_pipeline_execution(name="tr-queued")["pipelineExecutionId"]
        second = self.cp.start_pipeline_execution(name="tr-queued")["pipelineExecutionId"]
        settle(self.server)
        # Both wait before Build, oldest first.
        self.assertEqual(held_before(self.cp, "tr-queued", "Build"), [first, second])
        self.enable("tr-queued", "Build")
        final = settle_all_finished(self.server, self.cp, "tr-queued", [first, second])
        self.assertEqual([final[i]["status"] for i in (first, second)], ["Succeeded"] * 2)

    def test_outbound_holds_executions_that_finished_the_stage(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("tr-out"))
        self.disable("tr-out", "Build", kind="Outbound", reason="no tests yet")
        execution_id = self.cp.start_pipeline_execution(name="tr-out")["pipelineExecutionId"]
        self.wait_held("tr-out", "Test", execution_id)
        self.assertEqual(sorted((d["stageName"], d["status"])
                                for d in actions_of(self.cp, "tr-out", execution_id)),
                         [("Build", "Succeeded"), ("Source", "Succeeded")])
        self.assertEqual(get_execution(self.cp, "tr-out", execution_id)["status"], "InProgress")
        self.enable("tr-out", "Build", kind="Outbound")
        self.assertEqual(settle_finished(self.server, self.cp, "tr-out", execution_id)["status"],
                         "Succeeded")
        self.assertIn("Test", [d["stageName"] for d in actions_of(self.cp, "tr-out", execution_id)])

    def test_errors(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("tr-errors"))
        for call, kwargs in ((self.cp.disable_stage_transition, {"reason": "r"}),
                             (self.cp.enable_stage_transition, {})):
            with self.assertRaises(ClientError) as caught:
                call(pipelineName="tr-errors", stageName="Nope", transitionType="Inbound",
                     **kwargs)
            self.assertClientError(caught, "StageNotFoundException")
            with self.assertRaises(ClientError) as caught:
                call(pipelineName="tr-absent", stageName="Build", transitionType="Inbound",
                     **kwargs)
            self.assertClientError(caught, "PipelineNotFoundException")
        status, _, body = self.server.call("DisableStageTransition", {
            "pipelineName": "tr-errors", "stageName": "Build", "transitionType": "Sideways",
            "reason": "r"})
        self.assertEqual((status, body["__type"]), (400, "ValidationException"), body)
        self.assertEqual(stage_state(self.cp, "tr-errors", "Build")["inboundTransitionState"],
                         {"enabled": True})

    def test_cli_disable_and_enable(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("tr-cli"))
        rc, out, err = self.server.aws(
            "codepipeline", "disable-stage-transition", "--pipeline-name", "tr-cli",
            "--stage-name", "Build", "--transition-type", "Inbound", "--reason", "from the CLI")
        self.assertEqual(rc, 0, err)
        self.assertIsNone(out)
        execution_id = self.cp.start_pipeline_execution(name="tr-cli")["pipelineExecutionId"]
        self.wait_held("tr-cli", "Build", execution_id)
        rc, out, err = self.server.aws("codepipeline", "get-pipeline-state", "--name", "tr-cli")
        self.assertEqual(rc, 0, err)
        build = next(s for s in out["stageStates"] if s["stageName"] == "Build")
        self.assertEqual(build["inboundTransitionState"]["disabledReason"], "from the CLI")
        self.assertEqual(build["inboundExecutions"],
                         [{"pipelineExecutionId": execution_id, "status": "InProgress", "type": "STANDARD"}])
        rc, _, err = self.server.aws(
            "codepipeline", "enable-stage-transition", "--pipeline-name", "tr-cli",
            "--stage-name", "Build", "--transition-type", "Inbound")
        self.assertEqual(rc, 0, err)
        self.assertEqual(settle_finished(self.server, self.cp, "tr-cli", execution_id)["status"],
                         "Succeeded")
        rc, _, err = self.server.aws(
            "codepipeline", "disable-stage-transition", "--pipeline-name", "tr-cli",
            "--stage-name", "Nope", "--transition-type", "Inbound", "--reason", "x")
        self.assertNotEqual(rc, 0)
        self.assertIn("StageNotFoundException", err)


if __name__ == "__main__":
    unittest.main()
