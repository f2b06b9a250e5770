#!/usr/bin/env python3
"""What publishing EventBridge events costs StartPipelineExecution.

    python3 bench/events.py [--sluice build-release/sluice] [--seconds 5] [--rounds 3]

Each round starts a fresh sluice per configuration, pinned to core 0, with
the load (wrk, and the readers below) on core 1, configurations in turn:
  a. nothing attached to the event surface;
  b. two Server-Sent Events readers (GET /_sluice/events/stream), each a
     process reading every event as it comes;
  c. one stalled stream reader (small receive buffer, never reads past the
     headers) and one --event-target where nothing listens.
In each it measures requests/s and p50/p99 latency of StartPipelineExecution
(wrk, bench/wrk/aws_json.lua, as bench/run.py does) at 32 connections and at
1, and the events published per second meanwhile (events.published from
/_sluice/health before and after the run, over its wall time). Every start
publishes events, and more follow as the engine runs the execution on the
system clock.

For (b) it also checks that the readers got every event published: their
lag when each run ends, and, once the engine is idle and they caught up,
events received, missed (jumps in the ids) and gaps (the server's
"event: gap", sent when a reader fell behind the --event-buffer). For (c) it
records the target's delivery counters and whether the server hung up on
the stalled reader.

Figures are medians over rounds. Prints a Markdown table and writes JSON to
bench/results/events-<date>.json.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_client import AwsJsonClient, pipeline_declaration  # noqa: E402
from event_clients import SseReader, StalledReader, closed_port, health  # noqa: E402
from run import CONNECTIONS, LOAD_CORE, SERVER_CORE, SLUICE_FLAGS, run_wrk  # noqa: E402
from servers import Sluice, version_of, wrk_available  # noqa: E402

CONFIGURATIONS = {
    "a": "nothing attached",
    "b": "2 SSE readers",
    "c": "stalled reader + dead target",
}
START = {"name": "bench"}
# The engine moves an execution on every 500 ms (the default action
# duration): a second and a half without a new event means it is idle.
QUIET_SECONDS = 1.5


def start_server(key, binary):
    """A fresh sluice with the flags configuration `key` needs."""
    flags = list(SLUICE_FLAGS)
    if key == "c":
        flags += ["--event-target", f"http://127.0.0.1:{closed_port()}/"]
    server = Sluice(SERVER_CORE, binary, *flags).start()
    client = AwsJsonClient(server.port)
    client.call("CreatePipeline", pipeline_declaration("bench"))
    client.close()
    return server


def attach(key, port):
    """The readers of configuration `key`: (SSE readers, stalled reader)."""
    if key == "b":
        return [SseReader(port, LOAD_CORE).start() for _ in range(2)], None
    if key == "c":
        return [], StalledReader(port)
    return [], None


def measure_starts(port, connections, seconds, readers):
    """One wrk run of StartPipelineExecution, with the events published
    meanwhile and how far the readers were behind when it ended."""
    before = health(port)["published"]
    began = time.perf_counter()
    result = run_wrk(port, "StartPipelineExecution", START, connections, seconds)
    wall = time.perf_counter() - began
    published = health(port)["published"]
    bad = result["errors"] + result["non2xx"]
    if bad:
        raise RuntimeError(f"StartPipelineExecution: {bad} requests failed")
    result["wall_seconds"] = wall
    result["events"] = published - before
    result["events_per_s"] = (published - before) / wall
    if readers:
        result["reader_lag"] = published - min(r.received() for r in readers)
    return result


def wait_until_idle(port, deadline=60):
    """Waits until the engine has published nothing for QUIET_SECONDS."""
    published, since = health(port)["published"], time.perf_counter()
    end = since + deadline
    while time.perf_counter() < end:
        time.sleep(0.25)
        now = health(port)["published"]
        if now != published:
            published, since = now, time.perf_counter()
        elif time.perf_counter() - since >= QUIET_SECONDS:
            return published
    raise RuntimeError("the engine did not go idle")


def wait_for_readers(readers, published, deadline=30):
    """Lets the readers finish what the server still has to send them: until
    each has the last event or none made progress for two seconds."""
    last, since = None, time.perf_counter()
    end = since + deadline
    while time.perf_counter() < end:
        progress = [r.report()["lastId"] for r in readers]
        if min(progress) >= published:
            return
        if progress != last:
            last, since = progress, time.perf_counter()
        elif time.perf_counter() - since >= 2:
            return
        time.sleep(0.1)


def wrap_up(port, readers, stalled):
    """What the configuration's readers and targets saw, once the engine is idle."""
    published = wait_until_idle(port)
    report = {"published": published}
    if readers:
        wait_for_readers(readers, published)
        report["readers"] = [r.report() for r in readers]
        report["complete"] = all(r["received"] == published and not r["missed"] and not r["gaps"]
                                 for r in report["readers"])
    if stalled:
        report["stalled_closed_by_server"] = stalled.closed_by_server()
    report["targets"] = health(port)["targets"]
    return report


