#!/usr/bin/env python3
"""What --data-dir costs: requests/s at each --sync level, and start-up from a data set on disk.

    python3 bench/persistence.py --sluice build-release/sluice [--seconds 3] [--rounds 3]
        [--pipelines 10000] [--executions 100000] [--dir-root /tmp]

(`scripts/bench.sh --persistence` installs wrk, builds a Release sluice and runs this.)

1. Throughput. In each of --rounds rounds, servers in alternation, a sluice
   is started afresh, pinned to core 0 with wrk on core 1, with run.py's
   flags (one worker thread, --max-pipelines 10000000, --start-on-create
   false): in memory, and with --data-dir on a fresh empty directory under
   --dir-root at --sync none, batch and always. As run.py does, it is prepared
   (pipelines `bench` and `bench-read`) and measured: requests/s and p50/p99
   latency of StartPipelineExecution and CreatePipeline at 32 connections and
   at 1 (wrk, bench/wrk/aws_json.lua). Also the data dir's size when the server
   has stopped, and its persistence health (records written, snapshots) just
   before. Figures are medians over rounds; ratios are against in memory.
2. Start-up. Once, a data set of --pipelines pipelines and --executions
   executions (spread evenly over the pipelines) is written by a sluice with
   --data-dir D --clock manual --sync none, from --clients concurrent
   keep-alive clients; POST /_sluice/clock/settle then finishes every
   execution, and the server gets SIGTERM. Then five starts on D with the same
   flags, each timed from exec to the first answered request (as run.py times
   it), with the recovery time T of the server's own stderr line "recovered N
   pipelines and M executions from D in T ms (...)" and RSS after start. N and
   M must be what was written, or the benchmark fails. Measured twice:
   (a) D as the build left it (a snapshot exists only if the journal passed
   the default --snapshot-after of 64 MiB), and (b) after a start with
   --snapshot-after 4096 that wrote a snapshot (driven by creating and
   deleting a throw-away pipeline until one is written), so that a start reads
   a snapshot and a short journal.

This script itself runs on core 1 with wrk. Writes a JSON result
(bench/results/persistence-latest.json) and prints Markdown tables.
"""
import argparse
import glob
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_client import AwsJsonClient, pipeline_declaration  # noqa: E402
from run import (CONNECTIONS, SERVER_CORE, LOAD_CORE, SLUICE_FLAGS, one_round,  # noqa: E402
                 ratio, summarize)
from servers import Sluice, version_of, wrk_available  # noqa: E402

OPERATIONS = ("StartPipelineExecution", "CreatePipeline")
SYNC_LEVELS = ("none", "batch", "always")
NAMES = ("memory",) + SYNC_LEVELS
LABELS = {"memory": "in memory", "none": "--sync none", "batch": "--sync batch",
          "always": "--sync always"}
STARTS = 5
RECOVERED = re.compile(r"recovered (\d+) pipelines and (\d+) executions from .* in (\d+) ms "
                       r"\(snapshot (\S+), (\d+) journal records, torn tail dropped: (\w+)\)")


