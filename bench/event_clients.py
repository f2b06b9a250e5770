"""The clients of sluice's event surface that bench/events.py attaches.

  * SseReader: a process that holds GET /_sluice/events/stream open and reads
    every event, counting what it got and what it missed;
  * StalledReader: a connection that opens the stream and then never reads,
    so that the server's writes to it back up;
  * closed_port: a local port where nothing listens, for a target that can
    never be reached.
"""
import http.client
import json
import multiprocessing
import os
import socket

from servers import free_port

STREAM_PATH = "/_sluice/events/stream?after=0"
# Counters an SseReader shares with the parent, by index.
RECEIVED, LAST_ID, MISSED, GAPS = range(4)


def health(port):
    """The "events" part of GET /_sluice/health."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/_sluice/health")
        return json.loads(conn.getresponse().read())["events"]
    finally:
        conn.close()


def closed_port():
    """A port that refuses connections: 9 (discard) unless something listens
    there, else one the kernel just handed out and took back."""
    for port in (9, free_port()):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return port
    raise RuntimeError("found no closed local port")


def _read_stream(port, core, counts, ready):
    """Reads the stream from the first event until the server closes it.

    Counts events by their `id:` line without decoding the JSON: the figure
    is what the server delivers, not how fast Python parses. A jump in the
    ids, or an `event: gap` the server sends when the reader fell behind its
    buffer, counts what was lost."""
    os.sched_setaffinity(0, {core})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
    conn.request("GET", STREAM_PATH)
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"event stream answered {response.status}")
    ready.set()
    pending = b""
    while True:
        data = response.read1(1 << 16)
        if not data:
            return
        messages = (pending + data).split(b"\n\n")
        pending = messages.pop()
        for message in messages:
            if message.startswith(b"id: "):
                sequence = int(message[4:message.index(b"\n")])
                counts[MISSED] += max(0, sequence - counts[LAST_ID] - 1)
                counts[LAST_ID] = sequence
                counts[RECEIVED] += 1
            elif message.startswith(b"event: gap"):
                counts[GAPS] += 1


class SseReader:
    """One event-stream reader in its own process, pinned to `core`."""

    def __init__(self, port, core):
        context = multiprocessing.get_context("fork")
        # One writer (the reader process), so the counters need no lock.
        self.counts = context.Array("q", 4, lock=False)
        self.ready = context.Event()
        self.process = context.Process(target=_read_stream, daemon=True,
                                       args=(port, core, self.counts, self.ready))

    def start(self):
        self.process.start()
        if not self.ready.wait(10):
            raise RuntimeError("the event stream did not open")
        return self

    def received(self):
        return self.counts[RECEIVED]

    def report(self):
        return {"received": self.counts[RECEIVED], "lastId": self.counts[LAST_ID],
                "missed": self.counts[MISSED], "gaps": self.counts[GAPS]}

    def stop(self):
        self.process.terminate()
        self.process.join()


class StalledReader:
    """Opens the stream with a small receive buffer, reads the response
    headers and then nothing more: the server's send buffer fills and its
    writes to this reader stay pending."""

    RECEIVE_BUFFER = 4096

    def __init__(self, port):
        self.sock = socket.socket()
        # Set before connecting, so that the window offered is small from the start.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.RECEIVE_BUFFER)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(f"GET {STREAM_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1024)
            if not chunk:
                raise RuntimeError("the event stream closed before its headers")
            head += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"event stream answered {head.splitlines()[0]!r}")

    def closed_by_server(self):
        """Drains what is buffered and says whether the server has hung up
        (e.g. its write timeout ended the stalled write)."""
        self.sock.setblocking(False)
        try:
            while self.sock.recv(1 << 16):
                pass
            return True
        except BlockingIOError:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()
