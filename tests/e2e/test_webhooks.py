"""Webhooks through boto3 and aws-cli: PutWebhook, ListWebhooks, DeleteWebhook,
RegisterWebhookWithThirdParty and DeregisterWebhookWithThirdParty."""

import re
import unittest

from botocore.exceptions import ClientError

from sluice_server import (DEFAULT_ACCOUNT, ServerTestCase, pipeline_decl, temp_dir,
                           write_json_file)


def webhook_def(name, pipeline="hooked", action="Source", **extra):
    definition = {
        "name": name,
        "targetPipeline": pipeline,
        "targetAction": action,
        "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{Branch}"}],
        "authentication": "GITHUB_HMAC",
        "authenticationConfiguration": {"SecretToken": "s3cret"},
    }
    definition.update(extra)
    return definition


URL = re.compile(r"^http://127\.0\.0\.1:\d+/webhooks/us-east-1/\d{12}/[A-Za-z0-9.@_-]+\?t=[0-9a-f]{64}&v=1$")


class WebhookTestCase(ServerTestCase):
    pipeline = "hooked"
    access_key = "AKIDEXAMPLE"

    def setUp(self):
        self.cp = self.server.client(access_key=self.access_key)
        try:
            self.cp.create_pipeline(pipeline=pipeline_decl(self.pipeline))
        except ClientError as error:
            if error.response["Error"]["Code"] != "PipelineNameInUseException":
                raise


class PutWebhookTest(WebhookTestCase):

    def test_create_returns_the_webhook(self):
        tags = [{"key": "team", "value": "web"}]
        response = self.cp.put_webhook(webhook=webhook_def("created"), tags=tags)
        webhook = response["webhook"]
        self.assertEqual(webhook["arn"],
                         f"arn:aws:codepipeline:us-east-1:{DEFAULT_ACCOUNT}:webhook:created")
        self.assertRegex(webhook["url"], URL)
        expected = webhook_def("created")
        expected["authenticationConfiguration"] = {"SecretToken": "****"}  # redacted
        self.assertEqual(webhook["definition"], expected)
        self.assertEqual(webhook["tags"], tags)
        for absent in ("errorMessage", "errorCode", "lastTriggered"):
            self.assertNotIn(absent, webhook)

    def test_put_again_replaces_and_keeps_the_url(self):
        first = self.cp.put_webhook(webhook=webhook_def("replaced"))["webhook"]
        self.assertNotIn("tags", first)
        changed = webhook_def("replaced", authentication="IP",
                              authenticationConfiguration={"AllowedIPRange": "10.0.0.0/8"},
                              filters=[{"jsonPath": "$.repository.name"}])
        second = self.cp.put_webhook(webhook=changed,
                                     tags=[{"key": "k", "value": "v"}])["webhook"]
        self.assertEqual(second["url"], first["url"])
        self.assertEqual(second["definition"], changed)
        self.assertEqual(second["tags"], [{"key": "k", "value": "v"}])
        names = [w["definition"]["name"] for w in self.cp.list_webhooks()["webhooks"]]
        self.assertEqual(names.count("replaced"), 1)

    def test_unauthenticated_needs_no_configuration(self):
        definition = webhook_def("open", authentication="UNAUTHENTICATED",
                                 authenticationConfiguration={})
        webhook = self.cp.put_webhook(webhook=definition)["webhook"]
        self.assertEqual(webhook["definition"]["authentication"], "UNAUTHENTICATED")
        self.assertEqual(webhook["definition"]["authenticationConfiguration"], {})

    def test_missing_pipeline(self):
        with self.assertRaises(ClientError) as ctx:
            self.cp.put_webhook(webhook=webhook_def("orphan", pipeline="no-such-pipeline"))
        self.assertClientError(ctx, "PipelineNotFoundException", "no-such-pipeline")

    def test_target_action_must_be_a_source_action(self):
        for action in ("Build", "NoSuchAction"):
            with self.assertRaises(ClientError) as ctx:
                self.cp.put_webhook(webhook=webhook_def("bad-action", action=action))
            self.assertClientError(ctx, "ValidationException", action)

    def test_filter_json_path_must_be_valid(self):
        for path in ("ref", "$.", "$.a[", "$['x]"):
            with self.assertRaises(ClientError) as ctx:
                self.cp.put_webhook(webhook=webhook_def(
                    "bad-filter", filters=[{"jsonPath": path}]))
            self.assertClientError(ctx, "InvalidWebhookFilterPatternException")

    def test_authentication_parameters(self):
        cases = [
            ("GITHUB_HMAC", {}),
            ("GITHUB_HMAC", {"AllowedIPRange": "10.0.0.0/8"}),
            ("IP", {}),
            ("IP", {"AllowedIPRange": "10.0.0.1"}),
            ("IP", {"AllowedIPRange": "300.0.0.0/8"}),
            ("IP", {"SecretToken": "x"}),
        ]
        for authentication, configuration in cases:
            with self.assertRaises(ClientError) as ctx:
                self.cp.put_webhook(webhook=webhook_def(
                    "bad-auth", authentication=authentication,
                    authenticationConfiguration=configuration))
            self.assertClientError(ctx, "InvalidWebhookAuthenticationParametersException")
        ipv6 = webhook_def("ipv6", authentication="IP",
                           authenticationConfiguration={"AllowedIPRange": "2001:db8::/32"})
        self.assertEqual(self.cp.put_webhook(webhook=ipv6)["webhook"]["definition"], ipv6)

    def test_tag_rules(self):
        with self.assertRaises(ClientError) as ctx:
            self.cp.put_webhook(webhook=webhook_def("sys-tag"),
                                tags=[{"key": "aws:x", "value": "v"}])
        self.assertClientError(ctx, "InvalidTagsException")
        with self.assertRaises(ClientError) as ctx:
            self.cp.put_webhook(webhook=webhook_def("many-tags"),
                                tags=[{"key": f"k{i}", "value": "v"} for i in range(51)])
        self.assertClientError(ctx, "TooManyTagsException")
        names = [w["definition"]["name"] for w in self.cp.list_webhooks()["webhooks"]]
        self.assertNotIn("sys-tag", names)
        self.assertNotIn("many-tags", names)

    def test_model_validation(self):
        with self.assertRaises(ClientError) as ctx:
            self.cp.put_webhook(webhook=webhook_def("bad name!"))
        self.assertClientError(ctx, "ValidationException")

    def test_webhook_outlives_its_pipeline(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("short-lived"))
        self.cp.put_webhook(webhook=webhook_def("survivor", pipeline="short-lived"))
        self.cp.delete_pipeline(name="short-lived")
        webhooks = {w["definition"]["name"]: w for w in self.cp.list_webhooks()["webhooks"]}
        self.assertEqual(webhooks["survivor"]["definition"]["targetPipeline"], "short-lived")


