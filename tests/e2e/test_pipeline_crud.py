"""Pipeline CRUD lifecycle through boto3 and aws-cli."""

import datetime
import unittest

from botocore.exceptions import ClientError

from sluice_server import (DEFAULT_ACCOUNT, ServerTestCase, approval_action, pipeline_decl,
                           temp_dir, write_json_file)


class Boto3CrudTest(ServerTestCase):

    def test_full_lifecycle(self):
        cp = self.server.client()
        created = cp.create_pipeline(pipeline=pipeline_decl("b3-life"))["pipeline"]
        self.assertEqual(created["name"], "b3-life")
        self.assertEqual(created["version"], 1)

        got = cp.get_pipeline(name="b3-life")
        self.assertEqual(got["pipeline"], created)
        meta = got["metadata"]
        self.assertEqual(meta["pipelineArn"],
                         f"arn:aws:codepipeline:us-east-1:{DEFAULT_ACCOUNT}:b3-life")
        self.assertIsInstance(meta["created"], datetime.datetime)
        self.assertIsInstance(meta["updated"], datetime.datetime)
        self.assertLessEqual(meta["created"], meta["updated"])

        decl = got["pipeline"]
        decl["stages"].append({"name": "Approve", "actions": [approval_action()]})
        updated = cp.update_pipeline(pipeline=decl)["pipeline"]
        self.assertEqual(updated["version"], 2)
        self.assertEqual([s["name"] for s in updated["stages"]], ["Source", "Build", "Approve"])

        latest = cp.get_pipeline(name="b3-life")
        self.assertEqual(latest["pipeline"]["version"], 2)
        self.assertEqual(len(latest["pipeline"]["stages"]), 3)
        self.assertGreaterEqual(latest["metadata"]["updated"], latest["metadata"]["created"])

        names = [p["name"] for p in cp.list_pipelines()["pipelines"]]
        self.assertIn("b3-life", names)
        summary = next(p for p in cp.list_pipelines()["pipelines"] if p["name"] == "b3-life")
        self.assertEqual(summary["version"], 2)
        self.assertEqual(summary["pipelineType"], "V2")
        self.assertEqual(summary["executionMode"], "SUPERSEDED")
        self.assertIsInstance(summary["created"], datetime.datetime)
        self.assertIsInstance(summary["updated"], datetime.datetime)

        cp.delete_pipeline(name="b3-life")
        with self.assertRaises(ClientError) as ctx:
            cp.get_pipeline(name="b3-life")
        self.assertClientError(
            ctx, "PipelineNotFoundException",
            f"Account '{DEFAULT_ACCOUNT}' does not have a pipeline with name 'b3-life'")
        self.assertNotIn("b3-life", [p["name"] for p in cp.list_pipelines()["pipelines"]])

    def test_defaults_filled(self):
        cp = self.server.client()
        decl = pipeline_decl("defaults")
        self.assertNotIn("pipelineType", decl)
        created = cp.create_pipeline(pipeline=decl)["pipeline"]
        self.assertEqual(created["pipelineType"], "V2")
        self.assertEqual(created["executionMode"], "SUPERSEDED")
        self.assertEqual(created["version"], 1)
        source = created["stages"][0]["actions"][0]
        build = created["stages"][1]["actions"][0]
        for action in (source, build):
            self.assertEqual(action["runOrder"], 1)
        self.assertEqual(source["inputArtifacts"], [])
        self.assertEqual(build["outputArtifacts"], [])
        self.assertEqual(source["outputArtifacts"], [{"name": "SourceOutput"}])
        # What was given is kept as given.
        self.assertEqual(created["roleArn"], decl["roleArn"])
        self.assertEqual(created["artifactStore"], decl["artifactStore"])
        self.assertEqual(build["configuration"], {"ProjectName": "my-project"})
        self.assertEqual(cp.get_pipeline(name="defaults")["pipeline"], created)

    def test_explicit_values_kept(self):
        cp = self.server.client()
        decl = pipeline_decl("explicit", pipelineType="V1", executionMode="SUPERSEDED")
        decl["stages"][1]["actions"][0]["runOrder"] = 3
        created = cp.create_pipeline(pipeline=decl)["pipeline"]
        self.assertEqual(created["pipelineType"], "V1")
        self.assertEqual(created["stages"][1]["actions"][0]["runOrder"], 3)
        queued = pipeline_decl("queued", executionMode="QUEUED")
        self.assertEqual(cp.create_pipeline(pipeline=queued)["pipeline"]["executionMode"],
                         "QUEUED")

    def test_version_history(self):
        cp = self.server.client()
        cp.create_pipeline(pipeline=pipeline_decl("history"))
        for n in range(2, 5):
            decl = cp.get_pipeline(name="history")["pipeline"]
            decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = f"project-{n}"
            self.assertEqual(cp.update_pipeline(pipeline=decl)["pipeline"]["version"], n)
        for n in range(1, 5):
            old = cp.get_pipeline(name="history", version=n)["pipeline"]
            self.assertEqual(old["version"], n)
            expected = "my-project" if n == 1 else f"project-{n}"
            self.assertEqual(old["stages"][1]["actions"][0]["configuration"]["ProjectName"],
                             expected)
        self.assertEqual(cp.get_pipeline(name="history")["pipeline"]["version"], 4)
        with self.assertRaises(ClientError) as ctx:
            cp.get_pipeline(name="history", version=5)
        self.assertClientError(ctx, "PipelineVersionNotFoundException")

    def test_update_unknown_pipeline(self):
        cp = self.server.client()
        with self.assertRaises(ClientError) as ctx:
            cp.update_pipeline(pipeline=pipeline_decl("never-created"))
        self.assertClientError(ctx, "PipelineNotFoundException")

    def test_get_unknown_pipeline(self):
        cp = self.server.client(access_key="123456789012")
        with self.assertRaises(ClientError) as ctx:
            cp.get_pipeline(name="nope")
        self.assertClientError(
            ctx, "PipelineNotFoundException",
            "Account '123456789012' does not have a pipeline with name 'nope'")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_delete_missing_is_silent(self):
        cp = self.server.client()
        response = cp.delete_pipeline(name="does-not-exist")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_duplicate_name(self):
        cp = self.server.client()
        cp.create_pipeline(pipeline=pipeline_decl("dup"))
        with self.assertRaises(ClientError) as ctx:
            cp.create_pipeline(pipeline=pipeline_decl("dup"))
        self.assertClientError(ctx, "PipelineNameInUseException")
        # The first one is untouched.
        self.assertEqual(cp.get_pipeline(name="dup")["pipeline"]["version"], 1)

    def test_recreate_after_delete_starts_at_version_1(self):
        cp = self.server.client()
        cp.create_pipeline(pipeline=pipeline_decl("again"))
        cp.update_pipeline(pipeline=cp.get_pipeline(name="again")["pipeline"])
        cp.delete_pipeline(name="again")
        self.assertEqual(cp.create_pipeline(pipeline=pipeline_decl("again"))["pipeline"]["version"],
                         1)
        with self.assertRaises(ClientError) as ctx:
            cp.get_pipeline(name="again", version=2)
        self.assertClientError(ctx, "PipelineVersionNotFoundException")

    def test_arn_uses_credentials_scope(self):
        cp = self.server.client(access_key="111122223333", region="eu-west-2")
        cp.create_pipeline(pipeline=pipeline_decl("scoped"))
        meta = cp.get_pipeline(name="scoped")["metadata"]
        self.assertEqual(meta["pipelineArn"],
                         "arn:aws:codepipeline:eu-west-2:111122223333:scoped")

    def test_non_account_key_uses_default_account(self):
        cp = self.server.client(access_key="AKIAIOSFODNN7EXAMPLE", region="ap-south-1")
        cp.create_pipeline(pipeline=pipeline_decl("defaulted"))
        meta = cp.get_pipeline(name="defaulted")["metadata"]
        self.assertEqual(meta["pipelineArn"],
                         f"arn:aws:codepipeline:ap-south-1:{DEFAULT_ACCOUNT}:defaulted")

    def test_account_and_region_isolation(self):
        a_east = self.server.client(access_key="444455556666", region="us-west-2")
        a_west = self.server.client(access_key="444455556666", region="eu-central-1")
        b_east = self.server.client(access_key="777788889999", region="us-west-2")
        a_east.create_pipeline(pipeline=pipeline_decl("shared-name"))
        for other in (a_west, b_east):
            with self.assertRaises(ClientError) as ctx:
                other.get_pipeline(name="shared-name")
            self.assertClientError(ctx, "PipelineNotFoundException")
            self.assertEqual(other.list_pipelines()["pipelines"], [])
        # The same name can be created independently in the other scopes.
        decl = pipeline_decl("shared-name")
        decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "b-project"
        b_east.create_pipeline(pipeline=decl)
        a_west.create_pipeline(pipeline=pipeline_decl("shared-name"))
        self.assertEqual(
            a_east.get_pipeline(name="shared-name")["pipeline"]["stages"][1]["actions"][0]
            ["configuration"]["ProjectName"], "my-project")
        self.assertEqual(
            b_east.get_pipeline(name="shared-name")["pipeline"]["stages"][1]["actions"][0]
            ["configuration"]["ProjectName"], "b-project")
        self.assertEqual(b_east.get_pipeline(name="shared-name")["metadata"]["pipelineArn"],
                         "arn:aws:codepipeline:us-west-2:777788889999:shared-name")
        self.assertEqual(a_west.get_pipeline(name="shared-name")["metadata"]["pipelineArn"],
                         "arn:aws:codepipeline:eu-central-1:444455556666:shared-name")
        # Deleting in one scope leaves the others.
        b_east.delete_pipeline(name="shared-name")
        self.assertEqual(a_east.get_pipeline(name="shared-name")["pipeline"]["version"], 1)
        self.assertEqual(a_west.get_pipeline(name="shared-name")["pipeline"]["version"], 1)
        self.assertEqual(b_east.list_pipelines()["pipelines"], [])

    def test_tags_returned(self):
        cp = self.server.client()
        tags = [{"key": "team", "value": "platform"}, {"key": "env", "value": "dev"}]
        response = cp.create_pipeline(pipeline=pipeline_decl("tagged"), tags=tags)
        self.assertEqual(response["tags"], tags)
        untagged = cp.create_pipeline(pipeline=pipeline_decl("untagged"))
        self.assertNotIn("tags", untagged)

    def test_too_many_tags(self):
        cp = self.server.client()
        tags = [{"key": f"k{i}", "value": "v"} for i in range(51)]
        with self.assertRaises(ClientError) as ctx:
            cp.create_pipeline(pipeline=pipeline_decl("many-tags"), tags=tags)
        self.assertClientError(ctx, "TooManyTagsException")
        with self.assertRaises(ClientError):
            cp.get_pipeline(name="many-tags")
        # Exactly 50 is fine.
        response = cp.create_pipeline(pipeline=pipeline_decl("fifty-tags"), tags=tags[:50])
        self.assertEqual(len(response["tags"]), 50)

    def test_system_tag_rejected(self):
        cp = self.server.client()
        with self.assertRaises(ClientError) as ctx:
            cp.create_pipeline(pipeline=pipeline_decl("sys-tag"),
                               tags=[{"key": "aws:owner", "value": "x"}])
        self.assertClientError(ctx, "InvalidTagsException")
        with self.assertRaises(ClientError):
            cp.get_pipeline(name="sys-tag")


