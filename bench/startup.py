#!/usr/bin/env python3
"""Startup time and idle memory of a sluice binary.

Runs the binary N times with --port 0 and, for each run, measures the time
from exec to the first answered request (GET /_sluice/health, polled every
0.2 ms over a fresh connection) and the resident set size (VmRSS) once idle.
Prints the medians.

    python3 bench/startup.py build-release/sluice [--runs 20]
"""
import argparse
import http.client
import os
import statistics
import subprocess
import time


def first_answer_ms(binary: str) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "--port", "0", "--log-level", "off"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # "sluice X listening on http://127.0.0.1:PORT"
        port = int(line.rsplit(":", 1)[1])
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/_sluice/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.0002)
        elapsed = (time.perf_counter() - start) * 1000
        time.sleep(0.2)  # let it settle before reading its memory
        with open(f"/proc/{proc.pid}/status") as status:
            rss_kb = next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))
        return elapsed, rss_kb
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    results = [first_answer_ms(args.binary) for _ in range(args.runs)]
    times = sorted(r[0] for r in results)
    rss = sorted(r[1] for r in results)
    size = os.path.getsize(args.binary)
    print(f"binary: {args.binary} ({size / 1e6:.2f} MB)")
    print(f"exec to first answered request: median {statistics.median(times):.2f} ms "
          f"(min {times[0]:.2f}, max {times[-1]:.2f}) over {args.runs} runs")
    print(f"idle RSS after start: median {statistics.median(rss) / 1024:.2f} MiB "
          f"(min {rss[0] / 1024:.2f}, max {rss[-1] / 1024:.2f})")


if __name__ == "__main__":
    main()
