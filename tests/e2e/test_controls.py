"""The test controls under /_sluice/ end to end: outcome rules, held actions,
the manual clock, faults on the API itself, reset, seeded ids, --control off
and --init-dir, driven with boto3, aws-cli, raw HTTP and the stdlib client
of clients/python/sluice_control.py.

Most tests run on one server with a manual clock (nothing moves until a test
settles or advances it); each starts from POST /_sluice/reset. The tests that
need their own flags (seeds, --control off, --init-dir, the system clock)
start their own servers.
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from sluice_server import (ADDRESS_PREFIX, REPO, SLUICE_BIN, STATUS_TABLE_BREACH,
                           TARGET_PREFIX, ServerTestCase, SluiceServer, approval_action,
                           pipeline_decl, temp_dir, write_json_file)

sys.path.insert(0, os.path.join(REPO, "clients", "python"))
from sluice_control import SluiceControl, SluiceControlError  # noqa: E402

ECS_DEPLOY = {"category": "Deploy", "owner": "AWS", "provider": "ECS", "version": "1"}
ENV_IS_PROD = {"name": "EnvIsProd",
               "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "VariableCheck",
                              "version": "1"},
               "configuration": {"Variable": "#{variables.Env}", "Operator": "EQ",
                                 "Value": "prod"}}
APPROVAL_TIMED_OUT = "The manual approval action timed out"
# A log line of level error or critical (the text format: "<time>Z <level> <logger>: ...").
ERROR_LOG_LINE = re.compile(r"^\S+Z [EC] ", re.MULTILINE)


# --- declarations ------------------------------------------------------------

def deploy_stage(configuration=None, name="Deploy"):
    return {"name": name, "actions": [{
        "name": name,
        "actionTypeId": dict(ECS_DEPLOY),
        "configuration": configuration or {"ClusterName": "prod", "ServiceName": "web"},
        "inputArtifacts": [{"name": "SourceOutput"}],
    }]}


def three_stage(name, deploy_configuration=None, build_namespace=None, **extra):
    """Source (S3) -> Build (CodeBuild, optional namespace) -> Deploy (ECS)."""
    decl = pipeline_decl(name, **extra)
    if build_namespace:
        decl["stages"][1]["actions"][0]["namespace"] = build_namespace
    decl["stages"].append(deploy_stage(deploy_configuration))
    return decl


def approval_pipeline(name):
    decl = pipeline_decl(name)
    decl["stages"].append({"name": "Approve", "actions": [approval_action()]})
    return decl


def approval_token(cp, pipeline, stage="Approve"):
    """The token of the approval that waits in `stage`."""
    for state in cp.get_pipeline_state(name=pipeline)["stageStates"]:
        if state["stageName"] == stage:
            return state["actionStates"][0]["latestExecution"]["token"]
    raise AssertionError(f"no stage {stage}")


def custom_action_type_request():
    return {
        "category": "Build",
        "provider": "SeededCI",
        "version": "1",
        "settings": {"entityUrlTemplate": "https://ci.example.com/job/{Config:ProjectName}"},
        "configurationProperties": [
            {"name": "ProjectName", "required": True, "key": True, "secret": False,
             "queryable": True, "type": "String"},
        ],
        "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
        "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    }


def webhook_request(name, pipeline, action="Source"):
    return {"webhook": {
        "name": name,
        "targetPipeline": pipeline,
        "targetAction": action,
        "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{Branch}"}],
        "authentication": "GITHUB_HMAC",
        "authenticationConfiguration": {"SecretToken": "s3cret"},
    }}


# --- reads -------------------------------------------------------------------

def execution_status(cp, pipeline, execution_id):
    return cp.get_pipeline_execution(
        pipelineName=pipeline, pipelineExecutionId=execution_id)["pipelineExecution"]["status"]


def stage_of(cp, pipeline, stage):
    for state in cp.get_pipeline_state(name=pipeline)["stageStates"]:
        if state["stageName"] == stage:
            return state
    raise AssertionError(f"no stage {stage} in the state of {pipeline}")


def latest_action(cp, pipeline, stage, action=None):
    states = stage_of(cp, pipeline, stage).get("actionStates", [])
    for state in states:
        if state["actionName"] == (action or stage):
            return state.get("latestExecution", {})
    raise AssertionError(f"no action {action or stage} in stage {stage} of {pipeline}")


def action_details(cp, pipeline, execution_id):
    """{stage name: action execution detail} of one execution."""
    details = cp.list_action_executions(
        pipelineName=pipeline, filter={"pipelineExecutionId": execution_id})
    return {d["stageName"]: d for d in details["actionExecutionDetails"]}


def boto3_client(endpoint, config, access_key="AKIDEXAMPLE"):
    session = boto3.session.Session(aws_access_key_id=access_key,
                                    aws_secret_access_key="dummy-secret",
                                    region_name="us-east-1")
    return session.client("codepipeline", endpoint_url=endpoint, config=config)


class ControlHelpers:
    """Servers of a test's own, and raw requests to /_sluice/."""

    def own_server(self, *args, env=None):
        """A private server, stopped (and checked) when the test ends."""
        server = SluiceServer(*args, env=env)
        self.addCleanup(self.stop_checked, server)
        return server

    def stop_checked(self, server):
        code, _ = server.stop()
        log = server.stderr_tail(limit=10**7)
        self.assertEqual(code, 0, f"sluice exited with {code}; stderr:\n{server.stderr_tail()}")
        self.assertNotIn(STATUS_TABLE_BREACH, log)

    def control_call(self, server, method, path, body=None, raw_body=None):
        """One /_sluice/ request; returns (status, parsed JSON body)."""
        data = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
        status, _, answer = server.raw(data or b"", method=method, path=path,
                                       headers={"Content-Type": "application/json"})
        return status, json.loads(answer) if answer else None


