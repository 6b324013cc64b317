#!/usr/bin/env python3
"""Turns one `scripts/bench.sh` run (wrk outputs, query timings, dataset info) into
latest.json (one object per scenario and connection count) and latest.md (a table)."""
import json, os, re, sys, datetime, glob

work, out, scale, rss_kb, conns = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4] or 0), sys.argv[5].split()

def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

def wrk(name, c):
    path = os.path.join(work, f"wrk-{name}-{c}.txt")
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)}
    p95 = re.search(r"^p95_us (\d+)$", text, re.M)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
    mbps = float(transfer.group(1)) * {"B": 1e-6, "KB": 1e-3, "MB": 1, "GB": 1e3}[transfer.group(2)] if transfer else 0
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", text)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if errors:
        sys.exit(f"{name} c={c}: {errors.group(1)} error responses\n{text}")
    # wrk gives up on a request after 2 s: such runs have no latency figures.
    out = {"req_s": round(rps, 1), "p50_ms": round(lat["50"], 2) if "50" in lat else None,
           "p95_ms": round(int(p95.group(1)) / 1000, 2) if p95 and "50" in lat else None,
           "p99_ms": round(lat["99"], 2) if "99" in lat else None, "mb_s": round(mbps, 1)}
    out["timeouts"] = int(timeouts.group(1)) if timeouts else 0
    return out

info = json.load(open(os.path.join(work, "info.json")))
queries = {q["scenario"]: q for f in sorted(glob.glob(os.path.join(work, "queries-*.json")))
           for q in json.load(open(f))}

def pgbench(name, c):
    """The page's PostgreSQL statements under pgbench: tx/s and latency percentiles from
    its per-transaction logs (third column: microseconds), or None without a script."""
    logs = glob.glob(os.path.join(work, f"pgb-{name}-{c}.*"))
    if not logs:
        return None
    lat = sorted(int(line.split()[2]) / 1000 for f in logs for line in open(f) if line.strip())
    text = open(os.path.join(work, f"pgbench-{name}-{c}.txt")).read()
    tps = float(re.search(r"^tps = ([\d.]+)", text, re.M).group(1))
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * (len(lat) - 1) + 0.5))], 2) if lat else None
    stmts = sum(1 for line in open(os.path.join(work, f"pgbench-{name}.sql")) if line.rstrip().endswith(";"))
    return {"req_s": round(tps, 1), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "statements": stmts}
pages = ["home", "artist", "album", "search", "playlist_10k", "feed_follows", "stats", "artist_dashboard", "admin_analytics"]
rows = []
for c in conns:
    c = int(c)
    for p in pages:
        r = wrk(p, c)
        for base in ("trivial", f"prerender_{p}"):
            b = wrk(base, c)
            rows.append({"scenario": p, "connections": c, **r, "baseline": base.split("_")[0],
                         "baseline_req_s": b["req_s"], "baseline_p50_ms": b["p50_ms"],
                         "ratio": round(b["req_s"] / r["req_s"], 2) if r["req_s"] else None})
        g = pgbench(p, c)
        if g:
            rows.append({"scenario": p, "connections": c, **r, "baseline": f"pgbench ({g['statements']} statements)",
                         "baseline_req_s": g["req_s"], "baseline_p50_ms": g["p50_ms"], "baseline_p99_ms": g["p99_ms"],
                         "ratio": round(r["p50_ms"] / g["p50_ms"], 2) if r["p50_ms"] and g["p50_ms"] else None})
        q = queries.get(p)
        if q and c == 1 and r["p50_ms"]:
            rows.append({"scenario": p, "connections": 1, **r, "baseline": "query", "baseline_p50_ms": q["p50_ms"],
                         "baseline_p99_ms": q["p99_ms"], "ratio": round(r["p50_ms"] / q["p50_ms"], 2) if q["p50_ms"] else None})
    for s in ("static", "audio_range"):
        r = wrk(s, c)
        b = wrk("trivial", c)
        rows.append({"scenario": s, "connections": c, **r, "baseline": "trivial", "baseline_req_s": b["req_s"],
                     "ratio": round(b["req_s"] / r["req_s"], 2) if r["req_s"] else None})
for c in conns:
    c = int(c)
    for s in ("api_album_list", "api_album_list_newest", "api_search3"):
        r = wrk(s, c)
        b = wrk("trivial", c)
        rows.append({"scenario": s, "connections": c, **r, "baseline": "trivial", "baseline_req_s": b["req_s"],
                     "ratio": round(b["req_s"] / r["req_s"], 2) if r["req_s"] else None})
for c in conns:
    c = int(c)
    r = wrk("report_play", c)
    b = wrk("trivial", c)
    rows.append({"scenario": "report_play", "connections": c, **r, "baseline": "trivial", "baseline_req_s": b["req_s"],
                 "ratio": round(b["req_s"] / r["req_s"], 2) if r["req_s"] else None})
if os.path.exists(os.path.join(work, "wrk-report_play_paced-1.txt")):
    r = wrk("report_play_paced", 1)
    rows.append({"scenario": "report_play_paced", "connections": 1, **r, "baseline": "a 4-ms wait before each report",
                 "ratio": None})
