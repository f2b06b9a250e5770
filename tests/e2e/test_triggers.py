"""Triggers end to end: webhooks that fire (PutWebhook's URL, HMAC and IP
authentication, filters, lastTriggered, every refusal), source changes that
start pipelines (/_sluice/sources/push, pull-request, s3, ecr, codecommit,
with V2 trigger filters and the trigger types AWS reports), and a real
`git push` through examples/git-hooks/post-receive."""

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import unittest
import urllib.parse

from execution_helpers import MANUAL_CLOCK
from sluice_server import DEFAULT_ACCOUNT, REPO, ServerTestCase, SluiceServer, build_action, temp_dir

sys.path.insert(0, os.path.join(REPO, "clients", "python"))
from sluice_control import SluiceControl, SluiceControlError  # noqa: E402

CONNECTION = "arn:aws:codestar-connections:us-east-1:123456789012:connection/4f9b3e2a"
COMMIT = "3f786850e387550fdab836ed7e6dc881de23001b"
SECRET = "s3cret"


def source(provider, configuration, owner="AWS"):
    return {"name": "Source",
            "actionTypeId": {"category": "Source", "owner": owner, "provider": provider,
                             "version": "1"},
            "configuration": configuration,
            "outputArtifacts": [{"name": "SourceOutput"}]}


def connection_source(repository="me/app", branch="main", **extra):
    configuration = {"ConnectionArn": CONNECTION, "FullRepositoryId": repository,
                     "BranchName": branch}
    configuration.update(extra)
    return source("CodeStarSourceConnection", configuration)


def pipeline(name, source_action, triggers=None):
    declaration = {
        "name": name,
        "roleArn": "arn:aws:iam::123456789012:role/CodePipelineRole",
        "artifactStore": {"type": "S3", "location": "my-artifact-bucket"},
        "pipelineType": "V2",
        "stages": [{"name": "Source", "actions": [source_action]},
                   {"name": "Build", "actions": [build_action()]}],
    }
    if triggers is not None:
        declaration["triggers"] = [{"providerType": "CodeStarSourceConnection",
                                    "gitConfiguration": dict(sourceActionName="Source",
                                                             **triggers)}]
    return declaration


def sign(body):
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


class TriggerTestCase(ServerTestCase):
    """A fresh account per test: its pipelines are all the change can start."""

    server_args = MANUAL_CLOCK

    def setUp(self):
        self.control = SluiceControl(self.server.endpoint)
        self.control.reset()
        self.cp = self.server.client(access_key=DEFAULT_ACCOUNT)

    def create(self, *declarations):
        for declaration in declarations:
            self.cp.create_pipeline(pipeline=declaration)
        # CreatePipeline's own first executions are not what these tests count.
        self.first = {d["name"]: self.execution_ids(d["name"]) for d in declarations}

    def execution_ids(self, name):
        return [e["pipelineExecutionId"]
                for e in self.cp.list_pipeline_executions(pipelineName=name)
                ["pipelineExecutionSummaries"]]

    def execution(self, name, execution_id):
        return self.cp.get_pipeline_execution(pipelineName=name,
                                              pipelineExecutionId=execution_id)["pipelineExecution"]

    def started(self, answer):
        return sorted(item["pipeline"] for item in answer["started"])


