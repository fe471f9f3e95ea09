#!/usr/bin/env python3
"""load.py URL_A URL_B ASSERTIONS PID_A ISSUED_OUT: token requests against both nodes from 8 threads; node A is
killed with SIGKILL a third of the way through, and its clients fail over to B (as behind a load balancer). Writes
the jti of every token a client received to ISSUED_OUT. Fails when node B refused or failed anything, or served
nothing after A died."""
import base64, json, os, signal, sys, threading, urllib.error, urllib.parse, urllib.request

url_a, url_b, assertions_file, pid_a, issued_out = sys.argv[1:6]
assertions = [line.strip() for line in open(assertions_file) if line.strip()]
client_id = json.loads(base64.urlsafe_b64decode(assertions[0].split(".")[1] + "=="))["sub"]
lock = threading.Lock()
state = {"next": 0, "killed": False, "issued": [], "a_ok": 0, "a_failed": 0, "b_ok": 0, "b_ok_after_kill": 0,
         "b_failed": []}
kill_at = len(assertions) // 3


def take():
    with lock:
        index = state["next"]
        if index >= len(assertions):
            return None
        state["next"] += 1
        if index == kill_at and not state["killed"]:
            os.kill(int(pid_a), signal.SIGKILL)
            state["killed"] = True
        return index


def worker(node, url):
    while (index := take()) is not None:
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": client_id,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertions[index]}).encode()
        killed_before = state["killed"]
        try:
            with urllib.request.urlopen(urllib.request.Request(url + "/oauth2/token", data=form), timeout=10) as reply:
                token = json.load(reply)["access_token"]
            jti = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]
            with lock:
                state["issued"].append(jti)
                state[f"{node}_ok"] += 1
                if node == "b" and killed_before:
                    state["b_ok_after_kill"] += 1
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            with lock:
                if node == "a":
                    state["a_failed"] += 1
                    if state["killed"]:
                        node, url = "b", url_b  # fail over
                else:
                    state["b_failed"].append(str(error)[:200])


threads = [threading.Thread(target=worker, args=("a" if i % 2 == 0 else "b", url_a if i % 2 == 0 else url_b))
           for i in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with open(issued_out, "w") as out:
    out.write("\n".join(state["issued"]) + "\n")
print(f"load: node A {state['a_ok']} tokens before SIGKILL, {state['a_failed']} requests failed after; "
      f"node B {state['b_ok']} tokens ({state['b_ok_after_kill']} after A died), {len(state['b_failed'])} failures")
if state["b_failed"]:
    print("node B failures: " + "; ".join(state["b_failed"][:3]))
sys.exit(0 if not state["b_failed"] and state["b_ok_after_kill"] > 0 and state["killed"] else 1)
