"""The execution read operations end to end: GetPipelineExecution,
ListPipelineExecutions (order, pagination, filter), GetPipelineState,
ListActionExecutions (order, filter, pagination, details) and retention."""

import unittest

from botocore.exceptions import ClientError

from execution_helpers import (HEX40, MANUAL_CLOCK, actions_of, advance, codecommit_source,
                               get_execution, list_all_actions, list_all_executions,
                               settle_all_finished, settle_finished, stage_state,
                               three_stage_decl, with_build_configuration, with_source)
from sluice_server import ServerTestCase, pipeline_decl

BUCKET = "my-artifact-bucket"  # pipeline_decl's artifact store


def ids_of(summaries):
    return [s["pipelineExecutionId"] for s in summaries]


class ExecutionReadsTest(ServerTestCase):

    server_args = ("--action-duration-ms", "100", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def run_sequentially(self, name, count, **start_kwargs):
        """Starts `count` executions one after another, each after the last ended."""
        ids = []
        for _ in range(count):
            execution_id = self.cp.start_pipeline_execution(
                name=name, **start_kwargs)["pipelineExecutionId"]
            self.assertEqual(settle_finished(self.server, self.cp, name, execution_id)["status"],
                             "Succeeded")
            ids.append(execution_id)
        return ids

    def run_parallel(self, name, count):
        self.cp.create_pipeline(pipeline=pipeline_decl(name, executionMode="PARALLEL"))
        ids = [self.cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
               for _ in range(count)]
        settle_all_finished(self.server, self.cp, name, ids)
        return ids

    def assertRawRejected(self, operation, body, code="ValidationException"):
        status, _, parsed = self.server.call(operation, body)
        self.assertEqual(status, 400, parsed)
        self.assertEqual(parsed["__type"], code, parsed)

    # --- GetPipelineExecution -------------------------------------------------

    def test_get_execution_errors(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("get-a"))
        self.cp.create_pipeline(pipeline=pipeline_decl("get-b"))
        execution_id = self.cp.start_pipeline_execution(name="get-a")["pipelineExecutionId"]
        with self.assertRaises(ClientError) as caught:
            self.cp.get_pipeline_execution(
                pipelineName="get-a", pipelineExecutionId="00000000-0000-4000-8000-000000000000")
        self.assertClientError(caught, "PipelineExecutionNotFoundException")
        # An execution belongs to its pipeline only.
        with self.assertRaises(ClientError) as caught:
            self.cp.get_pipeline_execution(pipelineName="get-b", pipelineExecutionId=execution_id)
        self.assertClientError(caught, "PipelineExecutionNotFoundException")
        with self.assertRaises(ClientError) as caught:
            self.cp.get_pipeline_execution(pipelineName="get-absent",
                                           pipelineExecutionId=execution_id)
        self.assertClientError(caught, "PipelineNotFoundException")
        # A malformed id is a validation error.
        status, _, body = self.server.call("GetPipelineExecution", {
            "pipelineName": "get-a", "pipelineExecutionId": "not-an-execution-id"})
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))
        # Nor is it seen from another account.
        other = self.server.client(access_key="123456789012")
        with self.assertRaises(ClientError) as caught:
            other.get_pipeline_execution(pipelineName="get-a", pipelineExecutionId=execution_id)
        self.assertClientError(caught, "PipelineNotFoundException")
        # Deleting the pipeline drops its executions; a new one of that name has none.
        settle_finished(self.server, self.cp, "get-a", execution_id)
        self.cp.delete_pipeline(name="get-a")
        with self.assertRaises(ClientError) as caught:
            self.cp.get_pipeline_execution(pipelineName="get-a", pipelineExecutionId=execution_id)
        self.assertClientError(caught, "PipelineNotFoundException")
        self.cp.create_pipeline(pipeline=pipeline_decl("get-a"))
        with self.assertRaises(ClientError) as caught:
            self.cp.get_pipeline_execution(pipelineName="get-a", pipelineExecutionId=execution_id)
        self.assertClientError(caught, "PipelineExecutionNotFoundException")
        self.assertEqual(list_all_executions(self.cp, "get-a"), [])

    # --- ListPipelineExecutions -----------------------------------------------

    def test_list_executions_newest_first_with_fields(self):
        decl = with_source(pipeline_decl("list-fields", executionMode="PARALLEL"),
                           codecommit_source())
        self.cp.create_pipeline(pipeline=decl)
        ids = []
        for n in range(4):
            ids.append(self.cp.start_pipeline_execution(name="list-fields", sourceRevisions=[
                {"actionName": "Source", "revisionType": "COMMIT_ID",
                 "revisionValue": f"rev{n}"}])["pipelineExecutionId"])
            advance(self.server, 0.001)  # a start time of its own, well inside Source
        in_progress = list_all_executions(self.cp, "list-fields")
        self.assertEqual(ids_of(in_progress), list(reversed(ids)))
        self.assertEqual({s["status"] for s in in_progress}, {"InProgress"})
        settle_all_finished(self.server, self.cp, "list-fields", ids)
        summaries = list_all_executions(self.cp, "list-fields")
        self.assertEqual(ids_of(summaries), list(reversed(ids)))
        for n, summary in zip(reversed(range(4)), summaries):
            self.assertEqual(summary["status"], "Succeeded")
            self.assertEqual(summary["executionMode"], "PARALLEL")
            self.assertEqual(summary["trigger"]["triggerType"], "StartPipelineExecution")
            self.assertLessEqual(summary["startTime"], summary["lastUpdateTime"])
            self.assertEqual(len(summary["sourceRevisions"]), 1)
            self.assertEqual(summary["sourceRevisions"][0]["actionName"], "Source")
            self.assertEqual(summary["sourceRevisions"][0]["revisionId"], f"rev{n}")
            self.assertNotIn("statusSummary", summary)
            self.assertNotIn("stopTrigger", summary)
        starts = [s["startTime"] for s in summaries]
        self.assertEqual(starts, sorted(starts, reverse=True))

    def test_list_executions_empty_and_unknown(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("list-empty"))
        page = self.cp.list_pipeline_executions(pipelineName="list-empty")
        self.assertEqual(page["pipelineExecutionSummaries"], [])
        self.assertNotIn("nextToken", page)
        with self.assertRaises(ClientError) as caught:
            self.cp.list_pipeline_executions(pipelineName="list-absent")
        self.assertClientError(caught, "PipelineNotFoundException")

    def test_list_executions_pagination(self):
        ids = self.run_parallel("list-pages", 7)
        newest_first = list(reversed(ids))
        seen, sizes, token = [], [], None
        while True:
            kwargs = {"maxResults": 3}
            if token:
                kwargs["nextToken"] = token
            page = self.cp.list_pipeline_executions(pipelineName="list-pages", **kwargs)
            seen += ids_of(page["pipelineExecutionSummaries"])
            sizes.append(len(page["pipelineExecutionSummaries"]))
            token = page.get("nextToken")
            if not token:
                break
            self.assertLess(len(sizes), 10, "pagination does not terminate")
        self.assertEqual(seen, newest_first)
        self.assertEqual(sizes, [3, 3, 1])
        # An exact fit leaves no token; a page of one at a time sees them all.
        exact = self.cp.list_pipeline_executions(pipelineName="list-pages", maxResults=7)
        self.assertEqual(ids_of(exact["pipelineExecutionSummaries"]), newest_first)
        self.assertNotIn("nextToken", exact)
        self.assertEqual(ids_of(list_all_executions(self.cp, "list-pages", maxResults=1)),
                         newest_first)
        self.assertEqual(ids_of(list_all_executions(self.cp, "list-pages", maxResults=100)),
                         newest_first)

    def test_pagination_stable_while_executions_start(self):
        ids = self.run_parallel("list-moving", 6)
        first = self.cp.list_pipeline_executions(pipelineName="list-moving", maxResults=2)
        self.assertEqual(ids_of(first["pipelineExecutionSummaries"]), [ids[5], ids[4]])
        # New executions between pages are newer than the token: neither
        # repeated nor shifting what follows.
        newer = [self.cp.start_pipeline_execution(name="list-moving")["pipelineExecutionId"]
                 for _ in range(3)]
        second = self.cp.list_pipeline_executions(pipelineName="list-moving", maxResults=2,
                                                  nextToken=first["nextToken"])
        self.assertEqual(ids_of(second["pipelineExecutionSummaries"]), [ids[3], ids[2]])
        rest = list_all_executions(self.cp, "list-moving", nextToken=second["nextToken"])
        self.assertEqual(ids_of(rest), [ids[1], ids[0]])
        # A fresh listing has everything, newest first.
        self.assertEqual(ids_of(list_all_executions(self.cp, "list-moving")),
                         list(reversed(ids + newer)))
        settle_all_finished(self.server, self.cp, "list-moving", newer)

    def test_default_page_is_100(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("list-hundred"))
        ids = [self.cp.start_pipeline_execution(name="list-hundred")["pipelineExecutionId"]
               for _ in range(103)]
        newest_first = list(reversed(ids))
        page = self.cp.list_pipeline_executions(pipelineName="list-hundred")
        self.assertEqual(ids_of(page["pipelineExecutionSummaries"]), newest_first[:100])
        self.assertIn("nextToken", page)
        rest = self.cp.list_pipeline_executions(pipelineName="list-hundred",
                                                nextToken=page["nextToken"])
        self.assertEqual(ids_of(rest["pipelineExecutionSummaries"]), newest_first[100:])
        self.assertNotIn("nextToken", rest)
        settle_all_finished(self.server, self.cp, "list-hundred", [ids[0], ids[-1]])

    def test_max_results_bounds_and_bad_tokens(self):
        self.run_parallel("list-bounds", 2)
        for operation in ("ListPipelineExecutions", "ListActionExecutions"):
            for bad in (0, 101, -1):
                with self.subTest(operation=operation, maxResults=bad):
                    self.assertRawRejected(operation,
                                           {"pipelineName": "list-bounds", "maxResults": bad})
            for good in (1, 100):
                status, _, body = self.server.call(
                    operation, {"pipelineName": "list-bounds", "maxResults": good})
                self.assertEqual(status, 200, body)
            for token in ("garbage", "AAAA", "bm90LWEtbnVtYmVy", "!!!!"):
                with self.subTest(operation=operation, token=token):
                    self.assertRawRejected(operation,
                                           {"pipelineName": "list-bounds", "nextToken": token},
                                           code="InvalidNextTokenException")
        with self.assertRaises(ClientError) as caught:
            self.cp.list_pipeline_executions(pipelineName="list-bounds", nextToken="garbage")
        self.assertClientError(caught, "InvalidNextTokenException")
        with self.assertRaises(ClientError) as caught:
            self.cp.list_action_executions(pipelineName="list-bounds", nextToken="garbage")
        self.assertClientError(caught, "InvalidNextTokenException")

    def test_filter_succeeded_in_stage(self):
        # Version 1 fails in Build (an unresolvable reference); version 2 succeeds.
        decl = with_build_configuration(pipeline_decl("list-filter"), Broken="#{Nope.X}")
        self.cp.create_pipeline(pipeline=decl)
        failed = self.cp.start_pipeline_execution(name="list-filter")["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, "list-filter", failed)["status"],
                         "Failed")
        self.cp.update_pipeline(pipeline=pipeline_decl("list-filter"))
        good = self.run_sequentially("list-filter", 2)

        def filtered(stage, **kwargs):
            return ids_of(list_all_executions(
                self.cp, "list-filter", filter={"succeededInStage": {"stageName": stage}},
                **kwargs))

        self.assertEqual(filtered("Build"), [good[1], good[0]])
        # Only the current version's executions: the failed one ran version 1.
        self.assertEqual(filtered("Source"), [good[1], good[0]])
        self.assertEqual(filtered("NoSuchStage"), [])
        # Filtered pages: no losses, no repeats.
        self.assertEqual(filtered("Build", maxResults=1), [good[1], good[0]])
        self.assertEqual(filtered("Source", maxResults=1), [good[1], good[0]])
        self.assertEqual(ids_of(list_all_executions(self.cp, "list-filter")),
                         [good[1], good[0], failed])

    # --- GetPipelineState -----------------------------------------------------

    def test_state_of_a_pipeline_never_run(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("state-idle"))
        state = self.cp.get_pipeline_state(name="state-idle")
        self.assertEqual(state["pipelineName"], "state-idle")
        self.assertEqual(state["pipelineVersion"], 1)
        self.assertEqual([s["stageName"] for s in state["stageStates"]],
                         ["Source", "Build", "Test"])
        for stage in state["stageStates"]:
            self.assertEqual(stage["inboundExecutions"], [])
            self.assertEqual(stage["inboundTransitionState"], {"enabled": True})
            self.assertNotIn("latestExecution", stage)
            for action in stage.get("actionStates", []):
                self.assertNotIn("latestExecution", action)
        with self.assertRaises(ClientError) as caught:
            self.cp.get_pipeline_state(name="state-absent")
        self.assertClientError(caught, "PipelineNotFoundException")

    def test_state_after_runs(self):
        decl = with_source(three_stage_decl("state-done"), codecommit_source())
        self.cp.create_pipeline(pipeline=decl)
        ids = self.run_sequentially("state-done", 2)
        latest = get_execution(self.cp, "state-done", ids[1])
        revision = latest["artifactRevisions"][0]["revisionId"]
        details = {d["stageName"]: d for d in actions_of(self.cp, "state-done", ids[1])}
        state = self.cp.get_pipeline_state(name="state-done")
        self.assertEqual([s["stageName"] for s in state["stageStates"]],
                         ["Source", "Build", "Test"])
        for stage in state["stageStates"]:
            name = stage["stageName"]
            self.assertEqual(stage["inboundExecutions"], [])
            self.assertEqual(stage["inboundTransitionState"], {"enabled": True})
            self.assertEqual(stage["latestExecution"],
                             {"pipelineExecutionId": ids[1], "status": "Succeeded", "type": "STANDARD"})
            self.assertEqual(len(stage["actionStates"]), 1)
            action = stage["actionStates"][0]
            self.assertEqual(action["actionName"], details[name]["actionName"])
            execution = action["latestExecution"]
            self.assertEqual(execution["actionExecutionId"], details[name]["actionExecutionId"])
            self.assertEqual(execution["status"], "Succeeded")
            self.assertEqual(execution["lastStatusChange"], details[name]["lastUpdateTime"])
            if name == "Source":
                self.assertEqual(action["currentRevision"]["revisionId"], revision)
                self.assertRegex(revision, HEX40)
            else:
                self.assertNotIn("currentRevision", action)

    # --- ListActionExecutions -------------------------------------------------

    def test_action_executions_order_filter_and_pages(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("acts"))
        first, second = self.run_sequentially("acts", 2)
        everything = list_all_actions(self.cp, "acts")
        self.assertEqual([(d["pipelineExecutionId"], d["stageName"]) for d in everything],
                         [(second, "Build"), (second, "Source"),
                          (first, "Build"), (first, "Source")])
        starts = [d["startTime"] for d in everything]
        self.assertEqual(starts, sorted(starts, reverse=True))
        self.assertEqual(len({d["actionExecutionId"] for d in everything}), 4)

        only_first = list_all_actions(self.cp, "acts", filter={"pipelineExecutionId": first})
        self.assertEqual(only_first, everything[2:])

        for size in (1, 2, 3):
            with self.subTest(maxResults=size):
                self.assertEqual(list_all_actions(self.cp, "acts", maxResults=size), everything)
                self.assertEqual(list_all_actions(self.cp, "acts", maxResults=size,
                                                  filter={"pipelineExecutionId": second}),
                                 everything[:2])
        page = self.cp.list_action_executions(pipelineName="acts", maxResults=3)
        self.assertEqual(len(page["actionExecutionDetails"]), 3)
        last = self.cp.list_action_executions(pipelineName="acts", maxResults=3,
                                              nextToken=page["nextToken"])
        self.assertEqual(len(last["actionExecutionDetails"]), 1)
        self.assertNotIn("nextToken", last)
        exact = self.cp.list_action_executions(pipelineName="acts", maxResults=4)
        self.assertNotIn("nextToken", exact)

        with self.assertRaises(ClientError) as caught:
            self.cp.list_action_executions(pipelineName="acts-absent")
        self.assertClientError(caught, "PipelineNotFoundException")
        with self.assertRaises(ClientError) as caught:
            self.cp.list_action_executions(
                pipelineName="acts",
                filter={"pipelineExecutionId": "00000000-0000-4000-8000-000000000000"})
        self.assertClientError(caught, "PipelineExecutionNotFoundException")

    def test_action_executions_newest_first_across_overlapping_executions(self):
        """Newest first means by start time, also when executions overlap.

        QUEUED: the first execution runs Test while the second runs Build, so
        the first's Test is newer than the second's Source."""
        self.cp.create_pipeline(pipeline=three_stage_decl("acts-overlap", "QUEUED"))
        ids = [self.cp.start_pipeline_execution(name="acts-overlap")["pipelineExecutionId"]
               for _ in range(2)]
        settle_all_finished(self.server, self.cp, "acts-overlap", ids)
        everything = list_all_actions(self.cp, "acts-overlap")
        self.assertEqual(len(everything), 6)
        listed = [(ids.index(d["pipelineExecutionId"]), d["stageName"],
                   d["startTime"].isoformat()) for d in everything]
        starts = [d["startTime"] for d in everything]
        self.assertEqual(starts, sorted(starts, reverse=True),
                         f"not newest first by start time: {listed}")
        # Pages agree with the whole listing.
        self.assertEqual(list_all_actions(self.cp, "acts-overlap", maxResults=2), everything)

    def test_action_execution_details(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("acts-detail"))
        (execution_id,) = self.run_sequentially("acts-detail", 1)
        build, source = actions_of(self.cp, "acts-detail", execution_id)

        for detail in (build, source):
            self.assertEqual(detail["pipelineExecutionId"], execution_id)
            self.assertEqual(detail["pipelineVersion"], 1)
            self.assertEqual(detail["status"], "Succeeded")
            self.assertLessEqual(detail["startTime"], detail["lastUpdateTime"])
            self.assertEqual(detail["input"]["region"], "us-east-1")
            self.assertIn("executionResult", detail["output"])
            self.assertNotIn("errorDetails", detail["output"]["executionResult"])

        self.assertEqual((source["stageName"], source["actionName"]), ("Source", "Source"))
        self.assertEqual(source["input"]["actionTypeId"],
                         {"category": "Source", "owner": "AWS", "provider": "S3",
                          "version": "1"})
        self.assertEqual(source["input"]["configuration"],
                         {"S3Bucket": "my-bucket", "S3ObjectKey": "source.zip"})
        self.assertEqual(source["input"]["resolvedConfiguration"],
                         source["input"]["configuration"])
        self.assertEqual(source["input"]["inputArtifacts"], [])
        (produced,) = source["output"]["outputArtifacts"]
        self.assertEqual(produced["name"], "SourceOutput")
        self.assertEqual(produced["s3location"]["bucket"], BUCKET)
        self.assertTrue(produced["s3location"]["key"])
        variables = source["output"]["outputVariables"]
        self.assertEqual(set(variables), {"VersionId", "ETag", "S3ObjectKey"})
        self.assertEqual(variables["S3ObjectKey"], "source.zip")
        revision = get_execution(self.cp, "acts-detail", execution_id)["artifactRevisions"][0]
        self.assertEqual(variables["VersionId"], revision["revisionId"])
        self.assertEqual(source["output"]["executionResult"]["externalExecutionId"],
                         revision["revisionId"])

        self.assertEqual((build["stageName"], build["actionName"]), ("Build", "Build"))
        self.assertEqual(build["input"]["actionTypeId"]["provider"], "CodeBuild")
        self.assertEqual(build["input"]["configuration"], {"ProjectName": "my-project"})
        self.assertEqual(build["input"]["resolvedConfiguration"], {"ProjectName": "my-project"})
        # Build reads what Source wrote.
        self.assertEqual(build["input"]["inputArtifacts"], [produced])
        self.assertEqual(build["output"]["outputArtifacts"], [])
        self.assertEqual(build["output"]["outputVariables"], {})

    def test_source_output_variables_by_provider(self):
        decl = with_source(pipeline_decl("acts-cc"), codecommit_source(namespace="Src"))
        self.cp.create_pipeline(pipeline=decl)
        (execution_id,) = self.run_sequentially(
            "acts-cc", 1, sourceRevisions=[{"actionName": "Source", "revisionType": "COMMIT_ID",
                                            "revisionValue": "abc123"}])
        source = actions_of(self.cp, "acts-cc", execution_id)[1]
        variables = source["output"]["outputVariables"]
        self.assertEqual(variables["CommitId"], "abc123")
        self.assertEqual(variables["BranchName"], "main")
        self.assertEqual(variables["RepositoryName"], "repo")
        self.assertIn("CommitMessage", variables)
        self.assertEqual(source["input"]["namespace"], "Src")
        self.assertEqual(source["output"]["executionResult"]["externalExecutionId"], "abc123")


