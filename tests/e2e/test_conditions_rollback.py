"""Stage conditions (V2) and RollbackStage end to end, with boto3 and aws-cli.

A VariableCheck rule on the pipeline variable Env decides each condition, so
a test picks the outcome with the variable it starts the execution with.
"""

import json
import unittest

from botocore.exceptions import ClientError

from execution_helpers import (MANUAL_CLOCK, advance, list_all_executions, settle_finished,
                               stage_state, three_stage_decl)
from sluice_server import ServerTestCase

ENV_IS_PROD = {"name": "EnvIsProd",
               "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "VariableCheck",
                              "version": "1"},
               "configuration": {"Variable": "#{variables.Env}", "Operator": "EQ",
                                 "Value": "prod"}}


def condition_decl(name, key, condition, mode="SUPERSEDED"):
    decl = three_stage_decl(name, mode=mode)
    decl["pipelineType"] = "V2"
    decl["variables"] = [{"name": "Env", "defaultValue": "prod"}]
    decl["stages"][1][key] = condition
    return decl


def gate(result):
    return {"conditions": [{"result": result, "rules": [ENV_IS_PROD]}]}


class ConditionsTest(ServerTestCase):

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def create(self, name, key, condition, mode="SUPERSEDED"):
        self.cp.create_pipeline(pipeline=condition_decl(name, key, condition, mode))

    def start(self, name, env):
        return self.cp.start_pipeline_execution(
            name=name, variables=[{"name": "Env", "value": env}])["pipelineExecutionId"]

    def test_before_entry_fail_and_pass(self):
        self.create("gate", "beforeEntry", gate("FAIL"))
        failed = self.start("gate", "dev")
        self.assertEqual(settle_finished(self.server, self.cp, "gate", failed)["status"], "Failed")
        build = stage_state(self.cp, "gate", "Build")
        condition = build["beforeEntryConditionState"]
        self.assertEqual(condition["latestExecution"]["status"], "Failed")
        rule = condition["conditionStates"][0]["ruleStates"][0]
        self.assertEqual(rule["ruleName"], "EnvIsProd")
        self.assertEqual(rule["latestExecution"]["status"], "Failed")
        passed = self.start("gate", "prod")
        self.assertEqual(settle_finished(self.server, self.cp, "gate", passed)["status"],
                         "Succeeded")

    def test_before_entry_skip(self):
        self.create("skip", "beforeEntry", gate("SKIP"))
        execution = self.start("skip", "dev")
        self.assertEqual(settle_finished(self.server, self.cp, "skip", execution)["status"],
                         "Succeeded")
        self.assertEqual(stage_state(self.cp, "skip", "Build")["latestExecution"]["status"],
                         "Skipped")

    def test_on_success_rollback(self):
        self.create("guarded", "onSuccess", gate("ROLLBACK"))
        good = self.start("guarded", "prod")
        self.assertEqual(settle_finished(self.server, self.cp, "guarded", good)["status"],
                         "Succeeded")
        bad = self.start("guarded", "dev")
        self.assertEqual(settle_finished(self.server, self.cp, "guarded", bad)["status"], "Failed")
        summaries = list_all_executions(self.cp, "guarded")
        rollback = summaries[0]
        self.assertEqual(rollback["executionType"], "ROLLBACK")
        self.assertEqual(rollback["rollbackMetadata"]["rollbackTargetPipelineExecutionId"], good)
        self.assertEqual(rollback["trigger"]["triggerType"], "AutomatedRollback")
        final = settle_finished(self.server, self.cp, "guarded", rollback["pipelineExecutionId"])
        self.assertEqual(final["status"], "Succeeded")

    def test_on_failure_retry(self):
        decl = condition_decl("retrying", "onFailure",
                              {"result": "RETRY", "retryConfiguration": {"retryMode": "FAILED_ACTIONS"}})
        decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "#{Missing.Value}"
        self.cp.create_pipeline(pipeline=decl)
        execution = self.start("retrying", "prod")
        self.assertEqual(settle_finished(self.server, self.cp, "retrying", execution)["status"],
                         "Failed")
        metadata = stage_state(self.cp, "retrying", "Build")["retryStageMetadata"]
        self.assertEqual(metadata["autoStageRetryAttempt"], 1)
        self.assertEqual(metadata["latestRetryTrigger"], "AutomatedStageRetry")

    def test_list_rule_executions(self):
        self.create("listed", "beforeEntry", gate("FAIL"))
        first = self.start("listed", "prod")
        settle_finished(self.server, self.cp, "listed", first)
        second = self.start("listed", "dev")
        settle_finished(self.server, self.cp, "listed", second)
        details = self.cp.list_rule_executions(pipelineName="listed")["ruleExecutionDetails"]
        self.assertEqual([d["pipelineExecutionId"] for d in details], [second, first])
        self.assertEqual(details[0]["status"], "Failed")
        self.assertEqual(details[0]["input"]["resolvedConfiguration"]["Variable"], "dev")
        self.assertEqual(details[0]["input"]["ruleTypeId"]["provider"], "VariableCheck")
        page = self.cp.list_rule_executions(pipelineName="listed", maxResults=1)
        self.assertEqual(len(page["ruleExecutionDetails"]), 1)
        rest = self.cp.list_rule_executions(pipelineName="listed", nextToken=page["nextToken"])
        self.assertEqual(rest["ruleExecutionDetails"][0]["pipelineExecutionId"], first)
        rc, only, stderr = self.server.aws(
            "codepipeline", "list-rule-executions", "--pipeline-name", "listed",
            "--filter", json.dumps({"pipelineExecutionId": first}))
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(len(only["ruleExecutionDetails"]), 1)
        with self.assertRaises(ClientError) as raised:
            self.cp.list_rule_executions(pipelineName="listed", nextToken="bogus")
        self.assertEqual(raised.exception.response["Error"]["Code"], "InvalidNextTokenException")