def control(port, method, path, body=None, timeout=30):
    """A test-control call (/_sluice/...): its JSON answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, None if body is None else json.dumps(body),
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {data[:300]!r}")
        return json.loads(data or b"{}")
    finally:
        conn.close()


def dir_files(directory):
    """{file name: bytes} of the regular files in `directory`."""
    return {entry.name: entry.stat().st_size for entry in os.scandir(directory) if entry.is_file()}


def filesystem_of(path):
    return version_of(["stat", "-f", "-c", "%T", path])


# --- 1. Throughput -----------------------------------------------------------

class InMemory(Sluice):
    name = "memory"

    def __init__(self, binary):
        super().__init__(SERVER_CORE, binary, *SLUICE_FLAGS)


class Durable(Sluice):
    """A sluice on a fresh, empty data dir under `parent`. Its stop() records
    the persistence health (before) and the dir's files (after) in `runs`."""

    def __init__(self, binary, sync, parent, runs):
        self.dir = tempfile.mkdtemp(prefix=f"{sync}-", dir=parent)
        super().__init__(SERVER_CORE, binary, *SLUICE_FLAGS, "--data-dir", self.dir,
                         "--sync", sync)
        self.name = sync
        self.runs = runs

    def stop(self):
        health = None
        try:
            if self.proc and self.proc.poll() is None:
                health = control(self.port, "GET", "/_sluice/health").get("persistence")
        except (OSError, RuntimeError, ValueError) as failure:
            health = {"error": str(failure)}
        super().stop()
        files = dir_files(self.dir)
        self.runs.setdefault(self.name, []).append(
            {"dir_bytes": sum(files.values()), "files": files, "persistence": health})
        print(f"  {self.name:9} data dir after the run: {sum(files.values()) / 1e6:.1f} MB in "
              f"{len(files)} files; health {json.dumps(health)}", flush=True)
        shutil.rmtree(self.dir)


def throughput(args, parent):
    runs = {}
    kinds = [lambda: InMemory(args.sluice)]
    kinds += [lambda sync=sync: Durable(args.sluice, sync, parent, runs) for sync in SYNC_LEVELS]
    samples = {}
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}", flush=True)
        one_round(kinds, args, samples, OPERATIONS)
    table = summarize(samples, NAMES, OPERATIONS)
    table["dir_bytes"] = {name: statistics.median(r["dir_bytes"] for r in runs[name])
                          for name in runs}
    return table, runs, samples


# --- 2. Start-up -------------------------------------------------------------

def data_set_flags(directory):
    return (*SLUICE_FLAGS, "--data-dir", directory, "--clock", "manual", "--sync", "none")


def pipeline_name(i, pipelines):
    return f"p{i:0{len(str(pipelines - 1))}d}"


def in_parallel(clients, port, items, call):
    """`call(client, item)` for every item, from `clients` threads with one
    keep-alive connection each; the first failure is raised."""
    failures = []

    def work(part):
        client = AwsJsonClient(port)
        try:
            for item in part:
                if failures:
                    return
                call(client, item)
        except Exception as failure:  # noqa: BLE001 - handed to the caller
            failures.append(failure)
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(items[t::clients],)) for t in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return time.perf_counter() - began


def build_data_set(args, directory):
    """Writes the data set into `directory` with one sluice, then stops it."""
    print(f"building a data set of {args.pipelines:,} pipelines and {args.executions:,} "
          f"executions in {directory}", flush=True)
    server = Sluice(SERVER_CORE, args.sluice, *data_set_flags(directory)).start()
    try:
        names = [pipeline_name(i, args.pipelines) for i in range(args.pipelines)]
        create_s = in_parallel(args.clients, server.port, names,
                               lambda c, name: c.call("CreatePipeline", pipeline_declaration(name)))
        print(f"  {args.pipelines:,} CreatePipeline in {create_s:.1f} s "
              f"({args.pipelines / create_s:,.0f}/s)", flush=True)
        starts = [names[i % args.pipelines] for i in range(args.executions)]
        start_s = in_parallel(args.clients, server.port, starts,
                              lambda c, name: c.call("StartPipelineExecution", {"name": name}))
        print(f"  {args.executions:,} StartPipelineExecution in {start_s:.1f} s "
              f"({args.executions / start_s:,.0f}/s)", flush=True)
        began = time.perf_counter()
        for _ in range(20):
            clock = control(server.port, "POST", "/_sluice/clock/settle", {}, timeout=600)
            if clock["settled"]:
                break
        settle_s = time.perf_counter() - began
        if not clock["settled"] or clock["waiting"]:
            raise SystemExit(f"the data set did not settle: {json.dumps(clock)[:500]}")
        print(f"  settled in {settle_s:.1f} s, clock at {clock['iso']}", flush=True)
        health = control(server.port, "GET", "/_sluice/health")["persistence"]
    finally:
        server.stop()
    if server.proc.returncode != 0:
        raise SystemExit(f"the build's sluice exited with {server.proc.returncode} on SIGTERM")
    files = dir_files(directory)
    print(f"  on disk: {sum(files.values()) / 1e6:.1f} MB in {len(files)} files; "
          f"health {json.dumps(health)}", flush=True)
    return {"create_s": create_s, "start_s": start_s, "settle_s": settle_s,
            "persistence": health, "files": files}


