"""ListDeployActionExecutionTargets through boto3 and aws-cli: the simulated
targets of deploy actions, found by action execution id."""

import re
import unittest

from botocore.exceptions import ClientError

from execution_helpers import MANUAL_CLOCK, settle_finished
from sluice_server import ServerTestCase, pipeline_decl, source_action

ACCOUNT = "135792468013"
INSTANCE_ID = re.compile(r"^i-[0-9a-f]{17}$")


def deploy_stage(name, provider, configuration):
    return {"name": name, "actions": [{
        "name": name,
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": provider,
                         "version": "1"},
        "configuration": configuration,
        "inputArtifacts": [{"name": "SourceOutput"}],
    }]}


class DeployTargetsTest(ServerTestCase):

    server_args = ("--action-duration-ms", "100", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client(access_key=ACCOUNT)

    def run_pipeline(self, name, *stages):
        decl = pipeline_decl(name, pipelineType="V2")
        decl["stages"] = [{"name": "Source", "actions": [source_action()]}, *stages]
        self.cp.create_pipeline(pipeline=decl)
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        status = settle_finished(self.server, self.cp, name, execution_id)["status"]
        self.assertEqual(status, "Succeeded")
        details = self.cp.list_action_executions(
            pipelineName=name, filter={"pipelineExecutionId": execution_id})
        return {d["actionName"]: d["actionExecutionId"] for d in details["actionExecutionDetails"]}

    def test_ec2_deploy_targets_are_instances_with_lifecycle_events(self):
        ids = self.run_pipeline("ec2-targets", deploy_stage(
            "Fleet", "EC2", {"InstanceTagKey": "Name", "InstanceTagValue": "web",
                             "InstanceType": "EC2", "TargetDirectory": "/srv/app"}))
        targets = self.cp.list_deploy_action_execution_targets(
            pipelineName="ec2-targets", actionExecutionId=ids["Fleet"])["targets"]
        self.assertEqual(len(targets), 2)
        for target in targets:
            self.assertRegex(target["targetId"], INSTANCE_ID)
            self.assertEqual(target["targetType"], "EC2")
            self.assertEqual(target["status"], "Succeeded")
            self.assertLessEqual(target["startTime"], target["endTime"])
            self.assertEqual([e["name"] for e in target["events"]],
                             ["DownloadBundle", "Install", "ValidateService"])
            for event in target["events"]:
                self.assertEqual(event["status"], "Succeeded")
                self.assertIn("ssmCommandId", event["context"])
                self.assertLessEqual(target["startTime"], event["startTime"])
                self.assertLessEqual(event["endTime"], target["endTime"])
        # Repeated calls agree, with or without the pipeline's name.
        again = self.cp.list_deploy_action_execution_targets(
            actionExecutionId=ids["Fleet"])["targets"]
        self.assertEqual(again, targets)

    def test_other_deploy_providers_and_other_actions(self):
        ids = self.run_pipeline("ecs-targets", deploy_stage(
            "Service", "ECS", {"ClusterName": "prod", "ServiceName": "web"}))
        targets = self.cp.list_deploy_action_execution_targets(
            pipelineName="ecs-targets", actionExecutionId=ids["Service"])["targets"]
        self.assertEqual([(t["targetId"], t["targetType"], t["status"]) for t in targets],
                         [("web", "AWS::ECS::Service", "Succeeded")])
        # The source action deploys nothing.
        self.assertEqual(self.cp.list_deploy_action_execution_targets(
            pipelineName="ecs-targets", actionExecutionId=ids["Source"])["targets"], [])

    def test_pages_and_filters(self):
        ids = self.run_pipeline("paged-targets", deploy_stage(
            "Fleet", "EC2", {"InstanceTagKey": "Name", "InstanceType": "EC2"}))
        first = self.cp.list_deploy_action_execution_targets(
            pipelineName="paged-targets", actionExecutionId=ids["Fleet"], maxResults=1)
        self.assertEqual(len(first["targets"]), 1)
        second = self.cp.list_deploy_action_execution_targets(
            pipelineName="paged-targets", actionExecutionId=ids["Fleet"], maxResults=1,
            nextToken=first["nextToken"])
        self.assertEqual(len(second["targets"]), 1)
        self.assertNotIn("nextToken", second)
        self.assertLess(first["targets"][0]["targetId"], second["targets"][0]["targetId"])

        paginator = self.cp.get_paginator("list_deploy_action_execution_targets")
        listed = [t for page in paginator.paginate(actionExecutionId=ids["Fleet"],
                                                   PaginationConfig={"PageSize": 1})
                  for t in page["targets"]]
        self.assertEqual(listed, first["targets"] + second["targets"])

        def filtered(*statuses):
            return self.cp.list_deploy_action_execution_targets(
                actionExecutionId=ids["Fleet"],
                filters=[{"name": "TARGET_STATUS", "values": list(statuses)}])["targets"]
        self.assertEqual(len(filtered("Succeeded")), 2)
        self.assertEqual(filtered("Failed", "InProgress"), [])

        with self.assertRaises(ClientError) as ctx:
            self.cp.list_deploy_action_execution_targets(
                actionExecutionId=ids["Fleet"], nextToken="made-up")
        self.assertClientError(ctx, "InvalidNextTokenException")

    def test_errors(self):
        ids = self.run_pipeline("error-targets", deploy_stage(
            "Bucket", "S3", {"BucketName": "site", "Extract": "true"}))
        with self.assertRaises(ClientError) as ctx:
            self.cp.list_deploy_action_execution_targets(
                pipelineName="no-such-pipeline", actionExecutionId=ids["Bucket"])
        self.assertClientError(ctx, "PipelineNotFoundException")
        for kwargs in ({"pipelineName": "error-targets"}, {}):
            with self.assertRaises(ClientError) as ctx:
                self.cp.list_deploy_action_execution_targets(
                    actionExecutionId="00000000-0000-4000-8000-000000000000", **kwargs)
            self.assertClientError(ctx, "ActionExecutionNotFoundException")
        # Another account does not see the action.
        other = self.server.client(access_key="246801357924")
        with self.assertRaises(ClientError) as ctx:
            other.list_deploy_action_execution_targets(actionExecutionId=ids["Bucket"])
        self.assertClientError(ctx, "ActionExecutionNotFoundException")
        with self.assertRaises(ClientError) as ctx:
            self.cp.list_deploy_action_execution_targets(
                actionExecutionId=ids["Bucket"], maxResults=101)
        self.assertClientError(ctx, "ValidationException")

    def test_aws_cli(self):
        ids = self.run_pipeline("cli-targets", deploy_stage(
            "Bucket", "S3", {"BucketName": "site", "Extract": "true"}))
        rc, out, err = self.server.aws("codepipeline", "list-deploy-action-execution-targets",
                                       "--pipeline-name", "cli-targets",
                                       "--action-execution-id", ids["Bucket"],
                                       access_key=ACCOUNT)
        self.assertEqual(rc, 0, err)
        self.assertEqual([(t["targetId"], t["targetType"]) for t in out["targets"]],
                         [("site", "AWS::S3::Bucket")])


if __name__ == "__main__":
    unittest.main()
