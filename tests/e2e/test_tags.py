"""Tagging through boto3 and aws-cli: TagResource, UntagResource and
ListTagsForResource on pipelines, webhooks and custom action types."""

import unittest

from botocore.exceptions import ClientError

from sluice_server import ServerTestCase, pipeline_decl

ACCOUNT = "246813579135"


def arn(name, account=ACCOUNT, region="us-east-1"):
    return f"arn:aws:codepipeline:{region}:{account}:{name}"


def webhook(name, pipeline):
    return {
        "name": name, "targetPipeline": pipeline, "targetAction": "Source",
        "filters": [{"jsonPath": "$.ref"}], "authentication": "UNAUTHENTICATED",
        "authenticationConfiguration": {},
    }


class TagsTestCase(ServerTestCase):

    def setUp(self):
        self.cp = self.server.client(access_key=ACCOUNT)

    def tags_of(self, resource_arn):
        return self.cp.list_tags_for_resource(resourceArn=resource_arn)["tags"]


class PipelineTagsTest(TagsTestCase):

    def test_tags_from_creation_then_tag_and_untag(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("tag-life"),
                                tags=[{"key": "team", "value": "a"}])
        self.assertEqual(self.tags_of(arn("tag-life")), [{"key": "team", "value": "a"}])
        self.cp.tag_resource(resourceArn=arn("tag-life"),
                             tags=[{"key": "team", "value": "b"}, {"key": "env", "value": "dev"}])
        self.assertEqual(self.tags_of(arn("tag-life")),
                         [{"key": "env", "value": "dev"}, {"key": "team", "value": "b"}])
        self.cp.untag_resource(resourceArn=arn("tag-life"), tagKeys=["team", "not-there"])
        self.assertEqual(self.tags_of(arn("tag-life")), [{"key": "env", "value": "dev"}])
        # GetPipeline does not carry tags.
        got = self.cp.get_pipeline(name="tag-life")
        self.assertNotIn("tags", got)
        self.assertNotIn("tags", got["pipeline"])

    def test_untagged_pipeline_lists_no_tags(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("bare"))
        self.assertEqual(self.tags_of(arn("bare")), [])

    def test_pages(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("paged"),
                                tags=[{"key": k, "value": k.upper()} for k in "edcba"])
        first = self.cp.list_tags_for_resource(resourceArn=arn("paged"), maxResults=2)
        self.assertEqual([t["key"] for t in first["tags"]], ["a", "b"])
        second = self.cp.list_tags_for_resource(resourceArn=arn("paged"), maxResults=2,
                                                nextToken=first["nextToken"])
        self.assertEqual([t["key"] for t in second["tags"]], ["c", "d"])
        third = self.cp.list_tags_for_resource(resourceArn=arn("paged"), maxResults=2,
                                               nextToken=second["nextToken"])
        self.assertEqual(third["tags"], [{"key": "e", "value": "E"}])
        self.assertNotIn("nextToken", third)
        paginator = self.cp.get_paginator("list_tags_for_resource")
        keys = [t["key"] for page in paginator.paginate(
            resourceArn=arn("paged"), PaginationConfig={"PageSize": 2}) for t in page["tags"]]
        self.assertEqual(keys, ["a", "b", "c", "d", "e"])
        with self.assertRaises(ClientError) as ctx:
            self.cp.list_tags_for_resource(resourceArn=arn("paged"), nextToken="bogus")
        self.assertClientError(ctx, "InvalidNextTokenException")

    def test_fifty_tags_at_most_after_the_merge(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("full"),
                                tags=[{"key": f"k{i}", "value": "v"} for i in range(49)])
        # Overwriting existing keys does not add to the count.
        self.cp.tag_resource(resourceArn=arn("full"),
                             tags=[{"key": "k0", "value": "w"}, {"key": "k49", "value": "v"}])
        with self.assertRaises(ClientError) as ctx:
            self.cp.tag_resource(resourceArn=arn("full"), tags=[{"key": "k50", "value": "v"}])
        self.assertClientError(ctx, "TooManyTagsException", arn("full"))
        self.assertEqual(len(self.tags_of(arn("full"))), 50)

    def test_system_tags_refused(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("sys"))
        with self.assertRaises(ClientError) as ctx:
            self.cp.tag_resource(resourceArn=arn("sys"), tags=[{"key": "aws:x", "value": "v"}])
        self.assertClientError(ctx, "InvalidTagsException")
        with self.assertRaises(ClientError) as ctx:
            self.cp.untag_resource(resourceArn=arn("sys"), tagKeys=["aws:x"])
        self.assertClientError(ctx, "InvalidTagsException")
        with self.assertRaises(ClientError) as ctx:
            self.cp.tag_resource(resourceArn=arn("sys"),
                                 tags=[{"key": "a", "value": "1"}, {"key": "a", "value": "2"}])
        self.assertClientError(ctx, "InvalidTagsException")
        self.assertEqual(self.tags_of(arn("sys")), [])

    def test_deleting_a_pipeline_drops_its_tags(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("reborn"),
                                tags=[{"key": "old", "value": "1"}])
        self.cp.tag_resource(resourceArn=arn("reborn"), tags=[{"key": "older", "value": "2"}])
        self.cp.delete_pipeline(name="reborn")
        with self.assertRaises(ClientError) as ctx:
            self.tags_of(arn("reborn"))
        self.assertClientError(ctx, "ResourceNotFoundException", "reborn")
        self.cp.create_pipeline(pipeline=pipeline_decl("reborn"))
        self.assertEqual(self.tags_of(arn("reborn")), [])


