"""CodePipeline's structural rules for pipeline declarations, one test per rule."""

import unittest

from botocore.exceptions import ClientError

from sluice_server import (ServerTestCase, approval_action, build_action, pipeline_decl,
                           source_action)


def deploy_s3_action(name="Deploy", inputs=("SourceOutput",)):
    return {
        "name": name,
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"BucketName": "site", "Extract": "true"},
        "inputArtifacts": [{"name": n} for n in inputs],
    }


def connection_source(name="Src", output="SourceOutput"):
    return {
        "name": name,
        "actionTypeId": {"category": "Source", "owner": "AWS",
                         "provider": "CodeStarSourceConnection", "version": "1"},
        "configuration": {
            "ConnectionArn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/x",
            "FullRepositoryId": "org/repo",
            "BranchName": "main",
        },
        "outputArtifacts": [{"name": output}],
    }


class StructureRulesTest(ServerTestCase):

    def setUp(self):
        self.cp = self.server.client()

    def assertRejected(self, decl, code, message=None, exact=False):
        """CreatePipeline fails with code; nothing is created; UpdatePipeline agrees."""
        with self.assertRaises(ClientError) as ctx:
            self.cp.create_pipeline(pipeline=decl)
        error = ctx.exception.response["Error"]
        self.assertEqual(error["Code"], code, error)
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        if message is not None:
            if exact:
                self.assertEqual(error["Message"], message)
            else:
                self.assertIn(message, error["Message"])
        with self.assertRaises(ClientError) as missing:
            self.cp.get_pipeline(name=decl["name"])
        self.assertEqual(missing.exception.response["Error"]["Code"], "PipelineNotFoundException")

        # The same declaration is refused as an update of a valid pipeline.
        self.cp.create_pipeline(pipeline=pipeline_decl(decl["name"]))
        try:
            with self.assertRaises(ClientError) as update:
                self.cp.update_pipeline(pipeline=decl)
            self.assertEqual(update.exception.response["Error"]["Code"], code)
            self.assertEqual(self.cp.get_pipeline(name=decl["name"])["pipeline"]["version"], 1)
        finally:
            self.cp.delete_pipeline(name=decl["name"])
        return error["Message"]

    def assertAccepted(self, decl):
        try:
            return self.cp.create_pipeline(pipeline=decl)["pipeline"]
        finally:
            self.cp.delete_pipeline(name=decl["name"])

    # --- the baseline ------------------------------------------------------

    def test_valid_pipeline_accepted(self):
        self.assertAccepted(pipeline_decl("valid"))

    # --- stages ------------------------------------------------------------

    def test_fewer_than_two_stages(self):
        decl = pipeline_decl("one-stage")
        decl["stages"] = decl["stages"][:1]
        self.assertRejected(
            decl, "InvalidStructureException",
            "Pipeline has only 1 stages. There should be a minimum of 2 stages in a pipeline",
            exact=True)

    def test_first_stage_must_be_only_source_actions(self):
        decl = pipeline_decl("mixed-first")
        decl["stages"][0]["actions"].append(approval_action())
        self.assertRejected(decl, "InvalidStructureException",
                            "Pipeline should start with a stage that only contains source actions")

    def test_first_stage_without_source(self):
        decl = pipeline_decl("no-source")
        decl["stages"][0] = {"name": "Approve", "actions": [approval_action()]}
        decl["stages"][1]["actions"] = [approval_action("Approve2")]
        self.assertRejected(decl, "InvalidStructureException",
                            "Pipeline should start with a stage that only contains source actions")

    def test_source_action_outside_first_stage(self):
        decl = pipeline_decl("late-source")
        decl["stages"][1]["actions"].append(source_action("LateSource", output="Other"))
        self.assertRejected(decl, "InvalidStructureException")

    def test_duplicate_stage_names(self):
        decl = pipeline_decl("dup-stages")
        decl["stages"].append({"name": "Build", "actions": [approval_action()]})
        self.assertRejected(decl, "InvalidStageDeclarationException")

    def test_duplicate_action_names_in_stage(self):
        decl = pipeline_decl("dup-actions")
        decl["stages"][1]["actions"].append(build_action("Build"))
        self.assertRejected(decl, "InvalidActionDeclarationException")

    def test_same_action_name_in_different_stages_allowed(self):
        decl = pipeline_decl("same-action-name")
        decl["stages"].append({"name": "Later", "actions": [build_action("Build")]})
        self.assertAccepted(decl)

    # --- action types --------------------------------------------------------

    def test_unknown_provider(self):
        decl = pipeline_decl("bad-provider")
        decl["stages"][1]["actions"][0]["actionTypeId"]["provider"] = "Nope"
        decl["stages"][1]["actions"][0]["name"] = "X"
        self.assertRejected(
            decl, "InvalidActionDeclarationException",
            "ActionType (Category: 'Build', Provider: 'Nope', Owner: 'AWS', Version: '1') in "
            "action 'X' is not available in region 'US_EAST_1'", exact=True)

    def test_unknown_owner(self):
        decl = pipeline_decl("bad-owner")
        decl["stages"][1]["actions"][0]["actionTypeId"]["owner"] = "ThirdParty"
        self.assertRejected(
            decl, "InvalidActionDeclarationException",
            "ActionType (Category: 'Build', Provider: 'CodeBuild', Owner: 'ThirdParty', "
            "Version: '1') in action 'Build' is not available in region 'US_EAST_1'",
            exact=True)

    def test_unknown_version(self):
        decl = pipeline_decl("bad-version")
        decl["stages"][1]["actions"][0]["actionTypeId"]["version"] = "2"
        self.assertRejected(
            decl, "InvalidActionDeclarationException",
            "ActionType (Category: 'Build', Provider: 'CodeBuild', Owner: 'AWS', Version: '2') "
            "in action 'Build' is not available in region 'US_EAST_1'", exact=True)

    def test_unknown_provider_names_callers_region(self):
        cp = self.server.client(region="eu-west-3")
        decl = pipeline_decl("bad-provider-region")
        decl["stages"][1]["actions"][0]["actionTypeId"]["provider"] = "Nope"
        with self.assertRaises(ClientError) as ctx:
            cp.create_pipeline(pipeline=decl)
        self.assertClientError(ctx, "InvalidActionDeclarationException",
                               "is not available in region 'EU_WEST_3'")

    # --- artifacts -----------------------------------------------------------

    def test_too_few_input_artifacts(self):
        decl = pipeline_decl("few-inputs")
        decl["stages"][1]["actions"][0]["name"] = "X"
        decl["stages"][1]["actions"][0]["inputArtifacts"] = []
        self.assertRejected(
            decl, "InvalidActionDeclarationException",
            "Action X declares 0 input artifacts which is less than the minimum count (1)",
            exact=True)

    def test_too_many_output_artifacts(self):
        decl = pipeline_decl("many-outputs")
        decl["stages"][0]["actions"][0]["outputArtifacts"] = [{"name": "A"}, {"name": "B"}]
        decl["stages"][1]["actions"][0]["inputArtifacts"] = [{"name": "A"}]
        self.assertRejected(
            decl, "InvalidActionDeclarationException",
            "Action Source declares 2 output artifacts which is more than the maximum count (1)",
            exact=True)

    def test_source_without_output(self):
        decl = pipeline_decl("source-no-output")
        del decl["stages"][0]["actions"][0]["outputArtifacts"]
        decl["stages"][1]["actions"] = [approval_action()]
        self.assertRejected(
            decl, "InvalidActionDeclarationException",
            "Action Source declares 0 output artifacts which is less than the minimum count (1)",
            exact=True)

    def test_missing_required_configuration(self):
        decl = pipeline_decl("no-project")
        decl["stages"][1]["actions"][0]["configuration"] = {}
        message = self.assertRejected(decl, "InvalidActionDeclarationException")
        self.assertIn("ProjectName", message)

    def test_missing_configuration_entirely(self):
        decl = pipeline_decl("no-config")
        del decl["stages"][1]["actions"][0]["configuration"]
        message = self.assertRejected(decl, "InvalidActionDeclarationException")
        self.assertIn("ProjectName", message)

    def test_input_not_produced_by_preceding_action(self):
        decl = pipeline_decl("orphan-input")
        decl["stages"][1]["actions"][0]["inputArtifacts"] = [{"name": "Nowhere"}]
        message = self.assertRejected(decl, "InvalidStructureException")
        self.assertIn("Nowhere", message)

    def test_input_from_same_run_order_rejected(self):
        decl = pipeline_decl("same-run-order")
        decl["stages"][1]["actions"] = [
            build_action("Compile", outputs=["Compiled"]),
            deploy_s3_action("Ship", inputs=["Compiled"]),
        ]
        self.assertRejected(decl, "InvalidStructureException")

    def test_input_from_earlier_run_order_accepted(self):
        decl = pipeline_decl("earlier-run-order")
        decl["stages"][1]["actions"] = [
            build_action("Compile", outputs=["Compiled"], runOrder=1),
            deploy_s3_action("Ship", inputs=["Compiled"]) | {"runOrder": 2},
        ]
        self.assertAccepted(decl)

    def test_input_from_later_stage_rejected(self):
        decl = pipeline_decl("from-later")
        decl["stages"][1]["actions"] = [deploy_s3_action("Ship", inputs=["Late"])]
        decl["stages"].append({"name": "Later",
                               "actions": [build_action("Make", outputs=["Late"])]})
        self.assertRejected(decl, "InvalidStructureException")

    def test_duplicate_output_artifact_names(self):
        decl = pipeline_decl("dup-outputs")
        decl["stages"][1]["actions"][0]["outputArtifacts"] = [{"name": "SourceOutput"}]
        message = self.assertRejected(decl, "InvalidStructureException")
        self.assertIn("SourceOutput", message)

    def test_duplicate_output_across_actions(self):
        decl = pipeline_decl("dup-outputs-2")
        decl["stages"][1]["actions"] = [
            build_action("B1", outputs=["Out"]),
            build_action("B2", outputs=["Out"]),
        ]
        self.assertRejected(decl, "InvalidStructureException")

    # --- artifact stores ---------------------------------------------------------

    def test_both_artifact_store_and_stores(self):
        decl = pipeline_decl("both-stores")
        decl["artifactStores"] = {"us-east-1": {"type": "S3", "location": "bucket-east"}}
        self.assertRejected(decl, "InvalidStructureException")

    def test_neither_artifact_store_nor_stores(self):
        decl = pipeline_decl("no-store")
        del decl["artifactStore"]
        self.assertRejected(decl, "InvalidStructureException")

    def test_artifact_stores_alone_accepted(self):
        decl = pipeline_decl("stores-map")
        del decl["artifactStore"]
        decl["artifactStores"] = {"us-east-1": {"type": "S3", "location": "bucket-east"}}
        created = self.assertAccepted(decl)
        self.assertEqual(created["artifactStores"], decl["artifactStores"])

    # --- V1 pipelines ----------------------------------------------------------

    def test_v1_queued_rejected(self):
        self.assertRejected(pipeline_decl("v1-queued", pipelineType="V1", executionMode="QUEUED"),
                            "InvalidStructureException")

    def test_v1_parallel_rejected(self):
        self.assertRejected(
            pipeline_decl("v1-parallel", pipelineType="V1", executionMode="PARALLEL"),
            "InvalidStructureException")

    def test_v1_variables_rejected(self):
        decl = pipeline_decl("v1-vars", pipelineType="V1",
                             variables=[{"name": "Color", "defaultValue": "blue"}])
        self.assertRejected(decl, "InvalidStructureException")

    def test_v1_triggers_rejected(self):
        decl = pipeline_decl("v1-triggers", pipelineType="V1")
        decl["stages"][0]["actions"] = [connection_source()]
        decl["triggers"] = [{"providerType": "CodeStarSourceConnection",
                             "gitConfiguration": {"sourceActionName": "Src"}}]
        self.assertRejected(decl, "InvalidStructureException")

    def test_v2_features_accepted(self):
        decl = pipeline_decl("v2-all", pipelineType="V2", executionMode="PARALLEL",
                             variables=[{"name": "Color", "defaultValue": "blue"}])
        decl["stages"][0]["actions"] = [connection_source()]
        decl["triggers"] = [{"providerType": "CodeStarSourceConnection",
                             "gitConfiguration": {"sourceActionName": "Src"}}]
        created = self.assertAccepted(decl)
        self.assertEqual(created["executionMode"], "PARALLEL")
        self.assertEqual(created["variables"], decl["variables"])
        self.assertEqual(created["triggers"], decl["triggers"])

    # --- namespaces -------------------------------------------------------------

    def test_duplicate_namespaces(self):
        decl = pipeline_decl("dup-ns")
        decl["stages"][0]["actions"][0]["namespace"] = "SourceVariables"
        decl["stages"][1]["actions"][0]["namespace"] = "SourceVariables"
        message = self.assertRejected(decl, "InvalidActionDeclarationException")
        self.assertIn("SourceVariables", message)

    def test_distinct_namespaces_accepted(self):
        decl = pipeline_decl("ok-ns")
        decl["stages"][0]["actions"][0]["namespace"] = "SourceVariables"
        decl["stages"][1]["actions"][0]["namespace"] = "BuildVariables"
        created = self.assertAccepted(decl)
        self.assertEqual(created["stages"][1]["actions"][0]["namespace"], "BuildVariables")


if __name__ == "__main__":
    unittest.main()
