#!/usr/bin/env python3
"""Starts the sluice container and times it, for docker/smoke_test.sh.

    start_and_time.py ENGINE NAME IMAGE HOST_PORT

Runs `ENGINE run -d`, then polls GET /_sluice/health on 127.0.0.1:HOST_PORT in
this one process (a new process per poll would cost more than sluice takes to
start). Prints three figures, in milliseconds, as `key=value` lines:

  run_ms             how long `ENGINE run -d` itself took to return
  healthy_ms         from invoking `ENGINE run` to the first 200 answer
  healthy_after_start_ms
                     from the container's process start (the engine's
                     State.StartedAt) to that answer: the part that is sluice's

Exits 1 when no healthy answer comes within 30 seconds.
"""

import datetime
import re
import socket
import subprocess
import sys
import time

REQUEST = b"GET /_sluice/health HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n\r\n"


def answers_healthy(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(REQUEST)
            return conn.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def started_at(engine, name):
    """The container's start as a UTC datetime, from `inspect` (nanosecond text)."""
    text = subprocess.run([engine, "inspect", name, "--format", "{{.State.StartedAt}}"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # podman: "2026-12-02 04:31:43.847240016 +0000 UTC"; docker: "2026-12-02T04:31:43.847240016Z"
    match = re.match(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?", text)
    if not match:
        return None
    fraction = (match.group(3) or "0")[:6].ljust(6, "0")
    return datetime.datetime.fromisoformat(
        f"{match.group(1)}T{match.group(2)}.{fraction}+00:00")


def main():
    engine, name, image, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    invoked = time.monotonic()
    subprocess.run([engine, "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:4599", image],
                   check=True, stdout=subprocess.DEVNULL)
    returned = time.monotonic()
    deadline = returned + 30
    while not answers_healthy(port):
        if time.monotonic() > deadline:
            print("no healthy answer within 30 s", file=sys.stderr)
            return 1
        time.sleep(0.001)
    healthy_wall = datetime.datetime.now(datetime.timezone.utc)
    healthy = time.monotonic()
    print(f"run_ms={(returned - invoked) * 1000:.0f}")
    print(f"healthy_ms={(healthy - invoked) * 1000:.0f}")
    start = started_at(engine, name)
    if start is not None:
        print(f"healthy_after_start_ms={(healthy_wall - start).total_seconds() * 1000:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
