"""Action types and rule types through boto3 and aws-cli."""

import unittest

from botocore.exceptions import ClientError

from sluice_server import ServerTestCase, pipeline_decl, temp_dir, write_json_file


def custom_type(provider="Jenkins", version="1", category="Build", **extra):
    request = {
        "category": category,
        "provider": provider,
        "version": version,
        "settings": {
            "entityUrlTemplate": "https://ci.example.com/job/{Config:ProjectName}",
            "executionUrlTemplate": "https://ci.example.com/job/{Config:ProjectName}/{ExternalExecutionId}",
        },
        "configurationProperties": [
            {"name": "ProjectName", "required": True, "key": True, "secret": False,
             "queryable": True, "description": "The Jenkins project", "type": "String"},
            {"name": "ApiToken", "required": False, "key": False, "secret": True},
        ],
        "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
        "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    }
    request.update(extra)
    return request


class ActionTypesTest(ServerTestCase):

    def client(self, account):
        return self.server.client(access_key=account)

    def test_create_get_list_delete(self):
        cp = self.client("111100000001")
        created = cp.create_custom_action_type(
            **custom_type(tags=[{"key": "team", "value": "ci"}]))
        action_type = created["actionType"]
        self.assertEqual(action_type["id"], {"category": "Build", "owner": "Custom",
                                             "provider": "Jenkins", "version": "1"})
        self.assertEqual(action_type["settings"]["entityUrlTemplate"],
                         "https://ci.example.com/job/{Config:ProjectName}")
        self.assertEqual([p["name"] for p in action_type["actionConfigurationProperties"]],
                         ["ProjectName", "ApiToken"])
        self.assertTrue(action_type["actionConfigurationProperties"][0]["queryable"])
        self.assertTrue(action_type["actionConfigurationProperties"][1]["secret"])
        self.assertEqual(action_type["inputArtifactDetails"], {"minimumCount": 0, "maximumCount": 1})
        self.assertEqual(created["tags"], [{"key": "team", "value": "ci"}])

        custom = cp.list_action_types(actionOwnerFilter="Custom")["actionTypes"]
        self.assertEqual(custom, [action_type])

        # Creating the same definition again answers the existing type.
        again = cp.create_custom_action_type(**custom_type())
        self.assertEqual(again["actionType"], action_type)

        cp.delete_custom_action_type(category="Build", provider="Jenkins", version="1")
        self.assertEqual(cp.list_action_types(actionOwnerFilter="Custom")["actionTypes"], [])
        # Deleting again, or something that never existed, succeeds.
        cp.delete_custom_action_type(category="Build", provider="Jenkins", version="1")
        cp.delete_custom_action_type(category="Deploy", provider="Never", version="9")

    def test_deleted_version_cannot_be_reused_for_a_new_definition(self):
        cp = self.client("111100000002")
        cp.create_custom_action_type(**custom_type())
        cp.delete_custom_action_type(category="Build", provider="Jenkins", version="1")
        changed = custom_type(outputArtifactDetails={"minimumCount": 1, "maximumCount": 1})
        with self.assertRaises(ClientError) as ctx:
            cp.create_custom_action_type(**changed)
        self.assertClientError(ctx, "ValidationException", "never used")
        # The identical definition restores it; a new version is always free.
        cp.create_custom_action_type(**custom_type())
        cp.create_custom_action_type(**dict(changed, version="2"))
        versions = sorted(t["id"]["version"] for t in
                          cp.list_action_types(actionOwnerFilter="Custom")["actionTypes"])
        self.assertEqual(versions, ["1", "2"])

    def test_conflicting_definition_of_a_live_type(self):
        cp = self.client("111100000003")
        cp.create_custom_action_type(**custom_type())
        with self.assertRaises(ClientError) as ctx:
            cp.create_custom_action_type(
                **custom_type(inputArtifactDetails={"minimumCount": 1, "maximumCount": 1}))
        self.assertClientError(ctx, "ValidationException", "already exists")

    def test_definition_errors(self):
        cp = self.client("111100000004")
        with self.assertRaises(ClientError) as ctx:
            cp.create_custom_action_type(
                **custom_type(inputArtifactDetails={"minimumCount": 2, "maximumCount": 1}))
        self.assertClientError(ctx, "ValidationException", "minimumCount")
        with self.assertRaises(ClientError) as ctx:
            cp.create_custom_action_type(
                **custom_type(inputArtifactDetails={"minimumCount": 0, "maximumCount": 6}))
        self.assertClientError(ctx, "ValidationException",
                               "Member must have value less than or equal to 5")

    def test_tag_errors(self):
        cp = self.client("111100000005")
        with self.assertRaises(ClientError) as ctx:
            cp.create_custom_action_type(**custom_type(tags=[{"key": "aws:x", "value": "y"}]))
        self.assertClientError(ctx, "InvalidTagsException")
        tags = [{"key": f"k{i}", "value": "v"} for i in range(51)]
        with self.assertRaises(ClientError) as ctx:
            cp.create_custom_action_type(**custom_type(tags=tags))
        self.assertClientError(ctx, "TooManyTagsException")

    def test_quota_of_50_custom_types_per_region(self):
        cp = self.client("111100000006")
        for i in range(50):
            cp.create_custom_action_type(**custom_type(provider=f"P{i:02d}"))
        with self.assertRaises(ClientError) as ctx:
            cp.create_custom_action_type(**custom_type(provider="P50"))
        self.assertClientError(ctx, "LimitExceededException")
        # Another Region has its own quota; a deletion frees a place.
        self.server.client(access_key="111100000006", region="eu-west-1") \
            .create_custom_action_type(**custom_type(provider="P50"))
        cp.delete_custom_action_type(category="Build", provider="P00", version="1")
        cp.create_custom_action_type(**custom_type(provider="P50"))

    def test_list_has_built_in_types_and_pages(self):
        cp = self.client("111100000007")
        for i in range(25):
            cp.create_custom_action_type(**custom_type(provider=f"Page{i:02d}"))
        first = cp.list_action_types()
        self.assertIn("nextToken", first)
        self.assertEqual(len(first["actionTypes"]), 50)
        second = cp.list_action_types(nextToken=first["nextToken"])
        self.assertNotIn("nextToken", second)
        everything = first["actionTypes"] + second["actionTypes"]
        ids = [tuple(t["id"][k] for k in ("owner", "category", "provider", "version"))
               for t in everything]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn(("AWS", "Build", "CodeBuild", "1"), ids)
        self.assertIn(("AWS", "Source", "CodeStarSourceConnection", "1"), ids)
        self.assertIn(("AWS", "Approval", "Manual", "1"), ids)
        self.assertIn(("ThirdParty", "Source", "GitHub", "1"), ids)
        self.assertEqual(sum(1 for i in ids if i[0] == "Custom"), 25)
        # The paginator walks the same pages.
        paged = [t for page in cp.get_paginator("list_action_types").paginate()
                 for t in page["actionTypes"]]
        self.assertEqual(paged, everything)

        codebuild = next(t for t in everything if t["id"]["provider"] == "CodeBuild"
                         and t["id"]["category"] == "Build")
        names = {p["name"]: p for p in codebuild["actionConfigurationProperties"]}
        self.assertTrue(names["ProjectName"]["required"])
        self.assertFalse(names["PrimarySource"]["required"])
        self.assertIn("{Config:ProjectName}", codebuild["settings"]["entityUrlTemplate"])

        for owner in ("AWS", "ThirdParty", "Custom"):
            listed = cp.list_action_types(actionOwnerFilter=owner)["actionTypes"]
            self.assertTrue(listed)
            self.assertTrue(all(t["id"]["owner"] == owner for t in listed), owner)

        with self.assertRaises(ClientError) as ctx:
            cp.list_action_types(nextToken="not-a-token")
        self.assertClientError(ctx, "InvalidNextTokenException")

    def test_region_filter(self):
        cp = self.client("111100000008")
        self.server.client(access_key="111100000008", region="ap-southeast-2") \
            .create_custom_action_type(**custom_type(provider="Sydney"))
        here = cp.list_action_types(actionOwnerFilter="Custom")["actionTypes"]
        self.assertEqual(here, [])
        there = cp.list_action_types(actionOwnerFilter="Custom",
                                     regionFilter="ap-southeast-2")["actionTypes"]
        self.assertEqual([t["id"]["provider"] for t in there], ["Sydney"])

    def test_get_action_type(self):
        cp = self.client("111100000009")
        got = cp.get_action_type(category="Build", owner="AWS", provider="CodeBuild",
                                 version="1")["actionType"]
        self.assertEqual(got["id"], {"category": "Build", "owner": "AWS",
                                     "provider": "CodeBuild", "version": "1"})
        self.assertEqual(got["executor"]["type"], "JobWorker")
        self.assertEqual(got["inputArtifactDetails"], {"minimumCount": 1, "maximumCount": 5})
        project = next(p for p in got["properties"] if p["name"] == "ProjectName")
        self.assertEqual((project["optional"], project["noEcho"]), (False, False))

        github = cp.get_action_type(category="Source", owner="ThirdParty", provider="GitHub",
                                    version="1")["actionType"]
        token = next(p for p in github["properties"] if p["name"] == "OAuthToken")
        self.assertTrue(token["noEcho"])

        with self.assertRaises(ClientError) as ctx:
            cp.get_action_type(category="Build", owner="AWS", provider="CodeBuild", version="2")
        self.assertClientError(ctx, "ActionTypeNotFoundException")
        with self.assertRaises(ClientError) as ctx:
            cp.get_action_type(category="Build", owner="Custom", provider="Jenkins", version="1")
        self.assertClientError(ctx, "ValidationException")

    def test_update_action_type(self):
        cp = self.client("111100000010")
        ident = {"category": "Source", "owner": "ThirdParty", "provider": "GitHub",
                 "version": "1"}
        declaration = cp.get_action_type(**ident)["actionType"]
        declaration["description"] = "GitHub through our proxy"
        declaration["urls"] = {"configurationUrl": "https://proxy.example.com",
                               "entityUrlTemplate": "https://proxy.example.com/{Config:Repo}"}
        declaration["permissions"] = {"allowedAccounts": ["111100000010"]}
        declaration["executor"] = {
            "type": "Lambda", "jobTimeout": 900,
            "configuration": {"lambdaExecutorConfiguration": {
                "lambdaFunctionArn": "arn:aws:lambda:us-east-1:111100000010:function:proxy"}}}
        cp.update_action_type(actionType=declaration)
        self.assertEqual(cp.get_action_type(**ident)["actionType"], declaration)
        # The listing shows the same record in the other shape.
        listed = next(t for t in cp.list_action_types(actionOwnerFilter="ThirdParty")["actionTypes"]
                      if t["id"] == ident)
        self.assertEqual(listed["settings"]["thirdPartyConfigurationUrl"],
                         "https://proxy.example.com")
        # Other accounts keep the original.
        other = self.client("111100000011").get_action_type(**ident)["actionType"]
        self.assertNotEqual(other.get("description"), "GitHub through our proxy")

        missing = dict(declaration, id=dict(ident, provider="NoSuchProvider"))
        with self.assertRaises(ClientError) as ctx:
            cp.update_action_type(actionType=missing)
        self.assertClientError(ctx, "ActionTypeNotFoundException")

        aws_owned = cp.get_action_type(category="Build", owner="AWS", provider="CodeBuild",
                                       version="1")["actionType"]
        with self.assertRaises(ClientError) as ctx:
            cp.update_action_type(actionType=aws_owned)
        self.assertClientError(ctx, "RequestFailedException")

        inverted = dict(declaration, outputArtifactDetails={"minimumCount": 2, "maximumCount": 1})
        with self.assertRaises(ClientError) as ctx:
            cp.update_action_type(actionType=inverted)
        self.assertClientError(ctx, "ValidationException")

    def test_list_rule_types(self):
        cp = self.client("111100000012")
        rules = cp.list_rule_types()["ruleTypes"]
        providers = sorted(r["id"]["provider"] for r in rules)
        self.assertEqual(providers, ["CloudWatchAlarm", "CodeBuild", "Commands",
                                     "DeploymentWindow", "LambdaInvoke", "VariableCheck"])
        for rule in rules:
            self.assertEqual((rule["id"]["category"], rule["id"]["owner"], rule["id"]["version"]),
                             ("Rule", "AWS", "1"))
        check = next(r for r in rules if r["id"]["provider"] == "VariableCheck")
        self.assertEqual(sorted(p["name"] for p in check["ruleConfigurationProperties"]),
                         ["Operator", "Value", "Variable"])
        self.assertEqual(cp.list_rule_types(ruleOwnerFilter="AWS", regionFilter="eu-west-1")
                         ["ruleTypes"], rules)
        with self.assertRaises(ClientError) as ctx:
            cp.list_rule_types(ruleOwnerFilter="Custom")
        self.assertClientError(ctx, "ValidationException")


class CustomActionsInPipelinesTest(ServerTestCase):
    """Pipelines using the account's custom action types."""

    server_args = ("--start-on-create", "false")
    ACCOUNT = "111100000077"

    def setUp(self):
        self.cp = self.server.client(access_key=self.ACCOUNT)

    @staticmethod
    def custom_build(configuration, inputs=("SourceOutput",), outputs=(), version="3"):
        return {
            "name": "Check",
            "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Checker",
                             "version": version},
            "configuration": configuration,
            "inputArtifacts": [{"name": n} for n in inputs],
            "outputArtifacts": [{"name": n} for n in outputs],
        }

    def declaration(self, name, action):
        decl = pipeline_decl(name)
        decl["stages"][1]["actions"] = [action]
        return decl

    def create_checker(self, version="3"):
        self.cp.create_custom_action_type(**custom_type(
            provider="Checker", version=version,
            inputArtifactDetails={"minimumCount": 1, "maximumCount": 2},
            outputArtifactDetails={"minimumCount": 0, "maximumCount": 0}))

    def assertRefused(self, decl, message):
        with self.assertRaises(ClientError) as ctx:
            self.cp.create_pipeline(pipeline=decl)
        self.assertClientError(ctx, "InvalidActionDeclarationException", message)

    def test_live_custom_type_is_accepted_and_checked(self):
        self.create_checker()
        ok = self.declaration("uses-checker", self.custom_build(
            {"ProjectName": "proj", "ApiToken": "t"}))
        created = self.cp.create_pipeline(pipeline=ok)["pipeline"]
        self.assertEqual(created["stages"][1]["actions"][0]["actionTypeId"]["owner"], "Custom")
        self.cp.update_pipeline(pipeline=dict(ok, stages=ok["stages"]))

        self.assertRefused(self.declaration("missing", self.custom_build({"ApiToken": "t"})),
                           "Action configuration for action 'Check' is missing required "
                           "configuration 'ProjectName'")
        self.assertRefused(self.declaration("unknown", self.custom_build(
            {"ProjectName": "proj", "Colour": "blue"})),
            "Action configuration for action 'Check' contains unknown configuration 'Colour'")
        self.assertRefused(self.declaration("no-inputs", self.custom_build(
            {"ProjectName": "proj"}, inputs=())),
            "Action Check declares 0 input artifacts which is less than the minimum count (1)")
        self.assertRefused(self.declaration("outputs", self.custom_build(
            {"ProjectName": "proj"}, outputs=("Out",))),
            "Action Check declares 1 output artifacts which is more than the maximum count (0)")

    def test_unknown_deleted_and_foreign_types_are_not_available(self):
        unavailable = ("ActionType (Category: 'Build', Provider: 'Checker', Owner: 'Custom', "
                       "Version: '4') in action 'Check' is not available in region 'US_EAST_1'")
        decl = self.declaration("checker-4", self.custom_build({"ProjectName": "p"}, version="4"))
        self.assertRefused(decl, unavailable)

        self.create_checker(version="4")
        other = self.server.client(access_key="111100000078")
        with self.assertRaises(ClientError) as ctx:
            other.create_pipeline(pipeline=decl)
        self.assertClientError(ctx, "InvalidActionDeclarationException", unavailable)
        self.cp.create_pipeline(pipeline=decl)

        self.cp.delete_custom_action_type(category="Build", provider="Checker", version="4")
        with self.assertRaises(ClientError) as ctx:
            self.cp.update_pipeline(pipeline=decl)
        self.assertClientError(ctx, "InvalidActionDeclarationException", unavailable)
        # The pipeline that used it stays as it was.
        self.assertEqual(self.cp.get_pipeline(name="checker-4")["pipeline"]["version"], 1)


