#!/usr/bin/python3
"""A webhook receiver for the tests: every POST is written to DIR/<n>.json
as {"path", "headers", "body"} and answered 204.

usage: webhook-sink.py HOST PORT DIR
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        with lock:
            count += 1
            n = count
        path = os.path.join(sys.argv[3], "%06d.json" % n)
        with open(path + ".tmp", "w") as f:
            json.dump({"path": self.path, "headers": dict(self.headers), "body": body}, f)
        os.rename(path + ".tmp", path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


os.makedirs(sys.argv[3], exist_ok=True)
server = ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
print("ready", flush=True)
server.serve_forever()
