#!/usr/bin/env python3
"""Compares what each sink received with the audit export: every record exactly once, in chain order.
Usage: check-delivery.py [--wait-for SEQ | --through SEQ] EXPORT NAME=FILE:KIND... (KIND: json (one record per line), syslog (`[tessera@32473 seq="N"]
{json}`), ecs (event.sequence), hec (event.seq)). With --wait-for SEQ, exits 1 unless every sink reached SEQ; with --through SEQ, every record up to SEQ must be there."""
import json
import re
import sys

args = sys.argv[1:]
wait_for = None
through = 0
if args[0] == "--wait-for":
    wait_for = int(args[1])
    args = args[2:]
elif args[0] == "--through":
    through = int(args[1])
    args = args[2:]
export = [json.loads(line) for line in open(args[0]) if line.strip()]
expected = [record["seq"] for record in export]
failed = False


def seqs(path, kind):
    result = []
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        return result
    for line in lines:
        if not line.strip():
            continue
        if kind == "syslog":
            match = re.match(r'^\[tessera@32473 seq="(\d+)"\] (\{.*\})$', line)
            if not match:
                raise SystemExit(f"{path}: not a Tessera syslog message: {line[:120]}")
            record = json.loads(match.group(2))
            if record["seq"] != int(match.group(1)):
                raise SystemExit(f"{path}: structured data seq {match.group(1)} != record seq {record['seq']}")
            result.append(record["seq"])
        elif kind == "ecs":
            record = json.loads(line)
            assert record["tessera"]["seq"] == record["event"]["sequence"], line[:120]
            result.append(record["event"]["sequence"])
        elif kind == "hec":
            record = json.loads(line)
            assert record["sourcetype"] == "tessera:audit" and isinstance(record["time"], (int, float)), line[:120]
            result.append(record["event"]["seq"])
        else:
            result.append(json.loads(line)["seq"])
    return result


for spec in args[1:]:
    name, rest = spec.split("=", 1)
    path, kind = rest.rsplit(":", 1)
    got = seqs(path, kind)
    if wait_for is not None:
        prefix = "token." if kind == "hec" else ""
        last = max([r["seq"] for r in export if r["type"].startswith(prefix) and r["seq"] <= wait_for] or [0])
        if last and (not got or got[-1] < last):
            sys.exit(1)
        continue
    prefix_filter = None
    if kind == "hec":  # the hec file sink takes token.* records only
        prefix_filter = "token."
    want = [r["seq"] for r in export if prefix_filter is None or r["type"].startswith(prefix_filter)]
    # Records appended after the export (the server's own sink.caught_up, say) are checked for order and
    # uniqueness only.
    exported = export[-1]["seq"] if export else 0
    later = [seq for seq in got if seq > exported]
    if later != sorted(set(later)):
        failed = True
        print(f"FAIL {name}: records after the export are duplicated or out of order: {later[:10]}")
    got = [seq for seq in got if seq <= exported]
    required = len([seq for seq in want if seq <= through])
    want = want[: max(len(got), required)]
    duplicates = len(got) - len(set(got))
    if got != want or duplicates:
        failed = True
        missing = sorted(set(want) - set(got))[:10]
        print(f"FAIL {name}: {len(got)} records, {duplicates} duplicates, missing {missing}, "
              f"first out of order at {next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)}")
    else:
        print(f"ok   {name}: {len(got)} records, seq {got[0] if got else '-'}..{got[-1] if got else '-'}, "
              "each once, in chain order")
sys.exit(1 if failed else 0)
