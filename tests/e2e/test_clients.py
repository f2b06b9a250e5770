"""The test clients speak the committed model, whatever version is installed.

Every other end-to-end test drives sluice with boto3 and aws-cli. Those
clients bundle their own CodePipeline model, which on an older machine
(Debian 12's boto3 1.26 and aws-cli 2.9) lacks operations and members that
sluice serves. sluice_server points both at model/ through AWS_DATA_PATH;
these tests check that it worked, and name any operation a client still
lacks, so that a gap shows here as one clear failure rather than as a
hundred errors elsewhere.
"""

import json
import os
import re
import subprocess
import unittest

import boto3
import botocore
from botocore import xform_name

from sluice_server import MODEL_DATA_PATH

MODEL_DIR = os.path.join(MODEL_DATA_PATH, "codepipeline", "2015-07-09")
COMMITTED_MODEL = os.path.join(MODEL_DIR, "service-2.json")


def committed_operations():
    with open(COMMITTED_MODEL, encoding="utf-8") as f:
        return sorted(json.load(f)["operations"])


def local_client():
    return boto3.session.Session().client(
        "codepipeline", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x", aws_secret_access_key="x")


class ClientsKnowTheCommittedModel(unittest.TestCase):

    def test_the_committed_model_has_all_44_operations(self):
        self.assertEqual(len(committed_operations()), 44)

    def test_boto3_knows_every_operation(self):
        client = local_client()
        known = set(client.meta.service_model.operation_names)
        missing = [op for op in committed_operations() if op not in known]
        self.assertEqual(missing, [], f"boto3 {boto3.__version__} (botocore "
                         f"{botocore.__version__}) lacks these operations: {', '.join(missing)}")
        # The model boto3 loaded is the committed one, members and all.
        with open(COMMITTED_MODEL, encoding="utf-8") as f:
            committed_shapes = json.load(f)["shapes"]
        loaded = client.meta.service_model
        for shape in ("PipelineExecution", "StartPipelineExecutionInput", "StageState"):
            with self.subTest(shape=shape):
                self.assertEqual(sorted(loaded.shape_for(shape).members),
                                 sorted(committed_shapes[shape]["members"]))

    def test_boto3_pages_every_paginated_operation(self):
        with open(os.path.join(MODEL_DIR, "paginators-1.json"), encoding="utf-8") as f:
            paginated = sorted(json.load(f)["pagination"])
        client = local_client()
        missing = [op for op in paginated if not client.can_paginate(xform_name(op))]
        self.assertEqual(missing, [], f"boto3 {boto3.__version__} has no paginator for: "
                         f"{', '.join(missing)}")

    def test_aws_cli_knows_every_operation(self):
        env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")

        def aws(*args):
            return subprocess.run(["aws", *args], capture_output=True, text=True, env=env,
                                  timeout=60)

        operations = committed_operations()
        # An unknown command makes aws-cli v1 and older v2 list every command
        # the service has: one process instead of 44.
        done = aws("codepipeline", "no-such-command")
        self.assertNotEqual(done.returncode, 0)
        listing = done.stderr.split("valid choices are:", 1)
        if len(listing) == 2:
            known = set(re.findall(r"[a-z0-9][a-z0-9-]*", listing[1]))
            missing = [op for op in operations if xform_name(op, "-") not in known]
        else:
            # Newer v2 releases name only the bad choice: ask each command for
            # its input skeleton, which needs no server.
            missing = [op for op in operations
                       if aws("codepipeline", xform_name(op, "-"),
                              "--generate-cli-skeleton").returncode != 0]
        version = aws("--version")
        self.assertEqual(missing, [], f"{(version.stdout or version.stderr).strip()} lacks "
                         f"these operations: {', '.join(missing)}")

if __name__ == "__main__":
    unittest.main()
