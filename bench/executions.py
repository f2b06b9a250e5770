#!/usr/bin/env python3
"""Execution throughput and memory of a sluice binary.

1. Starts per second from a single client: one keep-alive connection sending
   StartPipelineExecution back to back for --seconds (Python's http.client,
   so the client's own cost is part of the figure).
2. Memory per retained execution: RSS before and after --starts starts (all
   retained: the server runs with --retained-executions at that count).

    python3 bench/executions.py build-release/sluice [--starts 100000] [--seconds 5]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_client import AwsJsonClient, pipeline_declaration  # noqa: E402
from servers import Sluice  # noqa: E402


def start_retaining(binary, core, starts):
    """A sluice that keeps `starts` finished executions, with one pipeline `bench`."""
    server = Sluice(core, binary, "--start-on-create", "false", "--retained-executions",
                    str(starts), "--action-duration-ms", "1").start()
    client = AwsJsonClient(server.port)
    client.call("CreatePipeline", pipeline_declaration("bench"))
    return server, client


def wait_until_settled(client):
    """Waits for the engine to finish the newest execution (SUPERSEDED mode)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        page = client.call("ListPipelineExecutions", {"pipelineName": "bench", "maxResults": 1})
        if page["pipelineExecutionSummaries"][0]["status"] != "InProgress":
            return
        time.sleep(0.1)


def rss_per_execution(binary, core, starts):
    """RSS before and after `starts` retained executions, and bytes per execution."""
    server, client = start_retaining(binary, core, starts)
    try:
        time.sleep(0.2)
        before = server.rss_kb()
        for _ in range(starts):
            client.call("StartPipelineExecution", {"name": "bench"})
        wait_until_settled(client)
        time.sleep(0.5)
        after = server.rss_kb()
        return {"count": starts, "rss_before_kb": before, "rss_after_kb": after,
                "bytes_per_item": (after - before) * 1024 / starts}
    finally:
        client.close()
        server.stop()


def starts_per_second(binary, core, seconds):
    server, client = start_retaining(binary, core, 1000)
    try:
        count = 0
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            client.call("StartPipelineExecution", {"name": "bench"})
            count += 1
        return count / (time.perf_counter() - began)
    finally:
        client.close()
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--starts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    rate = starts_per_second(args.binary, 0, args.seconds)
    print(f"single client: {rate:,.0f} StartPipelineExecution/s over {args.seconds:.0f} s "
          "(Python http.client, keep-alive)")
    memory = rss_per_execution(args.binary, 0, args.starts)
    print(f"RSS: {memory['rss_before_kb'] / 1024:.1f} MiB before, "
          f"{memory['rss_after_kb'] / 1024:.1f} MiB after {args.starts:,} retained executions: "
          f"{memory['bytes_per_item']:,.0f} bytes per execution")


if __name__ == "__main__":
    main()
