#!/usr/bin/env python3
"""What --auth strict and HTTPS cost: GetPipeline in four configurations of sluice.

    python3 bench/access.py --sluice build-release/sluice [--seconds 3] [--rounds 3]
        [--only throughput|instructions] [--low 200] [--high 1200]

(`scripts/bench.sh --access` installs wrk, builds a Release sluice and runs this.)

The configurations, each with run.py's flags (one worker thread,
--max-pipelines 10000000, --start-on-create false):
  plain        --auth off, HTTP (what run.py measures)
  strict       --auth strict --credentials FILE, HTTP
  tls          --tls self-signed, --auth off
  strict+tls   --auth strict --credentials FILE --tls self-signed
FILE is an AWS shared-credentials file of one generated key (aws_account_id
000000000000); --auth-dir and --tls-dir are fresh directories per start.

1. Throughput. In each of --rounds rounds, configurations in alternation (the
   order turned by one each round), a sluice is started afresh, pinned to core
   0 with wrk on core 1. Its health must report the auth and TLS it was given,
   and under strict a request with a signature nobody made must be refused.
   Pipeline `bench` is created (signed, under strict), then GetPipeline is
   measured at 32 connections and at 1: requests/s and p50/p99 latency (wrk,
   bench/wrk/aws_json.lua; https:// URLs for TLS, certificate unchecked).
   Under strict, one GetPipeline request is signed just before each wrk run
   (X-Amz-Date now; sluice accepts it for 15 minutes) and wrk replays it: its
   Authorization, X-Amz-Date and Host, with the body, Content-Type and
   X-Amz-Target that were signed. Before each wrk run that request is sent
   once and must be answered 200; a wrk run with any error or non-2xx answer
   fails the benchmark. Figures are medians over rounds, as are the time from
   exec to the first answer and idle RSS.
   Cost per request against plain = plain's requests/s / the configuration's.
   Also the server's CPU time per request (user + system of the whole
   process, from /proc, over the wrk run, divided by the requests wrk
   counted): it leaves out the time the server waits for its core, though a
   busy machine still raises it (shared caches, a virtual machine's host).
   At 32 connections, where the server is never idle, its difference from
   plain is what the configuration costs per request on this CPU, apart
   from the network and from wrk. (At 1 connection the
   server waits between requests and its CPU time is mostly waking up: the
   table shows the p50 latency added there instead; the JSON has both.)
   A warning is printed when a configuration's requests/s at 32 connections
   differ by more than 15% between rounds (a busy machine).
2. Instructions (when valgrind is installed). As bench/instructions.py counts
   them: each configuration runs under callgrind twice, answering --low and
   then --high GetPipeline requests (each signed afresh under strict) over one
   keep-alive connection, and (total(high) - total(low)) / (high - low) is
   its instructions per request. Unlike seconds, these do not move with the
   machine's load: the verifier's own cost, apart from the network and the
   scheduler. Over TLS they count the record layer of a kept-alive
   connection, not handshakes. One bias: OpenSSL picks its code by CPUID,
   and valgrind does not offer every extension (SHA-NI, for one), so under
   callgrind SHA-256 runs OpenSSL's plain x86-64 code and the strict
   columns count more instructions than the CPU executes natively; server
   CPU per request is the measure of what the verifier costs on this CPU.

This script itself runs on core 1 with wrk. Writes a JSON result
(bench/results/access-latest.json), prints a Markdown table and the issue's
target: --auth strict adds under 5% to GetPipeline's cost.
"""
import argparse
import collections
import http.client
import json
import os
import platform
import secrets
import shlex
import shutil
import string
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_client import (HEADERS, AwsJsonClient, SigV4Key, pipeline_declaration,  # noqa: E402
                        unverified_tls)
from run import (CONNECTIONS, LOAD_CORE, SERVER_CORE, SLUICE_FLAGS, median_of, run_wrk,  # noqa: E402
                 summarize)
from servers import Sluice, version_of, wrk_available  # noqa: E402