class WebhookQuotaTest(WebhookTestCase):
    access_key = "300000000003"

    def test_three_hundred_webhooks_per_region(self):
        for i in range(300):
            self.cp.put_webhook(webhook=webhook_def(f"w{i:03d}"))
        with self.assertRaises(ClientError) as ctx:
            self.cp.put_webhook(webhook=webhook_def("one-too-many"))
        self.assertClientError(ctx, "LimitExceededException")
        # Replacing one that exists is not a new webhook.
        self.cp.put_webhook(webhook=webhook_def("w000"))
        # Another region has its own quota.
        west = self.server.client(access_key=self.access_key, region="us-west-2")
        west.create_pipeline(pipeline=pipeline_decl(self.pipeline))
        west.put_webhook(webhook=webhook_def("one-too-many"))


class ListWebhooksTest(ServerTestCase):
    """Each test lists the webhooks of an account of its own."""

    def client_with_webhooks(self, account, names):
        cp = self.server.client(access_key=account)
        cp.create_pipeline(pipeline=pipeline_decl("hooked"))
        for name in names:
            cp.put_webhook(webhook=webhook_def(name))
        return cp

    def test_pages_in_name_order(self):
        cp = self.client_with_webhooks("111122220001", ["c", "a", "d", "b", "e"])
        first = cp.list_webhooks(MaxResults=2)
        self.assertEqual([w["definition"]["name"] for w in first["webhooks"]], ["a", "b"])
        self.assertIn("NextToken", first)
        second = cp.list_webhooks(MaxResults=2, NextToken=first["NextToken"])
        self.assertEqual([w["definition"]["name"] for w in second["webhooks"]], ["c", "d"])
        third = cp.list_webhooks(MaxResults=2, NextToken=second["NextToken"])
        self.assertEqual([w["definition"]["name"] for w in third["webhooks"]], ["e"])
        self.assertNotIn("NextToken", third)
        everything = cp.list_webhooks()
        self.assertEqual(len(everything["webhooks"]), 5)
        item = everything["webhooks"][0]
        self.assertRegex(item["url"], URL)
        self.assertEqual(item["arn"], "arn:aws:codepipeline:us-east-1:111122220001:webhook:a")
        paginator = cp.get_paginator("list_webhooks")
        names = [w["definition"]["name"]
                 for page in paginator.paginate(PaginationConfig={"PageSize": 2})
                 for w in page["webhooks"]]
        self.assertEqual(names, ["a", "b", "c", "d", "e"])

    def test_capitalised_members_on_the_wire(self):
        self.client_with_webhooks("111122220002", ["x", "y"])
        auth = ("AWS4-HMAC-SHA256 Credential=111122220002/20240101/us-east-1/codepipeline/"
                "aws4_request, SignedHeaders=host, Signature=00")
        status, _, body = self.server.call("ListWebhooks", {"MaxResults": 1},
                                           headers={"Authorization": auth})
        self.assertEqual(status, 200)
        self.assertEqual([w["definition"]["name"] for w in body["webhooks"]], ["x"])
        self.assertIn("NextToken", body)
        self.assertNotIn("nextToken", body)

    def test_bad_token(self):
        cp = self.server.client(access_key="111122220003")
        with self.assertRaises(ClientError) as ctx:
            cp.list_webhooks(NextToken="not-a-token")
        self.assertClientError(ctx, "InvalidNextTokenException")

    def test_other_scopes_see_nothing(self):
        self.client_with_webhooks("111122220004", ["mine"])
        other = self.server.client(access_key="444455556666")
        self.assertEqual(other.list_webhooks()["webhooks"], [])
        west = self.server.client(access_key="111122220004", region="us-west-2")
        self.assertEqual(west.list_webhooks()["webhooks"], [])


