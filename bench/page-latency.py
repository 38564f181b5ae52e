#!/usr/bin/python3
"""From an alert's 2xx answer to the page's webhook at a local sink, for
Vigil and a stock Alertmanager in one run (bench/run-page-latency.sh
starts both and routes them to this script's sink).

Each round posts one alert with a new alertname to one server, notes the
time its answer arrived, and waits for the webhook whose body names that
alertname. With --load, a thread posts repeats of 1,000 fingerprints at
that many alerts per second to both servers meanwhile (they open one
group each, which pages nobody). Prints min/p50/p90/p99/max in ms.

usage: page-latency.py --sink PORT --server NAME=URL [--server ...]
                       [--rounds N] [--load ALERTS_PER_S]
"""
import argparse
import http.client
import json
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

arrivals = queue.Queue()
loaded = {"alerts": 0, "since": 0.0}


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        arrivals.put((time.perf_counter(), body.decode("utf-8", "replace")))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def alert(name, service, instance="i-0"):
    return {"labels": {"alertname": name, "service": service, "instance": instance, "severity": "critical"},
            "annotations": {"summary": "page latency benchmark"}}


class Poster:
    """One kept-alive connection posting alert arrays to /api/v2/alerts."""

    def __init__(self, url):
        u = urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def post(self, alerts):
        body = json.dumps(alerts)
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                self.conn.request("POST", "/api/v2/alerts", body, {"Content-Type": "application/json"})
                r = self.conn.getresponse()
                r.read()
                if r.status // 100 != 2:
                    sys.exit("%s:%s answered %d" % (self.host, self.port, r.status))
                return time.perf_counter()
            except (ConnectionError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise


def load(urls, per_second, stop):
    """Repeats of 1,000 fingerprints, 100 alerts a request, spread evenly."""
    posters = [Poster(u) for u in urls]
    batch = [alert("BackgroundLoad", "load", "i-%d" % i) for i in range(1000)]
    requests_per_second = max(1, per_second // 100)
    k, next_at = 0, time.perf_counter()
    loaded["since"] = next_at
    while not stop.is_set():
        for p in posters:
            p.post(batch[k * 100 % 1000:k * 100 % 1000 + 100])
        loaded["alerts"] += 100
        k += 1
        next_at += 1.0 / requests_per_second
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


def pct(v, p):
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sink", type=int, required=True)
    ap.add_argument("--server", action="append", required=True)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--load", type=int, default=0)
    ap.add_argument("--tag", default="")
    a = ap.parse_args()
    sink = ThreadingHTTPServer(("127.0.0.1", a.sink), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    servers = [s.split("=", 1) for s in a.server]
    stop = threading.Event()
    loader = None
    if a.load:
        loader = threading.Thread(target=load, args=([u for _, u in servers], a.load, stop), daemon=True)
        loader.start()
        time.sleep(2)  # the load's own groups opened and settled
    results = {}
    for name, url in servers:
        poster, times, missed = Poster(url), [], 0
        while not arrivals.empty():
            arrivals.get()
        for i in range(a.rounds):
            tag = "PageLatency%s%s%05d" % (a.tag, name.capitalize(), i)
            answered = poster.post([alert(tag, "paged")])
            deadline = time.perf_counter() + 10
            while True:
                left = deadline - time.perf_counter()
                try:
                    at, body = arrivals.get(timeout=max(left, 0.001))
                except queue.Empty:
                    missed += 1
                    break
                if tag in body:
                    times.append((at - answered) * 1000)
                    break
        times.sort()
        results[name] = (times, missed)
    stop.set()
    if loader:
        loader.join()
    what = "idle"
    if a.load:
        what = "under %.0f alerts/s of repeats to each server (%d asked)" % (
            loaded["alerts"] / (time.perf_counter() - loaded["since"]), a.load)
    print("%s, %d rounds: ms from the alert's 2xx to its page's webhook" % (what, a.rounds))
    print("(below zero: the webhook came before the client had read the answer)")
    print("%-14s %8s %8s %8s %8s %8s %7s" % ("server", "min", "p50", "p90", "p99", "max", "missed"))
    for name, (t, missed) in results.items():
        if t:
            print("%-14s %8.2f %8.2f %8.2f %8.2f %8.2f %7d" % (name, t[0], pct(t, 50), pct(t, 90), pct(t, 99), t[-1],
                                                              missed))
        else:
            print("%-14s %8s %8s %8s %8s %8s %7d" % (name, "-", "-", "-", "-", "-", missed))
    peer = results.get("alertmanager", ([], 0))[0]
    for name, (t, _) in results.items():
        if name != "alertmanager" and t and peer:
            print("%s / alertmanager: p50 %.2fx, p99 %.2fx" % (name, pct(t, 50) / pct(peer, 50),
                                                               pct(t, 99) / pct(peer, 99)))


main()
