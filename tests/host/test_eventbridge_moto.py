"""sluice's events through a real local EventBridge: moto's server.

sluice runs with --eventbridge-endpoint pointing at moto; moto's rules route
the events to SQS queues; boto3 reads them back. One rule matches every
CodePipeline event by source and detail-type, another only detail.state
FAILED. What arrives must be sluice's own events, equal but for what the bus
assigns (moto gives each delivered event its own id, stamps the time, and its
SQS body template has no "account").

Needs moto, which a bare Debian lacks: CI runs this on the host
(scripts/eventbridge_check.sh), never in the bare-Debian container.
"""

import json
import os
import socket
import subprocess
import sys
import time
import unittest

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))
from sluice_control import SluiceProcess  # noqa: E402

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
DETAIL_TYPES = ["CodePipeline Pipeline Execution State Change",
                "CodePipeline Stage Execution State Change",
                "CodePipeline Action Execution State Change"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pipeline(name):
    return {
        "name": name,
        "roleArn": "arn:aws:iam::123456789012:role/CodePipelineRole",
        "artifactStore": {"type": "S3", "location": "my-artifact-bucket"},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source",
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3",
                                 "version": "1"},
                "configuration": {"S3Bucket": "my-bucket", "S3ObjectKey": "source.zip"},
                "outputArtifacts": [{"name": "SourceOutput"}]}]},
            {"name": "Build", "actions": [{
                "name": "Build",
                "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                                 "version": "1"},
                "configuration": {"ProjectName": "my-project"},
                "inputArtifacts": [{"name": "SourceOutput"}]}]},
        ],
    }


class EventBridgeRoundTripTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.moto_log = open(os.devnull, "w")
        cls.moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                                    stdout=cls.moto_log, stderr=subprocess.STDOUT)
        cls.moto_endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or cls.moto.poll() is not None:
                    raise RuntimeError("moto's server did not start")
                time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait(10)
        cls.moto_log.close()

    def aws(self, service):
        return boto3.client(service, endpoint_url=self.moto_endpoint, region_name=REGION,
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def queue_for(self, rule, pattern):
        """A queue receiving what `pattern` matches on the default bus; returns its URL."""
        sqs, events = self.aws("sqs"), self.aws("events")
        url = sqs.create_queue(QueueName=rule)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]
        events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": arn}])
        return url

    def drain(self, url, count, timeout=30):
        """The bodies of `count` messages of the queue (fewer only at the timeout)."""
        sqs, bodies = self.aws("sqs"), []
        deadline = time.monotonic() + timeout
        while len(bodies) < count and time.monotonic() < deadline:
            answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in answer.get("Messages", []):
                bodies.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def test_events_reach_sqs_through_moto_rules(self):
        everything = self.queue_for("codepipeline-all", {"source": ["aws.codepipeline"],
                                                         "detail-type": DETAIL_TYPES})
        failures = self.queue_for("codepipeline-failed", {"source": ["aws.codepipeline"],
                                                          "detail": {"state": ["FAILED"]}})
        args = ["--clock", "manual", "--start-on-create", "false",
                "--eventbridge-endpoint", self.moto_endpoint]
        with SluiceProcess(args=args, env=CREDENTIALS) as sluice:
            cp = sluice.client()
            cp.create_pipeline(pipeline=pipeline("to-moto"))
            sluice.control.add_outcome({"stage": "Build"}, result="Failed", times=1)
            cp.start_pipeline_execution(name="to-moto")
            sluice.control.settle()
            sent = sluice.control.events(after=0)["events"]
            received = self.drain(everything, len(sent))
            [target] = sluice.control.health()["events"]["targets"]

        self.assertEqual(len(sent), 10)  # Source succeeds, Build fails
        self.assertEqual((target["delivered"], target["dropped"]), (len(sent), 0), target)

        # The bus assigns the id and the time, and moto's SQS body has no account.
        def comparable(event):
            return {k: v for k, v in event.items() if k not in ("id", "time", "account")}
        self.assertEqual([comparable(e) for e in received], [comparable(e) for e in sent])
        for event in received:
            self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        failed = self.drain(failures, 3, timeout=5)
        self.assertEqual([(e["detail-type"], e["detail"]["state"]) for e in failed],
                         [(DETAIL_TYPES[2], "FAILED"), (DETAIL_TYPES[1], "FAILED"),
                          (DETAIL_TYPES[0], "FAILED")])
        # Nothing else came to the failures' queue.
        self.assertEqual(self.drain(failures, 1, timeout=2), [])


if __name__ == "__main__":
    unittest.main()
