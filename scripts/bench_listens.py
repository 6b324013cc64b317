#!/usr/bin/env python3
"""`make bench`: ListenBrainz `submit-listens` with 1,000 listens per request (issue #13).

Sends ROUNDS sequential `import` submissions of 1,000 distinct listens each (3 in 4 of
catalog songs named like the catalog names them, 1 in 4 of tracks the catalog lacks) and
prints the acknowledgement times as JSON. Standard library only.
usage: bench_listens.py BASE TOKEN ROUNDS USER APP_PASSWORD
(the app password reads some catalog songs through the Subsonic API)
"""
import json
import random
import sys
import time
import urllib.request

import urllib.parse

base, token, rounds, user, app_pw = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
q = urllib.parse.urlencode({"u": user, "p": app_pw, "v": "1.16.1", "c": "bench", "f": "json", "size": 500})
with urllib.request.urlopen(f"{base}/rest/getRandomSongs.view?{q}", timeout=120) as resp:
    songs = json.load(resp)["subsonic-response"]["randomSongs"].get("song", [])
known = [(s["artist"], s["title"]) for s in songs]
rng = random.Random(7)
start_ts = int(time.time()) - 30 * 86400 + rng.randrange(0, 86400)
times = []
n = 0
for r in range(rounds):
    listens = []
    for i in range(1000):
        n += 1
        if known and i % 4:
            artist, title = rng.choice(known)
        else:
            artist, title = f"Bench Band {rng.randrange(5000)}", f"Bench Track {rng.randrange(20000)}"
        listens.append({"listened_at": start_ts + n * 2,
                        "track_metadata": {"artist_name": artist, "track_name": title,
                                           "additional_info": {"duration_ms": 180000}}})
    body = json.dumps({"listen_type": "import", "payload": listens}).encode()
    req = urllib.request.Request(f"{base}/1/submit-listens", data=body, method="POST",
                                 headers={"Authorization": f"Token {token}",
                                          "Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as resp:
        resp.read()
        assert resp.status == 200, resp.status
    times.append((time.perf_counter() - t) * 1000)
    time.sleep(0.2)  # ListenBrainz clients pace themselves; stays under the rate limit


def pct(p):
    s = sorted(times)
    return round(s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))], 2)


print(json.dumps({"rounds": rounds, "listens_per_request": 1000, "p50_ms": pct(50),
                  "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": round(max(times), 2),
                  "req_s": round(len(times) / (sum(times) / 1000), 2)}))
