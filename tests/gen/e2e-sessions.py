#!/usr/bin/env python3
"""Workflow 3 data: a CSV export of mentoring sessions with planted
mistakes, and what a correct backfill must end with.

usage: e2e-sessions.py ROWS DIR [SEED]

Writes into DIR:
  sessions.csv    sessions-csv.py's export (CRLF, quoted newlines) with
                  planted errors: a bad email, a level outside the enum
                  (Beginner/ADVANCED still pass: enums are case-insensitive),
                  a bad ISO 8601 date, a zero and a negative duration, a
                  rating of 9, a CEFR of D1, duplicated session ids, and
                  users that do not exist (FK rejects)
  users.txt       the user ids that exist (one per line)
  expect.rows     the rows the table must hold, one canonical text each,
                  sorted (see CANON below), and expect.md5 their md5
  expect.rejects  "ROW<TAB>KIND" per expected reject (KIND: schema,
                  dupe, fk), sorted by row
The canonical text of a row is the comma-joined session_id, user_id,
email, level, cefr, started_at (UTC, RFC 3339 to the second),
duration_min, rating, md5(notes) -- the same as the e2e suite's SQL.
"""
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

rows_n = int(sys.argv[1])
out = sys.argv[2]
seed = sys.argv[3] if len(sys.argv) > 3 else "4180"
here = os.path.dirname(os.path.abspath(__file__))
text = subprocess.run([sys.executable, os.path.join(here, "sessions-csv.py"),
                       str(rows_n), seed], check=True,
                      capture_output=True).stdout.decode("utf-8")
rows = list(csv.reader(io.StringIO(text, newline="")))
hdr, data = rows[0], rows[1:]
S, U, E, L, C, T, D, R, N = range(9)

# Planted mistakes, every 97th row from row 10 on, cycling the kinds.
kinds = ["email", "level", "date", "dur0", "durneg", "rating", "cefr"]
for j, i in enumerate(range(10, len(data), 97)):
    k = kinds[j % len(kinds)]
    r = data[i]
    if k == "email":
        r[E] = r[E].replace("@", "-at-")
    elif k == "level":
        r[L] = "expert"
    elif k == "date":
        r[T] = "2024-13-45T25:00:00Z"
    elif k == "dur0":
        r[D] = "0"
    elif k == "durneg":
        r[D] = "-5"
    elif k == "rating":
        r[R] = "9"
    elif k == "cefr":
        r[C] = "D1"
# Duplicated session ids: copies of earlier rows inserted later.
for i in range(len(data) - 50, 0, -211):
    data.insert(i + 30, list(data[i]))

# Users that exist: every id except those with n % 17 == 3.
users = ["u-%05d" % n for n in range(rows_n // 20 + 1) if n % 17 != 3]
uset = set(users)

email_re = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def valid(r):
    if not re.fullmatch(r"S[0-9]{7}", r[S]):
        return False
    if not email_re.match(r[E]):
        return False
    if r[L].lower() not in ("beginner", "intermediate", "advanced"):
        return False
    if r[C] not in ("A1", "A2", "B1", "B2", "C1", "C2"):
        return False
    try:
        datetime.strptime(r[T], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    if not re.fullmatch(r"[1-9][0-9]*", r[D]):
        return False
    if not re.fullmatch(r"[1-5]", r[R]):
        return False
    return True


def canon(r):
    t = datetime.strptime(r[T], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc)
    return ",".join([r[S], r[U], r[E], r[L], r[C],
                     t.strftime("%Y-%m-%dT%H:%M:%SZ"), str(int(r[D])),
                     str(int(r[R])),
                     hashlib.md5(r[N].encode("utf-8")).hexdigest()])


good, rej, seen = [], [], set()
for n, r in enumerate(data, start=2):          # header is row 1
    if not valid(r):
        rej.append((n, "schema"))
    elif r[S] in seen:
        rej.append((n, "dupe"))
    else:
        seen.add(r[S])
        if r[U] in uset:
            good.append(canon(r))
        else:
            rej.append((n, "fk"))
good.sort(key=lambda s: s.encode("utf-8"))

with open(os.path.join(out, "sessions.csv"), "w", newline="",
          encoding="utf-8") as f:
    csv.writer(f, lineterminator="\r\n").writerows([hdr] + data)
with open(os.path.join(out, "users.txt"), "w") as f:
    f.write("".join(u + "\n" for u in users))
with open(os.path.join(out, "expect.rows"), "w", encoding="utf-8") as f:
    f.write("".join(g + "\n" for g in good))
with open(os.path.join(out, "expect.md5"), "w") as f:
    f.write(hashlib.md5("|".join(good).encode("utf-8")).hexdigest() + "\n")
with open(os.path.join(out, "expect.rejects"), "w") as f:
    f.write("".join("%d\t%s\n" % x for x in rej))
