"""Execution modes end to end: SUPERSEDED, QUEUED and PARALLEL races through
a three-stage pipeline, the QUEUED and PARALLEL limits, and UpdatePipeline
cancelling executions.

Timing: every server runs on the manual clock, so nothing moves between two
requests of a test: starts issued back to back all land while the first
execution is still in its first stage, and each simulated action takes
exactly DURATION_MS of the clock. A test settles the clock to let everything
run out, or advances it by whole actions to stop at an exact moment.
"""

import threading
import unittest

from botocore.exceptions import ClientError

from execution_helpers import (MANUAL_CLOCK, actions_of, advance, get_execution,
                               list_all_executions, settle_all_finished, settle_finished,
                               stage_state, three_stage_decl)
from sluice_server import ServerTestCase, build_action, pipeline_decl

DURATION_MS = 300
ACTION_S = DURATION_MS / 1000  # one action, on the manual clock
LIMIT_EXCEEDED = "ConcurrentPipelineExecutionsLimitExceededException"


def start_many(cp, name, count):
    return [cp.start_pipeline_execution(name=name)["pipelineExecutionId"] for _ in range(count)]


def stage_actions(cp, name, execution_ids, stage):
    """{execution id: that execution's action detail in `stage`} for those that ran it."""
    found = {}
    for execution_id in execution_ids:
        for detail in actions_of(cp, name, execution_id):
            if detail["stageName"] == stage:
                found[execution_id] = detail
    return found


def update_build_project(cp, name, project):
    decl = cp.get_pipeline(name=name)["pipeline"]
    decl["stages"][1]["actions"][0]["configuration"]["ProjectName"] = project
    return cp.update_pipeline(pipeline=decl)["pipeline"]["version"]


