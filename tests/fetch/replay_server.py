#!/usr/bin/python3
# replay_server.py: an HTTP server on 127.0.0.1 that answers with recorded
# API responses, and with the failures scarbon-fetch must survive.
"""Replay recorded answers for tests/fetch/test_scarbon_fetch.sh.

Usage: replay_server.py ROUTES

ROUTES is a text file; each line not blank nor starting with '#' is

    TARGET ANSWER [token=SECRET]

TARGET is the exact request target (path and query string). ANSWER is

    FILE        200 with that file (relative to ROUTES' directory)
    NNN         that HTTP status, with a small JSON error body
    empty       200 with an empty body
    hang        no answer for 60 s (past any client timeout)
    drip        200 and a body of 2000 bytes sent one every 0.1 s, so that
                every read succeeds but the whole takes 200 s
    cut         200 announcing 1000 bytes, then 10 and the connection closed
    flaky:FILE  503 the first time, FILE afterwards (retries)

token=SECRET makes the route answer 401 unless the request carries the
header "auth-token: SECRET" (as Electricity Maps requires). A target not
listed answers 404, so a client asking for the wrong URL fails loudly.

The server binds a free port that the kernel picks, prints it on stdout
(one line, flushed) and serves until killed. Requests are logged to stderr.
"""

import http.server
import os
import sys
import threading
import time


def load_routes(path):
    """TARGET -> (ANSWER, token or None) from the routes file."""
    routes = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if len(words) not in (2, 3) or (
                    len(words) == 3 and not words[2].startswith("token=")):
                sys.exit(f"{path}:{lineno}: expected TARGET ANSWER "
                         f"[token=SECRET]")
            token = words[2][len("token="):] if len(words) == 3 else None
            routes[words[0]] = (words[1], token)
    return routes


class Replay(http.server.BaseHTTPRequestHandler):
    """Answer each GET from the routes table."""

    routes = {}
    root = "."
    seen = set()  # flaky targets already failed once
    lock = threading.Lock()
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        """Dispatch on the route's answer."""
        route = self.routes.get(self.path)
        if route is None:
            self.send_body(404, b'{"error": "no such route"}')
            return
        answer, token = route
        if token is not None and self.headers.get("auth-token") != token:
            self.send_body(401, b'{"message": "invalid auth-token"}')
            return
        if answer.startswith("flaky:"):
            answer = self.flaky(answer[len("flaky:"):])
        if answer.isdigit() and len(answer) == 3:
            self.send_body(int(answer), b'{"error": "recorded failure"}')
        elif answer == "empty":
            self.send_body(200, b"")
        elif answer == "hang":
            time.sleep(60)
        elif answer == "drip":
            self.drip(2000, 0.1)
        elif answer == "cut":
            self.cut(1000, b'{"data": [')
        else:
            with open(os.path.join(self.root, answer), "rb") as f:
                self.send_body(200, f.read())

    def flaky(self, answer):
        """503 the first time this target is asked for, answer after."""
        with self.lock:
            first = self.path not in self.seen
            self.seen.add(self.path)
        return "503" if first else answer

    def send_body(self, status, body):
        """A complete answer with a JSON content type."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self, size, interval):
        """A slow body: each byte on time, the whole far too late."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            for _ in range(size):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass  # the client gave up, as it should

    def cut(self, size, start):
        """A body that stops early: the connection closes mid-answer."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(start)
        self.close_connection = True


def main(argv):
    """Serve the routes file given on the command line."""
    if len(argv) != 1:
        sys.exit("usage: replay_server.py ROUTES")
    Replay.routes = load_routes(argv[0])
    Replay.root = os.path.dirname(os.path.abspath(argv[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
