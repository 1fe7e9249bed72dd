#!/usr/bin/env python3
"""Differential corpus for csv2jsonl: CSV files and what Python's csv
module reads from them.

usage: csv-corpus.py OUTDIR [--seed N] [--files N]

Writes OUTDIR/NNN.csv, OUTDIR/NNN.delim (the delimiter, one character)
and OUTDIR/NNN.json (a JSON array of objects, header keys in column
order, every value a string: what csv.reader reads from NNN.csv). The
files mix quoting styles, LF, CRLF and CR line ends, embedded
delimiters, quotes and newlines, empty fields, non-ASCII text and long
fields (file 000 has a field longer than the 256 KiB read buffer).
Deterministic: the same seed gives byte-identical files.
"""
import argparse
import csv
import io
import json
import os
import random

WORDS = ["alpha", "beta", "O'Brien", "naïve", "Zürich", "東京", "🙂 ok",
         "tab\there", "back\\slash", "x" * 40, "1,5", "a;b", "p|q", "007",
         "-1.50", "true", "null", " lead", "trail ", "quo\"te", "\"\"",
         "del\x7f", "bell\x07", "line\nbreak", "crlf\r\nbreak", "cr\rbreak"]
DELIMS = [",", ",", ",", "\t", ";", "|"]
ENDS = ["\r\n", "\n", "\r"]


def value(rng, long_ok):
    r = rng.random()
    if r < 0.15:
        return ""
    if r < 0.75:
        return rng.choice(WORDS)
    if r < 0.97 or not long_ok:
        n = rng.randint(1, 6)
        return " ".join(rng.choice(WORDS) for _ in range(n))
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(50, 400)))


def write_row(row, delim, quote_all, end):
    """RFC 4180 writing (Python's writer leaves a bare LF unquoted when
    the line end is CR, which no reader can read back)."""
    out = []
    for v in row:
        if quote_all or any(c in v for c in (delim, '"', "\r", "\n")) or (
                len(row) == 1 and v == ""):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return delim.join(out) + end


def make(rng, index):
    delim = rng.choice(DELIMS)
    end = rng.choice(ENDS)
    quote_all = rng.random() < 0.3
    ncols = rng.randint(1, 9)
    header = []
    while len(header) < ncols:
        name = rng.choice(["id", "name", "e-mail", "Straße", "ключ",
                           "with space", "with,comma", "q\"uote",
                           "multi\nline", "n"]) + str(len(header))
        header.append(name)
    nrows = rng.randint(0, 120) if index else 3000
    rows = []
    for i in range(nrows):
        row = [value(rng, index % 7 == 3) for _ in range(ncols)]
        if index == 0 and i == 1500:
            row[0] = "long " * 70000      # 350 KB: crosses buffer reads
        rows.append(row)
    text = "".join(write_row(r, delim, quote_all, end)
                   for r in [header] + rows)
    if rng.random() < 0.3 and text.endswith(end):
        text = text[: -len(end)]          # no final line end
    return delim, text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=4180)
    ap.add_argument("--files", type=int, default=40)
    a = ap.parse_args()
    csv.field_size_limit(1 << 30)
    rng = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    for i in range(a.files):
        delim, text = make(rng, i)
        base = os.path.join(a.outdir, "%03d" % i)
        data = text.encode("utf-8")
        with open(base + ".csv", "wb") as f:
            f.write(data)
        with open(base + ".delim", "w") as f:
            f.write(delim)
        # The expected records: what Python's csv module reads back.
        rd = csv.reader(io.StringIO(data.decode("utf-8"), newline=""),
                        delimiter=delim, strict=True)
        records = [r for r in rd if r]
        header, body = records[0], records[1:]
        if any(len(r) != len(header) for r in body):
            raise SystemExit("csv-corpus: %s.csv: ragged (a bug)" % base)
        objs = [dict(zip(header, r)) for r in body]
        with open(base + ".json", "w", encoding="utf-8") as f:
            json.dump(objs, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