class WebhookCallTest(TriggerTestCase):

    def setUp(self):
        super().setUp()
        github = source("GitHub", {"Owner": "me", "Repo": "app", "Branch": "main",
                                   "OAuthToken": "****", "PollForSourceChanges": "false"},
                        owner="ThirdParty")
        self.create(pipeline("hooked", github))
        self.url = self.put_webhook("hook")

    def put_webhook(self, name, **extra):
        definition = {"name": name, "targetPipeline": "hooked", "targetAction": "Source",
                      "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{Branch}"}],
                      "authentication": "GITHUB_HMAC",
                      "authenticationConfiguration": {"SecretToken": SECRET}}
        definition.update(extra)
        return self.cp.put_webhook(webhook=definition)["webhook"]["url"]

    def post(self, url, body, headers=None, method="POST"):
        parts = urllib.parse.urlsplit(url)
        self.assertEqual((parts.hostname, parts.port), ("127.0.0.1", self.server.port), url)
        path = parts.path + "?" + parts.query
        status, _, data = self.server.raw(body, method=method, path=path,
                                          headers=dict({"Content-Type": "application/json"},
                                                       **(headers or {})))
        return status, json.loads(data) if data else None

    def push_body(self, ref="refs/heads/main"):
        return json.dumps({"ref": ref, "after": COMMIT,
                           "head_commit": {"id": COMMIT, "message": "Fix the login page",
                                           "author": {"name": "Ada"}}}).encode()

    def test_a_signed_matching_push_starts_the_pipeline(self):
        body = self.push_body()
        status, answer = self.post(self.url, body, {"X-Hub-Signature-256": sign(body),
                                                    "X-GitHub-Event": "push"})
        self.assertEqual(status, 200, answer)
        self.assertTrue(answer["started"])
        execution = self.execution("hooked", answer["pipelineExecutionId"])
        self.assertEqual(execution["trigger"], {
            "triggerType": "Webhook",
            "triggerDetail": f"arn:aws:codepipeline:us-east-1:{DEFAULT_ACCOUNT}:webhook:hook"})
        revision = execution["artifactRevisions"][0]
        self.assertEqual(revision["revisionId"], COMMIT)
        self.assertEqual(revision["revisionSummary"], "Fix the login page")
        listed = self.cp.list_webhooks()["webhooks"]
        self.assertIn("lastTriggered", listed[0])
        self.assertEqual(self.control.clock()["now"], listed[0]["lastTriggered"].timestamp())

    def test_the_legacy_sha1_signature_is_accepted(self):
        body = self.push_body()
        signature = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
        status, answer = self.post(self.url, body, {"X-Hub-Signature": signature})
        self.assertEqual(status, 200, answer)
        self.assertTrue(answer["started"])

    def test_refusals_start_nothing(self):
        body = self.push_body()
        dev = self.push_body("refs/heads/dev")
        wrong_token = self.url.replace("?t=", "?t=0")
        rows = [
            ("wrong signature", self.url, body, {"X-Hub-Signature-256": sign(b"other")}, "POST",
             401, "Unauthorized"),
            ("no signature", self.url, body, {}, "POST", 401, "Unauthorized"),
            ("wrong token", wrong_token, body, {"X-Hub-Signature-256": sign(body)}, "POST",
             404, "NotFound"),
            ("not JSON", self.url, b"ref=main", {"X-Hub-Signature-256": sign(b"ref=main")},
             "POST", 400, "BadRequest"),
            ("a GET", self.url, b"", {}, "GET", 405, "MethodNotAllowed"),
        ]
        for name, url, payload, headers, method, code, kind in rows:
            with self.subTest(name):
                status, answer = self.post(url, payload, headers, method)
                self.assertEqual(status, code, answer)
                self.assertEqual(answer["error"], kind)
        status, answer = self.post(self.url, dev, {"X-Hub-Signature-256": sign(dev)})
        self.assertEqual(status, 200, answer)
        self.assertFalse(answer["started"])
        self.assertEqual(answer["ignored"], "filter 1 ($.ref): 'refs/heads/dev' is not 'refs/heads/{Branch}'")
        self.assertEqual(self.execution_ids("hooked"), self.first["hooked"])
        self.assertNotIn("lastTriggered", self.cp.list_webhooks()["webhooks"][0])

    def test_a_deleted_webhook_is_not_found(self):
        self.cp.delete_webhook(name="hook")
        body = self.push_body()
        status, answer = self.post(self.url, body, {"X-Hub-Signature-256": sign(body)})
        self.assertEqual(status, 404, answer)

    def test_a_match_whose_pipeline_is_gone_is_a_conflict(self):
        self.cp.delete_pipeline(name="hooked")
        body = self.push_body()
        status, answer = self.post(self.url, body, {"X-Hub-Signature-256": sign(body)})
        self.assertEqual(status, 409, answer)
        self.assertEqual(answer["error"], "Conflict")
        self.assertIn("hooked", answer["message"])

    def test_odd_payloads_never_fail_the_call(self):
        for body in (b'{"ref": "refs/heads/main", "head_commit": {"id": 1, "author": []}}',
                     b'{"ref": "refs/heads/main", "head_commit": null}', b"[]", b'"text"'):
            with self.subTest(body=body):
                status, answer = self.post(self.url, body, {"X-Hub-Signature-256": sign(body)})
                self.assertIn(status, (200,), answer)

    def test_ip_authentication_reads_the_peer_address(self):
        rows = [("127.0.0.0/8", 200), ("10.0.0.0/8", 401)]
        for index, (allowed, code) in enumerate(rows):
            with self.subTest(allowed):
                url = self.put_webhook(f"ip{index}", authentication="IP",
                                       authenticationConfiguration={"AllowedIPRange": allowed})
                # A client cannot claim another address through sluice's own header.
                status, answer = self.post(url, self.push_body(),
                                           {"X-Sluice-Peer-Address": "10.1.2.3"})
                self.assertEqual(status, code, answer)

    def test_unauthenticated_without_filters_on_anything(self):
        url = self.put_webhook("open", authentication="UNAUTHENTICATED",
                               authenticationConfiguration={},
                               filters=[{"jsonPath": "$.repository"}])
        status, answer = self.post(url, b'{"repository": {"name": "app"}}')
        self.assertEqual(status, 200, answer)
        self.assertTrue(answer["started"])


