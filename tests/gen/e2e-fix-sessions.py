#!/usr/bin/env python3
"""Workflow 3's human step: fix the rows of the CSV error file.

usage: e2e-fix-sessions.py ERRORS.csv FIXED.csv CANON.rows USER

Reads the error file (jsonl2csv of the rejects), repairs each planted
mistake the way an operator would (an email without @, an unknown level,
an impossible date, a duration <= 0, a rating out of range, an unknown
CEFR level, a user that does not exist -> USER), writes the repaired rows
with the same columns to FIXED.csv and each repaired row's canonical text
(as e2e-sessions.py documents) to CANON.rows.
"""
import csv
import hashlib
import re
import sys

src, dst, canon_out, user = sys.argv[1:5]
with open(src, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
fields = list(rows[0].keys()) if rows else []
canon = []
for r in rows:
    if "@" not in r["email"]:
        r["email"] = r["email"].replace("-at-", "@")
    if r["level"].lower() not in ("beginner", "intermediate", "advanced"):
        r["level"] = "beginner"
    if not re.fullmatch(r"2024-(0[1-9]|1[0-2])-[0-2][0-9]T[01][0-9]:[0-5][0-9]:00Z",
                        r["started_at"]):
        r["started_at"] = "2024-12-01T10:00:00Z"
    if not re.fullmatch(r"[1-9][0-9]*", r["duration_min"]):
        r["duration_min"] = "30"
    if not re.fullmatch(r"[1-5]", r["rating"]):
        r["rating"] = "5"
    if r["cefr"] not in ("A1", "A2", "B1", "B2", "C1", "C2"):
        r["cefr"] = "B1"
    if "23503" in r.get("_error_sqlstate", ""):
        r["user_id"] = user
    canon.append(",".join([r["session_id"], r["user_id"], r["email"],
                           r["level"], r["cefr"], r["started_at"],
                           str(int(r["duration_min"])), str(int(r["rating"])),
                           hashlib.md5(r["notes"].encode()).hexdigest()]))
with open(dst, "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
with open(canon_out, "w", encoding="utf-8") as f:
    f.write("".join(c + "\n" for c in canon))