lag = json.load(open(os.path.join(work, "lag.json")))
for name in ("playlist_reorder",):
    q = queries.get(name)
    if q:
        rows.append({"scenario": name, "connections": 1, "req_s": None, "p50_ms": q["p50_ms"], "p99_ms": q["p99_ms"],
                     "baseline": "server time (service call)", "ratio": None})
rows.append({"scenario": "play_events_bulk_insert", "connections": 1, "req_s": info["events_insert_per_s"],
             "p50_ms": None, "p99_ms": None, "baseline": "events/s", "ratio": None})
rows.append({"scenario": "play_events_counters_written", "connections": 1, "req_s": info.get("counters_written_per_s"),
             "p50_ms": None, "p99_ms": None, "baseline": "events/s (bulk load: their counters written a day at a time)", "ratio": None})
rows.append({"scenario": "play_events_counted", "connections": 1, "req_s": info["events_counted_per_s"],
             "p50_ms": None, "p99_ms": None, "baseline": "events/s (the aggregator, on a sample of the events)", "ratio": None})
imp = json.load(open(os.path.join(work, "import.json")))
rows.append({"scenario": "history_import", "connections": 1,
             "req_s": round(imp["read"] / imp["seconds"], 1) if imp["seconds"] else None,
             "p50_ms": round(imp["seconds"] * 1000), "p99_ms": None,
             "baseline": f"records/s; {imp['read']:,} records (seed CSV columns) in p50_ms: {imp['imported']:,} plays stored, "
                         f"{imp['matched']:,} matched, {imp['created']:,} catalog entries created",
             "ratio": None})
lb = json.load(open(os.path.join(work, "listens.json")))
rows.append({"scenario": "submit_listens_1000", "connections": 1, "req_s": lb["req_s"], "p50_ms": lb["p50_ms"],
             "p95_ms": lb["p95_ms"], "p99_ms": lb["p99_ms"],
             "baseline": f"acknowledgement of 1,000 listens per request over {lb['rounds']} requests; "
                         f"queue stored {lb['drain_s']} s after the last ({lb['left']} left)",
             "ratio": None})
party = json.load(open(os.path.join(work, "party.json")))
rows.append({"scenario": "party_state_push", "connections": party["listeners"], "req_s": None,
             "p50_ms": party["state_p50_ms"], "p99_ms": party["state_p99_ms"],
             "baseline": f"ms from the host's command to each listener's WebSocket; max {party['state_max_ms']} ms; "
                         f"{party['state_deliveries']:,} deliveries, {party['state_missing']} missing",
             "ratio": None})
rows.append({"scenario": "party_chat_fanout", "connections": party["listeners"], "req_s": party["chat_per_s"],
             "p50_ms": party["chat_p50_ms"], "p99_ms": party["chat_p99_ms"],
             "baseline": f"chat messages/s; {party['chat_deliveries']:,} of {party['chat_deliveries_expected']:,} "
                         f"deliveries, {party['chat_lost']} lost",
             "ratio": None})
rows.append({"scenario": "counter_lag", "connections": 1, "req_s": None, "p50_ms": lag["lag_ms"], "p99_ms": None,
             "baseline": f"ms until the {lag['uncounted_at_start']} events still uncounted after the load were counted",
             "ratio": None})

when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
result = {"when": when, "scale": scale, "dataset": info, "server_rss_mb": round(rss_kb / 1024, 1), "scenarios": rows}
os.makedirs(out, exist_ok=True)
json.dump(result, open(os.path.join(out, "latest.json"), "w"), indent=1)

fmt = lambda v: "–" if v is None else (f"{v:g}" if isinstance(v, (int, float)) else str(v))
md = [f"# Benchmark results ({scale}, {when})", "",
      f"Dataset: {info['songs']:,} songs, {info['users']:,} listeners, {info.get('events_stored', info['events']):,} play events stored, "
      f"a {info['playlist_tracks']:,}-song playlist, a fan following {info['follows']:,} listeners. "
      f"Server RSS after the run: {result['server_rss_mb']} MB. wrk from this machine (2 cores shared with the server "
      f"and both databases).", "",
      "Ratio: baseline req/s ÷ scenario req/s for trivial/prerender/static (how far below the framework or a static "
      "file of the same size the page is); scenario p50 ÷ baseline p50 for query (what SSR adds over the page's own "
      "queries on both stores, run right before the page) and pgbench (the page over its own PostgreSQL statements, "
      "replayed by pgbench at the same connection count).", "",
      "A p50 of \"–\" with timeouts: wrk gave up on requests after 2 s.", "",
      "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | timeouts | baseline | baseline req/s | baseline p50 ms | ratio |",
      "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
for r in rows:
    md.append("| " + " | ".join(fmt(r.get(k)) for k in
              ("scenario", "connections", "req_s", "p50_ms", "p95_ms", "p99_ms", "timeouts", "baseline", "baseline_req_s", "baseline_p50_ms", "ratio")) + " |")
audio = [r for r in rows if r["scenario"] == "audio_range"]
if audio:
    md += ["", "Audio range requests (256 KB each): " + ", ".join(f"{r['mb_s']} MB/s at {r['connections']} conns" for r in audio) + "."]
open(os.path.join(out, "latest.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