class Recovering(Sluice):
    """A sluice on an existing data dir, logging at info to a file."""

    start_timeout = 600  # a slow recovery is a figure, not a failure

    def __init__(self, binary, directory, log_path, *extra):
        super().__init__(SERVER_CORE, binary, *data_set_flags(directory), "--log-level", "info",
                         *extra)
        self.log_path = log_path
        self.stderr = open(log_path, "w")

    def start(self):
        try:
            return super().start()
        except RuntimeError as failure:
            self.stop()
            raise SystemExit(f"{failure}\n{self.log()}") from failure

    def stop(self):
        super().stop()
        self.stderr.close()

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def recovered(self, args):
        """The recovery line's figures; fails unless they are what was written."""
        log = self.log()
        match = RECOVERED.search(log)
        if not match:
            raise SystemExit(f"no 'recovered ...' line on sluice's stderr:\n{log}")
        pipelines, executions = int(match[1]), int(match[2])
        if (pipelines, executions) != (args.pipelines, args.executions):
            raise SystemExit(f"sluice recovered {pipelines} pipelines and {executions} executions; "
                             f"{args.pipelines} and {args.executions} were written:\n{log}")
        return {"recovery_ms": int(match[3]), "snapshot": match[4], "journal_records": int(match[5]),
                "torn_tail": match[6] == "yes"}


def time_starts(args, directory, label):
    print(f"  {STARTS} starts, {label}", flush=True)
    files = dir_files(directory)
    starts = []
    for number in range(STARTS):
        server = Recovering(args.sluice, directory, os.path.join(args.log_dir, f"start-{label}.log"))
        server.start()
        try:
            time.sleep(0.3)  # settle before reading its memory, as run.py does
            rss_kb = server.rss_kb()
            # An answer that needs the data: a pipeline written by the build.
            client = AwsJsonClient(server.port)
            client.call("GetPipeline", {"name": pipeline_name(args.pipelines - 1, args.pipelines)})
            client.close()
        finally:
            server.stop()
        start = {"startup_ms": server.startup_ms, "rss_kb": rss_kb, **server.recovered(args)}
        starts.append(start)
        print(f"    start {number + 1}: first answer {start['startup_ms']:.0f} ms, recovery "
              f"{start['recovery_ms']} ms, RSS {rss_kb / 1024:.1f} MB (snapshot {start['snapshot']}, "
              f"{start['journal_records']} journal records)", flush=True)
    summary = {"files": files, "dir_bytes": sum(files.values()), "starts": starts}
    for field in ("startup_ms", "recovery_ms", "rss_kb"):
        values = [s[field] for s in starts]
        summary[field] = {"median": statistics.median(values), "max": max(values)}
    return summary