OPERATION = "GetPipeline"
TARGET = f"CodePipeline_20150709.{OPERATION}"  # as bench/wrk/aws_json.lua sends it
BODY = {"name": "bench"}
ACCOUNT = "000000000000"
TARGET_SHARE = 0.05  # the bound on what the verifier adds to GetPipeline
NOISY_SPREAD = 0.15  # rounds further apart than this (max / min - 1) call for a warning

Config = collections.namedtuple("Config", "name label auth tls")
CONFIGS = (Config("plain", "plain", False, False),
           Config("strict", "`--auth strict`", True, False),
           Config("tls", "`--tls self-signed`", False, True),
           Config("strict+tls", "strict + TLS", True, True))
NAMES = tuple(c.name for c in CONFIGS)


# --- the servers ---------------------------------------------------------------

def make_key():
    """A key shaped as sluice generates them: AKIA + 16 of [A-Z2-7], a 40-char secret."""
    access_key = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567")
                                  for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "/+")
                     for _ in range(40))
    return SigV4Key(access_key, secret)


def write_credentials(directory, key):
    path = os.path.join(directory, "credentials")
    with open(path, "w") as f:
        f.write(f"[bench]\naws_access_key_id = {key.access_key}\n"
                f"aws_secret_access_key = {key.secret}\naws_account_id = {ACCOUNT}\n")
    os.chmod(path, 0o600)
    return path


class Configured(Sluice):
    """A sluice in configuration `config`, its auth and TLS files in a fresh
    directory under `parent`. With `callgrind_out`, it runs under callgrind,
    which writes its instruction count there on exit."""

    def __init__(self, config, binary, parent, key, credentials, callgrind_out=None):
        self.dir = tempfile.mkdtemp(prefix=f"{config.name.replace('+', '-')}-", dir=parent)
        flags = ["--auth", "strict", "--credentials", credentials, "--auth-dir", self.dir] \
            if config.auth else ["--auth", "off"]
        flags += ["--tls", "self-signed", "--tls-dir", self.dir] if config.tls else ["--tls", "off"]
        super().__init__(SERVER_CORE, binary, *SLUICE_FLAGS, *flags, tls=config.tls,
                         key=key if config.auth else None)
        self.config = config
        self.name = config.name
        self.callgrind_out = callgrind_out
        if callgrind_out:
            self.start_timeout = 120

    def command(self):
        if not self.callgrind_out:
            return super().command()
        return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={self.callgrind_out}",
                *super().command()]

    def stop(self):
        if self.callgrind_out and self.proc and self.proc.poll() is None:
            self.proc.terminate()  # callgrind writes its file on the way out: let it
            self.proc.wait(timeout=120)
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connection(self):
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                               context=unverified_tls())
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def request(server, method, path, body=b"", headers=None):
    """(status, body) of one request on a new connection."""
    conn = server.connection()
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def check_configuration(server):
    """Fails unless the server runs as configured: its health reports the
    auth and TLS asked for, and under strict an unsigned request is refused."""
    status, data = request(server, "GET", "/_sluice/health")
    health = json.loads(data) if status == 200 else {}
    want = {"auth": "strict" if server.config.auth else "off", "tls": server.config.tls}
    got = {field: health.get(field) for field in want}
    if got != want:
        raise SystemExit(f"{server.name}: health says {got}, expected {want} "
                         f"(HTTP {status} {data[:200]!r})")
    if server.config.auth:
        unsigned = AwsJsonClient(server.port, tls=server.tls)
        try:
            unsigned.call("ListPipelines", {})
        except RuntimeError:
            return  # refused, as it must be
        finally:
            unsigned.close()
        raise SystemExit(f"{server.name}: a request with a signature nobody made was answered")


def prepare(server):
    client = server.client()
    client.call("CreatePipeline", pipeline_declaration("bench"))
    client.close()


# --- 1. Throughput -----------------------------------------------------------