class ActionTypesCliTest(ServerTestCase):

    def test_cli_create_list_get_delete(self):
        account = "222200000001"
        path = write_json_file(temp_dir(self), "custom.json", custom_type(provider="CliCI"))
        rc, out, err = self.server.aws("codepipeline", "create-custom-action-type",
                                       "--cli-input-json", f"file://{path}", access_key=account)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["actionType"]["id"]["owner"], "Custom")

        rc, out, err = self.server.aws("codepipeline", "list-action-types",
                                       "--action-owner-filter", "Custom", access_key=account)
        self.assertEqual(rc, 0, err)
        self.assertEqual([t["id"]["provider"] for t in out["actionTypes"]], ["CliCI"])

        rc, out, err = self.server.aws("codepipeline", "get-action-type", "--category", "Deploy",
                                       "--owner", "AWS", "--provider", "ECS", "--action-version",
                                       "1", access_key=account)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["actionType"]["id"]["provider"], "ECS")

        rc, out, err = self.server.aws("codepipeline", "list-rule-types", access_key=account)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out["ruleTypes"]), 6)

        rc, _, err = self.server.aws("codepipeline", "delete-custom-action-type", "--category",
                                     "Build", "--provider", "CliCI", "--action-version", "1",
                                     access_key=account)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.server.aws("codepipeline", "list-action-types",
                                       "--action-owner-filter", "Custom", access_key=account)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["actionTypes"], [])

        rc, _, err = self.server.aws("codepipeline", "get-action-type", "--category", "Build",
                                     "--owner", "AWS", "--provider", "Nope", "--action-version",
                                     "1", access_key=account)
        self.assertNotEqual(rc, 0)
        self.assertIn("ActionTypeNotFoundException", err)


if __name__ == "__main__":
    unittest.main()
