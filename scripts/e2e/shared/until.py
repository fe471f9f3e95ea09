#!/usr/bin/env python3
"""until.py SECONDS COMMAND... -- PATTERN: re-run COMMAND until its output matches the regular expression PATTERN
(or, for the pattern '!ok', until it fails), at most SECONDS; prints how long it took. Exit 1 when the time ran out."""
import re, subprocess, sys, time

limit = float(sys.argv[1])
split = sys.argv.index("--")
command, pattern = sys.argv[2:split], sys.argv[split + 1]
started = time.monotonic()
tries = 0
while True:
    tries += 1
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    done = result.returncode != 0 if pattern == "!ok" else re.search(pattern, output) is not None
    elapsed = time.monotonic() - started
    if done:
        print(f"{elapsed * 1000:.0f} ms ({tries} tries)")
        sys.exit(0)
    if elapsed > limit:
        print(f"not within {limit} s ({tries} tries); last output: {output.strip()[:300]}")
        sys.exit(1)
    time.sleep(0.02)
