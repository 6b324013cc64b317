#!/usr/bin/env python3
"""Turns PostgreSQL's statement log of one `encore bench-queries --runs 1` (taken with
log_statement = all) into one pgbench script per page: the statements the page's own
queries sent to PostgreSQL, in order, with their parameters filled in. `bench-queries`
sends `select 'bench:<scenario>'` before each scenario, which splits the log.

Usage: bench_pgbench.py LOG OUT_DIR SCENARIO... -> OUT_DIR/pgbench-<scenario>.sql for every
listed scenario that sent at least one statement; prints the scenarios written."""
import os, re, sys

log, out_dir, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])

# A log entry starts with the default prefix ("2026-12-02 16:20:00.123 UTC [1234] ");
# continuation lines of a multi-line statement start with a tab.
START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \w+ \[\d+\] (\w+):  (.*)$")
entries = []  # (level, text)
for line in open(log, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    m = START.match(line)
    if m:
        entries.append([m.group(1), m.group(2)])
    elif line.startswith("\t") and entries:
        entries[-1][1] += "\n" + line[1:]

STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")
scripts, current, last = {}, None, None
for level, text in entries:
    if level == "DETAIL" and text.lower().startswith("parameters: ") and last is not None:
        values = {int(n): v for n, v in PARAM.findall(text)}
        sql, idx = last
        sql = re.sub(r"\$(\d+)\b", lambda m: values.get(int(m.group(1)), m.group(0)), sql)
        scripts[current][idx] = sql
        continue
    m = STATEMENT.match(text) if level == "LOG" else None
    if not m:
        continue
    sql = m.group(1).strip().rstrip(";")
    marker = re.fullmatch(r"select 'bench:([a-z0-9_]+)'", sql)
    if marker:
        current = marker.group(1)
        scripts.setdefault(current, [])
        last = None
        continue
    if current is None:
        continue
    scripts[current].append(sql)
    last = (sql, len(scripts[current]) - 1)

written = []
for name, stmts in scripts.items():
    if name not in wanted or not stmts:
        continue
    with open(os.path.join(out_dir, f"pgbench-{name}.sql"), "w") as f:
        for s in stmts:
            f.write(s + ";\n")
    written.append(name)
print(" ".join(written))