# --- the manual clock ----------------------------------------------------------

class ManualClockTest(ControlHelpers, ServerTestCase):

    server_args = ("--clock", "manual", "--start-on-create", "false")

    def setUp(self):
        self.control = SluiceControl(self.server.endpoint)
        self.control.reset()
        self.cp = self.server.client()

    def settle(self):
        return self.control.settle()

    def test_fail_the_first_build_and_succeed_the_retry(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("fail-once"))
        rule = self.control.add_outcome({"provider": "CodeBuild"}, result="Failed",
                                        errorCode="JobFailed", errorMessage="tests failed",
                                        times=1)
        execution_id = self.cp.start_pipeline_execution(name="fail-once")["pipelineExecutionId"]
        self.assertEqual(execution_status(self.cp, "fail-once", execution_id), "InProgress")
        settled = self.settle()
        self.assertTrue(settled["settled"], settled)
        self.assertEqual(settled["waiting"], [])
        self.assertEqual(execution_status(self.cp, "fail-once", execution_id), "Failed")
        build = latest_action(self.cp, "fail-once", "Build")
        self.assertEqual(build["status"], "Failed")
        self.assertEqual(build["errorDetails"], {"code": "JobFailed", "message": "tests failed"})
        self.assertEqual(latest_action(self.cp, "fail-once", "Source")["status"], "Succeeded")

        self.cp.retry_stage_execution(pipelineName="fail-once", stageName="Build",
                                      pipelineExecutionId=execution_id,
                                      retryMode="FAILED_ACTIONS")
        self.assertTrue(self.settle()["settled"])
        self.assertEqual(execution_status(self.cp, "fail-once", execution_id), "Succeeded")
        build = latest_action(self.cp, "fail-once", "Build")
        self.assertEqual(build["status"], "Succeeded")
        self.assertNotIn("errorDetails", build)
        rules = {r["id"]: r for r in self.control.outcomes()}
        self.assertEqual(rules[rule]["matched"], 1)

    def test_hold_deploy_until_the_test_releases_it(self):
        self.cp.create_pipeline(pipeline=three_stage("held"))
        self.control.add_outcome({"stage": "Deploy"}, hold=True)
        execution_id = self.cp.start_pipeline_execution(name="held")["pipelineExecutionId"]
        settled = self.settle()
        self.assertEqual(settled["waiting"], [{
            "account": "000000000000", "region": "us-east-1", "pipeline": "held",
            "executionId": execution_id, "stage": "Deploy", "action": "Deploy", "on": "hold"}])
        self.assertEqual(execution_status(self.cp, "held", execution_id), "InProgress")
        self.assertEqual(latest_action(self.cp, "held", "Build")["status"], "Succeeded")
        self.assertEqual(latest_action(self.cp, "held", "Deploy")["status"], "InProgress")
        # Advancing the clock a day does not release it either.
        self.control.advance(86400)
        self.assertEqual(execution_status(self.cp, "held", execution_id), "InProgress")

        self.assertEqual(self.control.complete_action(
            "held", execution_id, "Deploy", "Deploy", result="Succeeded",
            outputVariables={"DEPLOYED": "web-7"}, summary="deployed by the test"), {})
        self.assertTrue(self.settle()["settled"])
        self.assertEqual(execution_status(self.cp, "held", execution_id), "Succeeded")
        deploy = latest_action(self.cp, "held", "Deploy")
        self.assertEqual(deploy["status"], "Succeeded")
        self.assertEqual(deploy["summary"], "deployed by the test")
        detail = action_details(self.cp, "held", execution_id)["Deploy"]
        self.assertEqual(detail["status"], "Succeeded")
        self.assertEqual(detail["output"]["outputVariables"], {"DEPLOYED": "web-7"})
        self.assertEqual(detail["output"]["executionResult"]["externalExecutionSummary"],
                         "deployed by the test")

        with self.assertRaises(SluiceControlError) as caught:
            self.control.complete_action("held", execution_id, "Deploy", "Deploy")
        self.assertEqual((caught.exception.status, caught.exception.kind), (404, "NotFound"))

    def test_output_variables_of_an_outcome_reach_the_next_stage(self):
        self.cp.create_pipeline(pipeline=three_stage(
            "vars", build_namespace="BuildVariables",
            deploy_configuration={"ClusterName": "prod",
                                  "ServiceName": "web-#{BuildVariables.IMAGE_TAG}"}))
        self.control.add_outcome({"pipeline": "vars", "action": "Build"},
                                 outputVariables={"IMAGE_TAG": "v42"})
        execution_id = self.cp.start_pipeline_execution(name="vars")["pipelineExecutionId"]
        self.assertTrue(self.settle()["settled"])
        self.assertEqual(execution_status(self.cp, "vars", execution_id), "Succeeded")
        details = action_details(self.cp, "vars", execution_id)
        self.assertEqual(details["Build"]["output"]["outputVariables"]["IMAGE_TAG"], "v42")
        self.assertEqual(details["Deploy"]["input"]["resolvedConfiguration"],
                         {"ClusterName": "prod", "ServiceName": "web-v42"})
        self.assertEqual(details["Deploy"]["input"]["configuration"]["ServiceName"],
                         "web-#{BuildVariables.IMAGE_TAG}")

    def test_seven_day_approval_timeout_on_the_manual_clock(self):
        started = time.monotonic()
        self.cp.create_pipeline(pipeline=approval_pipeline("week"))
        execution_id = self.cp.start_pipeline_execution(name="week")["pipelineExecutionId"]
        before = self.control.clock()["now"]
        settled = self.settle()
        # A settle runs what runs by itself, never a deadline: the approval waits.
        self.assertEqual([(w["executionId"], w["stage"], w["on"]) for w in settled["waiting"]],
                         [(execution_id, "Approve", "approval")])
        self.assertEqual(execution_status(self.cp, "week", execution_id), "InProgress")
        self.assertEqual(latest_action(self.cp, "week", "Approve")["status"], "InProgress")
        # The settle moved the clock by the simulated actions' durations only,
        # and stopped where the approval began to wait.
        self.assertLess(settled["now"] - before, 60)
        # A second short of seven days it still waits; a second past, it has
        # timed out: 604801 s in all.
        self.control.advance(604799)
        self.assertEqual(execution_status(self.cp, "week", execution_id), "InProgress")
        moved = self.control.advance(2)
        self.assertAlmostEqual(moved["now"] - settled["now"], 604801, places=3)
        self.assertEqual(execution_status(self.cp, "week", execution_id), "Failed")
        approval = latest_action(self.cp, "week", "Approve")
        self.assertEqual(approval["status"], "Failed")
        self.assertIn("timed out", approval["errorDetails"]["message"])
        self.assertEqual(approval["errorDetails"]["message"], APPROVAL_TIMED_OUT)
        detail = action_details(self.cp, "week", execution_id)["Approve"]
        waited = (detail["lastUpdateTime"] - detail["startTime"]).total_seconds()
        self.assertAlmostEqual(waited, 604800, delta=60)
        elapsed = time.monotonic() - started
        print(f"\n[test_controls] 7-day approval timeout took {elapsed:.3f} s of wall time",
              file=sys.stderr)
        self.assertLess(elapsed, 10)

    def test_approve_through_an_outcome_rule(self):
        self.cp.create_pipeline(pipeline=approval_pipeline("auto-approve"))
        self.control.add_outcome({"category": "Approval"}, summary="approved by a rule")
        execution_id = self.cp.start_pipeline_execution(name="auto-approve")["pipelineExecutionId"]
        settled = self.settle()
        self.assertTrue(settled["settled"], settled)
        self.assertEqual(settled["waiting"], [])
        self.assertEqual(execution_status(self.cp, "auto-approve", execution_id), "Succeeded")
        approval = latest_action(self.cp, "auto-approve", "Approve")
        self.assertEqual(approval["status"], "Succeeded")
        self.assertEqual(approval["summary"], "approved by a rule")
        self.assertNotIn("token", approval)

    def test_faults_are_retried_by_boto3_and_stay_idempotent(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("faulty"))
        fault = self.control.add_fault(
            {"operation": "StartPipelineExecution"}, times=2, phase="after",
            error={"type": "ThrottlingException", "status": 400, "message": "Rate exceeded"})
        retrying = boto3_client(self.server.endpoint,
                                Config(retries={"mode": "standard", "max_attempts": 5},
                                       connect_timeout=5, read_timeout=15))
        started = retrying.start_pipeline_execution(name="faulty")
        self.assertEqual(started["ResponseMetadata"]["RetryAttempts"], 2)
        self.assertEqual(started["ResponseMetadata"]["HTTPStatusCode"], 200)
        summaries = self.cp.list_pipeline_executions(
            pipelineName="faulty")["pipelineExecutionSummaries"]
        # "after": each attempt ran, but every retry carried botocore's same
        # clientRequestToken, so the three starts made one execution.
        self.assertEqual([s["pipelineExecutionId"] for s in summaries],
                         [started["pipelineExecutionId"]])
        listed = {f["id"]: f for f in self.control.faults()}
        self.assertEqual((listed[fault]["matched"], listed[fault]["applied"]), (2, 2))
        self.assertTrue(listed[fault]["expired"])

    def test_a_before_fault_fails_the_call_without_running_it(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("down"))
        self.control.add_fault({"operation": "Start*"}, times=1,
                               error={"type": "ServiceUnavailableException",
                                      "message": "down for a moment"})
        once = boto3_client(self.server.endpoint, Config(retries={"max_attempts": 0}))
        with self.assertRaises(ClientError) as caught:
            once.start_pipeline_execution(name="down")
        response = caught.exception.response
        self.assertEqual(response["Error"]["Code"], "ServiceUnavailableException")
        self.assertEqual(response["Error"]["Message"], "down for a moment")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 503)
        self.assertEqual(self.cp.list_pipeline_executions(
            pipelineName="down")["pipelineExecutionSummaries"], [])
        # Only once: the next call goes through.
        execution_id = once.start_pipeline_execution(name="down")["pipelineExecutionId"]
        self.assertEqual(execution_status(self.cp, "down", execution_id), "InProgress")

    def test_a_latency_fault_delays_the_call(self):
        fault = self.control.add_fault({"operation": "ListPipelines"}, latencyMs=400, times=1)
        started = time.monotonic()
        # Slow, but answered as usual.
        self.assertEqual(self.cp.list_pipelines()["pipelines"], [])
        self.assertGreaterEqual(time.monotonic() - started, 0.4)
        listed = {f["id"]: f for f in self.control.faults()}
        self.assertEqual((listed[fault]["applied"], listed[fault]["expired"]), (1, True))

    def test_bad_requests_to_every_control(self):
        cases = [
            ("POST", "/_sluice/reset", {"everything": True}, 400, "everything"),
            ("POST", "/_sluice/outcomes", {"match": {}, "result": "Maybe"}, 400, "result"),
            ("POST", "/_sluice/faults", {"match": {"operation": "ListPipelines"}}, 400, "error"),
            ("POST", "/_sluice/actions/complete",
             {"pipeline": "p", "stage": "Build", "action": "Build", "result": "Succeeded"},
             400, "executionId"),
            ("POST", "/_sluice/clock/advance", {"seconds": -1}, 400, "seconds"),
            ("POST", "/_sluice/clock/settle", [], 400, None),
            ("DELETE", "/_sluice/outcomes/nope", None, 404, None),
            ("GET", "/_sluice/reset", None, 405, None),
            ("GET", "/_sluice/nothing-here", None, 404, None),
        ]
        kinds = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed"}
        for method, path, body, status, field in cases:
            with self.subTest(method=method, path=path):
                got_status, answer = self.control_call(self.server, method, path, body)
                self.assertEqual(got_status, status, answer)
                self.assertEqual(sorted(answer), ["error", "field", "message"])
                self.assertEqual(answer["error"], kinds[status])
                self.assertEqual(answer["field"], field)
                self.assertIsInstance(answer["message"], str)
                if field is not None:
                    self.assertIn(field, answer["message"])
        # Malformed JSON is a 400 as well.
        status, answer = self.control_call(self.server, "POST", "/_sluice/outcomes",
                                           raw_body="{not json")
        self.assertEqual((status, answer["error"]), (400, "BadRequest"))
        # None of those left a rule or a fault behind.
        self.assertEqual(self.control.outcomes(), [])
        self.assertEqual(self.control.faults(), [])

    def test_aws_cli_drives_a_scripted_scenario(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("cli-script"))
        self.control.add_outcome({"provider": "CodeBuild"}, result="Failed",
                                 errorMessage="the CLI's build failed")
        rc, started, stderr = self.server.aws(
            "codepipeline", "start-pipeline-execution", "--name", "cli-script")
        self.assertEqual(rc, 0, stderr)
        execution_id = started["pipelineExecutionId"]
        self.assertTrue(self.settle()["settled"])
        rc, got, stderr = self.server.aws(
            "codepipeline", "get-pipeline-execution", "--pipeline-name", "cli-script",
            "--pipeline-execution-id", execution_id)
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(got["pipelineExecution"]["pipelineExecutionId"], execution_id)
        self.assertEqual(got["pipelineExecution"]["status"], "Failed")
        build = latest_action(self.cp, "cli-script", "Build")
        self.assertEqual(build["errorDetails"]["message"], "the CLI's build failed")

    def test_an_outcome_fails_a_condition_rule(self):
        decl = three_stage("gated", pipelineType="V2",
                           variables=[{"name": "Env", "defaultValue": "prod"}])
        decl["stages"][2]["beforeEntry"] = {"conditions": [{"result": "FAIL",
                                                            "rules": [ENV_IS_PROD]}]}
        self.cp.create_pipeline(pipeline=decl)
        rule = self.control.add_outcome({"pipeline": "gated", "rule": "EnvIsProd"},
                                        result="Failed", errorMessage="blocked")
        blocked = self.cp.start_pipeline_execution(name="gated")["pipelineExecutionId"]
        self.assertTrue(self.settle()["settled"])
        # Env is prod, so only the outcome can fail the rule.
        self.assertEqual(execution_status(self.cp, "gated", blocked), "Failed")
        deploy = stage_of(self.cp, "gated", "Deploy")
        condition = deploy["beforeEntryConditionState"]
        self.assertEqual(condition["latestExecution"]["status"], "Failed")
        rule_state = condition["conditionStates"][0]["ruleStates"][0]
        self.assertEqual(rule_state["ruleName"], "EnvIsProd")
        self.assertEqual(rule_state["latestExecution"]["status"], "Failed")
        self.assertEqual(latest_action(self.cp, "gated", "Build")["status"], "Succeeded")
        # The Deploy action never ran.
        self.assertNotIn("Deploy", action_details(self.cp, "gated", blocked))
        details = self.cp.list_rule_executions(
            pipelineName="gated",
            filter={"pipelineExecutionId": blocked})["ruleExecutionDetails"]
        self.assertEqual(len(details), 1)
        self.assertEqual(details[0]["ruleName"], "EnvIsProd")
        self.assertEqual(details[0]["status"], "Failed")
        self.assertEqual(details[0]["input"]["resolvedConfiguration"]["Variable"], "prod")
        # A rule scripted to fail (no errorCode) fails as a rule that
        # evaluated false does: the message is its summary, with no
        # errorDetails (those mark a rule that errored).
        self.assertEqual(details[0]["output"]["executionResult"],
                         {"externalExecutionSummary": "blocked"})
        self.assertEqual(rule_state["latestExecution"]["summary"], "blocked")
        self.assertEqual(condition["latestExecution"]["summary"], "One or more rules failed")

        # Without the rule the same start passes the condition.
        self.control.clear_outcomes(rule)
        passed = self.cp.start_pipeline_execution(name="gated")["pipelineExecutionId"]
        self.assertTrue(self.settle()["settled"])
        self.assertEqual(execution_status(self.cp, "gated", passed), "Succeeded")