class ConcurrencyTest(ServerTestCase):

    def test_concurrent_creates_of_one_name(self):
        import concurrent.futures
        clients = [self.server.client(access_key="135791357913") for _ in range(8)]

        def create(cp):
            try:
                cp.create_pipeline(pipeline=pipeline_decl("race"))
                return "ok"
            except ClientError as e:
                return e.response["Error"]["Code"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(create, clients))
        self.assertEqual(results.count("ok"), 1, results)
        self.assertEqual(results.count("PipelineNameInUseException"), 7, results)

    def test_concurrent_updates_number_versions(self):
        import concurrent.futures
        cp = self.server.client(access_key="246802468024")
        cp.create_pipeline(pipeline=pipeline_decl("racy-updates"))
        clients = [self.server.client(access_key="246802468024") for _ in range(8)]

        def update(args):
            n, client = args
            decl = pipeline_decl("racy-updates")
            decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = f"p{n}"
            return client.update_pipeline(pipeline=decl)["pipeline"]["version"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            versions = sorted(pool.map(update, enumerate(clients)))
        self.assertEqual(versions, list(range(2, 10)))
        projects = set()
        for v in range(2, 10):
            got = cp.get_pipeline(name="racy-updates", version=v)["pipeline"]
            self.assertEqual(got["version"], v)
            projects.add(got["stages"][1]["actions"][0]["configuration"]["ProjectName"])
        self.assertEqual(projects, {f"p{n}" for n in range(8)})


class AwsCliCrudTest(ServerTestCase):

    def test_full_lifecycle(self):
        directory = temp_dir(self)
        create_input = write_json_file(directory, "create.json", {
            "pipeline": pipeline_decl("cli-life"),
            "tags": [{"key": "owner", "value": "cli"}],
        })
        rc, out, err = self.server.aws("codepipeline", "create-pipeline",
                                       "--cli-input-json", f"file://{create_input}")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["pipeline"]["name"], "cli-life")
        self.assertEqual(out["pipeline"]["version"], 1)
        self.assertEqual(out["pipeline"]["pipelineType"], "V2")
        self.assertEqual(out["pipeline"]["executionMode"], "SUPERSEDED")
        self.assertEqual(out["tags"], [{"key": "owner", "value": "cli"}])

        rc, got, err = self.server.aws("codepipeline", "get-pipeline", "--name", "cli-life")
        self.assertEqual(rc, 0, err)
        self.assertEqual(got["pipeline"], out["pipeline"])
        self.assertEqual(got["metadata"]["pipelineArn"],
                         f"arn:aws:codepipeline:us-east-1:{DEFAULT_ACCOUNT}:cli-life")

        decl = got["pipeline"]
        decl["stages"].append({"name": "Approve", "actions": [approval_action()]})
        update_input = write_json_file(directory, "update.json", {"pipeline": decl})
        rc, upd, err = self.server.aws("codepipeline", "update-pipeline",
                                       "--cli-input-json", f"file://{update_input}")
        self.assertEqual(rc, 0, err)
        self.assertEqual(upd["pipeline"]["version"], 2)

        rc, v1, err = self.server.aws("codepipeline", "get-pipeline", "--name", "cli-life",
                                      "--pipeline-version", "1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(v1["pipeline"]["version"], 1)
        self.assertEqual(len(v1["pipeline"]["stages"]), 2)

        rc, listed, err = self.server.aws("codepipeline", "list-pipelines")
        self.assertEqual(rc, 0, err)
        entry = next(p for p in listed["pipelines"] if p["name"] == "cli-life")
        self.assertEqual(entry["version"], 2)

        rc, _, err = self.server.aws("codepipeline", "delete-pipeline", "--name", "cli-life")
        self.assertEqual(rc, 0, err)

        rc, _, err = self.server.aws("codepipeline", "get-pipeline", "--name", "cli-life")
        self.assertNotEqual(rc, 0)
        self.assertIn("PipelineNotFoundException", err)

    def test_credentials_scope(self):
        directory = temp_dir(self)
        path = write_json_file(directory, "p.json", {"pipeline": pipeline_decl("cli-scoped")})
        rc, _, err = self.server.aws("codepipeline", "create-pipeline", "--cli-input-json",
                                     f"file://{path}", access_key="210987654321",
                                     region="ca-central-1")
        self.assertEqual(rc, 0, err)
        rc, got, err = self.server.aws("codepipeline", "get-pipeline", "--name", "cli-scoped",
                                       access_key="210987654321", region="ca-central-1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(got["metadata"]["pipelineArn"],
                         "arn:aws:codepipeline:ca-central-1:210987654321:cli-scoped")
        # Invisible to the default account in the same region.
        rc, _, err = self.server.aws("codepipeline", "get-pipeline", "--name", "cli-scoped",
                                     region="ca-central-1")
        self.assertNotEqual(rc, 0)
        self.assertIn("PipelineNotFoundException", err)

    def test_structure_error_surfaces(self):
        directory = temp_dir(self)
        decl = pipeline_decl("cli-bad")
        decl["stages"] = decl["stages"][:1]
        path = write_json_file(directory, "bad.json", {"pipeline": decl})
        rc, _, err = self.server.aws("codepipeline", "create-pipeline", "--cli-input-json",
                                     f"file://{path}")
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidStructureException", err)


if __name__ == "__main__":
    unittest.main()