def write_snapshot(args, directory):
    """Starts on `directory` with --snapshot-after 4096 and writes until a
    snapshot is written, then stops: the next start reads it and a short journal."""
    print("  a start with --snapshot-after 4096, writing until it takes a snapshot", flush=True)
    server = Recovering(args.sluice, directory, os.path.join(args.log_dir, "snapshot.log"),
                        "--snapshot-after", "4096")
    server.start()
    try:
        client = AwsJsonClient(server.port)
        deadline = time.time() + 60
        writes = 0
        # A throw-away pipeline, created and deleted: the counts stay as built.
        while control(server.port, "GET", "/_sluice/health")["persistence"]["snapshots"] < 1:
            if time.time() > deadline:
                raise SystemExit(f"no snapshot within 60 s:\n{server.log()}")
            client.call("CreatePipeline", pipeline_declaration("bench-snapshot"))
            client.call("DeletePipeline", {"name": "bench-snapshot"})
            writes += 2
            time.sleep(0.01)
        client.close()
    finally:
        server.stop()
    server.recovered(args)
    if not glob.glob(os.path.join(directory, "snapshot-*.snap")):
        raise SystemExit(f"the health counts a snapshot, but {directory} holds none")
    print(f"  snapshot written after {writes} writes", flush=True)
    return writes


def startup(args, parent):
    directory = os.path.join(parent, "data-set")
    os.mkdir(directory)
    args.log_dir = parent
    result = {"build": build_data_set(args, directory)}
    print("start-up from the data set", flush=True)
    result["as_built"] = time_starts(args, directory, "as-built")
    result["snapshot_writes"] = write_snapshot(args, directory)
    result["snapshot"] = time_starts(args, directory, "snapshot")
    if all(s["snapshot"] == "none" for s in result["snapshot"]["starts"]):
        raise SystemExit("the starts after the snapshot read no snapshot")
    return result


# --- 3. Output ---------------------------------------------------------------

