#!/usr/bin/env python3
"""Instructions per request of a sluice binary, counted by callgrind.

Instructions, unlike seconds, repeat for the same binary and inputs whatever
else the machine is doing, so this is the figure to compare before and after
a change. For each operation the server runs under
`valgrind --tool=callgrind` twice, answering LOW and then HIGH requests of it
over one keep-alive connection (plus the same setup), and

    instructions per request = (total(HIGH) - total(LOW)) / (HIGH - LOW)

so start-up, setup and shutdown cancel out. Every thread counts, the engine's
included: a start's cost is what the process spends on it.

    python3 bench/instructions.py build-release/sluice [--low 200] [--high 1200]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_client import AwsJsonClient, pipeline_declaration  # noqa: E402
from servers import free_port  # noqa: E402

# operation -> (setup calls, the request measured); "ID" is replaced by the
# id of the execution the setup started.
OPERATIONS = {
    "StartPipelineExecution": ([], {"name": "bench"}),
    "GetPipeline": ([], {"name": "bench"}),
    "GetPipelineExecution": ([("StartPipelineExecution", {"name": "bench"})],
                             {"pipelineName": "bench", "pipelineExecutionId": "ID"}),
}


def count(binary, operation, requests):
    """Total instructions of a server that answered `requests` of `operation`."""
    setup, body = OPERATIONS[operation]
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "callgrind.out")
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             binary, "--port", str(port), "--threads", "1", "--log-level", "warn",
             "--start-on-create", "false", "--retained-executions", "100000",
             "--max-pipelines", "1000",
             # Nothing completes while counting: the work per request does
             # not depend on how slowly valgrind runs.
             "--action-duration-ms", "3600000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client = wait_for(port, proc)
            client.call("CreatePipeline", pipeline_declaration("bench"))
            execution_id = None
            for name, args in setup:
                execution_id = client.call(name, args).get("pipelineExecutionId", execution_id)
            request = json.loads(json.dumps(body).replace('"ID"', json.dumps(execution_id)))
            for _ in range(requests):
                client.call(operation, request)
            client.close()
        finally:
            proc.terminate()
            proc.wait(timeout=120)
        with open(out) as data:
            for line in data:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no total")


def wait_for(port, proc):
    deadline = time.time() + 60
    while True:
        client = AwsJsonClient(port)
        try:
            client.call("ListPipelines", {})
            return client
        except OSError:
            client.close()
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("sluice did not start under valgrind")
            time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--low", type=int, default=200)
    parser.add_argument("--high", type=int, default=1200)
    parser.add_argument("--operations", default=",".join(OPERATIONS))
    args = parser.parse_args()
    results = {}
    for operation in args.operations.split(","):
        low = count(args.binary, operation, args.low)
        high = count(args.binary, operation, args.high)
        results[operation] = round((high - low) / (args.high - args.low))
        print(f"{operation}: {results[operation]:,} instructions per request", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