class OverrideTest(ServerTestCase):
    """An outside rule resolved as failed, overridden while it is evaluated.

    On the manual clock the rule is in progress from the moment Source ends
    (one action, 1.5 s of the clock, in) until the clock moves on.
    """

    server_args = ("--action-duration-ms", "1500", "--start-on-create", "false",
                   "--external-rule-result", "failed", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def test_override_before_entry(self):
        alarm = {"name": "Alarm", "ruleTypeId": {"category": "Rule", "owner": "AWS",
                                                  "provider": "CloudWatchAlarm", "version": "1"},
                 "configuration": {"AlarmName": "errors"}}
        self.cp.create_pipeline(pipeline=condition_decl(
            "override", "beforeEntry", {"conditions": [{"result": "FAIL", "rules": [alarm]}]}))
        execution = self.cp.start_pipeline_execution(name="override")["pipelineExecutionId"]
        advance(self.server, 1.5)  # Source's action: the condition starts as it ends
        self.assertIn("beforeEntryConditionState", stage_state(self.cp, "override", "Build"))
        with self.assertRaises(ClientError) as raised:
            self.cp.override_stage_condition(pipelineName="override", stageName="Build",
                                             pipelineExecutionId=execution,
                                             conditionType="ON_SUCCESS")
        self.assertEqual(raised.exception.response["Error"]["Code"],
                         "ConditionNotOverridableException")
        rc, _, stderr = self.server.aws(
            "codepipeline", "override-stage-condition", "--pipeline-name", "override",
            "--stage-name", "Build", "--pipeline-execution-id", execution,
            "--condition-type", "BEFORE_ENTRY")
        self.assertEqual(rc, 0, stderr)
        state = stage_state(self.cp, "override", "Build")
        self.assertEqual(state["beforeEntryConditionState"]["latestExecution"]["status"],
                         "Overridden")
        self.assertEqual(settle_finished(self.server, self.cp, "override", execution)["status"],
                         "Succeeded")


class RollbackTest(ServerTestCase):

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def run_once(self, name):
        execution = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, name, execution)["status"],
                         "Succeeded")
        return execution

    def error(self, **kwargs):
        with self.assertRaises(ClientError) as raised:
            self.cp.rollback_stage(**kwargs)
        return raised.exception.response["Error"]["Code"]

    def test_rollback_to_an_earlier_execution(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("rb"))
        first = self.run_once("rb")
        self.assertEqual(self.error(pipelineName="rb", stageName="Build",
                                    targetPipelineExecutionId=first),
                         "UnableToRollbackStageException")  # it is the latest there
        self.run_once("rb")
        rc, out, stderr = self.server.aws(
            "codepipeline", "rollback-stage", "--pipeline-name", "rb", "--stage-name", "Build",
            "--target-pipeline-execution-id", first)
        self.assertEqual(rc, 0, stderr)
        rollback = out["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, "rb", rollback)["status"],
                         "Succeeded")
        execution = self.cp.get_pipeline_execution(
            pipelineName="rb", pipelineExecutionId=rollback)["pipelineExecution"]
        self.assertEqual(execution["executionType"], "ROLLBACK")
        self.assertEqual(execution["trigger"]["triggerType"], "ManualRollback")
        self.assertEqual(execution["rollbackMetadata"]["rollbackTargetPipelineExecutionId"], first)
        first_revision = self.cp.get_pipeline_execution(
            pipelineName="rb", pipelineExecutionId=first)["pipelineExecution"]["artifactRevisions"]
        self.assertEqual(execution["artifactRevisions"], first_revision)

    def test_rollback_errors(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("rbe"))
        first = self.run_once("rbe")
        self.run_once("rbe")
        self.assertEqual(self.error(pipelineName="rbe", stageName="Nope",
                                    targetPipelineExecutionId=first), "StageNotFoundException")
        self.assertEqual(self.error(pipelineName="nope", stageName="Build",
                                    targetPipelineExecutionId=first), "PipelineNotFoundException")
        self.assertEqual(self.error(pipelineName="rbe", stageName="Build",
                                    targetPipelineExecutionId="0f8fad5b-d9cb-469f-a165-70867728950e"),
                         "PipelineExecutionNotFoundException")
        self.cp.create_pipeline(pipeline=three_stage_decl("rbp", mode="PARALLEL"))
        parallel = self.run_once("rbp")
        self.run_once("rbp")
        self.assertEqual(self.error(pipelineName="rbp", stageName="Build",
                                    targetPipelineExecutionId=parallel),
                         "UnableToRollbackStageException")


if __name__ == "__main__":
    unittest.main()