class WebhookTagsTest(TagsTestCase):

    def test_webhook_tags(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("hook-target"))
        self.cp.put_webhook(webhook=webhook("tagged-hook", "hook-target"),
                            tags=[{"key": "w", "value": "1"}])
        hook_arn = arn("webhook:tagged-hook")
        self.assertEqual(self.tags_of(hook_arn), [{"key": "w", "value": "1"}])
        self.cp.tag_resource(resourceArn=hook_arn, tags=[{"key": "x", "value": "2"}])
        self.cp.untag_resource(resourceArn=hook_arn, tagKeys=["w"])
        self.assertEqual(self.tags_of(hook_arn), [{"key": "x", "value": "2"}])
        listed = self.cp.list_webhooks()["webhooks"]
        self.assertEqual(listed[0]["tags"], [{"key": "x", "value": "2"}])
        self.cp.delete_webhook(name="tagged-hook")
        with self.assertRaises(ClientError) as ctx:
            self.tags_of(hook_arn)
        self.assertClientError(ctx, "ResourceNotFoundException", "tagged-hook")


class ActionTypeTagsTest(TagsTestCase):

    def test_custom_action_type_tags(self):
        self.cp.create_custom_action_type(
            category="Test", provider="Linter", version="1",
            inputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
            outputArtifactDetails={"minimumCount": 0, "maximumCount": 0},
            tags=[{"key": "team", "value": "qa"}])
        type_arn = arn("actiontype:Custom/Test/Linter/1")
        self.assertEqual(self.tags_of(type_arn), [{"key": "team", "value": "qa"}])
        self.cp.tag_resource(resourceArn=type_arn, tags=[{"key": "env", "value": "ci"},
                                                         {"key": "team", "value": "lint"}])
        self.assertEqual(self.tags_of(type_arn), [{"key": "env", "value": "ci"},
                                                  {"key": "team", "value": "lint"}])
        self.cp.untag_resource(resourceArn=type_arn, tagKeys=["env"])
        self.assertEqual(self.tags_of(type_arn), [{"key": "team", "value": "lint"}])
        # Another version is another resource.
        with self.assertRaises(ClientError) as ctx:
            self.tags_of(arn("actiontype:Custom/Test/Linter/2"))
        self.assertClientError(ctx, "ResourceNotFoundException")

        self.cp.delete_custom_action_type(category="Test", provider="Linter", version="1")
        with self.assertRaises(ClientError) as ctx:
            self.tags_of(type_arn)
        self.assertClientError(ctx, "ResourceNotFoundException")


class ArnErrorsTest(TagsTestCase):

    def assert_every_operation_fails(self, resource_arn, code, message_contains=None):
        for call in (lambda: self.tags_of(resource_arn),
                     lambda: self.cp.tag_resource(resourceArn=resource_arn,
                                                  tags=[{"key": "k", "value": "v"}]),
                     lambda: self.cp.untag_resource(resourceArn=resource_arn, tagKeys=["k"])):
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertClientError(ctx, code, message_contains)

    def test_resource_not_found(self):
        for resource_arn in (arn("no-such-pipeline"), arn("webhook:no-such-hook"),
                             arn("actiontype:Custom/Build/NoSuchTool/1"),
                             arn("tag-elsewhere", account="999999999999"),
                             arn("tag-elsewhere", region="eu-west-1")):
            self.assert_every_operation_fails(resource_arn, "ResourceNotFoundException")

    def test_invalid_arn(self):
        for resource_arn in (arn("a/b"), arn("stage:x"), arn("webhook:a:b"),
                             "arn:aws:codepipeline:us-east-1:x:246813579135:p",
                             arn("actiontype:Custom/Build"),
                             "arn:aws:codepipeline:us east:246813579135:p"):
            self.assert_every_operation_fails(resource_arn, "InvalidArnException", resource_arn)

    def test_model_pattern(self):
        for resource_arn in ("not-an-arn", "arn:aws:codebuild:us-east-1:246813579135:p",
                             "arn:aws:codepipeline:us-east-1:2468:p"):
            with self.assertRaises(ClientError) as ctx:
                self.tags_of(resource_arn)
            self.assertClientError(ctx, "ValidationException")


class AwsCliTagsTest(TagsTestCase):

    def run_cli(self, *args):
        return self.server.aws("codepipeline", *args, access_key=ACCOUNT)

    def test_cli_round_trip(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("cli-tags"))
        rc, _, err = self.run_cli("tag-resource", "--resource-arn", arn("cli-tags"),
                                  "--tags", "key=team,value=cli", "key=env,value=test")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.run_cli("list-tags-for-resource", "--resource-arn", arn("cli-tags"))
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["tags"], [{"key": "env", "value": "test"},
                                       {"key": "team", "value": "cli"}])
        rc, _, err = self.run_cli("untag-resource", "--resource-arn", arn("cli-tags"),
                                  "--tag-keys", "env")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.run_cli("list-tags-for-resource", "--resource-arn", arn("cli-tags"))
        self.assertEqual(out["tags"], [{"key": "team", "value": "cli"}])
        rc, _, err = self.run_cli("list-tags-for-resource", "--resource-arn", arn("cli-missing"))
        self.assertNotEqual(rc, 0)
        self.assertIn("ResourceNotFoundException", err)


if __name__ == "__main__":
    unittest.main()
