#!/usr/bin/env python3
"""sluice against a bare Beast server and moto's server, in one run.

    python3 bench/run.py --sluice build-release/sluice [--seconds 3] [--rounds 3]

(`scripts/bench.sh` installs wrk, builds a Release sluice and runs this.)

Each round starts each server afresh, pinned to core 0 with wrk on core 1, and
measures, servers in alternation:
  * time from exec to the first answered request, and idle RSS;
  * requests/s and p50/p99 latency (wrk, Lua script bench/wrk/aws_json.lua)
    for StartPipelineExecution, GetPipelineExecution, GetPipeline,
    ListPipelines and CreatePipeline, at 32 connections and at 1.
Then, once per server: RSS per pipeline over 10,000 pipelines, GetPipeline and
a ListPipelines page at 1 and at 10,000 pipelines, and (sluice) RSS per
retained execution over 100,000 starts. Figures are medians over rounds;
ratios are sluice/reference and sluice/moto. Writes a JSON result and prints
a Markdown table.

moto implements neither StartPipelineExecution nor GetPipelineExecution: its
cells say n/a. The reference server answers every request with one fixed body,
whatever the operation.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_client import AwsJsonClient, pipeline_declaration  # noqa: E402
from executions import rss_per_execution  # noqa: E402
from servers import (HERE, Moto, Reference, Sluice, build_reference,  # noqa: E402
                     moto_available, version_of, wrk_available)

SERVER_CORE, LOAD_CORE = 0, 1
CONNECTIONS = (32, 1)
OPERATIONS = ("StartPipelineExecution", "GetPipelineExecution", "GetPipeline",
              "ListPipelines", "CreatePipeline")
MOTO_LACKS = {"StartPipelineExecution", "GetPipelineExecution"}
# Flags for sluice in the throughput runs: a pipeline quota that CreatePipeline
# at full speed cannot hit, and no first execution per created pipeline.
SLUICE_FLAGS = ("--max-pipelines", "10000000", "--start-on-create", "false")


def run_wrk(port, operation, body, connections, seconds, url=None, signed=None):
    """wrk's summary of `operation` with `body` (JSON-encoded here) against
    `url` (default http://127.0.0.1:PORT/). signed: the headers of one request
    signed for real (SigV4Key.sign, over the same target and body), which
    every request replays."""
    env = dict(os.environ, BENCH_TARGET=operation, BENCH_BODY=json.dumps(body),
               BENCH_RUN_ID=uuid.uuid4().hex[:8])
    if signed:
        env.update(BENCH_AUTHORIZATION=signed["Authorization"],
                   BENCH_AMZ_DATE=signed["X-Amz-Date"], BENCH_HOST=signed["Host"])
    cmd = ["taskset", "-c", str(LOAD_CORE), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
           "--timeout", "10s", "-s", os.path.join(HERE, "wrk", "aws_json.lua"),
           url or f"http://127.0.0.1:{port}/"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def bodies(server, execution_id):
    """The request body of each operation against a server set up by `prepare`."""
    create = pipeline_declaration("bench-{n}")
    return {
        "StartPipelineExecution": {"name": "bench"},
        "GetPipelineExecution": {"pipelineName": "bench-read", "pipelineExecutionId": execution_id},
        "GetPipeline": {"name": "bench"},
        "ListPipelines": {},
        "CreatePipeline": create,
    }


def prepare(server):
    """Pipelines `bench` (started over and over) and `bench-read` with one
    execution, where supported, that GetPipelineExecution reads: apart, so
    that the starts' retention limit never drops it."""
    client = AwsJsonClient(server.port)
    client.call("CreatePipeline", pipeline_declaration("bench"))
    client.call("CreatePipeline", pipeline_declaration("bench-read"))
    execution_id = "00000000-0000-4000-8000-000000000000"
    if isinstance(server, Sluice):
        execution_id = client.call("StartPipelineExecution",
                                   {"name": "bench-read"})["pipelineExecutionId"]
    client.close()
    return execution_id


def one_round(kinds, args, samples, operations=OPERATIONS):
    for make in kinds:
        server = make().start()
        try:
            time.sleep(0.3)  # settle before reading idle memory
            samples.setdefault((server.name, "startup_ms"), []).append(server.startup_ms)
            samples.setdefault((server.name, "idle_rss_kb"), []).append(server.rss_kb())
            requests = bodies(server, prepare(server))
            for operation in operations:
                if isinstance(server, Moto) and operation in MOTO_LACKS:
                    continue
                for connections in CONNECTIONS:
                    result = run_wrk(server.port, operation, requests[operation], connections,
                                     args.seconds)
                    key = (server.name, f"{operation}/c{connections}")
                    samples.setdefault(key, []).append(result)
                    bad = result["errors"] + result["non2xx"]
                    if bad and not isinstance(server, Moto):
                        raise RuntimeError(f"{server.name} {operation}: {bad} requests failed")
                    print(f"  {server.name:9} {operation:22} c={connections:<2} "
                          f"{result['rps']:10.0f} req/s  p50 {result['p50_us'] / 1000:7.3f} ms  "
                          f"p99 {result['p99_us'] / 1000:7.3f} ms" + (f"  ({bad} failed)" if bad else ""),
                          flush=True)
        finally:
            server.stop()


def rss_per_item(server, create, count):
    """Bytes of RSS per item after `count` calls of `create(client, i)`."""
    client = AwsJsonClient(server.port)
    before = server.rss_kb()
    for i in range(count):
        create(client, i)
    client.close()
    time.sleep(0.5)
    after = server.rss_kb()
    return {"count": count, "rss_before_kb": before, "rss_after_kb": after,
            "bytes_per_item": (after - before) * 1024 / count}


def latency_at_scale(server, args):
    """GetPipeline and a ListPipelines page at 1 pipeline, then at `args.pipelines`."""
    out = {}
    client = AwsJsonClient(server.port)
    client.call("CreatePipeline", pipeline_declaration("bench"))
    client.close()

    def measure(label):
        for operation, body in (("GetPipeline", {"name": "bench"}), ("ListPipelines", {})):
            result = run_wrk(server.port, operation, body, 1, args.seconds)
            out[f"{operation}@{label}"] = result
            print(f"  {server.name:9} {operation:14} at {label:>6} pipelines: "
                  f"p50 {result['p50_us'] / 1000:.3f} ms, {result['rps']:.0f} req/s", flush=True)

    # At 1 pipeline a page holds 1 entry; at 100 and more it holds 100 (the
    # default page size), so 100 against 10,000 shows what the store's size costs.
    measure("1")
    create = lambda c, i: c.call("CreatePipeline", pipeline_declaration(f"p{i:05d}"))  # noqa: E731
    before = server.rss_kb()
    rss_per_item(server, create, 99)
    measure("100")
    per_pipeline = rss_per_item(server, lambda c, i: create(c, 99 + i), args.pipelines - 100)
    per_pipeline.update(count=args.pipelines, rss_before_kb=before,
                        bytes_per_item=(per_pipeline["rss_after_kb"] - before) * 1024 / args.pipelines)
    out["per_pipeline"] = per_pipeline
    measure(str(args.pipelines))
    return out


def per_execution(binary, args):
    result = rss_per_execution(binary, SERVER_CORE, args.executions)
    print(f"  sluice    RSS per retained execution over {args.executions} starts: "
          f"{result['bytes_per_item']:.0f} bytes", flush=True)
    return result


def median_of(samples, key, field=None):
    values = samples.get(key)
    if not values:
        return None
    return statistics.median(v[field] if field else v for v in values)


def summarize(samples, names, operations=OPERATIONS):
    table = {}
    for operation in operations:
        for connections in CONNECTIONS:
            row = {}
            for name in names:
                key = (name, f"{operation}/c{connections}")
                if key in samples:
                    row[name] = {field: median_of(samples, key, field)
                                 for field in ("rps", "p50_us", "p99_us")}
            table[f"{operation}/c{connections}"] = row
    for metric in ("startup_ms", "idle_rss_kb"):
        table[metric] = {name: median_of(samples, (name, metric)) for name in names
                         if (name, metric) in samples}
    return table


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def markdown(table, scale, execution):
    lines = ["| measure | sluice | reference | moto | sluice/reference | sluice/moto |",
             "|---|---|---|---|---|---|"]

    def cell(row, name, fmt):
        return fmt(row[name]) if name in row and row[name] is not None else "n/a"

    for key, row in table.items():
        if "/" not in key:
            continue
        operation, conns = key.split("/")
        rps = {n: row[n]["rps"] for n in row}
        lines.append(
            f"| {operation}, {conns[1:]} conn: req/s (p50 / p99 ms) | "
            + " | ".join(cell(row, n, lambda r: f"{r['rps']:,.0f} ({r['p50_us'] / 1000:.2f} / "
                                                  f"{r['p99_us'] / 1000:.2f})")
                         for n in ("sluice", "reference", "moto"))
            + f" | {ratio(rps.get('sluice'), rps.get('reference'))} | {ratio(rps.get('sluice'), rps.get('moto'))} |")
    for metric, label, fmt in (("startup_ms", "exec to first answer (ms)", lambda v: f"{v:.1f}"),
                               ("idle_rss_kb", "idle RSS (MB)", lambda v: f"{v / 1024:.1f}")):
        row = table[metric]
        lines.append(f"| {label} | " + " | ".join(fmt(row[n]) if n in row else "n/a"
                                                  for n in ("sluice", "reference", "moto"))
                     + f" | {ratio(row.get('sluice'), row.get('reference'))} | {ratio(row.get('sluice'), row.get('moto'))} |")
    per = {n: scale[n]["per_pipeline"]["bytes_per_item"] for n in scale}
    lines.append(f"| RSS per pipeline over {next(iter(scale.values()))['per_pipeline']['count']:,} (bytes) | "
                 + " | ".join(f"{per[n]:,.0f}" if n in per else "n/a" for n in ("sluice", "reference", "moto"))
                 + f" | n/a | {ratio(per.get('sluice'), per.get('moto'))} |")
    for key in [k for k in next(iter(scale.values())) if "@" in k]:
        p50 = {n: scale[n][key]["p50_us"] / 1000 for n in scale if key in scale[n]}
        operation, count = key.split("@")
        lines.append(f"| {operation} at {int(count):,} pipeline(s), 1 conn: p50 ms | "
                     + " | ".join(f"{p50[n]:.2f}" if n in p50 else "n/a"
                                  for n in ("sluice", "reference", "moto"))
                     + f" | n/a | {ratio(p50.get('sluice'), p50.get('moto'))} |")
    if execution:
        lines.append(f"| RSS per retained execution over {execution['count']:,} starts (bytes) | "
                     f"{execution['bytes_per_item']:,.0f} | n/a | n/a | n/a | n/a |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build-release/sluice")
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pipelines", type=int, default=10_000)
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--no-moto", action="store_true", help="leave moto out even if installed")
    parser.add_argument("--out", default="bench/results/latest.json")
    parser.add_argument("--build-dir", default="build-bench")
    args = parser.parse_args()

    if not wrk_available():
        sys.exit("wrk is not installed (apt-get install wrk), or run scripts/bench.sh")
    if os.cpu_count() < 2:
        sys.exit("the benchmark pins server and load generator to two different cores")
    reference_bin = build_reference(args.build_dir)
    with_moto = moto_available() and not args.no_moto
    kinds = [lambda: Reference(SERVER_CORE, reference_bin),
             lambda: Sluice(SERVER_CORE, args.sluice, *SLUICE_FLAGS)]
    if with_moto:
        kinds.append(lambda: Moto(SERVER_CORE))
    names = ["reference", "sluice"] + (["moto"] if with_moto else [])

    samples = {}
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}", flush=True)
        one_round(kinds, args, samples)

    print("scale", flush=True)
    scale = {}
    for make in kinds[1:]:
        server = make().start()
        try:
            scale[server.name] = latency_at_scale(server, args)
        finally:
            server.stop()
    execution = per_execution(args.sluice, args)

    table = summarize(samples, names)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
        "versions": {"wrk": version_of(["wrk", "--version"]),
                     "moto": version_of(["python3", "-c", "import moto; print(moto.__version__)"])
                     if with_moto else None},
        "settings": {"seconds": args.seconds, "rounds": args.rounds, "server_core": SERVER_CORE,
                     "load_core": LOAD_CORE, "sluice_flags": list(SLUICE_FLAGS)},
        "medians": table, "scale": scale, "per_execution": execution,
        "samples": {f"{k[0]}:{k[1]}": v for k, v in samples.items()},
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print()
    print(markdown(table, scale, execution))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
