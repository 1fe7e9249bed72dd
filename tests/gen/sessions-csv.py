#!/usr/bin/env python3
"""Deterministic CSV export of mentoring sessions (RFC 4180, CRLF).

usage: sessions-csv.py ROWS [SEED] > sessions.csv

Quoted fields hold commas, doubled quotes and line breaks, as real
spreadsheet exports do.
"""
import csv
import random
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 4180)
levels = ["Beginner", "intermediate", "ADVANCED"]
cefr = ["A1", "A2", "B1", "B2", "C1", "C2"]
notes = ["", "ok", "Great session, very helpful", 'Said "wow", twice',
         "line one\r\nline two", "needs follow-up; rescheduled",
         "Überraschend gut — café", "short"]
w = csv.writer(sys.stdout, lineterminator="\r\n")
w.writerow(["session_id", "user_id", "email", "level", "cefr",
            "started_at", "duration_min", "rating", "notes"])
for i in range(rows):
    w.writerow([
        "S%07d" % i,
        "u-%05d" % rng.randrange(rows // 20 + 1),
        "user%d@example.com" % rng.randrange(100000),
        rng.choice(levels),
        rng.choice(cefr),
        "2024-%02d-%02dT%02d:%02d:00Z" % (rng.randrange(1, 13),
                                          rng.randrange(1, 29),
                                          rng.randrange(24),
                                          rng.randrange(60)),
        str(rng.randrange(5, 120)),
        str(rng.randrange(1, 6)),
        rng.choice(notes),
    ])
