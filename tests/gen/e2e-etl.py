#!/usr/bin/env python3
"""Workflow 4 data: two snapshots of a user dimension and daily facts.

usage: e2e-etl.py DIR

Writes into DIR:
  users-1.jsonl, users-2.jsonl  snapshots: 200 users, then 20 of them
                 with a new plan, 10 new users, the rest unchanged
  facts-DAY.jsonl  for DAY 2024-03-01..2024-03-05: 100-300 session rows
  facts-2024-03-03.v2.jsonl  a corrected day 3 (fewer rows, new minutes)
"""
import json
import random
import sys

d = sys.argv[1]
rng = random.Random(44)
plans = ["free", "pro", "team"]
u1 = [{"user_id": "u-%04d" % i, "email": "u%d@example.com" % i,
       "plan": rng.choice(plans)} for i in range(200)]
u2 = [dict(u) for u in u1]
for u in u2[5:200:10]:
    u["plan"] = plans[(plans.index(u["plan"]) + 1) % 3]
u2 += [{"user_id": "u-%04d" % i, "email": "u%d@example.com" % i,
        "plan": "free"} for i in range(200, 210)]
for name, us in (("users-1", u1), ("users-2", u2)):
    with open("%s/%s.jsonl" % (d, name), "w") as f:
        f.write("".join(json.dumps(u) + "\n" for u in us))


def facts(day, n, salt):
    r = random.Random(day + salt)
    return [{"day": day, "session_id": "S-%s-%04d" % (day, i),
             "minutes": r.randrange(5, 120)} for i in range(n)]


for k in range(1, 6):
    day = "2024-03-%02d" % k
    with open("%s/facts-%s.jsonl" % (d, day), "w") as f:
        f.write("".join(json.dumps(x) + "\n"
                        for x in facts(day, rng.randrange(100, 300), "")))
with open("%s/facts-2024-03-03.v2.jsonl" % d, "w") as f:
    f.write("".join(json.dumps(x) + "\n" for x in facts("2024-03-03", 80, "v2")))
