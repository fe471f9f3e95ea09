#!/usr/bin/env python3
"""outage.py URL_A URL_B ASSERTIONS ISSUED_OUT STOP_CMD START_CMD [--outages N] [--down S] [--bound S] [--recovery S]

Token requests (client_credentials, private_key_jwt: one pre-made assertion per attempt) from 8 threads, 4 per node,
while PostgreSQL is stopped (STOP_CMD) for DOWN seconds and started again (START_CMD), N times. Writes the jti of
every token a client received to ISSUED_OUT. Fails when
  - a request took longer than BOUND seconds (a hang instead of a quick 503),
  - a node answered anything but 200 or 503 (a 500, a refusal, a dropped connection),
  - after PostgreSQL came back, either node issued no token within RECOVERY seconds,
  - either node issued nothing in the last seconds of the run (it wedged),
  - the assertions ran out before the outages were over (the run would prove nothing)."""
import argparse, base64, json, shlex, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("url_a")
parser.add_argument("url_b")
parser.add_argument("assertions")
parser.add_argument("issued_out")
parser.add_argument("stop_cmd")
parser.add_argument("start_cmd")
parser.add_argument("--outages", type=int, default=3)
parser.add_argument("--down", type=float, default=8.0)
parser.add_argument("--up", type=float, default=8.0, help="seconds between PostgreSQL's return and the next outage")
parser.add_argument("--bound", type=float, default=10.0)
parser.add_argument("--recovery", type=float, default=5.0)
args = parser.parse_args()

assertions = [line.strip() for line in open(args.assertions) if line.strip()]
client_id = json.loads(base64.urlsafe_b64decode(assertions[0].split(".")[1] + "=="))["sub"]
nodes = {"A": args.url_a, "B": args.url_b}
lock = threading.Lock()
stop = threading.Event()
state = {"next": 0, "issued": [], "events": [], "slow": [], "bad": [], "exhausted": False}
CLIENT_TIMEOUT = args.bound + 10  # long enough to measure a hang, short enough to end the run


def take():
    with lock:
        if state["next"] >= len(assertions):
            state["exhausted"] = True
            return None
        state["next"] += 1
        return assertions[state["next"] - 1]


def worker(node):
    url = nodes[node] + "/oauth2/token"
    while not stop.is_set() and (assertion := take()) is not None:
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": client_id,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}).encode()
        started = time.monotonic()
        status, jti, detail = None, None, ""
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=form), timeout=CLIENT_TIMEOUT) as reply:
                status = reply.status
                token = json.load(reply)["access_token"]
            jti = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]
        except urllib.error.HTTPError as error:
            status = error.code
            detail = error.read()[:200].decode(errors="replace")
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            detail = f"{type(error).__name__}: {str(error)[:160]}"
        ended = time.monotonic()
        with lock:
            state["events"].append((node, started, ended, status))
            if jti:
                state["issued"].append(jti)
            if ended - started > args.bound:
                state["slow"].append(f"{node}: {ended - started:.1f} s (status {status}) {detail}")
            if status not in (200, 503):
                state["bad"].append(f"{node}: status {status} {detail}")
        if status != 200:
            time.sleep(0.05)  # a client backing off a little, as a real one would


def run(command):
    started = time.monotonic()
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
    return started, time.monotonic()


threads = [threading.Thread(target=worker, args=("A" if i % 2 == 0 else "B",), daemon=True) for i in range(8)]
run_started = time.monotonic()
for thread in threads:
    thread.start()
failures = []
outages = []
time.sleep(4)
for number in range(1, args.outages + 1):
    stop_started, stopped = run(args.stop_cmd)
    time.sleep(max(0.0, args.down - (stopped - stop_started)))
    _, started = run(args.start_cmd)
    outages.append((stop_started, started))
    print(f"outage {number}: PostgreSQL stopped {stopped - stop_started:.1f} s after the stop began, "
          f"back {started - stop_started:.1f} s after", flush=True)
    time.sleep(args.up)
stop_load_at = time.monotonic()
stop.set()
for thread in threads:
    thread.join(CLIENT_TIMEOUT + 5)
if any(thread.is_alive() for thread in threads):
    failures.append("a client thread is still waiting for an answer")

with lock:
    events = list(state["events"])
    issued = list(state["issued"])
with open(args.issued_out, "w") as out:
    out.write("\n".join(issued) + "\n")

for number, (down_at, up_at) in enumerate(outages, 1):
    window_end = outages[number][0] if number < len(outages) else stop_load_at
    during = [e for e in events if e[1] >= down_at and e[1] < up_at]
    statuses = {}
    for e in during:
        statuses[e[3]] = statuses.get(e[3], 0) + 1
    slowest = max((e[2] - e[1] for e in events if e[2] >= down_at and e[1] < up_at), default=0.0)
    line = f"outage {number}: during it {dict(sorted(statuses.items(), key=str))}, slowest answer {slowest:.2f} s;"
    for node in nodes:
        first = min((e[2] for e in events if e[0] == node and e[3] == 200 and e[1] >= up_at and e[2] < window_end),
                    default=None)
        if first is None:
            line += f" node {node} never issued again"
            failures.append(f"outage {number}: node {node} issued no token after PostgreSQL returned")
        else:
            line += f" node {node} issued again {first - up_at:.2f} s after PostgreSQL returned"
            if first - up_at > args.recovery:
                failures.append(f"outage {number}: node {node} took {first - up_at:.1f} s to recover "
                                f"(bound {args.recovery} s)")
    print(line, flush=True)

for node in nodes:
    late = [e for e in events if e[0] == node and e[3] == 200 and e[2] >= stop_load_at - 3]
    if not late:
        failures.append(f"node {node} issued nothing in the last 3 s of the run")
if state["slow"]:
    failures.append(f"{len(state['slow'])} requests took longer than {args.bound} s: " + "; ".join(state["slow"][:3]))
if state["bad"]:
    failures.append(f"{len(state['bad'])} answers other than 200 or 503: " + "; ".join(state["bad"][:3]))
if state["exhausted"]:
    failures.append("the assertions ran out before the end of the run")
counts = {}
for e in events:
    counts[(e[0], e[3])] = counts.get((e[0], e[3]), 0) + 1
print(f"load: {len(events)} requests in {stop_load_at - run_started:.0f} s, {len(issued)} tokens; "
      + ", ".join(f"{node} {status}: {count}" for (node, status), count in sorted(counts.items(), key=str)))
for failure in failures:
    print("FAILED: " + failure, flush=True)
sys.exit(1 if failures else 0)