class ExecutionModesTest(ServerTestCase):

    server_args = ("--action-duration-ms", str(DURATION_MS), "--start-on-create", "false",
                   *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def race(self, name, mode, count):
        """Creates a three-stage pipeline, starts `count` executions back to back and
        waits for all of them; returns (ids in start order, {id: final execution})."""
        decl = three_stage_decl(name, mode)
        self.cp.create_pipeline(pipeline=decl)
        ids = start_many(self.cp, name, count)
        return ids, settle_all_finished(self.server, self.cp, name, ids)

    def assertOneAtATimePerStage(self, name, ids, ran):
        """Each stage held by one execution at a time, entered in start order."""
        for stage in ("Source", "Build", "Test"):
            details = stage_actions(self.cp, name, ran, stage)
            self.assertEqual(set(details), set(ran), stage)
            ordered = sorted(details.values(), key=lambda d: d["startTime"])
            self.assertEqual([d["pipelineExecutionId"] for d in ordered],
                             [i for i in ids if i in ran], stage)
            for earlier, later in zip(ordered, ordered[1:]):
                self.assertGreaterEqual(later["startTime"], earlier["lastUpdateTime"],
                                        f"two executions in stage {stage} at once")

    def assertSummaries(self, name, ids, final, mode):
        summaries = list_all_executions(self.cp, name)
        self.assertEqual([s["pipelineExecutionId"] for s in summaries], list(reversed(ids)))
        for summary in summaries:
            self.assertEqual(summary["status"], final[summary["pipelineExecutionId"]]["status"])
            self.assertEqual(summary["executionMode"], mode)
        for execution in final.values():
            self.assertEqual(execution["executionMode"], mode)

    # --- SUPERSEDED -----------------------------------------------------------

    def test_superseded_two_both_succeed(self):
        ids, final = self.race("sup-two", "SUPERSEDED", 2)
        # The second waits at Source while the first is there; nobody is waiting
        # when it arrives, so nothing is superseded.
        self.assertEqual([final[i]["status"] for i in ids], ["Succeeded", "Succeeded"])
        self.assertOneAtATimePerStage("sup-two", ids, ids)
        self.assertSummaries("sup-two", ids, final, "SUPERSEDED")

    def test_superseded_three_middle_is_superseded(self):
        decl = three_stage_decl("sup-three")  # SUPERSEDED is the default
        self.cp.create_pipeline(pipeline=decl)
        ids = start_many(self.cp, "sup-three", 3)
        first, middle, last = ids
        # First holds Source; middle waited to enter Source and last, newer and
        # waiting there too, superseded it at once.
        self.assertEqual(get_execution(self.cp, "sup-three", middle)["status"], "Superseded")
        self.assertEqual(get_execution(self.cp, "sup-three", first)["status"], "InProgress")
        self.assertEqual(get_execution(self.cp, "sup-three", last)["status"], "InProgress")
        source = stage_state(self.cp, "sup-three", "Source")
        self.assertEqual(source["latestExecution"],
                         {"pipelineExecutionId": first, "status": "InProgress",
                           "type": "STANDARD"})
        self.assertEqual([e["pipelineExecutionId"] for e in source["inboundExecutions"]], [last])

        final = settle_all_finished(self.server, self.cp, "sup-three", ids)
        self.assertEqual([final[i]["status"] for i in ids],
                         ["Succeeded", "Superseded", "Succeeded"])
        self.assertEqual(actions_of(self.cp, "sup-three", middle), [])
        self.assertOneAtATimePerStage("sup-three", ids, [first, last])
        self.assertSummaries("sup-three", ids, final, "SUPERSEDED")
        ends = {s["pipelineExecutionId"]: s["lastUpdateTime"]
                for s in list_all_executions(self.cp, "sup-three")}
        self.assertLess(ends[middle], ends[first])  # superseded before anyone finished
        self.assertLess(ends[first], ends[last])

    def test_superseded_while_waiting_for_a_later_stage(self):
        # Build takes three actions in sequence, so executions queue up before it.
        decl = three_stage_decl("sup-later")
        decl["stages"][1]["actions"] = [
            build_action(name=f"Step{i}", runOrder=i, outputs=("BuildOutput",) if i == 1 else ())
            for i in (1, 2, 3)]
        self.cp.create_pipeline(pipeline=decl)
        first, middle = start_many(self.cp, "sup-later", 2)
        # Middle enters Source once first moves on to Build ...
        advance(self.server, ACTION_S)
        self.assertTrue(stage_actions(self.cp, "sup-later", [middle], "Source"),
                        "the middle execution entered Source")
        # ... and a newer one started now cannot supersede it at Source (middle is
        # not waiting there), but does so at Build, where middle waits for first.
        last = self.cp.start_pipeline_execution(name="sup-later")["pipelineExecutionId"]
        self.assertEqual(get_execution(self.cp, "sup-later", middle)["status"], "InProgress")
        final = settle_all_finished(self.server, self.cp, "sup-later", [first, middle, last])
        self.assertEqual([final[i]["status"] for i in (first, middle, last)],
                         ["Succeeded", "Superseded", "Succeeded"])
        ran = [(d["stageName"], d["status"]) for d in actions_of(self.cp, "sup-later", middle)]
        self.assertEqual(ran, [("Source", "Succeeded")])
        self.assertEqual(len(actions_of(self.cp, "sup-later", last)), 5)

    # --- QUEUED ---------------------------------------------------------------

    def assertQueued(self, name, count):
        decl = three_stage_decl(name, "QUEUED")
        self.cp.create_pipeline(pipeline=decl)
        ids = start_many(self.cp, name, count)
        # All waiting ones wait to enter Source, oldest first; none is superseded.
        source = stage_state(self.cp, name, "Source")
        self.assertEqual(source["latestExecution"],
                         {"pipelineExecutionId": ids[0], "status": "InProgress",
                           "type": "STANDARD"})
        self.assertEqual(source["inboundExecutions"],
                         [{"pipelineExecutionId": i, "status": "InProgress",
                           "type": "STANDARD"} for i in ids[1:]])
        for execution_id in ids:
            self.assertEqual(get_execution(self.cp, name, execution_id)["status"], "InProgress")

        final = settle_all_finished(self.server, self.cp, name, ids)
        self.assertEqual([final[i]["status"] for i in ids], ["Succeeded"] * count)
        # They finish in the order they started.
        summaries = {s["pipelineExecutionId"]: s for s in list_all_executions(self.cp, name)}
        ends = [summaries[i]["lastUpdateTime"] for i in ids]
        self.assertEqual(ends, sorted(ends))
        self.assertEqual(len(set(ends)), count)
        self.assertOneAtATimePerStage(name, ids, ids)
        self.assertSummaries(name, ids, final, "QUEUED")

    def test_queued_two(self):
        self.assertQueued("queued-two", 2)

    def test_queued_three(self):
        self.assertQueued("queued-three", 3)

    # --- PARALLEL -------------------------------------------------------------

    def assertParallel(self, name, count):
        ids, final = self.race(name, "PARALLEL", count)
        self.assertEqual([final[i]["status"] for i in ids], ["Succeeded"] * count)
        self.assertSummaries(name, ids, final, "PARALLEL")
        summaries = list_all_executions(self.cp, name)
        # Overlapping in time: every execution started before any ended.
        self.assertLess(max(s["startTime"] for s in summaries),
                        min(s["lastUpdateTime"] for s in summaries))
        for stage in ("Source", "Build", "Test"):
            details = stage_actions(self.cp, name, ids, stage)
            self.assertEqual(set(details), set(ids))
            self.assertLess(max(d["startTime"] for d in details.values()),
                            min(d["lastUpdateTime"] for d in details.values()),
                            f"executions did not share stage {stage}")
        # Nobody ever waits to enter a stage.
        for state in self.cp.get_pipeline_state(name=name)["stageStates"]:
            self.assertEqual(state["inboundExecutions"], [])

    def test_parallel_two(self):
        self.assertParallel("parallel-two", 2)

    def test_parallel_three(self):
        self.assertParallel("parallel-three", 3)


class ExecutionLimitsTest(ServerTestCase):

    server_args = ("--action-duration-ms", str(DURATION_MS), "--start-on-create", "false",
                   "--max-parallel-executions", "2", "--max-queued-executions", "2",
                   *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def assertLimitExceeded(self, name, **kwargs):
        with self.assertRaises(ClientError) as caught:
            self.cp.start_pipeline_execution(name=name, **kwargs)
        self.assertClientError(caught, LIMIT_EXCEEDED)

    def test_parallel_limit(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("par-limit", executionMode="PARALLEL"))
        self.cp.create_pipeline(pipeline=pipeline_decl("par-other", executionMode="PARALLEL"))
        first = self.cp.start_pipeline_execution(name="par-limit", clientRequestToken="p-1")
        second = self.cp.start_pipeline_execution(name="par-limit")
        self.assertLimitExceeded("par-limit")
        self.assertLimitExceeded("par-limit", clientRequestToken="p-new")
        # A retry of an accepted start is still answered.
        retry = self.cp.start_pipeline_execution(name="par-limit", clientRequestToken="p-1")
        self.assertEqual(retry["pipelineExecutionId"], first["pipelineExecutionId"])
        self.assertEqual(len(list_all_executions(self.cp, "par-limit")), 2)
        # The limit is per pipeline.
        start_many(self.cp, "par-other", 2)
        # Finished executions do not count.
        settle_all_finished(self.server, self.cp, "par-limit", [first["pipelineExecutionId"],
                                                                second["pipelineExecutionId"]])
        third = self.cp.start_pipeline_execution(name="par-limit")["pipelineExecutionId"]
        self.assertEqual(settle_finished(self.server, self.cp, "par-limit", third)["status"],
                         "Succeeded")

    def test_queued_limit(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("queue-limit", executionMode="QUEUED"))
        # The first enters Source; two wait to enter it: the limit.
        ids = start_many(self.cp, "queue-limit", 3)
        self.assertLimitExceeded("queue-limit")
        self.assertEqual(len(list_all_executions(self.cp, "queue-limit")), 3)
        # Once the second enters Source, one waits: there is room again.
        advance(self.server, ACTION_S)
        self.assertEqual(stage_state(self.cp, "queue-limit", "Source")
                         .get("latestExecution", {}).get("pipelineExecutionId"), ids[1])
        fourth = self.cp.start_pipeline_execution(name="queue-limit")["pipelineExecutionId"]
        self.assertLimitExceeded("queue-limit")
        final = settle_all_finished(self.server, self.cp, "queue-limit", ids + [fourth])
        self.assertEqual([e["status"] for e in final.values()], ["Succeeded"] * 4)

    def test_queued_limit_counts_only_waiting_for_the_first_stage(self):
        # Build runs three actions in sequence, so executions pile up before it.
        decl = pipeline_decl("queue-later", executionMode="QUEUED")
        decl["stages"][1]["actions"] = [build_action(name=f"Step{i}", runOrder=i)
                                        for i in (1, 2, 3)]
        self.cp.create_pipeline(pipeline=decl)
        ids = start_many(self.cp, "queue-later", 3)
        # Once the third has left Source (after three Source actions, one
        # execution after another), it waits for Build: the first holds Build
        # for three actions, then the second does.
        advance(self.server, 3 * ACTION_S)
        self.assertTrue(any(d["status"] == "Succeeded" for d in
                            stage_actions(self.cp, "queue-later", ids[2:], "Source").values()),
                        "the third execution left Source")
        waiting_for_build = stage_state(self.cp, "queue-later", "Build")["inboundExecutions"]
        self.assertIn({"pipelineExecutionId": ids[2], "status": "InProgress",
                           "type": "STANDARD"}, waiting_for_build)
        self.assertEqual(stage_state(self.cp, "queue-later", "Source")["inboundExecutions"], [])
        # They do not count: one enters Source, two may wait for it, no more.
        start_many(self.cp, "queue-later", 3)
        self.assertLimitExceeded("queue-later")
        self.assertEqual(len(list_all_executions(self.cp, "queue-later")), 6)

    def concurrently(self, count, call):
        """Runs call(client) from `count` threads at once; returns results and errors."""
        clients = [self.server.client() for _ in range(count)]
        barrier = threading.Barrier(count)
        results, errors = [], []
        lock = threading.Lock()

        def run(client):
            barrier.wait()
            try:
                value = call(client)
                with lock:
                    results.append(value)
            except ClientError as error:
                with lock:
                    errors.append(error.response["Error"]["Code"])

        threads = [threading.Thread(target=run, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return results, errors

    def test_parallel_limit_under_concurrent_starts(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("par-race", executionMode="PARALLEL"))
        results, errors = self.concurrently(
            8, lambda c: c.start_pipeline_execution(name="par-race")["pipelineExecutionId"])
        self.assertEqual(len(results), 2, (results, errors))
        self.assertEqual(errors, [LIMIT_EXCEEDED] * 6)
        self.assertEqual(sorted(e["pipelineExecutionId"]
                                for e in list_all_executions(self.cp, "par-race")),
                         sorted(results))
        settle_all_finished(self.server, self.cp, "par-race", results)

    def test_same_token_under_concurrent_starts(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("token-race"))
        results, errors = self.concurrently(8, lambda c: c.start_pipeline_execution(
            name="token-race", clientRequestToken="race-1")["pipelineExecutionId"])
        self.assertEqual(errors, [])
        self.assertEqual(len(set(results)), 1, results)
        self.assertEqual([e["pipelineExecutionId"]
                          for e in list_all_executions(self.cp, "token-race")], results[:1])
        self.assertEqual(settle_finished(self.server, self.cp, "token-race", results[0])["status"],
                         "Succeeded")

    def test_superseded_has_no_limit(self):
        self.cp.create_pipeline(pipeline=pipeline_decl("sup-many"))
        ids = start_many(self.cp, "sup-many", 6)
        final = settle_all_finished(self.server, self.cp, "sup-many", ids)
        # Each newer one superseded the one waiting before it.
        self.assertEqual([final[i]["status"] for i in ids],
                         ["Succeeded"] + ["Superseded"] * 4 + ["Succeeded"])


class UpdateCancelsTest(ServerTestCase):
    """UpdatePipeline while executions run."""

    server_args = ("--action-duration-ms", str(DURATION_MS), "--start-on-create", "false",
                   *MANUAL_CLOCK)

    def setUp(self):
        self.cp = self.server.client()

    def stages_run(self, name, execution_id):
        return [(d["stageName"], d["status"])
                for d in reversed(actions_of(self.cp, name, execution_id))]

    def test_superseded_waiting_cancelled_at_once_running_after_actions(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("upd-sup"))
        first = self.cp.start_pipeline_execution(name="upd-sup")["pipelineExecutionId"]
        advance(self.server, ACTION_S)
        self.assertTrue(stage_actions(self.cp, "upd-sup", [first], "Build"),
                        "the first execution entered Build")
        second, third = start_many(self.cp, "upd-sup", 2)  # second in Source, third waits
        self.assertEqual(stage_state(self.cp, "upd-sup", "Source")["inboundExecutions"],
                         [{"pipelineExecutionId": third, "status": "InProgress",
                           "type": "STANDARD"}])
        self.assertEqual(update_build_project(self.cp, "upd-sup", "changed"), 2)

        # The waiting one at once; the ones inside a stage run their actions out.
        self.assertEqual(get_execution(self.cp, "upd-sup", third)["status"], "Cancelled")
        self.assertEqual(get_execution(self.cp, "upd-sup", first)["status"], "InProgress")
        self.assertEqual(get_execution(self.cp, "upd-sup", second)["status"], "InProgress")
        final = settle_all_finished(self.server, self.cp, "upd-sup", [first, second])
        self.assertEqual(final[first]["status"], "Cancelled")
        self.assertEqual(final[second]["status"], "Cancelled")
        # Their in-progress actions finished; nothing further ran.
        self.assertEqual(self.stages_run("upd-sup", first),
                         [("Source", "Succeeded"), ("Build", "Succeeded")])
        self.assertEqual(self.stages_run("upd-sup", second), [("Source", "Succeeded")])
        self.assertEqual(self.stages_run("upd-sup", third), [])
        build = stage_actions(self.cp, "upd-sup", [first], "Build")[first]
        summary = next(s for s in list_all_executions(self.cp, "upd-sup")
                       if s["pipelineExecutionId"] == first)
        self.assertGreaterEqual(summary["lastUpdateTime"], build["lastUpdateTime"])
        state = stage_state(self.cp, "upd-sup", "Build")
        self.assertEqual(state["latestExecution"]["pipelineExecutionId"], first)
        self.assertEqual(state["latestExecution"]["status"], "Cancelled")

        # The updated pipeline runs normally, on its new version.
        newer = self.cp.start_pipeline_execution(name="upd-sup")["pipelineExecutionId"]
        finished = settle_finished(self.server, self.cp, "upd-sup", newer)
        self.assertEqual((finished["status"], finished["pipelineVersion"]), ("Succeeded", 2))
        build = stage_actions(self.cp, "upd-sup", [newer], "Build")[newer]
        self.assertEqual(build["input"]["configuration"]["ProjectName"], "changed")

    def test_queued_waiting_cancelled_at_once(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("upd-queue", "QUEUED"))
        first, second, third = start_many(self.cp, "upd-queue", 3)
        update_build_project(self.cp, "upd-queue", "changed")
        self.assertEqual(get_execution(self.cp, "upd-queue", second)["status"], "Cancelled")
        self.assertEqual(get_execution(self.cp, "upd-queue", third)["status"], "Cancelled")
        self.assertEqual(get_execution(self.cp, "upd-queue", first)["status"], "InProgress")
        self.assertEqual(stage_state(self.cp, "upd-queue", "Source")["inboundExecutions"], [])
        self.assertEqual(settle_finished(self.server, self.cp, "upd-queue", first)["status"],
                         "Cancelled")
        self.assertEqual(self.stages_run("upd-queue", first), [("Source", "Succeeded")])
        for execution_id in (second, third):
            self.assertEqual(self.stages_run("upd-queue", execution_id), [])

    def test_parallel_executions_continue(self):
        self.cp.create_pipeline(pipeline=three_stage_decl("upd-par", "PARALLEL"))
        ids = start_many(self.cp, "upd-par", 2)
        update_build_project(self.cp, "upd-par", "changed")
        for execution_id in ids:
            self.assertEqual(get_execution(self.cp, "upd-par", execution_id)["status"],
                             "InProgress")
        final = settle_all_finished(self.server, self.cp, "upd-par", ids)
        for execution_id in ids:
            self.assertEqual(final[execution_id]["status"], "Succeeded")
            self.assertEqual(final[execution_id]["pipelineVersion"], 1)
            self.assertEqual(self.stages_run("upd-par", execution_id),
                             [("Source", "Succeeded"), ("Build", "Succeeded"),
                              ("Test", "Succeeded")])
            # They ran the version they started with.
            build = stage_actions(self.cp, "upd-par", [execution_id], "Build")[execution_id]
            self.assertEqual(build["input"]["configuration"]["ProjectName"], "my-project")


if __name__ == "__main__":
    unittest.main()
