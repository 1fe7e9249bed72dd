#!/usr/bin/env python3
"""Deterministic analytics events as JSON Lines, like the 2024 history.

usage: events.py ROWS [SEED] > events.jsonl

About 3% of the records repeat an earlier (session_id, event_type, ts);
about a third use created_at instead of occurred_at; ids include values
above 2^53.
"""
import json
import random
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 2024)
apps = ["kintell", "mentor", "coach", "tutor", "review"]
types = ["page_view", "session_start", "session_end", "tool_use",
         "message_sent", "risk_flag", "feedback"]
tools = ["search", "summarize", "translate", "draft", None]
risks = ["low", "medium", "high", None]
out = sys.stdout
recent = []
base = 1704067200  # 2024-01-01T00:00:00Z
span = 366 * 86400 - 600  # jitter below stays inside 2024
for i in range(rows):
    if recent and rng.random() < 0.03:
        out.write(rng.choice(recent))
        continue
    t = base + (i * span) // max(rows, 1) + rng.randrange(0, 600)
    h, m, s = t // 3600 % 24, t // 60 % 60, t % 60
    days = t // 86400 - 19723  # days since 2024-01-01
    # civil date from days in 2024 (leap year)
    mdays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    mo, d = 0, days
    while mo < 11 and d >= mdays[mo]:
        d -= mdays[mo]
        mo += 1
    ts = "2024-%02d-%02dT%02d:%02d:%02d.%03dZ" % (mo + 1, d + 1, h, m, s,
                                                 rng.randrange(1000))
    app = rng.choice(apps)
    rec = {
        "id": 9007199254740993 + i if i % 97 == 0 else i + 1,
        "event_type": rng.choice(types),
        "occurred_at" if i % 3 else "created_at": ts,
        "session_id": "s-%06d" % rng.randrange(rows // 8 + 1),
        "user_id": "u-%05d" % rng.randrange(rows // 20 + 1),
        "app": app,
        "modelId": "session-%s-%d" % (app, rng.randrange(1000)),
        "properties": {"tool": rng.choice(tools), "risk": rng.choice(risks),
                       "duration_ms": rng.randrange(1, 100000),
                       "path": "/c/%d" % rng.randrange(500)},
    }
    line = json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n"
    recent.append(line)
    if len(recent) > 64:
        recent.pop(0)
    out.write(line)
