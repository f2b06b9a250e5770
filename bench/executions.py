#!/usr/bin/env python3
"""Execution throughput and memory of a sluice binary.

1. Starts per second from a single client: one keep-alive connection sending
   StartPipelineExecution back to back for --seconds (Python's http.client,
   so the client's own cost is part of the figure).
2. Memory per retained execution: RSS before and after --starts starts (all
   retained: the server runs with --retained-executions above that count).

    python3 bench/executions.py build-release/sluice [--starts 100000] [--seconds 5]
"""
import argparse
import http.client
import json
import subprocess
import time

TARGET = "CodePipeline_20150709."
PIPELINE = {
    "name": "bench",
    "roleArn": "arn:aws:iam::123456789012:role/bench",
    "artifactStore": {"type": "S3", "location": "bench-artifacts"},
    "stages": [
        {"name": "Source", "actions": [{
            "name": "Source",
            "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit",
                             "version": "1"},
            "configuration": {"RepositoryName": "repo", "BranchName": "main"},
            "outputArtifacts": [{"name": "src"}]}]},
        {"name": "Build", "actions": [{
            "name": "Build",
            "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                             "version": "1"},
            "configuration": {"ProjectName": "project"},
            "inputArtifacts": [{"name": "src"}]}]},
    ],
}


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class Client:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, operation: str, body: dict) -> dict:
        self.conn.request("POST", "/", body=json.dumps(body),
                          headers={"X-Amz-Target": TARGET + operation,
                                   "Content-Type": "application/x-amz-json-1.1"})
        response = self.conn.getresponse()
        data = json.loads(response.read() or b"{}")
        if response.status != 200:
            raise RuntimeError(f"{operation}: {response.status} {data}")
        return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--starts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    proc = subprocess.Popen(
        [args.binary, "--port", "0", "--log-level", "off", "--start-on-create", "false",
         "--retained-executions", str(args.starts * 2), "--action-duration-ms", "1"],
        stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        client = Client(port)
        client.call("CreatePipeline", {"pipeline": PIPELINE})
        time.sleep(0.2)
        before = rss_kib(proc.pid)

        # 1. Starts per second, one client.
        count = 0
        start = time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            client.call("StartPipelineExecution", {"name": "bench"})
            count += 1
        elapsed = time.perf_counter() - start
        print(f"single client: {count / elapsed:,.0f} StartPipelineExecution/s "
              f"({count} in {elapsed:.1f} s, Python http.client, keep-alive)")

        # 2. Memory per retained execution.
        for _ in range(args.starts - count):
            client.call("StartPipelineExecution", {"name": "bench"})
        deadline = time.time() + 60
        while time.time() < deadline:  # let the engine finish them all
            page = client.call("ListPipelineExecutions", {"pipelineName": "bench", "maxResults": 1})
            if page["pipelineExecutionSummaries"][0]["status"] not in ("InProgress",):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        after = rss_kib(proc.pid)
        total = max(args.starts, count)
        print(f"RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after {total:,} "
              f"retained executions: {(after - before) * 1024 / total:,.0f} bytes per execution")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