class PublicUrlTest(unittest.TestCase):

    def test_public_url_starts_the_webhook_urls(self):
        server = SluiceServer("--public-url", "http://sluice.example:8080/")
        try:
            cp = server.client(access_key=DEFAULT_ACCOUNT)
            cp.create_pipeline(pipeline=pipeline("p", connection_source()))
            url = cp.put_webhook(webhook={
                "name": "h", "targetPipeline": "p", "targetAction": "Source",
                "filters": [{"jsonPath": "$.ref"}], "authentication": "UNAUTHENTICATED",
                "authenticationConfiguration": {}})["webhook"]["url"]
            self.assertRegex(url, r"^http://sluice\.example:8080/webhooks/us-east-1/"
                                  rf"{DEFAULT_ACCOUNT}/h\?t=[0-9a-f]{{64}}&v=1$")
        finally:
            self.assertEqual(server.stop()[0], 0)

    def test_a_bad_public_url_is_refused_at_start(self):
        done = subprocess.run([os.environ.get("SLUICE_BIN", os.path.join(REPO, "build", "sluice")),
                               "--public-url", "ftp://x"], capture_output=True, text=True,
                              timeout=10)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("--public-url", done.stderr)


class ConnectionPushTest(TriggerTestCase):

    def setUp(self):
        super().setUp()
        self.create(
            pipeline("main-app", connection_source()),
            pipeline("dev-app", connection_source(branch="dev")),
            pipeline("release", connection_source(),
                     {"push": [{"tags": {"includes": ["v*"], "excludes": ["v*-rc*"]}}]}),
            pipeline("docs", connection_source(),
                     {"push": [{"branches": {"includes": ["main"]},
                                "filePaths": {"includes": ["docs/**"]}}]}),
            pipeline("reviews", connection_source(),
                     {"pullRequest": [{"events": ["OPEN", "UPDATED"],
                                       "branches": {"includes": ["main"]}}]}),
            pipeline("elsewhere", connection_source(repository="me/other")),
        )

    def push(self, ref, files=("src/app.c",), **extra):
        return self.control.report_source("push", connectionArn=CONNECTION, repository="me/app",
                                          ref=ref, commitId=COMMIT, commitMessage="Ship it",
                                          author="Ada", changedFiles=list(files), **extra)

    def test_a_branch_push_starts_what_watches_that_branch(self):
        answer = self.push("refs/heads/main")
        self.assertEqual(self.started(answer), ["main-app"])
        skipped = {item["pipeline"]: item["reason"] for item in answer["skipped"]}
        self.assertEqual(set(skipped), {"dev-app", "release", "docs", "reviews"})
        self.assertIn("'main' is not the action's BranchName 'dev'", skipped["dev-app"])
        self.assertIn("push[0]", skipped["docs"])
        started = answer["started"][0]
        self.assertEqual(started["triggerType"], "Webhook")
        execution = self.execution("main-app", started["pipelineExecutionId"])
        self.assertEqual(execution["trigger"]["triggerType"], "Webhook")
        self.assertEqual(execution["artifactRevisions"][0]["revisionId"], COMMIT)
        self.assertEqual(json.loads(execution["artifactRevisions"][0]["revisionSummary"]),
                         {"ProviderType": "GitHub", "CommitMessage": "Ship it"})

    def test_file_paths_and_tags_go_through_the_triggers(self):
        answer = self.push("refs/heads/main", files=("docs/guide/intro.md",))
        self.assertEqual(self.started(answer), ["docs", "main-app"])
        docs = next(item for item in answer["started"] if item["pipeline"] == "docs")
        self.assertEqual((docs["triggerType"], docs["filter"]), ("WebhookV2", "push[0]"))
        self.assertEqual(self.execution("docs", docs["pipelineExecutionId"])["trigger"]
                         ["triggerType"], "WebhookV2")

        self.assertEqual(self.started(self.push("refs/tags/v1.4.0")), ["release"])
        self.assertEqual(self.started(self.push("refs/tags/v1.5.0-rc1")), [])

    def test_pull_requests_start_only_through_a_trigger(self):
        answer = self.control.report_source(
            "pull-request", repository="me/app", event="OPEN", sourceBranch="feature/login",
            destinationBranch="main", commitId=COMMIT, changedFiles=["src/login.c"])
        self.assertEqual(self.started(answer), ["reviews"])
        closed = self.control.report_source(
            "pull-request", repository="me/app", event="CLOSED", sourceBranch="feature/login",
            destinationBranch="main", commitId=COMMIT)
        self.assertEqual(self.started(closed), [])

    def test_filter_limits_are_checked_when_the_pipeline_is_made(self):
        from botocore.exceptions import ClientError
        rows = [("nine branch patterns", {"push": [{"branches": {"includes": [f"b{i}" for i in range(9)]}}]}),
                ("four push filters", {"push": [{"tags": {"includes": ["v*"]}}] * 4})]
        for name, triggers in rows:
            with self.subTest(name):
                with self.assertRaises(ClientError) as caught:
                    self.cp.create_pipeline(pipeline=pipeline("too-many", connection_source(), triggers))
                self.assertClientError(caught, "ValidationException")

    def test_the_start_is_announced_with_its_trigger(self):
        answer = self.push("refs/tags/v2.0.0")
        execution_id = answer["started"][0]["pipelineExecutionId"]
        events = self.control.events(execution_id=execution_id,
                                     detail_type="CodePipeline Pipeline Execution State Change")
        started = events["events"][0]["detail"]
        self.assertEqual(started["state"], "STARTED")
        self.assertEqual(started["execution-trigger"]["trigger-type"], "WebhookV2")


