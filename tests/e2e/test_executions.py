"""StartPipelineExecution end to end: the aws-cli acceptance scenario, every
request constraint, idempotency, the execution record and variable resolution.

Modes and limits are in test_execution_modes.py; the read operations in
test_execution_reads.py.
"""

import unittest

from botocore.exceptions import ClientError

from execution_helpers import (HEX40, ECR_DIGEST, MANUAL_CLOCK, ROOT_ARN, UNRESOLVED_PREFIX,
                               UUID4, actions_of, codecommit_source, connection_source,
                               ecr_source, get_execution, github_source, list_all_executions,
                               s3_source, settle, settle_finished, stage_state,
                               with_build_configuration, with_source)
from sluice_server import (DEFAULT_ACCOUNT, ServerTestCase, build_action, pipeline_decl)


def v2_with_variables(name, variables, source=None):
    decl = pipeline_decl(name, pipelineType="V2", variables=variables)
    if source is not None:
        decl = with_source(decl, source)
    return decl


class CliAcceptanceTest(ServerTestCase):
    """`aws codepipeline start-pipeline-execution` and polling with the CLI.

    On the manual clock the execution stays in progress until the test
    settles the clock, however long a CLI run takes.
    """

    server_args = ("--action-duration-ms", "1500", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def test_start_with_variable_and_revision_then_poll(self):
        decl = v2_with_variables("cli-accept", [{"name": "name", "defaultValue": "dflt"}],
                                 source=codecommit_source())
        self.cp.create_pipeline(pipeline=decl)
        rc, out, err = self.server.aws(
            "codepipeline", "start-pipeline-execution", "--name", "cli-accept",
            "--variables", "name=name,value=y",
            "--source-revisions", "actionName=Source,revisionType=COMMIT_ID,revisionValue=abc123")
        self.assertEqual(rc, 0, err)
        self.assertEqual(list(out), ["pipelineExecutionId"])
        execution_id = out["pipelineExecutionId"]
        self.assertRegex(execution_id, UUID4)

        statuses = []

        def poll():
            rc, out, err = self.server.aws(
                "codepipeline", "get-pipeline-execution", "--pipeline-name", "cli-accept",
                "--pipeline-execution-id", execution_id)
            self.assertEqual(rc, 0, err)
            statuses.append(out["pipelineExecution"]["status"])
            return out["pipelineExecution"]

        poll()  # in progress: the clock has not moved
        settle(self.server)
        execution = poll()
        self.assertEqual(statuses[0], "InProgress", statuses)
        self.assertEqual(statuses[-1], "Succeeded", statuses)
        self.assertEqual(set(statuses), {"InProgress", "Succeeded"}, statuses)

        self.assertEqual(execution["pipelineExecutionId"], execution_id)
        self.assertEqual(execution["pipelineName"], "cli-accept")
        self.assertEqual(execution["variables"], [{"name": "name", "resolvedValue": "y"}])
        self.assertEqual(len(execution["artifactRevisions"]), 1)
        self.assertEqual(execution["artifactRevisions"][0]["name"], "SourceOutput")
        self.assertEqual(execution["artifactRevisions"][0]["revisionId"], "abc123")
        self.assertEqual(execution["trigger"],
                         {"triggerType": "StartPipelineExecution", "triggerDetail": ROOT_ARN})

    def test_cli_errors(self):
        self.cp.create_pipeline(pipeline=v2_with_variables(
            "cli-errors", [{"name": "known", "defaultValue": "k"}], source=codecommit_source()))

        rc, out, err = self.server.aws("codepipeline", "start-pipeline-execution",
                                       "--name", "cli-absent")
        self.assertNotEqual(rc, 0)
        self.assertIsNone(out)
        self.assertIn("PipelineNotFoundException", err)
        self.assertIn(f"Pipeline with name cli-absent does not exist in account "
                      f"{DEFAULT_ACCOUNT}.", err)

        rc, _, err = self.server.aws("codepipeline", "start-pipeline-execution",
                                     "--name", "cli-errors", "--variables", "name=unknown,value=v")
        self.assertNotEqual(rc, 0)
        self.assertIn("ValidationException", err)

        rc, _, err = self.server.aws(
            "codepipeline", "start-pipeline-execution", "--name", "cli-errors",
            "--source-revisions", "actionName=Source,revisionType=IMAGE_DIGEST,revisionValue=x")
        self.assertNotEqual(rc, 0)
        self.assertIn("ValidationException", err)

        rc, _, err = self.server.aws("codepipeline", "start-pipeline-execution",
                                     "--name", "cli-errors", "--client-request-token", "bad_token")
        self.assertNotEqual(rc, 0)
        self.assertIn("ValidationException", err)

        # None of the failed starts left an execution behind.
        self.assertEqual(self.cp.list_pipeline_executions(
            pipelineName="cli-errors")["pipelineExecutionSummaries"], [])


class StartExecutionTest(ServerTestCase):
    """Every constraint of StartPipelineExecution's request, via boto3 and raw JSON."""

    server_args = ("--action-duration-ms", "100", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def create(self, decl):
        self.cp.create_pipeline(pipeline=decl)
        return decl["name"]

    def assertStartRejected(self, code, message_contains=None, **kwargs):
        with self.assertRaises(ClientError) as caught:
            self.cp.start_pipeline_execution(**kwargs)
        self.assertClientError(caught, code, message_contains)
        return caught.exception.response["Error"].get("Message", "")

    def assertRawRejected(self, body, code="ValidationException"):
        status, _, parsed = self.server.call("StartPipelineExecution", body)
        self.assertEqual(status, 400, parsed)
        self.assertEqual(parsed["__type"], code, parsed)
        return parsed

    # --- response and unknown pipelines -------------------------------------

    def test_no_execution_on_create_when_disabled(self):
        name = self.create(pipeline_decl("quiet"))
        self.assertEqual(self.cp.list_pipeline_executions(
            pipelineName=name)["pipelineExecutionSummaries"], [])

    def test_response_holds_only_the_id(self):
        name = self.create(pipeline_decl("only-id"))
        status, headers, body = self.server.call("StartPipelineExecution", {"name": name})
        self.assertEqual(status, 200, body)
        self.assertEqual(list(body), ["pipelineExecutionId"])
        self.assertRegex(body["pipelineExecutionId"], UUID4)
        # Every start gets its own id.
        ids = {self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
               for _ in range(5)}
        self.assertEqual(len(ids), 5)
        self.assertNotIn(body["pipelineExecutionId"], ids)
        for execution_id in ids:
            self.assertRegex(execution_id, UUID4)

    def test_unknown_pipeline(self):
        self.assertStartRejected(
            "PipelineNotFoundException",
            f"Pipeline with name absent does not exist in account {DEFAULT_ACCOUNT}.",
            name="absent")
        other = self.server.client(access_key="123456789012")
        with self.assertRaises(ClientError) as caught:
            other.start_pipeline_execution(name="absent-too")
        self.assertClientError(
            caught, "PipelineNotFoundException",
            "Pipeline with name absent-too does not exist in account 123456789012.")
        # A pipeline of another account is not found either.
        self.create(pipeline_decl("mine-only"))
        with self.assertRaises(ClientError) as caught:
            other.start_pipeline_execution(name="mine-only")
        self.assertClientError(
            caught, "PipelineNotFoundException",
            "Pipeline with name mine-only does not exist in account 123456789012.")

    # --- variables ----------------------------------------------------------

    def test_only_declared_variables(self):
        name = self.create(v2_with_variables("declared", [{"name": "a", "defaultValue": "1"}]))
        self.assertStartRejected("ValidationException", name=name,
                                 variables=[{"name": "b", "value": "2"}])
        self.assertStartRejected("ValidationException", name=name,
                                 variables=[{"name": "a", "value": "2"},
                                            {"name": "zzz", "value": "3"}])
        # No variables declared at all: any name is unknown.
        plain = self.create(pipeline_decl("no-vars", pipelineType="V2"))
        self.assertStartRejected("ValidationException", name=plain,
                                 variables=[{"name": "a", "value": "1"}])
        self.assertEqual(list_all_executions(self.cp, name), [])
        self.assertEqual(list_all_executions(self.cp, plain), [])

    def test_variable_given_twice(self):
        name = self.create(v2_with_variables("twice", [{"name": "a", "defaultValue": "1"}]))
        self.assertStartRejected("ValidationException", name=name,
                                 variables=[{"name": "a", "value": "2"},
                                            {"name": "a", "value": "3"}])

    def test_variables_on_v1_pipeline(self):
        name = self.create(pipeline_decl("v1-vars", pipelineType="V1"))
        self.assertStartRejected("ValidationException", name=name,
                                 variables=[{"name": "a", "value": "1"}])
        self.assertEqual(list_all_executions(self.cp, name), [])
        # Without variables a V1 pipeline starts.
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, name, execution_id)["status"],
                         "Succeeded")

    def test_variable_without_default_must_be_given(self):
        name = self.create(v2_with_variables("needs-value", [
            {"name": "optional", "defaultValue": "o"}, {"name": "required"}]))
        self.assertStartRejected("ValidationException", name=name)
        self.assertStartRejected("ValidationException", name=name,
                                 variables=[{"name": "optional", "value": "x"}])
        self.assertEqual(list_all_executions(self.cp, name), [])
        execution_id = self.cp.start_pipeline_execution(
            name=name, variables=[{"name": "required", "value": "r"}])["pipelineExecutionId"]
        execution = get_execution(self.cp, name, execution_id)
        self.assertEqual(execution["variables"], [{"name": "optional", "resolvedValue": "o"},
                                                  {"name": "required", "resolvedValue": "r"}])

    def test_given_values_override_defaults_in_declaration_order(self):
        name = self.create(v2_with_variables("override", [
            {"name": "first", "defaultValue": "f0"},
            {"name": "second", "defaultValue": "s0"},
            {"name": "third"},
            {"name": "fourth", "defaultValue": "d0"},
        ]))
        execution_id = self.cp.start_pipeline_execution(name=name, variables=[
            {"name": "fourth", "value": "d1"}, {"name": "third", "value": "t1"},
            {"name": "second", "value": "s1"}])["pipelineExecutionId"]
        expected = [{"name": "first", "resolvedValue": "f0"},
                    {"name": "second", "resolvedValue": "s1"},
                    {"name": "third", "resolvedValue": "t1"},
                    {"name": "fourth", "resolvedValue": "d1"}]
        self.assertEqual(get_execution(self.cp, name, execution_id)["variables"], expected)
        finished = settle_finished(self.server, self.cp, name, execution_id)
        self.assertEqual(finished["status"], "Succeeded")
        self.assertEqual(finished["variables"], expected)
        # Defaults only.
        defaults_id = self.cp.start_pipeline_execution(
            name=name, variables=[{"name": "third", "value": "t2"}])["pipelineExecutionId"]
        self.assertEqual(get_execution(self.cp, name, defaults_id)["variables"], [
            {"name": "first", "resolvedValue": "f0"}, {"name": "second", "resolvedValue": "s0"},
            {"name": "third", "resolvedValue": "t2"}, {"name": "fourth", "resolvedValue": "d0"}])

    def test_no_variables_key_without_declared_variables(self):
        name = self.create(pipeline_decl("var-free"))
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        self.assertNotIn("variables", get_execution(self.cp, name, execution_id))

    # --- source revisions ---------------------------------------------------

    def multi_source_decl(self, name):
        """One source action per provider, all in the first stage."""
        sources = [
            codecommit_source("CC", "OutCC"),
            connection_source("Conn", "OutConn"),
            github_source("GH", "OutGH"),
            ecr_source("Ecr", "OutEcr"),
            s3_source("S3", "OutS3"),
            s3_source("S3Key", "OutS3Key", allow_key_override="true"),
            s3_source("S3NoKey", "OutS3NoKey", allow_key_override="false"),
        ]
        decl = pipeline_decl(name)
        decl["stages"] = [
            {"name": "Source", "actions": sources},
            {"name": "Build", "actions": [build_action(inputs=("OutCC",))]},
        ]
        return decl

    def test_revisions_only_for_source_actions(self):
        name = self.create(self.multi_source_decl("rev-targets"))
        for action in ("Build", "Nope", "cc"):
            with self.subTest(action=action):
                self.assertStartRejected("ValidationException", name=name, sourceRevisions=[
                    {"actionName": action, "revisionType": "COMMIT_ID",
                     "revisionValue": "abc123"}])
        self.assertEqual(list_all_executions(self.cp, name), [])

    def test_one_revision_per_action(self):
        name = self.create(self.multi_source_decl("rev-once"))
        self.assertStartRejected("ValidationException", name=name, sourceRevisions=[
            {"actionName": "CC", "revisionType": "COMMIT_ID", "revisionValue": "aaa"},
            {"actionName": "CC", "revisionType": "COMMIT_ID", "revisionValue": "bbb"}])
        # One for each of two actions is fine.
        self.cp.start_pipeline_execution(name=name, sourceRevisions=[
            {"actionName": "CC", "revisionType": "COMMIT_ID", "revisionValue": "aaa"},
            {"actionName": "GH", "revisionType": "COMMIT_ID", "revisionValue": "bbb"}])

    def test_revision_type_must_fit_provider(self):
        name = self.create(self.multi_source_decl("rev-fit"))
        fits = {
            "CC": {"COMMIT_ID"},
            "Conn": {"COMMIT_ID"},
            "GH": {"COMMIT_ID"},
            "Ecr": {"IMAGE_DIGEST"},
            "S3": {"S3_OBJECT_VERSION_ID"},
            "S3Key": {"S3_OBJECT_VERSION_ID", "S3_OBJECT_KEY"},
            "S3NoKey": {"S3_OBJECT_VERSION_ID"},
        }
        values = {"COMMIT_ID": "abc123", "IMAGE_DIGEST": "sha256:" + "a" * 64,
                  "S3_OBJECT_VERSION_ID": "v-1", "S3_OBJECT_KEY": "other.zip"}
        accepted = 0
        for action, allowed in fits.items():
            for revision_type, value in values.items():
                with self.subTest(action=action, revision_type=revision_type):
                    request = {"name": name, "sourceRevisions": [
                        {"actionName": action, "revisionType": revision_type,
                         "revisionValue": value}]}
                    if revision_type in allowed:
                        response = self.cp.start_pipeline_execution(**request)
                        self.assertRegex(response["pipelineExecutionId"], UUID4)
                        accepted += 1
                    else:
                        self.assertStartRejected("ValidationException", **request)
        self.assertEqual(len(list_all_executions(self.cp, name)), accepted)

    def test_revision_overrides_and_generated_revisions(self):
        name = self.create(self.multi_source_decl("rev-values"))
        digest = "sha256:" + "b" * 64
        execution_id = self.cp.start_pipeline_execution(name=name, sourceRevisions=[
            {"actionName": "CC", "revisionType": "COMMIT_ID", "revisionValue": "abc123"},
            {"actionName": "Conn", "revisionType": "COMMIT_ID", "revisionValue": "def456"},
            {"actionName": "Ecr", "revisionType": "IMAGE_DIGEST", "revisionValue": digest},
            {"actionName": "S3", "revisionType": "S3_OBJECT_VERSION_ID",
             "revisionValue": "ver-7"},
        ])["pipelineExecutionId"]
        execution = get_execution(self.cp, name, execution_id)
        revisions = {r["name"]: r["revisionId"] for r in execution["artifactRevisions"]}
        self.assertEqual(set(revisions), {"OutCC", "OutConn", "OutGH", "OutEcr", "OutS3",
                                          "OutS3Key", "OutS3NoKey"})
        self.assertEqual(revisions["OutCC"], "abc123")
        self.assertEqual(revisions["OutConn"], "def456")
        self.assertEqual(revisions["OutEcr"], digest)
        self.assertEqual(revisions["OutS3"], "ver-7")
        self.assertRegex(revisions["OutGH"], HEX40)  # generated

        # Nothing overridden: generated revisions of the provider's form.
        generated_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        generated = {r["name"]: r["revisionId"]
                     for r in get_execution(self.cp, name, generated_id)["artifactRevisions"]}
        for git in ("OutCC", "OutConn", "OutGH"):
            self.assertRegex(generated[git], HEX40)
        self.assertRegex(generated["OutEcr"], ECR_DIGEST)
        for s3 in ("OutS3", "OutS3Key", "OutS3NoKey"):
            self.assertTrue(generated[s3])
        self.assertEqual(len(set(generated.values())), len(generated))

        # The summaries carry the same revisions, by source action.
        summary = next(s for s in list_all_executions(self.cp, name)
                       if s["pipelineExecutionId"] == execution_id)
        by_action = {s["actionName"]: s["revisionId"] for s in summary["sourceRevisions"]}
        self.assertEqual(by_action["CC"], "abc123")
        self.assertEqual(by_action["Ecr"], digest)
        self.assertEqual(by_action["S3"], "ver-7")

    def test_s3_object_key_override(self):
        decl = with_source(pipeline_decl("s3-key"),
                           s3_source(allow_key_override="true", namespace="Src"))
        name = self.create(decl)
        execution_id = self.cp.start_pipeline_execution(name=name, sourceRevisions=[
            {"actionName": "Source", "revisionType": "S3_OBJECT_KEY",
             "revisionValue": "releases/other.zip"}])["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, name, execution_id)["status"],
                         "Succeeded")
        source = next(a for a in actions_of(self.cp, name, execution_id)
                      if a["actionName"] == "Source")
        self.assertEqual(source["output"]["outputVariables"]["S3ObjectKey"],
                         "releases/other.zip")

    # --- model validation -----------------------------------------------------

    def test_model_validation(self):
        name = self.create(v2_with_variables("model", [{"name": "v", "defaultValue": "d"}],
                                             source=codecommit_source()))
        cases = {
            "token with underscore": {"name": name, "clientRequestToken": "bad_token"},
            "token with space": {"name": name, "clientRequestToken": "bad token"},
            "empty token": {"name": name, "clientRequestToken": ""},
            "token too long": {"name": name, "clientRequestToken": "a" * 129},
            "bad name": {"name": "bad name!"},
            "name too long": {"name": "n" * 101},
            "missing name": {},
            "empty variable value": {"name": name, "variables": [{"name": "v", "value": ""}]},
            "variable value too long": {"name": name,
                                        "variables": [{"name": "v", "value": "x" * 1001}]},
            "bad variable name": {"name": name, "variables": [{"name": "v!", "value": "x"}]},
            "variable without value": {"name": name, "variables": [{"name": "v"}]},
            "empty variable list": {"name": name, "variables": []},
            "51 variables": {"name": name,
                             "variables": [{"name": "v", "value": "x"}] * 51},
            "unknown revision type": {"name": name, "sourceRevisions": [
                {"actionName": "Source", "revisionType": "BRANCH", "revisionValue": "x"}]},
            "revision without value": {"name": name, "sourceRevisions": [
                {"actionName": "Source", "revisionType": "COMMIT_ID"}]},
        }
        for label, body in cases.items():
            with self.subTest(label):
                self.assertRawRejected(body)
        self.assertEqual(list_all_executions(self.cp, name), [])
        # The limits themselves are fine.
        for body in ({"name": name, "clientRequestToken": "A-b-9" + "a" * 123},
                     {"name": name, "variables": [{"name": "v", "value": "x" * 1000}]}):
            status, _, parsed = self.server.call("StartPipelineExecution", body)
            self.assertEqual(status, 200, parsed)

    # --- idempotency ----------------------------------------------------------

    def test_client_request_token_idempotency(self):
        first = self.create(pipeline_decl("idem-a"))
        second = self.create(pipeline_decl("idem-b"))
        one = self.cp.start_pipeline_execution(name=first, clientRequestToken="tok-1")
        again = self.cp.start_pipeline_execution(name=first, clientRequestToken="tok-1")
        self.assertEqual(again["pipelineExecutionId"], one["pipelineExecutionId"])
        self.assertEqual(list(again), ["pipelineExecutionId", "ResponseMetadata"])
        # The retry is answered even after the execution has ended.
        settle_finished(self.server, self.cp, first, one["pipelineExecutionId"])
        third = self.cp.start_pipeline_execution(name=first, clientRequestToken="tok-1")
        self.assertEqual(third["pipelineExecutionId"], one["pipelineExecutionId"])
        self.assertEqual([s["pipelineExecutionId"] for s in list_all_executions(self.cp, first)],
                         [one["pipelineExecutionId"]])
        # Another token, or none, is a new execution.
        other = self.cp.start_pipeline_execution(name=first, clientRequestToken="tok-2")
        plain = self.cp.start_pipeline_execution(name=first)
        self.assertEqual(len({one["pipelineExecutionId"], other["pipelineExecutionId"],
                              plain["pipelineExecutionId"]}), 3)
        # The same token on another pipeline is independent.
        elsewhere = self.cp.start_pipeline_execution(name=second, clientRequestToken="tok-1")
        self.assertNotEqual(elsewhere["pipelineExecutionId"], one["pipelineExecutionId"])
        self.assertEqual([s["pipelineExecutionId"] for s in list_all_executions(self.cp, second)],
                         [elsewhere["pipelineExecutionId"]])
        self.assertEqual(len(list_all_executions(self.cp, first)), 3)

    # --- the execution record -------------------------------------------------

    def test_execution_record(self):
        name = self.create(with_source(pipeline_decl("record"), codecommit_source()))
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        execution = get_execution(self.cp, name, execution_id)
        self.assertEqual(execution["status"], "InProgress")
        self.assertEqual(execution["pipelineName"], name)
        self.assertEqual(execution["pipelineExecutionId"], execution_id)
        self.assertEqual(execution["pipelineVersion"], 1)
        self.assertEqual(execution["trigger"],
                         {"triggerType": "StartPipelineExecution", "triggerDetail": ROOT_ARN})
        self.assertEqual(execution["executionMode"], "SUPERSEDED")
        self.assertEqual(execution["executionType"], "STANDARD")
        self.assertNotIn("statusSummary", execution)
        finished = settle_finished(self.server, self.cp, name, execution_id)
        self.assertEqual(finished["status"], "Succeeded")
        self.assertNotIn("statusSummary", finished)
        self.assertEqual(finished["artifactRevisions"], execution["artifactRevisions"])
        revision = finished["artifactRevisions"][0]
        self.assertEqual(revision["name"], "SourceOutput")
        self.assertRegex(revision["revisionId"], HEX40)

        # After an update, new executions run (and say they run) the new version.
        decl = self.cp.get_pipeline(name=name)["pipeline"]
        self.cp.update_pipeline(pipeline=decl)
        newer_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        self.assertEqual(get_execution(self.cp, name, newer_id)["pipelineVersion"], 2)
        self.assertEqual(get_execution(self.cp, name, execution_id)["pipelineVersion"], 1)

    def test_trigger_names_the_callers_account(self):
        cp = self.server.client(access_key="210987654321")
        cp.create_pipeline(pipeline=pipeline_decl("acct-trigger"))
        execution_id = cp.start_pipeline_execution(name="acct-trigger")["pipelineExecutionId"]
        self.assertEqual(get_execution(cp, "acct-trigger", execution_id)["trigger"], {
            "triggerType": "StartPipelineExecution",
            "triggerDetail": "arn:aws:iam::210987654321:root"})