class ReadsWhileRunningTest(ServerTestCase):
    """What the reads show while executions are in flight: on the manual clock
    each read sees the moment the clock was left at."""

    server_args = ("--action-duration-ms", "500", "--start-on-create", "false", *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def test_state_and_actions_in_flight(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("flight", "QUEUED"))
        first, second = [self.cp.start_pipeline_execution(name="flight")["pipelineExecutionId"]
                         for _ in range(2)]
        source = stage_state(self.cp, "flight", "Source")
        self.assertEqual(source["latestExecution"],
                         {"pipelineExecutionId": first, "status": "InProgress", "type": "STANDARD"})
        self.assertEqual(source["inboundExecutions"],
                         [{"pipelineExecutionId": second, "status": "InProgress", "type": "STANDARD"}])
        self.assertEqual(source["inboundTransitionState"], {"enabled": True})
        (action,) = source["actionStates"]
        self.assertEqual(action["actionName"], "Source")
        self.assertEqual(action["latestExecution"]["status"], "InProgress")
        (running,) = actions_of(self.cp, "flight", first)
        self.assertEqual(running["status"], "InProgress")
        self.assertEqual(running["output"]["outputArtifacts"], [])
        self.assertEqual(action["latestExecution"]["actionExecutionId"],
                         running["actionExecutionId"])
        for name in ("Build", "Test"):
            stage = stage_state(self.cp, "flight", name)
            self.assertEqual(stage["inboundExecutions"], [])
            self.assertNotIn("latestExecution", stage)
        self.assertEqual(actions_of(self.cp, "flight", second), [])

        # One action later: first moves to Build; second enters Source.
        advance(self.server, 0.5)
        state = {s["stageName"]: s
                 for s in self.cp.get_pipeline_state(name="flight")["stageStates"]}
        self.assertEqual(state["Build"]["latestExecution"],
                         {"pipelineExecutionId": first, "status": "InProgress", "type": "STANDARD"})
        self.assertEqual(state["Source"]["latestExecution"],
                         {"pipelineExecutionId": second, "status": "InProgress", "type": "STANDARD"})
        self.assertEqual(state["Source"]["inboundExecutions"], [])

        settle_all_finished(self.server, self.cp, "flight", [first, second])
        for stage in self.cp.get_pipeline_state(name="flight")["stageStates"]:
            self.assertEqual(stage["latestExecution"],
                             {"pipelineExecutionId": second, "status": "Succeeded", "type": "STANDARD"})
            self.assertEqual(stage["inboundExecutions"], [])


class RetentionTest(ServerTestCase):

    server_args = ("--action-duration-ms", "100", "--start-on-create", "false",
                   "--retained-executions", "3", *MANUAL_CLOCK)

    def test_only_newest_finished_executions_kept(self):
        cp = self.server.client()
        cp.create_pipeline(pipeline=pipeline_decl("retained"))
        ids = []
        for _ in range(6):
            execution_id = cp.start_pipeline_execution(name="retained")["pipelineExecutionId"]
            self.assertEqual(settle_finished(self.server, cp, "retained", execution_id)["status"],
                             "Succeeded")
            ids.append(execution_id)
        kept = list(reversed(ids[3:]))
        self.assertEqual(ids_of(list_all_executions(cp, "retained")), kept)
        self.assertEqual(ids_of(list_all_executions(cp, "retained", maxResults=1)), kept)
        for dropped in ids[:3]:
            with self.assertRaises(ClientError) as caught:
                cp.get_pipeline_execution(pipelineName="retained", pipelineExecutionId=dropped)
            self.assertClientError(caught, "PipelineExecutionNotFoundException")
        for execution_id in kept:
            self.assertEqual(get_execution(cp, "retained", execution_id)["status"], "Succeeded")
        actions = list_all_actions(cp, "retained")
        self.assertEqual([d["pipelineExecutionId"] for d in actions],
                         [i for i in kept for _ in range(2)])
        # Retention is per pipeline.
        cp.create_pipeline(pipeline=pipeline_decl("retained-other"))
        other = cp.start_pipeline_execution(name="retained-other")["pipelineExecutionId"]
        settle_finished(self.server, cp, "retained-other", other)
        self.assertEqual(ids_of(list_all_executions(cp, "retained")), kept)


if __name__ == "__main__":
    unittest.main()