class OtherSourcesTest(TriggerTestCase):

    def test_each_source_starts_the_pipelines_that_watch_it(self):
        digest = "sha256:" + "ab" * 32
        self.create(
            pipeline("s3-polled", source("S3", {"S3Bucket": "drop", "S3ObjectKey": "app.zip"})),
            pipeline("s3-events", source("S3", {"S3Bucket": "drop", "S3ObjectKey": "app.zip",
                                                "PollForSourceChanges": "false"})),
            pipeline("image", source("ECR", {"RepositoryName": "web", "ImageTag": "prod"})),
            pipeline("commit", source("CodeCommit", {"RepositoryName": "repo",
                                                     "BranchName": "main"})),
        )
        rows = [
            ("s3", {"bucket": "drop", "key": "app.zip", "versionId": "3sL4kqtJlcpXroDTDmJ"},
             {"s3-polled": "PollForSourceChanges", "s3-events": "CloudWatchEvent"},
             "3sL4kqtJlcpXroDTDmJ"),
            ("ecr", {"repository": "web", "tag": "prod", "digest": digest},
             {"image": "CloudWatchEvent"}, digest),
            ("codecommit", {"repository": "repo", "branch": "main", "commitId": COMMIT},
             {"commit": "PollForSourceChanges"}, COMMIT),
        ]
        for kind, fields, expected, revision in rows:
            with self.subTest(kind):
                answer = self.control.report_source(kind, **fields)
                self.assertEqual({i["pipeline"]: i["triggerType"] for i in answer["started"]},
                                 expected)
                for item in answer["started"]:
                    execution = self.execution(item["pipeline"], item["pipelineExecutionId"])
                    self.assertEqual(execution["trigger"]["triggerType"], expected[item["pipeline"]])
                    self.assertEqual(execution["artifactRevisions"][0]["revisionId"], revision)
        other = self.control.report_source("ecr", repository="web", tag="latest", digest=digest)
        self.assertEqual(other["started"], [])
        self.assertIn("'latest' is not the action's ImageTag 'prod'", other["skipped"][0]["reason"])

    def test_bad_reports_are_refused_naming_the_field(self):
        rows = [
            ("push", {"repository": "me/app", "ref": "main", "commitId": COMMIT}, "ref"),
            ("push", {"repository": "me/app", "ref": "refs/heads/main", "commitId": "abc"},
             "commitId"),
            ("push", {"ref": "refs/heads/main", "commitId": COMMIT}, "repository"),
            ("pull-request", {"repository": "me/app", "event": "MERGED", "sourceBranch": "a",
                              "destinationBranch": "b", "commitId": COMMIT}, "event"),
            ("ecr", {"repository": "web", "tag": "prod", "digest": "sha256:xyz"}, "digest"),
            ("s3", {"bucket": "drop", "key": "app.zip", "versionId": "1", "colour": "red"},
             "colour"),
        ]
        for kind, fields, field in rows:
            with self.subTest(kind=kind, field=field):
                with self.assertRaises(SluiceControlError) as caught:
                    self.control.report_source(kind, **fields)
                self.assertEqual(caught.exception.status, 400)
                self.assertEqual(caught.exception.field, field)
        with self.assertRaises(SluiceControlError) as caught:
            self.control.report_source("svn", repository="x")
        self.assertEqual(caught.exception.status, 404)