# --- the system clock --------------------------------------------------------

class SystemClockTest(ControlHelpers, ServerTestCase):

    server_args = ("--action-duration-ms", "200")

    def setUp(self):
        self.control = SluiceControl(self.server.endpoint)
        self.control.reset()

    def test_reset_while_executions_run(self):
        cp = self.server.client()
        names = ("busy-1", "busy-2")
        started = []
        for name in names:
            # --start-on-create is true here: CreatePipeline starts one too.
            cp.create_pipeline(pipeline=three_stage(name, executionMode="PARALLEL",
                                                    pipelineType="V2"))
            started += [cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
                        for _ in range(3)]
        running = [s["status"] for s in
                   cp.list_pipeline_executions(pipelineName=names[1])["pipelineExecutionSummaries"]]
        self.assertIn("InProgress", running)
        removed = self.control.reset()
        self.assertEqual(removed["pipelines"], 2)
        self.assertGreaterEqual(removed["executions"], len(started) + len(names))
        self.assertEqual(cp.list_pipelines()["pipelines"], [])
        with self.assertRaises(ClientError) as caught:
            cp.get_pipeline_execution(pipelineName=names[0], pipelineExecutionId=started[0])
        self.assertClientError(caught, "PipelineNotFoundException")
        # The simulated actions that were running would have ended by now.
        time.sleep(1)
        log = self.server.stderr_tail(limit=10**7)
        self.assertNotIn(STATUS_TABLE_BREACH, log)
        self.assertIsNone(ERROR_LOG_LINE.search(log), log[-3000:])
        # The names are free again and a new pipeline runs as before.
        cp.create_pipeline(pipeline=pipeline_decl(names[0]))
        self.assertEqual(len(cp.list_pipelines()["pipelines"]), 1)

    def test_reset_of_one_account(self):
        first, second = "111122223333", "444455556666"
        for account in (first, second):
            cp = self.server.client(access_key=account)
            cp.create_pipeline(pipeline=pipeline_decl(f"mine-{account}"))
            cp.create_pipeline(pipeline=pipeline_decl("shared-name"))
        self.control.add_outcome({"account": first}, summary="first's rule")
        self.control.add_outcome({"account": second}, summary="second's rule")
        removed = self.control.reset(account=first)
        self.assertEqual(removed["pipelines"], 2)
        self.assertEqual(removed["outcomes"], 1)
        self.assertEqual(self.server.client(access_key=first).list_pipelines()["pipelines"], [])
        remaining = sorted(p["name"] for p in
                           self.server.client(access_key=second).list_pipelines()["pipelines"])
        self.assertEqual(remaining, ["mine-444455556666", "shared-name"])
        self.assertEqual([r["match"] for r in self.control.outcomes()], [{"account": second}])

    def test_clock_advance_needs_the_manual_clock(self):
        self.assertEqual(self.control.clock()["mode"], "system")
        for path in ("/_sluice/clock/advance", "/_sluice/clock/settle"):
            with self.subTest(path=path):
                body = {"seconds": 5} if path.endswith("advance") else {}
                status, answer = self.control_call(self.server, "POST", path, body)
                self.assertEqual((status, answer["error"]), (409, "Conflict"), answer)
                self.assertIn("--clock manual", answer["message"])


