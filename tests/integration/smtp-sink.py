#!/usr/bin/python3
"""A real SMTP server for the tests (aiosmtpd, from Debian's python3-aiosmtpd).

Each accepted message is written to DIR/<n>.eml with its envelope in the
X-Envelope-From / X-Envelope-To headers. With --defer N, the first N
messages are answered 451 (try again later), to exercise retries; with
--reject ADDRESS, that recipient is refused with 550 (a bounce); with
--delay SECONDS, each message takes that long to accept (a slow server).
DIR/sessions holds how many SMTP sessions have delivered a message.

usage: smtp-sink.py HOST PORT DIR [--defer N | --reject ADDRESS | --delay SECONDS]
"""
import argparse
import asyncio
import os
import signal
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, defer, reject, delay):
        self.directory = directory
        self.defer = defer
        self.reject = reject
        self.delay = delay
        # Numbering goes on after what an earlier run left in the directory.
        self.count = len([n for n in os.listdir(directory) if n.endswith(".eml")])
        self.lock = threading.Lock()
        self.sessions = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and address.lower() == self.reject.lower():
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.defer > 0:
                self.defer -= 1
                return "451 4.3.0 try again later"
            self.count += 1
            n = self.count
            new_session = not getattr(session, "counted", False)
            session.counted = True
            self.sessions += new_session
            sessions = self.sessions
        if new_session:
            with open(os.path.join(self.directory, "sessions.tmp"), "w") as f:
                f.write("%d\n" % sessions)
            os.rename(os.path.join(self.directory, "sessions.tmp"), os.path.join(self.directory, "sessions"))
        path = os.path.join(self.directory, "%06d.eml" % n)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(tmp, path)
        return "250 2.0.0 stored as %06d" % n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("directory")
    ap.add_argument("--defer", type=int, default=0)
    ap.add_argument("--reject", default="")
    ap.add_argument("--delay", type=float, default=0.0)
    a = ap.parse_args()
    os.makedirs(a.directory, exist_ok=True)
    controller = Controller(Sink(a.directory, a.defer, a.reject, a.delay), hostname=a.host, port=a.port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
