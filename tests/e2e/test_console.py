"""The web console's files as a browser gets them from the real binary: the
page, its script and style, the health check naming it, the log line that
names it at start, and its absence under --control off. What the page does
is proved in a browser by tests/browser/."""
import json
import os
import re
import select
import subprocess
import time
import unittest

from sluice_server import ServerTestCase, SluiceServer


class ConsoleServedTest(ServerTestCase):

    def get(self, path, method="GET"):
        return self.server.raw(None, method=method, path=path)

    def test_the_page_and_what_it_loads(self):
        status, headers, page = self.get("/_sluice/ui/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        text = page.decode()
        self.assertIn("<html", text)
        # Every script and style the page names is served from the binary.
        loaded = [name for name in re.findall(r'(?:src|href)="([^"#]+)"', text)
                  if not name.startswith("data:")]  # the page's own empty icon
        self.assertTrue(loaded, "the page loads nothing")
        for name in loaded:
            with self.subTest(name=name):
                self.assertFalse(name.startswith(("http:", "https:", "//")), name)
                status, headers, body = self.get("/_sluice/ui/" + name)
                self.assertEqual(status, 200)
                self.assertTrue(body)

    def test_media_types_and_head(self):
        for name, media in (("console.js", "text/javascript"), ("console.css", "text/css")):
            with self.subTest(name=name):
                status, headers, body = self.get("/_sluice/ui/" + name)
                self.assertEqual(status, 200)
                self.assertTrue(headers["content-type"].startswith(media))
                self.assertEqual(headers["x-content-type-options"], "nosniff")
                status, headers, empty = self.get("/_sluice/ui/" + name, method="HEAD")
                self.assertEqual(status, 200)
                self.assertEqual(empty, b"")

    def test_the_folder_without_its_slash_redirects(self):
        status, headers, _ = self.get("/_sluice/ui")
        self.assertEqual(status, 301)
        self.assertEqual(headers["location"], "/_sluice/ui/")

    def test_unknown_files_and_methods(self):
        status, _, body = self.get("/_sluice/ui/missing.js")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"], "NotFound")
        status, headers, _ = self.get("/_sluice/ui/", method="POST")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, HEAD")

    def test_health_names_the_console(self):
        status, _, body = self.get("/_sluice/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["console"], "/_sluice/ui/")


class ConsoleOffTest(unittest.TestCase):

    def test_control_off_turns_the_console_off(self):
        server = SluiceServer("--control", "off")
        try:
            status, _, body = server.raw(None, method="GET", path="/_sluice/ui/")
            self.assertEqual(status, 404)
            self.assertIn("--control off", json.loads(body)["message"])
            _, _, body = server.raw(None, method="GET", path="/_sluice/health")
            self.assertIsNone(json.loads(body)["console"])
        finally:
            server.stop()


class ConsoleNamedAtStartTest(unittest.TestCase):

    def test_stderr_names_the_console_url(self):
        server = SluiceServer(log_level="info", stderr=subprocess.PIPE)
        try:
            expected = f"web console at {server.endpoint}/_sluice/ui/"
            seen = ""
            deadline = time.monotonic() + 5
            while expected not in seen and time.monotonic() < deadline:
                ready, _, _ = select.select([server.proc.stderr], [], [], 0.2)
                if ready:
                    seen += os.read(server.proc.stderr.fileno(), 65536).decode()
            self.assertIn(expected, seen)
        finally:
            server.stop()
            server.proc.stderr.close()


if __name__ == "__main__":
    unittest.main()