def one_configuration(key, args, samples, reports):
    server = start_server(key, args.sluice)
    readers, stalled = [], None
    try:
        readers, stalled = attach(key, server.port)
        for connections in CONNECTIONS:
            result = measure_starts(server.port, connections, args.seconds, readers)
            samples.setdefault((key, connections), []).append(result)
            lag = f"  readers {result['reader_lag']} behind" if readers else ""
            print(f"  {key}. {CONFIGURATIONS[key]:29} c={connections:<2} {result['rps']:9.0f} req/s  "
                  f"p50 {result['p50_us'] / 1000:7.3f} ms  p99 {result['p99_us'] / 1000:7.3f} ms  "
                  f"{result['events_per_s']:9.0f} events/s{lag}", flush=True)
        report = wrap_up(server.port, readers, stalled)
        reports.setdefault(key, []).append(report)
        print(f"     after: {describe(report)}", flush=True)
    finally:
        for reader in readers:
            reader.stop()
        if stalled:
            stalled.close()
        server.stop()


def describe(report):
    """One line on what the readers and targets of a configuration saw."""
    parts = [f"{report['published']} events published"]
    for i, reader in enumerate(report.get("readers", [])):
        parts.append(f"reader {i + 1} received {reader['received']} "
                     f"(missed {reader['missed']}, gaps {reader['gaps']})")
    if "stalled_closed_by_server" in report:
        parts.append("stalled reader " + ("closed by the server" if report["stalled_closed_by_server"]
                                          else "still open"))
    for target in report["targets"]:
        parts.append(f"target {target['target']}: delivered {target['delivered']}, "
                     f"dropped {target['dropped']}, retries {target['retries']}, queued {target['queued']}")
    return "; ".join(parts)


def summarize(samples):
    """Medians over rounds per (configuration, connections)."""
    table = {}
    for (key, connections), results in samples.items():
        row = {field: statistics.median(r[field] for r in results)
               for field in ("rps", "p50_us", "p99_us", "events_per_s")}
        if "reader_lag" in results[0]:
            row["max_reader_lag"] = max(r["reader_lag"] for r in results)
        table[f"{key}/c{connections}"] = row
    return table


def markdown(table):
    lines = ["| configuration | connections | req/s | p50 ms | p99 ms | events/s | p50 vs (a) |",
             "|---|---|---|---|---|---|---|"]
    for key, label in CONFIGURATIONS.items():
        for connections in CONNECTIONS:
            row = table.get(f"{key}/c{connections}")
            if not row:
                continue
            base = table[f"a/c{connections}"]["p50_us"]
            relative = "—" if key == "a" else f"{(row['p50_us'] / base - 1) * 100:+.1f}%"
            lines.append(f"| {key}. {label} | {connections} | {row['rps']:,.0f} | "
                         f"{row['p50_us'] / 1000:.3f} | {row['p99_us'] / 1000:.3f} | "
                         f"{row['events_per_s']:,.0f} | {relative} |")
    return "\n".join(lines)


def reader_summary(reports):
    """Whether the SSE readers of (b) got every event, over all rounds."""
    runs = reports.get("b", [])
    if not runs:
        return None
    return {"complete_in_every_round": all(r["complete"] for r in runs),
            "missed": sum(x["missed"] for r in runs for x in r["readers"]),
            "gaps": sum(x["gaps"] for r in runs for x in r["readers"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build-release/sluice")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=time.strftime("bench/results/events-%Y-%m-%d.json"))
    args = parser.parse_args()

    if not wrk_available():
        sys.exit("wrk is not installed (apt-get install wrk), or run scripts/bench.sh")
    if os.cpu_count() < 2:
        sys.exit("the benchmark pins server and load generator to two different cores")
    if not os.access(args.sluice, os.X_OK):
        sys.exit(f"no sluice binary at {args.sluice}")

    samples, reports = {}, {}
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}", flush=True)
        for key in CONFIGURATIONS:
            one_configuration(key, args, samples, reports)

    table = summarize(samples)
    readers = reader_summary(reports)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
        "versions": {"wrk": version_of(["wrk", "--version"]),
                     "sluice": version_of([args.sluice, "--version"])},
        "settings": {"seconds": args.seconds, "rounds": args.rounds, "server_core": SERVER_CORE,
                     "load_core": LOAD_CORE, "sluice_flags": list(SLUICE_FLAGS),
                     "configurations": CONFIGURATIONS},
        "medians": table, "sse_readers": readers, "reports": reports,
        "samples": {f"{key}/c{connections}": v for (key, connections), v in samples.items()},
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print()
    print(markdown(table))
    if readers:
        verdict = "every event" if readers["complete_in_every_round"] else "NOT every event"
        print(f"\n(b) SSE readers received {verdict} published: missed {readers['missed']}, "
              f"gaps {readers['gaps']}; largest lag when a run ended: "
              + ", ".join(f"{table[f'b/c{c}']['max_reader_lag']} events at c={c}" for c in CONNECTIONS))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
