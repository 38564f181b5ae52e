#!/usr/bin/python3
"""The plain SMTP client a team would otherwise script: Python's smtplib,
CONNS persistent connections in threads, pushing N copies of one message
(each to its own recipient) into an SMTP server. Prints messages/s.

usage: smtp-client.py PORT N CONNS MESSAGE_FILE
"""
import smtplib
import sys
import threading
import time

port, n, conns = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[4], "rb") as f:
    raw = f.read()
# The sink's own envelope headers are not part of the message.
lines = raw.split(b"\r\n")
message = b"\r\n".join(l for l in lines if not l.startswith(b"X-Envelope-"))
counter = iter(range(n))
lock = threading.Lock()


def push():
    s = smtplib.SMTP("127.0.0.1", port)
    s.ehlo()
    while True:
        with lock:
            i = next(counter, None)
        if i is None:
            break
        s.sendmail("vigil@example.com", ["admin@c%d.example" % i], message)
    s.quit()


t0 = time.perf_counter()
threads = [threading.Thread(target=push) for _ in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("%.0f" % (n / (time.perf_counter() - t0)))
