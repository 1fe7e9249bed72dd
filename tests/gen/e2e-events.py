#!/usr/bin/env python3
"""Workflow 1 data: events.py's analytics history with planted mistakes,
and what a correct replay must end with.

usage: e2e-events.py ROWS DIR [SEED]

Writes into DIR:
  events.jsonl    events.py's records, plus: records without event_type
                  (missing, null, ""), records with neither occurred_at nor
                  created_at, and records with unknown top-level keys and
                  unknown properties (which must load, the keys ignored)
  expect.rows     canonical text of every record that must load (see CANON)
  expect.bad      the line numbers of the records validation must reject
  expect.hours    "hour<TAB>totalEvents<TAB>uniqueSessions" per hour, sorted
CANON: comma-joined id, event_type, session_id, user_id, app, the time
(occurred_at // created_at, UTC, RFC 3339 with milliseconds), tool, risk
(properties.tool / .risk, "" when null or missing).
"""
import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timezone

rows_n = int(sys.argv[1])
out = sys.argv[2]
seed = sys.argv[3] if len(sys.argv) > 3 else "2024"
here = os.path.dirname(os.path.abspath(__file__))
lines = subprocess.run([sys.executable, os.path.join(here, "events.py"),
                        str(rows_n), seed], check=True,
                       capture_output=True).stdout.decode().splitlines()
recs = [json.loads(l) for l in lines]
for j, i in enumerate(range(7, len(lines), 211)):
    r = dict(recs[i])
    k = j % 5
    if k == 0:
        del r["event_type"]
    elif k == 1:
        r["event_type"] = None
    elif k == 2:
        r["event_type"] = ""
    elif k == 3:
        r.pop("occurred_at", None)
        r.pop("created_at", None)
    else:
        r["legacy_flag"] = True
        r["properties"] = dict(r["properties"], experiment="b", score=0.5)
    lines[i] = json.dumps(r, separators=(",", ":"))
    recs[i] = r


def when(r):
    t = r.get("occurred_at") or r.get("created_at")
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc)


good, bad = [], []
hours = defaultdict(lambda: [0, set()])
for n, r in enumerate(recs, start=1):
    if not r.get("event_type") or not (r.get("occurred_at") or r.get("created_at")):
        bad.append(n)
        continue
    t = when(r)
    p = r.get("properties") or {}
    good.append(",".join([str(r["id"]), r["event_type"], r["session_id"],
                          r["user_id"], r["app"],
                          t.strftime("%Y-%m-%dT%H:%M:%S.") +
                          "%03dZ" % (t.microsecond // 1000),
                          p.get("tool") or "", p.get("risk") or ""]))
    h = hours[t.strftime("%Y-%m-%dT%H:00:00Z")]
    h[0] += 1
    h[1].add(r["session_id"])
with open(os.path.join(out, "events.jsonl"), "w") as f:
    f.write("".join(l + "\n" for l in lines))
with open(os.path.join(out, "expect.rows"), "w") as f:
    f.write("".join(g + "\n" for g in good))
with open(os.path.join(out, "expect.bad"), "w") as f:
    f.write("".join("%d\n" % n for n in bad))
with open(os.path.join(out, "expect.hours"), "w") as f:
    f.write("".join("%s\t%d\t%d\n" % (k, v[0], len(v[1]))
                    for k, v in sorted(hours.items())))
