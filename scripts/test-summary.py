#!/usr/bin/env python3
"""Count test cases across meson test logs (TAP from cmocka) and print one
line "N passed, N failed". A test program that failed without reporting a
failing case (a crash, a sanitizer report, a leak) counts as one failure."""
import json
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        print("missing test log: %s" % path)
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        out = t.get("stdout") or ""
        ok = len(re.findall(r"^ok \d+", out, re.M))
        bad = len(re.findall(r"^not ok \d+", out, re.M))
        passed += ok
        failed += bad
        if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
            print("test program %s failed: %s" % (t.get("name"), t.get("result")))
            failed += 1
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