class VariableResolutionTest(ServerTestCase):
    """#{...} references in action configuration, resolved when the action starts."""

    server_args = ("--action-duration-ms", "100", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def build_details(self, name, execution_id):
        return next(a for a in actions_of(self.cp, name, execution_id)
                    if a["stageName"] == "Build")

    def test_references_resolved(self):
        decl = v2_with_variables("resolve", [{"name": "env", "defaultValue": "dev"},
                                             {"name": "region", "defaultValue": "eu"}],
                                 source=codecommit_source(namespace="Src"))
        decl = with_build_configuration(
            decl, EnvironmentVariables=("#{variables.env}/#{variables.region}/"
                                        "#{codepipeline.PipelineExecutionId}/#{Src.CommitId}"),
            PrimarySource="#{Src.BranchName}@#{Src.RepositoryName}",
            Literal="no reference, #{ not closed")
        self.cp.create_pipeline(pipeline=decl)
        execution_id = self.cp.start_pipeline_execution(
            name="resolve", variables=[{"name": "env", "value": "prod"}],
            sourceRevisions=[{"actionName": "Source", "revisionType": "COMMIT_ID",
                              "revisionValue": "abc123"}])["pipelineExecutionId"]
        self.assertEqual(
            settle_finished(self.server, self.cp, "resolve", execution_id)["status"], "Succeeded")
        build = self.build_details("resolve", execution_id)
        self.assertEqual(build["status"], "Succeeded")
        configuration = build["input"]["configuration"]
        resolved = build["input"]["resolvedConfiguration"]
        self.assertEqual(configuration["EnvironmentVariables"],
                         "#{variables.env}/#{variables.region}/"
                         "#{codepipeline.PipelineExecutionId}/#{Src.CommitId}")
        self.assertEqual(resolved["EnvironmentVariables"], f"prod/eu/{execution_id}/abc123")
        self.assertEqual(resolved["PrimarySource"], "main@repo")
        self.assertEqual(resolved["ProjectName"], "my-project")
        self.assertEqual(resolved["Literal"], "no reference, #{ not closed")

        source = next(a for a in actions_of(self.cp, "resolve", execution_id)
                      if a["stageName"] == "Source")
        self.assertEqual(source["input"]["namespace"], "Src")
        self.assertEqual(source["output"]["outputVariables"]["CommitId"], "abc123")

    def assertFailsUnresolved(self, name, reference):
        decl = with_build_configuration(
            v2_with_variables(name, [{"name": "known", "defaultValue": "k"}],
                              source=codecommit_source(namespace="Src")),
            EnvironmentVariables=f"x-{reference}-y")
        self.cp.create_pipeline(pipeline=decl)
        execution_id = self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
        execution = settle_finished(self.server, self.cp, name, execution_id)
        self.assertEqual(execution["status"], "Failed")
        self.assertTrue(execution.get("statusSummary", "").startswith(UNRESOLVED_PREFIX),
                        execution)

        actions = actions_of(self.cp, name, execution_id)
        self.assertEqual([(a["stageName"], a["status"]) for a in actions],
                         [("Build", "Failed"), ("Source", "Succeeded")])
        error = actions[0]["output"]["executionResult"]["errorDetails"]
        self.assertEqual(error["code"], "JobFailed")
        self.assertTrue(error["message"].startswith(UNRESOLVED_PREFIX), error)

        state = stage_state(self.cp, name, "Build")
        self.assertEqual(state["latestExecution"],
                         {"pipelineExecutionId": execution_id, "status": "Failed", "type": "STANDARD"})
        latest = state["actionStates"][0]["latestExecution"]
        self.assertEqual(latest["status"], "Failed")
        self.assertEqual(latest["errorDetails"]["code"], "JobFailed")
        self.assertTrue(latest["errorDetails"]["message"].startswith(UNRESOLVED_PREFIX))
        summary = list_all_executions(self.cp, name)[0]
        self.assertEqual(summary["status"], "Failed")

    def test_failure_waits_for_the_rest_of_its_group(self):
        # Build: A and B side by side (B cannot resolve), then C.
        decl = with_source(pipeline_decl("unresolved-group"), codecommit_source(namespace="Src"))
        decl["stages"][1]["actions"] = [
            build_action(name="A", runOrder=1),
            build_action(name="B", runOrder=1, configuration={"ProjectName": "#{Nope.X}"}),
            build_action(name="C", runOrder=2),
        ]
        self.cp.create_pipeline(pipeline=decl)
        execution_id = self.cp.start_pipeline_execution(
            name="unresolved-group")["pipelineExecutionId"]
        execution = settle_finished(self.server, self.cp, "unresolved-group", execution_id)
        self.assertEqual(execution["status"], "Failed")
        ran = {a["actionName"]: a for a in actions_of(self.cp, "unresolved-group", execution_id)}
        self.assertEqual({name: a["status"] for name, a in ran.items()},
                         {"Source": "Succeeded", "A": "Succeeded", "B": "Failed"})
        self.assertEqual(ran["B"]["output"]["executionResult"]["errorDetails"]["code"],
                         "JobFailed")
        # B failed at once; the execution ended only when A had finished.
        self.assertLess(ran["B"]["lastUpdateTime"], ran["A"]["lastUpdateTime"])
        summary = list_all_executions(self.cp, "unresolved-group")[0]
        self.assertGreaterEqual(summary["lastUpdateTime"], ran["A"]["lastUpdateTime"])
        state = stage_state(self.cp, "unresolved-group", "Build")
        self.assertEqual(state["latestExecution"]["status"], "Failed")

    def test_unknown_namespace_fails_the_action(self):
        self.assertFailsUnresolved("unresolved-ns", "#{Nope.X}")

    def test_unknown_variable_of_known_namespace_fails(self):
        self.assertFailsUnresolved("unresolved-var", "#{Src.NoSuchOutput}")

    def test_undeclared_pipeline_variable_fails(self):
        self.assertFailsUnresolved("unresolved-pv", "#{variables.undeclared}")


class StartOnCreateTest(ServerTestCase):
    """CreatePipeline's own first execution (the default --start-on-create true)."""

    server_args = ("--action-duration-ms", "100", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def test_create_starts_an_execution(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("auto"))
        summaries = list_all_executions(self.cp, "auto")
        self.assertEqual(len(summaries), 1)
        summary = summaries[0]
        self.assertEqual(summary["trigger"],
                         {"triggerType": "CreatePipeline", "triggerDetail": ROOT_ARN})
        execution = settle_finished(self.server, self.cp, "auto",
                                    summary["pipelineExecutionId"])
        self.assertEqual(execution["status"], "Succeeded")
        self.assertEqual(execution["trigger"]["triggerType"], "CreatePipeline")
        self.assertEqual(execution["pipelineVersion"], 1)
        # Later starts are StartPipelineExecution's.
        started = self.cp.start_pipeline_execution(name="auto")["pipelineExecutionId"]
        summaries = list_all_executions(self.cp, "auto")
        self.assertEqual([s["trigger"]["triggerType"] for s in summaries],
                         ["StartPipelineExecution", "CreatePipeline"])
        self.assertEqual(list_all_executions(self.cp, "auto")[0]["pipelineExecutionId"], started)

    def test_pipeline_needing_a_variable_is_not_started(self):
        self.cp.create_pipeline(pipeline=v2_with_variables("needs-input", [{"name": "req"}]))
        self.assertEqual(list_all_executions(self.cp, "needs-input"), [])
        # Defaults suffice: it starts.
        self.cp.create_pipeline(pipeline=v2_with_variables(
            "has-defaults", [{"name": "opt", "defaultValue": "o"}]))
        summaries = list_all_executions(self.cp, "has-defaults")
        self.assertEqual(len(summaries), 1)
        execution = get_execution(self.cp, "has-defaults", summaries[0]["pipelineExecutionId"])
        self.assertEqual(execution["variables"], [{"name": "opt", "resolvedValue": "o"}])


if __name__ == "__main__":
    unittest.main()
