#!/usr/bin/env python3
"""Follows sluice's events as they happen, with Python's standard library only.

Reads GET /_sluice/events/stream (Server-Sent Events) and prints
"<pipeline> <execution-id> <stage/action> <state>" for each event ("-" for
a pipeline's own events). When the connection drops, it reconnects with
Last-Event-ID, the sequence number of the last event printed, and misses
nothing the server still holds; if it fell further behind than that, the
server's "gap" goes to stderr. Ctrl-C stops it.

    python3 examples/events_consumer.py                # --endpoint, else $SLUICE_ENDPOINT, else :4599
"""

import argparse
import http.client
import json
import os
import signal
import sys
import time
import urllib.request

signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it without a traceback
parser = argparse.ArgumentParser(description="Prints sluice's events as they happen.")
parser.add_argument("--endpoint", default=os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:4599"))
url = parser.parse_args().endpoint + "/_sluice/events/stream"

last_id = None  # the sequence number of the last event printed
while True:
    request = urllib.request.Request(url, headers={"Last-Event-ID": last_id} if last_id else {})
    try:
        # sluice writes a keepalive every 15 s: a minute of silence is a dead connection.
        with urllib.request.urlopen(request, timeout=60) as stream:
            for line in stream:  # "id: 7", "data: {...}", "event: gap", ": keepalive", ""
                field, _, value = line.decode().rstrip("\r\n").partition(": ")
                if field == "id":
                    event_id = value
                elif field == "data" and "detail" in (event := json.loads(value)):
                    d = event["detail"]
                    where = "/".join(filter(None, (d.get("stage"), d.get("action")))) or "-"
                    print(d["pipeline"], d["execution-id"], where, d["state"], flush=True)
                    last_id = event_id
                elif field == "data":  # after "event: gap": {"after", "oldestAvailable"}
                    print("missed events, no longer held:", value, file=sys.stderr)
    except (OSError, http.client.HTTPException) as error:
        print(f"disconnected ({error}); reconnecting", file=sys.stderr)
    time.sleep(1)