def throughput_markdown(table):
    lines = ["| measure | " + " | ".join(LABELS[n] for n in NAMES) + " | "
             + " | ".join(f"{n}/in memory" for n in SYNC_LEVELS) + " |",
             "|---" * (len(NAMES) + len(SYNC_LEVELS)) + "|---|"]
    for operation in OPERATIONS:
        for connections in CONNECTIONS:
            row = table[f"{operation}/c{connections}"]
            cells = [f"{row[n]['rps']:,.0f} ({row[n]['p50_us'] / 1000:.2f} / "
                     f"{row[n]['p99_us'] / 1000:.2f})" if n in row else "n/a" for n in NAMES]
            ratios = [ratio(row.get(n, {}).get("rps"), row.get("memory", {}).get("rps"))
                      for n in SYNC_LEVELS]
            lines.append(f"| {operation}, {connections} conn: req/s (p50 / p99 ms) | "
                         + " | ".join(cells + ratios) + " |")
    for metric, label, fmt in (("dir_bytes", "data dir after the run (MB)", lambda v: f"{v / 1e6:.1f}"),
                               ("startup_ms", "exec to first answer, empty (ms)", lambda v: f"{v:.1f}"),
                               ("idle_rss_kb", "idle RSS (MB)", lambda v: f"{v / 1024:.1f}")):
        row = table[metric]
        ratios = [ratio(row.get(n), row.get("memory")) for n in SYNC_LEVELS]
        lines.append(f"| {label} | " + " | ".join(fmt(row[n]) if n in row else "n/a" for n in NAMES)
                     + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def startup_markdown(start, args):
    lines = [f"Start-up from {args.pipelines:,} pipelines and {args.executions:,} executions on "
             f"disk, {STARTS} starts each (median / max):", "",
             "| data dir | on disk (MB) | exec to first answer (ms) | recovery (ms) | "
             "RSS after start (MB) | read |", "|---|---|---|---|---|---|"]
    for key, label in (("as_built", "a. as the build left it"), ("snapshot", "b. after a snapshot")):
        s = start[key]
        first = s["starts"][0]
        read = ("no snapshot" if first["snapshot"] == "none" else f"snapshot {first['snapshot']}") \
            + f", {first['journal_records']:,} journal records"
        lines.append(f"| {label} | {s['dir_bytes'] / 1e6:.1f} | "
                     f"{s['startup_ms']['median']:.0f} / {s['startup_ms']['max']:.0f} | "
                     f"{s['recovery_ms']['median']:.0f} / {s['recovery_ms']['max']:.0f} | "
                     f"{s['rss_kb']['median'] / 1024:.1f} / {s['rss_kb']['max'] / 1024:.1f} | {read} |")
    build = start["build"]
    lines += ["", f"The data set was written in {build['create_s'] + build['start_s']:.1f} s "
              f"({args.clients} clients) and settled in {build['settle_s']:.1f} s."]
    return "\n".join(lines)


def targets(table, start):
    """The issue's targets: batch within 2x of in memory at 32 connections;
    start from the data set under 1 s."""
    lines = []
    for operation in OPERATIONS:
        row = table[f"{operation}/c32"] if table else {}
        if "batch" in row and "memory" in row:
            share = row["batch"]["rps"] / row["memory"]["rps"]
            lines.append(f"target: {operation} at 32 connections, --sync batch within 2x of in "
                         f"memory: {share:.2f} of it ({'met' if share >= 0.5 else 'NOT met'})")
    if start:
        for key in ("as_built", "snapshot"):
            worst = start[key]["startup_ms"]["max"]
            lines.append(f"target: start from the data set ({key.replace('_', ' ')}) under 1 s: "
                         f"max {worst:.0f} ms ({'met' if worst < 1000 else 'NOT met'})")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build-release/sluice")
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pipelines", type=int, default=10_000, help="in the start-up data set")
    parser.add_argument("--executions", type=int, default=100_000, help="in the start-up data set")
    parser.add_argument("--clients", type=int, default=8,
                        help="concurrent clients writing the start-up data set")
    parser.add_argument("--dir-root", default=tempfile.gettempdir(),
                        help="where the data dirs are made (default: the tmp dir)")
    parser.add_argument("--only", choices=("throughput", "startup"), help="run one part only")
    parser.add_argument("--keep", action="store_true", help="keep the start-up data set and logs")
    parser.add_argument("--out", default="bench/results/persistence-latest.json")
    args = parser.parse_args()

    if not wrk_available():
        sys.exit("wrk is not installed (apt-get install wrk), or run scripts/bench.sh --persistence")
    if os.cpu_count() < 2:
        sys.exit("the benchmark pins server and load generator to two different cores")
    if args.executions and args.pipelines < 1:
        sys.exit("--executions needs --pipelines of at least 1")
    # This script's own work (the data set's clients, polling for the first
    # answer) stays off the server's core, as wrk does.
    os.sched_setaffinity(0, {LOAD_CORE})
    filesystem = filesystem_of(args.dir_root)
    if filesystem in ("tmpfs", "ramfs"):
        print(f"warning: {args.dir_root} is {filesystem}: fsync costs nothing there; "
              "use --dir-root on a disk", flush=True)

    parent = tempfile.mkdtemp(prefix="sluice-bench-persistence-", dir=args.dir_root)
    table, runs, samples, start = None, None, None, None
    try:
        if args.only != "startup":
            table, runs, samples = throughput(args, parent)
        if args.only != "throughput":
            start = startup(args, parent)
    finally:
        if args.keep:
            print(f"kept {parent}")
        else:
            shutil.rmtree(parent, ignore_errors=True)

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "dir_root": args.dir_root, "filesystem": filesystem},
        "versions": {"wrk": version_of(["wrk", "--version"]),
                     "sluice": version_of([args.sluice, "--version"])},
        "settings": {"seconds": args.seconds, "rounds": args.rounds, "server_core": SERVER_CORE,
                     "load_core": LOAD_CORE, "sluice_flags": list(SLUICE_FLAGS),
                     "pipelines": args.pipelines, "executions": args.executions,
                     "clients": args.clients, "starts": STARTS},
        "medians": table, "runs": runs, "startup": start,
        "samples": {f"{k[0]}:{k[1]}": v for k, v in samples.items()} if samples else None,
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    if table:
        print()
        print(throughput_markdown(table))
    if start:
        print()
        print(startup_markdown(start, args))
    print()
    print(targets(table, start))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
