#!/usr/bin/python3
"""Check one message as the SMTP sink (smtp-sink.py) stored it.

Every line must end in CRLF (no bare CR, no bare LF), the Message-ID must
be one RFC 5322 msg-id with exactly one '@', and Python's email parser
must find no defect in the message or its Message-ID. Prints "ok
MESSAGE-ID", or each problem and exits 1.

usage: mail-check.py FILE
"""
import email
import email.policy
import re
import sys


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    problems = []
    if re.search(rb"\r(?!\n)", data):
        problems.append("bare CR")
    if re.search(rb"(?<!\r)\n", data):
        problems.append("bare LF")
    ids = re.findall(rb"^Message-ID:[ \t]*(.*?)\r?$", data, re.M | re.I)
    if len(ids) != 1:
        problems.append("%d Message-ID headers" % len(ids))
    elif ids[0].count(b"@") != 1:
        problems.append("Message-ID %r has %d '@'" % (ids[0], ids[0].count(b"@")))
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if msg.defects:
        problems.append("message defects: %r" % msg.defects)
    mid = msg["Message-ID"]
    if mid is None or mid.defects:
        problems.append("Message-ID defects: %r" % (mid.defects if mid is not None else "missing"))
    if problems:
        print("; ".join(problems))
        sys.exit(1)
    print("ok", str(mid))


if __name__ == "__main__":
    main()
