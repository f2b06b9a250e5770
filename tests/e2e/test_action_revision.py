"""PutActionRevision end to end: a new revision starts an execution that
uses it, the same revision again does not, and only source actions take one.
"""

import datetime
import unittest

from botocore.exceptions import ClientError

from execution_helpers import (MANUAL_CLOCK, ROOT_ARN, actions_of, list_all_executions,
                               settle_finished)
from sluice_server import ServerTestCase, pipeline_decl

CREATED = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


class PutActionRevisionTest(ServerTestCase):

    server_args = ("--action-duration-ms", "50", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def put(self, name, revision_id, stage="Source", action="Source", change="chg-1"):
        return self.cp.put_action_revision(
            pipelineName=name, stageName=stage, actionName=action,
            actionRevision={"revisionId": revision_id, "revisionChangeId": change,
                            "created": CREATED})

    def test_new_revision_starts_an_execution_using_it(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("rev-new"))
        response = self.put("rev-new", "v-0001")
        self.assertIs(response["newRevision"], True)
        execution_id = response["pipelineExecutionId"]
        final = settle_finished(self.server, self.cp, "rev-new", execution_id)
        self.assertEqual(final["status"], "Succeeded")
        self.assertEqual(final["trigger"], {"triggerType": "PutActionRevision",
                                            "triggerDetail": ROOT_ARN})
        self.assertEqual([(r["name"], r["revisionId"]) for r in final["artifactRevisions"]],
                         [("SourceOutput", "v-0001")])
        summaries = list_all_executions(self.cp, "rev-new")
        self.assertEqual([s["pipelineExecutionId"] for s in summaries], [execution_id])
        self.assertEqual(summaries[0]["trigger"]["triggerType"], "PutActionRevision")
        self.assertEqual([(r["actionName"], r["revisionId"]) for r in summaries[0]["sourceRevisions"]],
                         [("Source", "v-0001")])
        source = next(d for d in actions_of(self.cp, "rev-new", execution_id)
                      if d["stageName"] == "Source")
        self.assertEqual(source["output"]["outputVariables"]["VersionId"], "v-0001")

    def test_same_revision_again_starts_nothing(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("rev-same"))
        first = self.put("rev-same", "v-0001")
        again = self.put("rev-same", "v-0001", change="chg-2")
        self.assertIs(again["newRevision"], False)
        self.assertEqual(again["pipelineExecutionId"], first["pipelineExecutionId"])
        settle_finished(self.server, self.cp, "rev-same", first["pipelineExecutionId"])
        self.assertIs(self.put("rev-same", "v-0001")["newRevision"], False)
        self.assertEqual(len(list_all_executions(self.cp, "rev-same")), 1)
        # Another revision is new.
        other = self.put("rev-same", "v-0002")
        self.assertIs(other["newRevision"], True)
        self.assertNotEqual(other["pipelineExecutionId"], first["pipelineExecutionId"])
        final = settle_finished(self.server, self.cp, "rev-same", other["pipelineExecutionId"])
        self.assertEqual(final["artifactRevisions"][0]["revisionId"], "v-0002")
        self.assertEqual(len(list_all_executions(self.cp, "rev-same")), 2)

    def test_only_source_actions(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("rev-errors"))
        cases = (("ValidationException", "Build", "Build", "rev-errors"),
                 ("StageNotFoundException", "Nope", "Source", "rev-errors"),
                 ("ActionNotFoundException", "Source", "Nope", "rev-errors"),
                 ("PipelineNotFoundException", "Source", "Source", "rev-absent"))
        for code, stage, action, name in cases:
            with self.subTest(code=code):
                with self.assertRaises(ClientError) as caught:
                    self.put(name, "v-x", stage=stage, action=action)
                self.assertClientError(caught, code)
        self.assertEqual(list_all_executions(self.cp, "rev-errors"), [])

    def test_cli_put_action_revision(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("rev-cli"))
        args = ("codepipeline", "put-action-revision", "--pipeline-name", "rev-cli",
                "--stage-name", "Source", "--action-name", "Source", "--action-revision",
                "revisionId=cli-rev-1,revisionChangeId=c1,created=2024-05-01T12:00:00Z")
        rc, out, err = self.server.aws(*args)
        self.assertEqual(rc, 0, err)
        self.assertIs(out["newRevision"], True)
        final = settle_finished(self.server, self.cp, "rev-cli", out["pipelineExecutionId"])
        self.assertEqual(final["artifactRevisions"][0]["revisionId"], "cli-rev-1")
        rc, again, err = self.server.aws(*args)
        self.assertEqual(rc, 0, err)
        self.assertEqual(again, {"newRevision": False,
                                 "pipelineExecutionId": out["pipelineExecutionId"]})


if __name__ == "__main__":
    unittest.main()