# --- servers of their own ----------------------------------------------------

class OwnServersTest(ControlHelpers, unittest.TestCase):
    """Each test starts the servers it needs."""

    def seeded_run(self, seed):
        """The deterministic scenario over raw HTTP; returns [(step, status, request id, body)]."""
        server = self.own_server("--clock", "manual", "--clock-start", "2030-01-01T00:00:00Z",
                                 "--seed", str(seed), "--start-on-create", "false")
        record = []

        def call(operation, body):
            status, headers, data = server.raw(body, target=TARGET_PREFIX + operation)
            record.append((operation, status, headers.get("x-amzn-requestid"), data))
            self.assertEqual(status, 200, data)
            return json.loads(data)

        call("CreatePipeline", {"pipeline": three_stage("seeded", pipelineType="V2",
                                                        executionMode="PARALLEL")})
        first = call("StartPipelineExecution", {"name": "seeded"})["pipelineExecutionId"]
        call("StartPipelineExecution", {"name": "seeded"})
        status, headers, data = server.raw(b"{}", method="POST", path="/_sluice/clock/settle",
                                           headers={"Content-Type": "application/json"})
        record.append(("settle", status, headers.get("x-amzn-requestid"), data))
        self.assertTrue(json.loads(data)["settled"], data)
        call("GetPipelineState", {"name": "seeded"})
        call("ListPipelineExecutions", {"pipelineName": "seeded"})
        call("GetPipelineExecution", {"pipelineName": "seeded", "pipelineExecutionId": first})
        call("ListActionExecutions", {"pipelineName": "seeded"})
        return record

    def test_the_same_seed_gives_byte_identical_answers(self):
        one, two = self.seeded_run(42), self.seeded_run(42)
        self.assertEqual([step[:3] for step in one], [step[:3] for step in two])
        for left, right in zip(one, two):
            self.assertEqual(left[3], right[3], f"{left[0]} answered different bytes")
        self.assertEqual(one, two)
        # Real content: both executions ran to the end at the fixed clock.
        summaries = json.loads(one[5][3])["pipelineExecutionSummaries"]
        self.assertEqual([s["status"] for s in summaries], ["Succeeded", "Succeeded"])
        self.assertEqual(json.loads(one[3][3])["iso"][:11], "2030-01-01T")
        request_ids = [step[2] for step in one if step[0] != "settle"]
        self.assertTrue(all(request_ids), request_ids)
        self.assertEqual(len(set(request_ids)), len(request_ids))

        other = self.seeded_run(43)
        self.assertEqual([step[1] for step in other], [step[1] for step in one])

        def ids(run):
            return [json.loads(run[i][3])["pipelineExecutionId"] for i in (1, 2)]
        self.assertNotEqual(ids(one), ids(other))
        self.assertTrue(set(ids(one)).isdisjoint(ids(other)))
        self.assertTrue(set(s[2] for s in one if s[2]).isdisjoint(s[2] for s in other if s[2]))

    def state_scenario(self, server):
        """Builds state worth moving: a pipeline with tags mid-run, an approval waiting,
        a custom action type, a webhook, an outcome rule and a fault."""
        cp = server.client()
        cp.create_pipeline(pipeline=approval_pipeline("moved"), tags=[{"key": "k", "value": "v"}])
        cp.create_custom_action_type(**custom_action_type_request())
        cp.put_webhook(**webhook_request("moved-hook", "moved"))
        control = SluiceControl(server.endpoint)
        control.add_outcome({"stage": "Build"}, outputVariables={"IMAGE": "app:7"}, times=5)
        control.add_fault({"operation": "DeleteWebhook"}, error={"type": "ThrottlingException"})
        first = cp.start_pipeline_execution(name="moved")["pipelineExecutionId"]
        control.settle()  # the first waits for its approval
        second = cp.start_pipeline_execution(name="moved")["pipelineExecutionId"]
        control.advance(0.25)  # the second is mid-Source
        return first, second

    def reads(self, server, first, second):
        """The raw bytes of every read a dashboard makes, and the controls' lists."""
        bodies = []
        for operation, body in (
                ("GetPipeline", {"name": "moved"}),
                ("GetPipelineState", {"name": "moved"}),
                ("ListPipelineExecutions", {"pipelineName": "moved"}),
                ("GetPipelineExecution", {"pipelineName": "moved", "pipelineExecutionId": first}),
                ("GetPipelineExecution", {"pipelineName": "moved", "pipelineExecutionId": second}),
                ("ListActionExecutions", {"pipelineName": "moved"}),
                ("ListActionTypes", {"actionOwnerFilter": "Custom"}),
                ("ListWebhooks", {}),
                ("ListTagsForResource", {"resourceArn": "arn:aws:codepipeline:us-east-1:"
                                                        "000000000000:moved"})):
            # One Host for both servers: webhook URLs start with the host the
            # client reached, and the two servers listen on different ports.
            status, _, data = server.raw(body, target=TARGET_PREFIX + operation,
                                         headers={"Host": "sluice.test:4599"})
            self.assertEqual(status, 200, data)
            bodies.append((operation, data))
        for path in ("/_sluice/outcomes", "/_sluice/faults", "/_sluice/clock"):
            bodies.append((path, self.control_call(server, "GET", path)[1]))
        return bodies

    def test_a_state_document_moves_to_a_fresh_server_and_goes_on_alike(self):
        origin = self.own_server("--clock", "manual", "--clock-start", "2030-01-01T00:00:00Z",
                                 "--seed", "7", "--start-on-create", "false")
        first, second = self.state_scenario(origin)
        status, document = self.control_call(origin, "GET", "/_sluice/state")
        self.assertEqual(status, 200)
        self.assertEqual(document["format"], 1)
        # A fresh server elsewhere in time and without a seed takes all of it.
        copy = self.own_server("--clock", "manual", "--start-on-create", "false")
        status, loaded = self.control_call(copy, "PUT", "/_sluice/state", document)
        self.assertEqual(status, 200, loaded)
        self.assertEqual(loaded["loaded"], {"pipelines": 1, "executions": 2})
        # Controls draw no ids; each AWS read below draws its request id.
        self.assertEqual(self.control_call(copy, "GET", "/_sluice/state")[1], document)
        self.assertEqual(self.reads(copy, first, second), self.reads(origin, first, second))

        # The same requests from here give the same answers, ids included.
        def go_on(server):
            cp = server.client()
            control = SluiceControl(server.endpoint)
            answers = [control.settle()]
            token = approval_token(cp, "moved")
            cp.put_approval_result(pipelineName="moved", stageName="Approve", actionName="Approve",
                                   result={"summary": "ok", "status": "Approved"}, token=token)
            answers.append(cp.start_pipeline_execution(
                name="moved", clientRequestToken="same-token")["pipelineExecutionId"])
            answers.append(control.advance(8 * 24 * 3600))
            return answers + self.reads(server, first, second)
        self.assertEqual(go_on(copy), go_on(origin))
        statuses = [s["status"] for s in origin.client().list_pipeline_executions(
            pipelineName="moved")["pipelineExecutionSummaries"]]
        # Newest first: the third waits on its own approval, the second's timed
        # out a week after it entered the stage, the first was approved.
        self.assertEqual(statuses, ["InProgress", "Failed", "Succeeded"])

    def test_a_bad_state_document_is_refused_and_changes_nothing(self):
        server = self.own_server("--clock", "manual", "--start-on-create", "false")
        self.state_scenario(server)
        before = self.control_call(server, "GET", "/_sluice/state")[1]
        spoiled_run = json.loads(json.dumps(before))
        spoiled_run["engine"]["pipelines"][0]["runs"][0]["stages"][0]["actions"][0]["action"] = 5
        for document, field, says in (
                (dict(before, format=2), "format", "format 1"),
                ({"format": 1}, "pipelines", "required"),
                (spoiled_run, None, "names no action"),
                ([], None, "object")):
            with self.subTest(says=says):
                status, answer = self.control_call(server, "PUT", "/_sluice/state", document)
                self.assertEqual(status, 400, answer)
                self.assertEqual(answer["field"], field)
                self.assertIn(says, answer["message"])
                self.assertEqual(self.control_call(server, "GET", "/_sluice/state")[1], before)
        status, answer = self.control_call(server, "POST", "/_sluice/state", {})
        self.assertEqual(status, 405)

    def test_init_dir_loads_a_state_document(self):
        origin = self.own_server("--clock", "manual", "--start-on-create", "false")
        first, second = self.state_scenario(origin)
        document = self.control_call(origin, "GET", "/_sluice/state")[1]
        directory = temp_dir(self)
        write_json_file(directory, "state.json", document)
        copy = self.own_server("--clock", "manual", "--init-dir", directory)
        self.assertEqual(self.reads(copy, first, second), self.reads(origin, first, second))

    def test_control_off(self):
        for server in (self.own_server("--control", "off"),
                       self.own_server(env={"SLUICE_CONTROL": "off"})):
            status, answer = self.control_call(server, "POST", "/_sluice/reset", {})
            self.assertEqual(status, 404, answer)
            self.assertEqual(answer["error"], "NotFound")
            self.assertIn("--control off", answer["message"])
            for method, path in (("GET", "/_sluice/outcomes"), ("POST", "/_sluice/clock/settle"),
                                 ("GET", "/_sluice/clock")):
                self.assertEqual(self.control_call(server, method, path)[0], 404, path)
            status, health = self.control_call(server, "GET", "/_sluice/health")
            self.assertEqual(status, 200)
            self.assertEqual(health["status"], "ok")
            # The API itself is untouched.
            self.assertEqual(server.client().list_pipelines()["pipelines"], [])

    def test_init_dir(self):
        directory = temp_dir(self)
        tags = [{"key": "team", "value": "infra"}, {"key": "env", "value": "dev"}]
        write_json_file(directory, "01-pipeline.json",
                        {"pipeline": pipeline_decl("seeded-app"), "tags": tags})
        write_json_file(directory, "02-action-type.json", custom_action_type_request())
        write_json_file(directory, "03-webhook.json", webhook_request("seeded-hook", "seeded-app"))
        write_json_file(directory, "notes.txt", {"ignored": True})
        server = self.own_server("--init-dir", directory)
        rc, got, stderr = server.aws("codepipeline", "get-pipeline", "--name", "seeded-app")
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(got["pipeline"]["name"], "seeded-app")
        self.assertEqual([s["name"] for s in got["pipeline"]["stages"]], ["Source", "Build"])
        arn = got["metadata"]["pipelineArn"]
        cp = server.client()
        self.assertEqual(sorted((t["key"], t["value"]) for t in
                                cp.list_tags_for_resource(resourceArn=arn)["tags"]),
                         [("env", "dev"), ("team", "infra")])
        custom = cp.list_action_types(actionOwnerFilter="Custom")["actionTypes"]
        self.assertEqual([t["id"] for t in custom], [{"category": "Build", "owner": "Custom",
                                                      "provider": "SeededCI", "version": "1"}])
        webhooks = cp.list_webhooks()["webhooks"]
        self.assertEqual([(w["definition"]["name"], w["definition"]["targetPipeline"])
                          for w in webhooks], [("seeded-hook", "seeded-app")])

    def test_init_dir_with_a_bad_file_stops_the_start(self):
        directory = temp_dir(self)
        write_json_file(directory, "01-good.json", {"pipeline": pipeline_decl("good-one")})
        write_json_file(directory, "02-bad.json", {"pipeline": pipeline_decl("bad name!")})
        write_json_file(directory, "03-never.json", {"pipeline": pipeline_decl("never")})
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        try:
            done = subprocess.run([SLUICE_BIN, "--port", "0", "--init-dir", directory],
                                  capture_output=True, text=True, timeout=10, env=env)
        except subprocess.TimeoutExpired as expired:
            self.fail(f"sluice kept running with a bad --init-dir: {expired.stdout!r}")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertNotIn(ADDRESS_PREFIX, done.stdout)
        self.assertEqual(done.stdout, "")
        self.assertIn("sluice: --init-dir ", done.stderr)
        self.assertIn("02-bad.json", done.stderr)
        self.assertIn("CreatePipeline failed: ValidationException: ", done.stderr)
        self.assertNotIn("01-good.json", done.stderr)

    def test_the_example_init_dir_loads(self):
        server = self.own_server("--init-dir", os.path.join(REPO, "examples", "init"))
        pipeline = server.client().get_pipeline(name="app")["pipeline"]
        self.assertEqual(pipeline["name"], "app")
        self.assertEqual([s["name"] for s in pipeline["stages"]], ["Source", "Build"])


if __name__ == "__main__":
    unittest.main()
