"""Rules the CodePipeline documentation states, end to end with boto3.

Each test names the sentence it enforces and the page it comes from: the API
reference (API_<Operation>) or a user guide page (by its title).
"""

import datetime
import unittest

from botocore.exceptions import ClientError

from execution_helpers import (MANUAL_CLOCK, list_all_executions, settle_finished,
                               settle_token, stage_state, three_stage_decl)
from sluice_server import ServerTestCase
from worker_helpers import ALEXA, answer, approval_decl

JENKINS = {"category": "Build", "owner": "Custom", "provider": "Jenkins", "version": "1"}
S3_SOURCE = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}


class DocumentedRulesTest(ServerTestCase):

    server_args = ("--action-duration-ms", "30", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def run_once(self, name):
        execution = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, name, execution)["status"],
                         "Succeeded")
        return execution

    def rollback(self, name, stage, target):
        return self.cp.rollback_stage(pipelineName=name, stageName=stage,
                                      targetPipelineExecutionId=target)["pipelineExecutionId"]

    def assertRefused(self, code, call, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(**kwargs)
        self.assertClientError(caught, code)
        return caught.exception.response["Error"].get("Message", "")

    def test_execution_type_shows_in_state_history_and_details(self):
        # "Configuring stage rollback": "The type of execution, either standard
        # or rollback, displays in the pipeline history, pipeline state, and
        # pipeline execution details."
        self.cp.create_pipeline(pipeline=three_stage_decl("doc-type"))
        first = self.run_once("doc-type")
        self.run_once("doc-type")
        rollback = self.rollback("doc-type", "Build", first)
        settle_finished(self.server, self.cp, "doc-type", rollback)

        self.assertEqual(stage_state(self.cp, "doc-type", "Build")["latestExecution"],
                         {"pipelineExecutionId": rollback, "status": "Succeeded",
                          "type": "ROLLBACK"})
        self.assertEqual(stage_state(self.cp, "doc-type", "Source")["latestExecution"]["type"],
                         "STANDARD")
        history = {s["pipelineExecutionId"]: s["executionType"]
                   for s in list_all_executions(self.cp, "doc-type")}
        self.assertEqual(history[rollback], "ROLLBACK")
        self.assertEqual(history[first], "STANDARD")
        details = self.cp.get_pipeline_execution(pipelineName="doc-type",
                                                 pipelineExecutionId=rollback)
        self.assertEqual(details["pipelineExecution"]["executionType"], "ROLLBACK")

    def test_current_revision_has_every_required_member(self):
        # API reference, ActionRevision: revisionId, revisionChangeId and
        # created are each "Required: Yes".
        self.cp.create_pipeline(pipeline=three_stage_decl("doc-revision"))
        self.run_once("doc-revision")
        [source] = stage_state(self.cp, "doc-revision", "Source")["actionStates"]
        revision = source["currentRevision"]
        self.assertEqual(set(revision), {"revisionId", "revisionChangeId", "created"})
        self.assertTrue(revision["revisionId"])
        self.assertEqual(revision["revisionChangeId"], revision["revisionId"])
        self.assertIsInstance(revision["created"], datetime.datetime)

    def test_a_source_stage_cannot_be_rolled_back(self):
        # "Configuring stage rollback": "You cannot roll back a source stage."
        self.cp.create_pipeline(pipeline=three_stage_decl("doc-rb-source"))
        first = self.run_once("doc-rb-source")
        self.run_once("doc-rb-source")
        message = self.assertRefused("UnableToRollbackStageException", self.cp.rollback_stage,
                                     pipelineName="doc-rb-source", stageName="Source",
                                     targetPipelineExecutionId=first)
        self.assertIn("source stage", message)

    def test_a_rollback_execution_is_no_rollback_target(self):
        # "Configuring stage rollback": "You cannot roll back to a target
        # execution ID that is a rollback execution type."
        self.cp.create_pipeline(pipeline=three_stage_decl("doc-rb-target"))
        first = self.run_once("doc-rb-target")
        self.run_once("doc-rb-target")
        rollback = self.rollback("doc-rb-target", "Build", first)
        self.assertEqual(settle_finished(self.server, self.cp, "doc-rb-target", rollback)["status"],
                         "Succeeded")
        self.run_once("doc-rb-target")
        message = self.assertRefused("UnableToRollbackStageException", self.cp.rollback_stage,
                                     pipelineName="doc-rb-target", stageName="Build",
                                     targetPipelineExecutionId=rollback)
        self.assertIn("rollback execution", message)
        # A standard execution is still a valid target.
        self.rollback("doc-rb-target", "Build", first)

    def test_parallel_pipelines_refuse_a_rollback_failure_result(self):
        # "Set or change the pipeline execution mode": "failure conditions
        # with a rollback result type cannot be added to a PARALLEL mode
        # pipeline."
        decl = three_stage_decl("doc-parallel", mode="PARALLEL")
        decl["pipelineType"] = "V2"
        decl["stages"][1]["onFailure"] = {"result": "ROLLBACK"}
        self.assertRefused("InvalidStageDeclarationException", self.cp.create_pipeline,
                           pipeline=decl)
        decl["executionMode"] = "QUEUED"
        self.cp.create_pipeline(pipeline=decl)
        decl["executionMode"] = "PARALLEL"
        self.assertRefused("InvalidStageDeclarationException", self.cp.update_pipeline,
                           pipeline=decl)
        # RETRY is no rollback: allowed.
        decl["stages"][1]["onFailure"] = {"result": "RETRY"}
        self.cp.update_pipeline(pipeline=decl)

    def test_no_retry_after_the_pipeline_structure_changed(self):
        # "Configuring stage retry": you might not be able to retry a stage
        # when "The overall pipeline structure changed after the stage failed."
        decl = approval_decl("doc-retry")
        self.cp.create_pipeline(pipeline=decl)
        execution = self.cp.start_pipeline_execution(name="doc-retry")["pipelineExecutionId"]
        answer(self.cp, "doc-retry", settle_token(self.server, self.cp, "doc-retry"), "Rejected")
        self.assertEqual(settle_finished(self.server, self.cp, "doc-retry", execution)["status"],
                         "Failed")
        decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "changed"
        self.assertEqual(self.cp.update_pipeline(pipeline=decl)["pipeline"]["version"], 2)
        message = self.assertRefused("StageNotRetryableException",
                                     self.cp.retry_stage_execution, pipelineName="doc-retry",
                                     stageName="Approve", pipelineExecutionId=execution,
                                     retryMode="FAILED_ACTIONS")
        self.assertIn("version 1", message)

    def test_poll_for_jobs_is_for_custom_action_types_only(self):
        # API_PollForJobs: "PollForJobs is valid only for action types with
        # "Custom" in the owner field. If the action type contains AWS or
        # ThirdParty in the owner field, the PollForJobs action returns an
        # error." (It names no error: ValidationException, as the README says.)
        for action_type in (S3_SOURCE, ALEXA):
            with self.subTest(owner=action_type["owner"]):
                self.assertRefused("ValidationException", self.cp.poll_for_jobs,
                                   actionTypeId=action_type)
        # A Custom type must exist (ActionTypeNotFoundException, as modeled).
        self.assertRefused("ActionTypeNotFoundException", self.cp.poll_for_jobs,
                           actionTypeId=JENKINS)
        self.cp.create_custom_action_type(
            category="Build", provider="Jenkins", version="1",
            inputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
            outputArtifactDetails={"minimumCount": 0, "maximumCount": 1})
        self.assertEqual(self.cp.poll_for_jobs(actionTypeId=JENKINS)["jobs"], [])

    def test_poll_for_third_party_jobs_is_for_partner_actions_only(self):
        # API_PollForThirdPartyJobs: "Used for partner actions only."
        for action_type in (S3_SOURCE, JENKINS):
            with self.subTest(owner=action_type["owner"]):
                self.assertRefused("ValidationException", self.cp.poll_for_third_party_jobs,
                                   actionTypeId=action_type)
        unknown = dict(ALEXA, provider="NoSuchPartner")
        self.assertRefused("ActionTypeNotFoundException", self.cp.poll_for_third_party_jobs,
                           actionTypeId=unknown)
        self.assertEqual(self.cp.poll_for_third_party_jobs(actionTypeId=ALEXA)["jobs"], [])

    def test_condition_results_per_kind(self):
        # "Configure conditions for a stage": Entry rules "are engaged with the
        # following result options: Fail or Skip"; On Success rules fail or
        # roll back.
        for key, result in (("beforeEntry", "ROLLBACK"), ("beforeEntry", "RETRY"),
                            ("onSuccess", "SKIP"), ("onSuccess", "RETRY")):
            with self.subTest(key=key, result=result):
                decl = three_stage_decl(f"doc-cond-{key.lower()}-{result.lower()}")
                decl["pipelineType"] = "V2"
                decl["stages"][1][key] = {"conditions": [{"result": result, "rules": [{
                    "name": "Check", "configuration": {"Variable": "a", "Operator": "EQ",
                                                       "Value": "a"},
                    "ruleTypeId": {"category": "Rule", "owner": "AWS",
                                   "provider": "VariableCheck", "version": "1"}}]}]}
                message = self.assertRefused("InvalidStageDeclarationException",
                                             self.cp.create_pipeline, pipeline=decl)
                self.assertIn(result, message)

    def test_succeeded_in_stage_lists_the_current_version_only(self):
        # API_ListPipelineExecutions: with the succeeded-in-stage filter, "the
        # operation returns all executions in the current pipeline version".
        decl = three_stage_decl("doc-filter")
        self.cp.create_pipeline(pipeline=decl)
        old = self.run_once("doc-filter")
        decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "changed"
        self.cp.update_pipeline(pipeline=decl)
        new = self.run_once("doc-filter")
        listed = self.cp.list_pipeline_executions(
            pipelineName="doc-filter",
            filter={"succeededInStage": {"stageName": "Build"}})["pipelineExecutionSummaries"]
        self.assertEqual([s["pipelineExecutionId"] for s in listed], [new])
        everything = [s["pipelineExecutionId"]
                      for s in list_all_executions(self.cp, "doc-filter")]
        self.assertEqual(everything, [new, old])


if __name__ == "__main__":
    unittest.main()