class DeleteAndRegisterTest(WebhookTestCase):
    access_key = "777788889999"

    def test_delete(self):
        self.cp.put_webhook(webhook=webhook_def("doomed"))
        self.assertEqual(self.cp.delete_webhook(name="doomed")["ResponseMetadata"]
                         ["HTTPStatusCode"], 200)
        self.assertNotIn("doomed", [w["definition"]["name"]
                                    for w in self.cp.list_webhooks()["webhooks"]])
        # Deleting what is not there succeeds too.
        self.cp.delete_webhook(name="doomed")
        self.cp.delete_webhook(name="never-existed")

    def test_register_and_deregister(self):
        self.cp.put_webhook(webhook=webhook_def("registered"))
        status, _, body = self.server.call(
            "RegisterWebhookWithThirdParty", {"webhookName": "registered"},
            headers={"Authorization": "AWS4-HMAC-SHA256 Credential=777788889999/20240101/"
                                      "us-east-1/codepipeline/aws4_request, Signature=00"})
        self.assertEqual((status, body), (200, {}))
        self.cp.register_webhook_with_third_party(webhookName="registered")
        self.cp.deregister_webhook_with_third_party(webhookName="registered")
        self.cp.deregister_webhook_with_third_party(webhookName="registered")

    def test_register_unknown_or_unnamed(self):
        for call in (self.cp.register_webhook_with_third_party,
                     self.cp.deregister_webhook_with_third_party):
            with self.assertRaises(ClientError) as ctx:
                call(webhookName="missing")
            self.assertClientError(ctx, "WebhookNotFoundException", "missing")
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertClientError(ctx, "WebhookNotFoundException")


class AwsCliWebhookTest(WebhookTestCase):
    access_key = "555566667777"

    def run_cli(self, *args):
        return self.server.aws("codepipeline", *args, access_key=self.access_key)

    def test_cli_lifecycle(self):
        directory = temp_dir(self)
        path = write_json_file(directory, "webhook.json", {
            "webhook": webhook_def("cli-hook"), "tags": [{"key": "via", "value": "cli"}]})
        rc, out, err = self.run_cli("put-webhook", "--cli-input-json", f"file://{path}")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out["webhook"]["url"], URL)
        self.assertEqual(out["webhook"]["tags"], [{"key": "via", "value": "cli"}])

        rc, out, err = self.run_cli("list-webhooks")
        self.assertEqual(rc, 0, err)
        self.assertEqual([w["definition"]["name"] for w in out["webhooks"]], ["cli-hook"])

        rc, out, err = self.run_cli("register-webhook-with-third-party",
                                    "--webhook-name", "cli-hook")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.run_cli("deregister-webhook-with-third-party",
                                    "--webhook-name", "nope")
        self.assertNotEqual(rc, 0)
        self.assertIn("WebhookNotFoundException", err)

        rc, out, err = self.run_cli("delete-webhook", "--name", "cli-hook")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.run_cli("list-webhooks")
        self.assertEqual(out["webhooks"], [])


if __name__ == "__main__":
    unittest.main()