@unittest.skipUnless(shutil.which("git"), "git is not installed (scripts/install_deps.sh --test installs it)")
class GitPushTest(TriggerTestCase):
    """A bare repository with examples/git-hooks/post-receive, and real pushes."""

    def git(self, *args, cwd):
        env = dict(os.environ, GIT_AUTHOR_NAME="Grace", GIT_AUTHOR_EMAIL="grace@example.com",
                   GIT_COMMITTER_NAME="Grace", GIT_COMMITTER_EMAIL="grace@example.com",
                   GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env,
                              timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout + done.stderr

    def commit(self, work, path, message):
        os.makedirs(os.path.dirname(os.path.join(work, path)) or work, exist_ok=True)
        with open(os.path.join(work, path), "a") as f:
            f.write(message + "\n")
        self.git("add", path, cwd=work)
        self.git("commit", "-q", "-m", message, cwd=work)
        return self.git("rev-parse", "HEAD", cwd=work).strip()

    def test_pushes_start_exactly_the_matching_pipelines(self):
        self.create(
            pipeline("main-app", connection_source()),
            pipeline("feature-app", connection_source(branch="feature/search")),
            pipeline("release", connection_source(), {"push": [{"tags": {"includes": ["v*"]}}]}),
            pipeline("docs", connection_source(),
                     {"push": [{"branches": {"includes": ["main"]},
                                "filePaths": {"includes": ["docs/**"]}}]}),
        )
        root = temp_dir(self)
        bare, work = os.path.join(root, "app.git"), os.path.join(root, "work")
        self.git("init", "-q", "--bare", "-b", "main", bare, cwd=root)
        hook = os.path.join(bare, "hooks", "post-receive")
        shutil.copy(os.path.join(REPO, "examples", "git-hooks", "post-receive"), hook)
        os.chmod(hook, 0o755)
        self.git("config", "sluice.repository", "me/app", cwd=bare)
        self.git("config", "sluice.url", self.server.endpoint, cwd=bare)
        self.git("clone", "-q", bare, work, cwd=root)
        self.git("checkout", "-q", "-b", "main", cwd=work)

        main_commit = self.commit(work, "src/app.c", "Add the app")
        output = self.git("push", "-q", "origin", "main", cwd=work)
        self.assertIn("sluice: refs/heads/main", output)
        self.assertEqual(self.new_runs(), {"main-app": [main_commit]})

        docs_commit = self.commit(work, "docs/index.md", "Document it")
        self.git("push", "-q", "origin", "main", cwd=work)
        self.assertEqual(self.new_runs(), {"main-app": [docs_commit], "docs": [docs_commit]})

        self.git("checkout", "-q", "-b", "feature/search", cwd=work)
        feature_commit = self.commit(work, "src/search.c", "Search")
        self.git("push", "-q", "origin", "feature/search", cwd=work)
        self.assertEqual(self.new_runs(), {"feature-app": [feature_commit]})

        self.git("tag", "-a", "v1.0", "-m", "First release", cwd=work)
        self.git("push", "-q", "origin", "v1.0", cwd=work)
        self.assertEqual(self.new_runs(), {"release": [feature_commit]})

        execution = self.execution("main-app", self.seen["main-app"][-1])
        self.assertEqual(execution["artifactRevisions"][0]["revisionSummary"],
                         json.dumps({"CommitMessage": "Document it", "ProviderType": "GitHub"},
                                    separators=(",", ":")))

    def new_runs(self):
        """{pipeline: [revision of each execution started since the last call]}."""
        if not hasattr(self, "seen"):
            self.seen = {name: list(ids) for name, ids in self.first.items()}
        runs = {}
        for name in self.first:
            for execution_id in reversed(self.execution_ids(name)):
                if execution_id in self.seen[name]:
                    continue
                self.seen[name].append(execution_id)
                revision = self.execution(name, execution_id)["artifactRevisions"][0]["revisionId"]
                runs.setdefault(name, []).append(revision)
        return runs


if __name__ == "__main__":
    unittest.main()