def presign(server):
    """The headers of one GetPipeline request signed now, for wrk to replay
    (None when the server checks no signatures)."""
    if not server.key:
        return None
    # The bytes run_wrk sends: json.dumps of the same body.
    return server.key.sign(f"127.0.0.1:{server.port}", TARGET, json.dumps(BODY).encode())


def check_first_answer(server, signed):
    """Sends the request wrk will send, once; fails unless it is answered 200."""
    if signed is None:
        client = server.client()
        answer = client.call(OPERATION, BODY)
        client.close()
    else:
        status, data = request(server, "POST", "/", json.dumps(BODY).encode(),
                               dict(signed, **{"User-Agent": HEADERS["User-Agent"]}))
        if status != 200:
            raise SystemExit(f"{server.name}: the pre-signed {OPERATION} was answered "
                             f"HTTP {status} {data[:500]!r}")
        answer = json.loads(data)
    if answer.get("pipeline", {}).get("name") != BODY["name"]:
        raise SystemExit(f"{server.name}: {OPERATION} answered {json.dumps(answer)[:300]}")


def cpu_seconds(pid):
    """User + system CPU time of a process, all its threads, so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after the command's name
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server, connections, seconds):
    signed = presign(server)
    check_first_answer(server, signed)
    cpu_before = cpu_seconds(server.proc.pid)
    result = run_wrk(server.port, OPERATION, BODY, connections, seconds, url=server.url,
                     signed=signed)
    result["cpu_us"] = (cpu_seconds(server.proc.pid) - cpu_before) * 1e6 / result["requests"]
    bad = result["errors"] + result["non2xx"]
    if bad:
        raise SystemExit(f"{server.name} {OPERATION} c={connections}: {result['errors']} errors "
                         f"and {result['non2xx']} non-2xx answers out of {result['requests']}")
    print(f"  {server.name:10} {OPERATION} c={connections:<2} {result['rps']:10.0f} req/s  "
          f"p50 {result['p50_us'] / 1000:7.3f} ms  p99 {result['p99_us'] / 1000:7.3f} ms  "
          f"CPU {result['cpu_us']:6.2f} µs/request", flush=True)
    return result


def one_round(number, args, parent, key, credentials, samples):
    turn = number % len(CONFIGS)
    for config in CONFIGS[turn:] + CONFIGS[:turn]:
        server = Configured(config, args.sluice, parent, key, credentials).start()
        try:
            time.sleep(0.3)  # settle before reading idle memory, as run.py does
            samples.setdefault((server.name, "startup_ms"), []).append(server.startup_ms)
            samples.setdefault((server.name, "idle_rss_kb"), []).append(server.rss_kb())
            check_configuration(server)
            prepare(server)
            for connections in CONNECTIONS:
                samples.setdefault((server.name, f"{OPERATION}/c{connections}"), []).append(
                    measure(server, connections, args.seconds))
        finally:
            server.stop()


def throughput(args, parent, key, credentials):
    samples = {}
    for number in range(args.rounds):
        print(f"round {number + 1} of {args.rounds}", flush=True)
        one_round(number, args, parent, key, credentials, samples)
    table = summarize(samples, NAMES, (OPERATION,))
    for connections in CONNECTIONS:
        key = f"{OPERATION}/c{connections}"
        for name in NAMES:
            table[key][name]["cpu_us"] = median_of(samples, (name, key), "cpu_us")
    return table, samples


def added_cost(table):
    """Per connection count and configuration, against plain: cost per
    request by requests/s (plain's over its own), and server CPU time per
    request (its ratio and the µs it adds)."""
    out = {}
    for connections in CONNECTIONS:
        row = table[f"{OPERATION}/c{connections}"]
        plain = row["plain"]
        out[f"c{connections}"] = {
            name: {"cost_vs_plain": plain["rps"] / row[name]["rps"],
                   "cpu_vs_plain": row[name]["cpu_us"] / plain["cpu_us"],
                   "cpu_added_us": row[name]["cpu_us"] - plain["cpu_us"]} for name in row}
    return out


def spreads(samples):
    """Per configuration: how far apart its rounds' requests/s at 32
    connections are (max / min - 1)."""
    out = {}
    for name in NAMES:
        rates = [r["rps"] for r in samples[(name, f"{OPERATION}/c{max(CONNECTIONS)}")]]
        out[name] = max(rates) / min(rates) - 1
    return out


# --- 2. Instructions ---------------------------------------------------------

def callgrind_total(path):
    with open(path) as data:
        for line in data:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"callgrind wrote no total in {path}")


def count(config, args, parent, key, credentials, requests):
    """Total instructions of a server in `config` that answered `requests` GetPipelines."""
    out = os.path.join(parent, f"callgrind-{config.name.replace('+', '-')}-{requests}.out")
    server = Configured(config, args.sluice, parent, key, credentials, callgrind_out=out)
    server.start()
    try:
        prepare(server)
        client = server.client()
        for _ in range(requests):
            client.call(OPERATION, BODY)
        client.close()
    finally:
        server.stop()
    return callgrind_total(out)


def instructions(args, parent, key, credentials):
    per_request = {}
    for config in CONFIGS:
        low = count(config, args, parent, key, credentials, args.low)
        high = count(config, args, parent, key, credentials, args.high)
        per_request[config.name] = round((high - low) / (args.high - args.low))
        print(f"  {config.name:10} {per_request[config.name]:,} instructions per {OPERATION}",
              flush=True)
    return per_request


# --- 3. Output ---------------------------------------------------------------

def row(label, cells):
    return f"| {label} | " + " | ".join(cells) + " |"


def signed_value(value, fmt):
    return ("+" if value >= 0 else "-") + fmt.format(abs(value))


def against_plain(values, fmt):
    """Cells of `values` by configuration: plain's alone, the others with
    what they add to it and their ratio to it."""
    plain = values["plain"]
    return [fmt.format(plain)] + [
        f"{fmt.format(values[n])} ({signed_value(values[n] - plain, fmt)}, {values[n] / plain:.2f})"
        for n in NAMES[1:]]


def throughput_rows(table, cost):
    lines = []
    for connections in CONNECTIONS:
        medians = table[f"{OPERATION}/c{connections}"]
        lines.append(row(f"{OPERATION}, {connections} conn: req/s (p50 / p99 ms)",
                         [f"{medians[n]['rps']:,.0f} ({medians[n]['p50_us'] / 1000:.2f} / "
                          f"{medians[n]['p99_us'] / 1000:.2f})" for n in NAMES]))
    busy, idle = max(CONNECTIONS), min(CONNECTIONS)
    lines.append(row(f"cost per request by req/s, {busy} conn (plain's req/s ÷ these)",
                     [f"{cost[f'c{busy}'][n]['cost_vs_plain']:.2f}" for n in NAMES]))
    medians = table[f"{OPERATION}/c{busy}"]
    lines.append(row(f"server CPU per request, {busy} conn: µs (added, ratio)",
                     against_plain({n: medians[n]["cpu_us"] for n in NAMES}, "{:.1f}")))
    medians = table[f"{OPERATION}/c{idle}"]
    lines.append(row(f"p50 latency, {idle} conn: µs (added, ratio)",
                     against_plain({n: medians[n]["p50_us"] for n in NAMES}, "{:.0f}")))
    return lines


def instruction_row(per_request):
    return row(f"instructions per {OPERATION}, callgrind (added, ratio)",
               against_plain(per_request, "{:,}"))


def markdown(table, cost, per_request):
    lines = [row("measure", [c.label for c in CONFIGS]), "|---" * (len(CONFIGS) + 1) + "|"]
    if table:
        lines += throughput_rows(table, cost)
    if per_request:
        lines.append(instruction_row(per_request))
    if table:
        lines.append(row("exec to first answer (ms)",
                         [f"{table['startup_ms'][n]:.1f}" for n in NAMES]))
        lines.append(row("idle RSS (MB)", [f"{table['idle_rss_kb'][n] / 1024:.1f}" for n in NAMES]))
    return "\n".join(lines)


def targets(cost, per_request):
    """The issue's target: --auth strict adds under 5% to GetPipeline's cost
    (over HTTP, against plain), by each measure there is at 32 connections."""
    shares = []
    if cost:
        at = cost[f"c{max(CONNECTIONS)}"]["strict"]
        shares += [(f"requests/s at {max(CONNECTIONS)} connections", at["cost_vs_plain"] - 1),
                   (f"server CPU per request at {max(CONNECTIONS)} connections",
                    at["cpu_vs_plain"] - 1)]
    if per_request:
        shares.append(("instructions per request (callgrind, SHA-256 without SHA-NI)",
                       per_request["strict"] / per_request["plain"] - 1))
    return "\n".join(f"target: --auth strict adds under {TARGET_SHARE:.0%} to {OPERATION}'s cost, "
                     f"by {what}: {signed_value(share * 100, '{:.1f}')}% "
                     f"({'met' if share < TARGET_SHARE else 'NOT met'})" for what, share in shares)


def noise_warning(spread):
    noisy = {name: share for name, share in spread.items() if share > NOISY_SPREAD}
    if not noisy:
        return ""
    return ("warning: requests/s at 32 connections moved between rounds by " +
            ", ".join(f"{share:.0%} ({name})" for name, share in noisy.items()) +
            ": the machine was busy; instructions are the figures it does not move")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build-release/sluice")
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--low", type=int, default=200, help="requests of the short callgrind run")
    parser.add_argument("--high", type=int, default=1200, help="requests of the long callgrind run")
    parser.add_argument("--only", choices=("throughput", "instructions"), help="run one part only")
    parser.add_argument("--out", default="bench/results/access-latest.json")
    args = parser.parse_args()

    if args.only != "instructions" and not wrk_available():
        sys.exit("wrk is not installed (apt-get install wrk), or run scripts/bench.sh --access")
    if os.cpu_count() < 2:
        sys.exit("the benchmark pins server and load generator to two different cores")
    with_callgrind = args.only != "throughput" and shutil.which("valgrind") is not None
    if args.only == "instructions" and not with_callgrind:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    # This script's own work (setup, polling for the first answer) stays off
    # the server's core, as wrk does.
    os.sched_setaffinity(0, {LOAD_CORE})
    load_before = os.getloadavg()

    parent = tempfile.mkdtemp(prefix="sluice-bench-access-")
    key = make_key()
    credentials = write_credentials(parent, key)
    table, samples, cost, spread, per_request = None, None, None, None, None
    try:
        if args.only != "instructions":
            table, samples = throughput(args, parent, key, credentials)
            cost = added_cost(table)
            spread = spreads(samples)
        if with_callgrind:
            print("instructions (callgrind)", flush=True)
            per_request = instructions(args, parent, key, credentials)
    finally:
        shutil.rmtree(parent, ignore_errors=True)

    command = "python3 " + " ".join(shlex.quote(a) for a in sys.argv)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "versions": {"wrk": version_of(["wrk", "--version"]),
                     "sluice": version_of([args.sluice, "--version"]),
                     "valgrind": version_of(["valgrind", "--version"]) if with_callgrind else None},
        "settings": {"seconds": args.seconds, "rounds": args.rounds, "server_core": SERVER_CORE,
                     "load_core": LOAD_CORE, "sluice_flags": list(SLUICE_FLAGS),
                     "operation": OPERATION, "low": args.low, "high": args.high},
        "medians": table, "cost": cost, "spread_of_rounds": spread,
        "instructions_per_request": per_request,
        "samples": {f"{k[0]}:{k[1]}": v for k, v in samples.items()} if samples else None,
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\n`{command}` ({result['when']}, {os.cpu_count()} cores, load average "
          f"{load_before[0]:.2f} before and {result['machine']['loadavg_after'][0]:.2f} after):\n")
    print(markdown(table, cost, per_request))
    print()
    print(targets(cost, per_request))
    if spread and noise_warning(spread):
        print(noise_warning(spread))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
