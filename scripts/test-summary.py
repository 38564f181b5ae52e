#!/usr/bin/env python3
"""Count test cases across meson test logs (TAP from cmocka): one line per
log ("LABEL: N passed, N failed") and a last line
"N passed, N failed" for them all. Arguments are LABEL=PATH (or PATH). A
test program that failed without reporting a failing case (a crash, a
sanitizer report, a leak), and a missing log, count as one failure."""
import json
import re
import sys

passed = failed = 0
for arg in sys.argv[1:]:
    label, _, path = arg.rpartition("=")
    label = label or path
    p = f = 0
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        print("%s: missing test log %s" % (label, path))
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        out = t.get("stdout") or ""
        ok = len(re.findall(r"^ok \d+", out, re.M))
        bad = len(re.findall(r"^not ok \d+", out, re.M))
        p += ok
        f += bad
        if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
            print("%s: test program %s failed: %s" % (label, t.get("name"), t.get("result")))
            f += 1
    print("%s: %d passed, %d failed" % (label, p, f))
    passed += p
    failed += f
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
