#!/usr/bin/env python3
"""Model-based differential test of pg-load against a SQL reference.

usage: pg-model.py run  WORKDIR [--seed S] [--cases N] [--jobs P]
       pg-model.py show SEED            (the case: DDL, rows, input, commands)
       pg-model.py fault WORKDIR --mode M [--seed S] [--records N]

Each seed makes one case: a random table (single or composite key; int,
bigint, text, numeric, jsonb, boolean, timestamptz and timestamp columns;
defaults, NOT NULL, a GENERATED ALWAYS identity, a CHECK; plain or
partitioned by range or list), rows already in it, a JSONL stream (keys
repeated within and across batches, missing keys, extra keys, nulls,
integers past 2^53, long decimals, times with and without offsets, bad
values) and one cell of the matrix: mode x -b {1,3,1000} x -j {1,2} x
(straight | --limit K then resumed | kill -9 then resumed), sometimes under
a non-UTC PGTZ, sometimes with --map.

pg-load loads the stream into the table; the REFERENCE applies the same
records one by one in SQL (DO blocks, a failing record is a reject) into a
copy, with the session in UTC:

  append         INSERT (carried columns); absent columns take defaults
  upsert         INSERT ... ON CONFLICT (K) DO UPDATE SET <carried, not K>
  skip-existing  INSERT ... ON CONFLICT (K) DO NOTHING
  replace        delete the partitions the loaded records hold, then append
  scd2           last valid record of each key decides (a null or missing
                 key is a reject); compared are the columns the records
                 carry; close and insert, update in place when valid-from
                 = --as-of, reject when the current version starts after
                 --as-of
  times          no offset means UTC (or --tz); into a timestamp column a
                 value with an offset is its UTC wall time
  numbers        exact, also through --map (or the record is a reject)

and compares: the tables as text (EXCEPT ALL both ways; the identity column
only non-null and distinct), the rejects file (each reference reject once,
nothing else; the record as it came), the exit status and the summary
(rows = imported + rejected + skipped + loaded before). `run` writes one
JSON line per case to WORKDIR/results.jsonl and prints the failures with a
command that reproduces each; it needs the PG* environment of tests/run.
`fault` runs one mode under kill -9 of pg-load and a server restart, with
and without -j 2, and a server crash with one of them, each followed by
re-runs under --ledger,
and also compares the table with a fault-free run of the same command.

Environment: MODEL_CASES and MODEL_SEED override --cases and --seed;
MODEL_WITHOUT and MODEL_SELF_TEST are described where they are read.
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODES = ["append", "upsert", "skip-existing", "replace", "scd2"]
LEDGER = "mdl_ledger"
REPRO = "MODEL_SEED={seed} MODEL_CASES=1 tests/run tests/pg-load-model.bats"
if os.environ.get("MODEL_WITHOUT"):
    REPRO = f"MODEL_WITHOUT={os.environ['MODEL_WITHOUT']} " + REPRO
ZONES = ["America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
# MODEL_WITHOUT=times,tz,map,identity,partitioned,partial leaves features
# out, to tell one failure from another: non-UTC PGTZ and offsets into
# timestamp columns, --tz, --map, records carrying the identity column,
# partitioned tables, records that carry only some columns.
WITHOUT = set(os.environ.get("MODEL_WITHOUT", "").split(","))
# MODEL_SELF_TEST=1 damages every result (a row out of the table, a line
# out of the rejects file) and judges it again: the run succeeds when the
# damage changes the verdict of every case it could damage.
SELF_TEST = os.environ.get("MODEL_SELF_TEST") == "1"


# ---------------------------------------------------------------- values

class Val:
    """A JSON value as it appears in a record: its kind and source text."""

    def __init__(self, kind, src, py=None, lossy=False):
        self.kind, self.src, self.py, self.lossy = kind, src, py, lossy


def num(s, lossy=False):
    return Val("num", s, s, lossy)


def string(rng, s):
    return Val("str", json.dumps(s, ensure_ascii=rng.random() < 0.5), s)


NULL = Val("null", "null")
TRUE, FALSE = Val("bool", "true", True), Val("bool", "false", False)
TIMES = ["2024-01-01T00:30:00Z", "2024-01-01 00:30:00", "2024-03-10 02:30:00",
         "2024-11-03 01:30:00", "2024-07-01T02:00:00+02:00",
         "2024-06-30T23:59:59.123456-07:00", "2024-01-01", "2024-02-29T12:00:00.5Z",
         "2023-12-31T23:00:00-05:00", "2024-05-05 05:05:05.000001"]
TEXTS = ["", "plain", "é", "雪", "a\"b", "tab\there", "line\nbreak", "back\\slash",
         "\\N", "it's", "  padded  ", "x" * 40]
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?"
                     r"(?P<off>Z|[+-]\d\d(:?\d\d)?)?)?$")


def good_value(rng, typ, plain=False, offsets=True):
    """A value the server accepts for a column of type typ.
    plain: only values every path keeps exactly (the rows already there);
    offsets: times with an offset into timestamp columns too."""
    r = rng.random()
    if typ == "int":
        if r < 0.1 and not plain:
            return string(rng, str(rng.randint(0, 99)))
        if r < 0.13 and not plain:
            return num("2147483647")
        return num(str(rng.randint(-3, 200)))
    if typ == "bigint":
        if plain:
            return num(str(rng.randint(-5, 10 ** 6)))
        return rng.choice([num("9007199254740993", True), num("9007199254740992"),
                           num("-9223372036854775808", True),
                           num("9223372036854775807", True),
                           num(str(rng.randint(0, 1000))),
                           string(rng, "9007199254740995")])
    if typ == "numeric":
        if plain:
            return num(rng.choice(["0.5", "-3", "42", "2.25"]))
        return rng.choice([num("123456789012345678901234567890.123456789012345678901", True),
                           num("0.1"), num("-3"), num("1e-30"), num("2.50"),
                           num("9007199254740993", True), string(rng, "NaN"),
                           num("0.30000000000000000001", True)])
    if typ == "text":
        if r < 0.15 and not plain:
            return rng.choice([num("1.0"), num("12345678901234567890"), TRUE])
        return string(rng, rng.choice(TEXTS))
    if typ == "jsonb":
        if r < 0.2 and not plain:
            return num("9007199254740993", True)
        if r < 0.35:
            return string(rng, rng.choice(TEXTS))
        return Val("json", rng.choice(['{"a":[1,2.50,"x\\ty"],"b":null}', '[]',
                                       '[9007199254740993,"s",{"k":true}]',
                                       '{"z": {"y": [0.1, 1e2]}}']))
    if typ == "boolean":
        if r < 0.2 and not plain:
            return string(rng, rng.choice(["t", "yes", "off"]))
        return rng.choice([TRUE, FALSE])
    if typ == "timestamp" and not offsets:
        return string(rng, rng.choice([t for t in TIMES if "+" not in t and
                                       not t.endswith(("-07:00", "-05:00"))]))
    if typ in ("timestamptz", "timestamp"):
        return string(rng, rng.choice(TIMES[:2] + TIMES[4:6] if plain else TIMES))
    raise ValueError(typ)


def map_value(rng, typ, lossy):
    """A value for --map's source key: one libjq passes through unchanged,
    or (lossy) one it can only round, where a reject is allowed too."""
    if lossy and rng.random() < 0.4:
        return {"bigint": lambda: num(rng.choice(["9007199254740993",
                                                   "9223372036854775807"]), True),
                "numeric": lambda: num(rng.choice(
                    ["123456789012345678901234567890.123456789012345678901",
                     "9007199254740993", "0.30000000000000000001"]), True),
                "jsonb": lambda: Val("json", "[9007199254740993]", lossy=True),
                "text": lambda: num("12345678901234567890", True)}[typ]()
    if typ in ("bigint", "numeric") and rng.random() < 0.7:
        return num(str(rng.randint(-100, 10 ** 6)))
    if typ == "numeric":
        return num(rng.choice(["0.5", "2.25", "-7.125"]))
    if typ == "jsonb" and rng.random() < 0.5:
        return Val("json", rng.choice(['[]', '{"k":[1,"x"]}', '{"z":{"y":[0.5,100]}}']))
    return string(rng, rng.choice(TEXTS))


def bad_value(rng, typ):
    """A value the server refuses for typ (None: every value is accepted)."""
    if typ in ("int", "bigint"):
        return rng.choice([string(rng, "oops"), num("1.5"),
                           num("99999999999999999999")])
    if typ == "numeric":
        return string(rng, "oops")
    if typ == "boolean":
        return rng.choice([string(rng, "maybe"), num("2")])
    if typ in ("timestamptz", "timestamp"):
        return string(rng, rng.choice(["oops", "2024-13-01T00:00:00Z"]))
    return None


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def sql_value(typ, v, tz):
    """The reference's SQL for value v into a column of type typ: the
    JSON scalar's source text (strings decoded), read by the server as the
    column's type, with the toolkit's time rule made explicit."""
    if v.kind == "null":
        return "NULL"
    if typ == "jsonb":
        return lit(v.src) + "::jsonb"
    if v.kind == "bool":
        return lit("true" if v.py else "false")
    if v.kind in ("num", "json"):
        return lit(v.src)
    m = TIME_RE.match(v.py) if typ in ("timestamptz", "timestamp") else None
    zone = lit(tz or "UTC")
    if m and m.group(1):
        if typ == "timestamptz" and not m.group("off"):
            return f"(CAST({lit(v.py)} AS timestamp) AT TIME ZONE {zone})"
        if typ == "timestamp" and m.group("off"):
            return f"(CAST({lit(v.py)} AS timestamptz) AT TIME ZONE {zone})"
    if m and not m.group(1) and typ == "timestamptz":	# a bare date: midnight UTC
        return f"(CAST({lit(v.py)} AS timestamp) AT TIME ZONE {zone})"
    return lit(v.py)


# ---------------------------------------------------------------- cases

class Col:
    def __init__(self, name, typ, default=None, notnull=False, identity=False):
        self.name, self.typ, self.default = name, typ, default
        self.notnull, self.identity = notnull, identity

    def ddl(self):
        s = f"{self.name} {self.typ}"
        if self.identity:
            return s + " GENERATED ALWAYS AS IDENTITY"
        if self.default is not None:
            s += " DEFAULT " + self.default
        return s + (" NOT NULL" if self.notnull else "")


DEFAULTS = {"int": "7", "bigint": "9007199254740993", "text": "'dflt'",
            "numeric": "0.125", "jsonb": "'{\"d\":1}'", "boolean": "true",
            "timestamptz": "'2020-01-01 00:00:00+00'",
            "timestamp": "'2020-01-01 00:00:00'"}
TYPES = ["int", "bigint", "text", "numeric", "jsonb", "boolean", "timestamptz",
         "timestamp"]


class Case:
    """One seed's table, existing rows, record stream and pg-load command."""

    def __init__(self, seed, mode=None, n_records=None, cell=True, without=()):
        rng = self.rng = random.Random(seed)
        self.seed = seed
        self.without = WITHOUT | set(without)
        self.mode = mode or rng.choice(MODES)
        self.t, self.r, self.s = f"mdl_{seed}_t", f"mdl_{seed}_r", f"mdl_{seed}_s"
        self.tz = None
        self.pgtz = None
        self.batch, self.jobs, self.resume, self.limit = 1000, 1, "straight", 0
        self.kill_after = 0.0
        if cell:
            self.batch = rng.choice([1, 3, 1000])
            self.jobs = rng.choice([1, 2])
            self.resume = rng.choice(["straight", "straight", "limit", "kill"])
            self.pgtz = rng.choice(ZONES) if rng.random() < 0.4 else None
            self.tz = rng.choice(ZONES) if rng.random() < 0.04 else None
            self.pgtz = None if "times" in self.without else self.pgtz
            self.tz = None if "tz" in self.without else self.tz
        self.make_table()
        self.make_records(n_records or rng.randint(4, 30), cell)
        self.limit = rng.randint(1, max(1, len(self.records) - 1))
        self.kill_after = rng.uniform(0.0, 0.08)
        self.make_pre_rows()

    # -- the table

    def make_table(self):
        rng, mode = self.rng, self.mode
        self.cols, self.key, self.check = [], [], None
        self.part, self.part_expr, self.vf = None, None, None
        self.unique = None		# "pk" or "unique" on the key
        self.keytypes = {}
        keyed = mode in ("upsert", "skip-existing", "scd2")
        if keyed:
            for i in range(rng.choice([1, 1, 2])):
                typ = rng.choice(["int", "bigint", "text"])
                self.cols.append(Col(f"k{i}", typ, notnull=False))
                self.key.append(f"k{i}")
                self.keytypes[f"k{i}"] = typ
        if mode != "scd2" and rng.random() < 0.35 and "partitioned" not in self.without:
            if rng.random() < 0.5:
                self.part = ("range", "p", [(0, 10), (10, 20), (20, 30)],
                             rng.random() < 0.3)
                self.cols.append(Col("p", "int"))
            else:
                self.part = ("list", "region", ["eu", "us", "apac"],
                             rng.random() < 0.3)
                self.cols.append(Col("region", "text"))
        elif mode == "replace":
            self.cols.append(Col("p", "int", notnull=rng.random() < 0.3))
        if keyed and mode != "scd2":
            self.unique = "pk" if rng.random() < 0.75 else "unique"
            if self.part:
                self.key.append(self.part[1])
        if mode == "replace":
            pc = self.part[1] if self.part else "p"
            self.part_expr = rng.choice(
                [pc, f"({pc})"] + (["(p / 10)"] if pc == "p" else ["upper(region)"]))
        if mode == "scd2":
            vt = rng.choice(["timestamptz", "timestamptz", "timestamp"])
            self.vf = ("vf", "vt", vt)
            self.cols += [Col("vf", vt), Col("vt", vt)]
            self.unique = "pk" if rng.random() < 0.5 else None
            self.as_of = rng.choice(["2024-06-01T00:00:00Z", "2024-06-01 00:00:00",
                                     "2024-06-01T02:00:00+02:00"])
            if "times" in self.without and vt == "timestamp":
                self.as_of = "2024-06-01 00:00:00"
        if rng.random() < 0.25:
            self.cols.append(Col("rid", "bigint", identity=True))
        for i in range(rng.randint(2, 6)):
            typ = rng.choice(TYPES)
            c = Col(f"c{i}_{typ}", typ)
            if rng.random() < 0.3:
                c.default = DEFAULTS[typ]
            if rng.random() < 0.15:
                c.notnull = True
            self.cols.append(c)
        ints = [c for c in self.cols if c.typ == "int" and c.name.startswith("c")]
        if ints and rng.random() < 0.3:
            self.check = f"CHECK ({ints[0].name} < 100000)"
        for k in self.key:		# a primary key makes them NOT NULL
            self.col(k).notnull = self.unique == "pk"

    def col(self, name):
        return next(c for c in self.cols if c.name == name)

    def data_cols(self):
        """Columns a record fills: not the identity, not scd2's bounds."""
        return [c for c in self.cols if not c.identity and
                not (self.vf and c.name in self.vf[:2])]

    def ddl(self, name):
        parts = [c.ddl() for c in self.cols]
        if self.check:
            parts.append(self.check)
        if self.unique == "pk":
            cols = self.key + (["vf"] if self.mode == "scd2" else [])
            parts.append(f"PRIMARY KEY ({', '.join(cols)})")
        elif self.unique == "unique":
            parts.append(f"UNIQUE ({', '.join(self.key)})")
        s = f"CREATE TABLE {name} ({', '.join(parts)})"
        if not self.part:
            return s + ";\n"
        kind, pc, bounds, dflt = self.part
        s += f" PARTITION BY {kind.upper()} ({pc});\n"
        for i, b in enumerate(bounds):
            if kind == "range":
                s += f"CREATE TABLE {name}_{i} PARTITION OF {name} FOR VALUES FROM ({b[0]}) TO ({b[1]});\n"
            else:
                s += f"CREATE TABLE {name}_{i} PARTITION OF {name} FOR VALUES IN ('{b}');\n"
        if dflt:
            s += f"CREATE TABLE {name}_d PARTITION OF {name} DEFAULT;\n"
        return s

    # -- the records

    def key_value(self, k):
        rng, typ = self.rng, self.keytypes.get(k)
        if k == "p":
            return num(str(rng.choice(self.pvals)))
        if k == "region":
            return string(rng, rng.choice(self.pvals))
        i = rng.randint(1, self.pool)
        if typ == "text":
            return string(rng, f"key-{i}")
        if typ == "bigint" and i <= 2:
            return num(str(9007199254740991 + i), True)	# ...992, ...993
        return num(str(i))

    def make_records(self, n, cell):
        rng, mode = self.rng, self.mode
        self.pool = max(2, n // 3)
        if self.part and self.part[0] == "list":
            self.pvals = self.part[2] + (["other"] if self.part[3] else [])
        elif mode == "replace" and not self.part:
            self.pvals = [0, 5, 10, 15, 20, 25]
        else:
            self.pvals = [0, 5, 9, 10, 15, 22, 29] + ([31] if self.part and self.part[3] else [])
        self.bad_rate = rng.choice([0, 0.03, 0.08])
        if not cell:		# the fault matrix: always some rejects
            self.bad_rate = max(self.bad_rate, 0.03)
        self.carry = 1.0 if "partial" in self.without else rng.uniform(0.5, 1.0)
        data = [c for c in self.data_cols() if c.name not in self.key]
        # scd2: every record carries the same columns (they are compared).
        self.scd2_carried = [c.name for c in data if rng.random() < 0.8]
        self.map = None
        maps = [c for c in data if c.typ in ("bigint", "numeric", "jsonb", "text")
                and c.name.startswith("c")]
        if maps and rng.random() < (0.25 if mode == "append" else 0.08) and \
                "map" not in self.without:
            expr = rng.choice(["(.x_src)", ".x_src | .", ".x_src"])
            self.map = (rng.choice(maps).name, expr)
            if mode == "scd2" and self.map[0] not in self.scd2_carried:
                self.scd2_carried.append(self.map[0])
        self.carry_identity = any(c.identity for c in self.cols) and \
            rng.random() < 0.1 and "identity" not in self.without
        self.crlf = rng.random() < 0.1
        self.records = []		# (line number, JSON text, {col: Val}, note)
        line = 0
        for i in range(n):
            line += 1
            if rng.random() < 0.05:
                line += 1		# a blank line before this record
            members, note = [], None
            for k in self.key:
                r = rng.random()
                if r < 0.03:
                    note = "no key"
                    continue
                members.append((k, NULL if r < 0.06 else self.key_value(k)))
                if r < 0.06:
                    note = "null key"
            for c in data:
                if self.map and c.name == self.map[0]:
                    continue
                if mode == "scd2":
                    if c.name not in self.scd2_carried:
                        continue
                elif c.name in ("p", "region"):
                    if rng.random() < 0.03:
                        continue
                    members.append((c.name, self.key_value(c.name)))
                    continue
                elif rng.random() > (0.95 if c.notnull and c.default is None else self.carry):
                    continue
                r = rng.random()
                if r < 0.08:
                    members.append((c.name, NULL))
                elif r < 0.08 + self.bad_rate and bad_value(rng, c.typ):
                    members.append((c.name, bad_value(rng, c.typ)))
                else:
                    members.append((c.name, good_value(rng, c.typ,
                                                       offsets="times" not in self.without)))
            if self.map:
                typ = self.col(self.map[0]).typ
                members.append(("x_src", NULL if rng.random() < 0.1 else
                                map_value(rng, typ, mode == "append")))
            if rng.random() < 0.2:
                members.append(("zz_extra", rng.choice([num("1"), string(rng, "x"),
                                                        Val("json", "[1,{}]")])))
            if self.carry_identity and rng.random() < 0.3:
                members.append(("rid", num("5")))
            rng.shuffle(members)
            sep = rng.choice([(",", ":"), (", ", ": ")])
            text = "{" + sep[0].join(json.dumps(k) + sep[1] + v.src
                                     for k, v in members) + "}"
            self.records.append((line, text, dict(members), note))

    def carried(self, members):
        """The columns a record fills and their values (the reference's view)."""
        out = {}
        for c in self.data_cols():
            if self.map and c.name == self.map[0]:
                if "x_src" in members:
                    out[c.name] = members["x_src"]
                else:
                    out[c.name] = NULL
            elif c.name in members:
                out[c.name] = members[c.name]
        return out

    def input_text(self):
        end = "\r\n" if self.crlf else "\n"
        out, line = [], 0
        for n, text, _, _ in self.records:
            while line + 1 < n:
                out.append("")
                line += 1
            out.append(text)
            line += 1
        return end.join(out) + end

    # -- rows already in the table

    def make_pre_rows(self):
        """INSERT statements run on both tables before the load."""
        rng = self.rng
        self.pre = []
        self.pre_fill = 0.8
        self.pre_fill_uncarried = rng.random() < 0.3
        n = rng.randint(0, 6)
        used = set()
        data = self.data_cols()
        for i in range(n):
            vals = {}
            for c in data:
                if c.name in self.key or c.name in ("p", "region"):
                    vals[c.name] = self.key_value(c.name)
                elif c.notnull or rng.random() < self.pre_fill and (
                        self.mode != "scd2" or c.name in self.scd2_carried
                        or self.pre_fill_uncarried):
                    vals[c.name] = good_value(rng, c.typ, plain=True)
            k = tuple(vals[k].src for k in self.key)
            if self.key and k in used:
                continue
            used.add(k)
            if self.mode == "scd2":
                self.pre += self.scd2_history(vals)
            else:
                self.pre.append(vals)

    def scd2_history(self, vals):
        """Closed versions and a current one, starting before, at or (rarely)
        after --as-of."""
        rng = self.rng
        rows = []
        if rng.random() < 0.5:
            old = dict(vals, vf=string(rng, "2023-01-01T00:00:00Z"),
                       vt=string(rng, "2023-06-01T00:00:00Z"))
            rows.append(old)
        start = rng.choices(["2023-06-01T00:00:00Z", self.as_of, "2024-09-01T00:00:00Z"],
                            [0.75, 0.15, 0.1])[0]
        rows.append(dict(vals, vf=string(rng, start)))
        return rows

    def pre_sql(self, table):
        out = []
        for vals in self.pre:
            cols = [c for c in self.cols if c.name in vals]
            if not cols:
                out.append(f"INSERT INTO {table} DEFAULT VALUES;")
                continue
            out.append(f"INSERT INTO {table} ({', '.join(c.name for c in cols)}) VALUES ("
                       + ", ".join(sql_value(c.typ, vals[c.name], None) for c in cols)
                       + ");")
        return "\n".join(out) + "\n"

    # -- pg-load

    def argv(self, inp, rej, stats, limit=None):
        a = ["pg-load", "-q", "-t", self.t, "-b", str(self.batch), "-j", str(self.jobs),
             "--mode", self.mode, "--on-error", "reject", "-r", rej, "--stats", stats]
        if self.key:
            a += ["--key-columns", ",".join(self.key)]
        if self.mode == "replace":
            a += ["--partition", self.part_expr]
        if self.mode == "scd2":
            a += ["--valid-from", "vf", "--valid-to", "vt", "--as-of", self.as_of]
        if self.map:
            a += ["--map", f"{self.map[0]}={self.map[1]}"]
        if self.tz:
            a += ["--tz", self.tz]
        if self.ledgered():
            a += [f"--ledger={LEDGER}", "--run-id", f"mdl-{self.seed}"]
        if limit is not None:
            a += ["--limit", str(limit)]
        return a + [inp]

    def ledgered(self):
        return self.resume != "straight" or (self.mode == "replace" and self.jobs > 1)

    def cell(self):
        """The matrix cell and the traits of the case, in a line."""
        s = f"{self.mode} -b {self.batch} -j {self.jobs} {self.resume}"
        if self.resume == "limit":
            s += f" (--limit {self.limit})"
        if self.pgtz:
            s += f" PGTZ={self.pgtz}"
        if self.tz:
            s += f" --tz {self.tz}"
        if self.map:
            s += f" --map {self.map[0]}={self.map[1]}"
        if self.part:
            s += f", partitioned by {self.part[0]}"
        if self.unique == "unique":
            s += ", nullable unique key"
        if self.carry_identity:
            s += ", records carry the identity column"
        return s

    # -- the reference

    def setup_sql(self):
        """Drop and create the target, the reference and the staging copy,
        with the same rows in the first two."""
        s = f"DROP TABLE IF EXISTS {self.t}, {self.r}, {self.s} CASCADE;\n"
        s += self.ddl(self.t) + self.ddl(self.r)
        s += self.pre_sql(self.t) + self.pre_sql(self.r)
        if self.mode == "append":
            s += f"ALTER TABLE {self.r} ADD COLUMN _ord int;\n"
        if self.mode in ("replace", "scd2"):
            s += (f"CREATE TABLE {self.s} (LIKE {self.r} INCLUDING DEFAULTS "
                  f"INCLUDING CONSTRAINTS);\nALTER TABLE {self.s} ADD COLUMN _ord int;\n")
            for c in self.cols:
                if c.identity or c.name in ("vf", "vt"):
                    s += f"ALTER TABLE {self.s} ALTER COLUMN {c.name} DROP NOT NULL;\n"
        s += f"DELETE FROM mdl_rej WHERE seed = {self.seed};\n"
        return s

    def guarded(self, ordinal, body, decl=""):
        return (f"DO $mdl$ {decl}BEGIN {body} EXCEPTION WHEN OTHERS THEN "
                f"INSERT INTO mdl_rej VALUES ({self.seed}, {ordinal}, SQLSTATE); "
                f"END $mdl$;\n")

    def insert(self, table, vals, extra=""):
        cols = [c for c in self.data_cols() if c.name in vals]
        names = [c.name for c in cols] + ([extra[0]] if extra else [])
        exprs = [sql_value(c.typ, vals[c.name], self.tz) for c in cols] + (
            [extra[1]] if extra else [])
        if not names:
            return f"INSERT INTO {table} DEFAULT VALUES"
        return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(exprs)})"

    def reference_sql(self):
        out = []
        recs = [(i, self.carried(m), note) for i, (_, _, m, note) in enumerate(self.records)]
        if self.mode == "append":
            for i, vals, _ in recs:
                out.append(self.guarded(i, self.insert(self.r, vals, ("_ord", str(i))) + ";"))
        elif self.mode in ("upsert", "skip-existing"):
            for i, vals, _ in recs:
                sets = [f"{c} = EXCLUDED.{c}" for c in vals if c not in self.key]
                act = ("DO UPDATE SET " + ", ".join(sets)) if sets and self.mode == "upsert" \
                    else "DO NOTHING"
                out.append(self.guarded(i, self.insert(self.r, vals) +
                                        f" ON CONFLICT ({', '.join(self.key)}) {act};"))
        elif self.mode == "replace":
            for i, vals, _ in recs:
                out.append(self.guarded(i, self.insert(self.s, vals, ("_ord", str(i))) + ";"))
            e = self.part_expr
            out.append(f"DELETE FROM {self.r} WHERE coalesce('v' || ({e})::text, 'n') IN "
                       f"(SELECT coalesce('v' || ({e})::text, 'n') FROM {self.s});\n")
            for i, vals, _ in recs:
                out.append(f"DO $mdl$ BEGIN IF EXISTS (SELECT 1 FROM {self.s} WHERE _ord = {i}) "
                           f"THEN {self.insert(self.r, vals)}; END IF; EXCEPTION WHEN OTHERS THEN "
                           f"INSERT INTO mdl_rej VALUES ({self.seed}, {i}, SQLSTATE); END $mdl$;\n")
        else:
            out += self.scd2_reference(recs)
        return "".join(out)

    def scd2_reference(self, recs):
        out = []
        vft = self.vf[2]
        t = sql_value(vft, Val("str", "", self.as_of), self.tz)
        for i, vals, note in recs:
            if note:		# a null or missing key
                out.append(f"INSERT INTO mdl_rej VALUES ({self.seed}, {i}, 'key');\n")
            else:
                out.append(self.guarded(i, self.insert(self.s, vals, ("_ord", str(i))) + ";"))
        keyeq = " AND ".join(f"s2.{k} = s.{k}" for k in self.key)
        # Every record of a key whose current version begins after
        # --as-of is a reject (each would be, applied alone).
        later = (f"EXISTS (SELECT 1 FROM {self.r} c WHERE "
                 + " AND ".join(f"c.{k} = s.{k}" for k in self.key)
                 + f" AND c.vt IS NULL AND c.vf > {t})")
        out.append(f"INSERT INTO mdl_rej SELECT {self.seed}, _ord, 'as-of' FROM {self.s} s "
                   f"WHERE {later}; DELETE FROM {self.s} s WHERE {later};\n")
        out.append(f"DELETE FROM {self.s} s WHERE EXISTS (SELECT 1 FROM {self.s} s2 "
                   f"WHERE {keyeq} AND s2._ord > s._ord);\n")
        cmp = [c for c in self.scd2_carried if c not in self.key]
        cur = " AND ".join(f"{k} = n.{k}" for k in self.key) + " AND vt IS NULL"
        cols = self.key + cmp
        ins = (f"INSERT INTO {self.r} ({', '.join(cols + ['vf'])}) VALUES "
               f"({', '.join('n.' + c for c in cols)}, {t});")
        same = (f"ROW({', '.join('c.' + x for x in cmp)}) IS NOT DISTINCT FROM "
                f"ROW({', '.join('n.' + x for x in cmp)})") if cmp else "true"
        upd = (f"UPDATE {self.r} SET {', '.join(f'{x} = n.{x}' for x in cmp)} WHERE {cur};"
               if cmp else "NULL;")
        for i, _, note in recs:
            if note:
                continue
            body = (f"FOR n IN SELECT * FROM {self.s} WHERE _ord = {i} LOOP "
                    f"SELECT * INTO c FROM {self.r} WHERE {cur}; "
                    f"IF NOT FOUND THEN {ins} "
                    f"ELSIF c.vf > {t} THEN RAISE EXCEPTION 'current version after as-of'; "
                    f"ELSIF {same} THEN NULL; "
                    f"ELSIF c.vf = {t} THEN {upd} "
                    f"ELSE UPDATE {self.r} SET vt = {t} WHERE {cur}; {ins} END IF; END LOOP;")
            out.append(self.guarded(i, body, "DECLARE n record; c record; "))
        return out

    def sides(self, lossy_rejected, against):
        """The compared columns (as text, without the identity), and the
        rows to compare with: the reference's, less the --map records
        pg-load was allowed to reject, or another table's."""
        cols = ", ".join(f"{c.name}::text" for c in self.cols if not c.identity)
        other = f"SELECT {cols} FROM {against or self.r}"
        if against is None and self.mode == "append" and lossy_rejected:
            other += (" WHERE _ord IS NULL OR _ord <> ALL ('{"
                      + ",".join(map(str, lossy_rejected)) + "}')")
        return cols, other

    def compare_sql(self, lossy_rejected, against=None):
        """One row: seed, rows only in the target, rows only in the
        reference, identity column non-null and distinct."""
        cols, other = self.sides(lossy_rejected, against)
        ident = "true"
        for c in self.cols:
            if c.identity:
                ident = (f"(SELECT count(*) = count(DISTINCT {c.name}) AND "
                         f"count(*) = count({c.name}) FROM {self.t})")
        return (f"SELECT {self.seed}, (SELECT count(*) FROM (SELECT {cols} FROM {self.t} "
                f"EXCEPT ALL {other}) a), (SELECT count(*) FROM ({other} EXCEPT ALL "
                f"SELECT {cols} FROM {self.t}) b), {ident};\n")

    def diff_sql(self, lossy_rejected, against=None):
        """Up to 12 rows that differ, each labelled with its side."""
        cols, other = self.sides(lossy_rejected, against)
        return (f"SELECT 'pg-load', * FROM (SELECT {cols} FROM {self.t} EXCEPT ALL "
                f"{other}) a UNION ALL SELECT 'reference', * FROM ({other} EXCEPT ALL "
                f"SELECT {cols} FROM {self.t}) b ORDER BY 1 LIMIT 12;\n")


# ---------------------------------------------------------------- running

def psql(script, check=True):
    """Run script in one psql session (UTC); its unaligned output lines."""
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                       input="SET client_min_messages = warning; SET timezone = 'UTC';\n"
                       + script, capture_output=True, text=True,
                       env=dict(os.environ, PGTZ="UTC"))
    if check and p.returncode != 0:
        raise RuntimeError("psql failed: " + p.stderr[-2000:])
    return p.stdout.splitlines()


def forget_runs(seeds):
    """SQL that removes the cases' runs from the ledger (a cluster reused)."""
    ids = "'{" + ",".join(f"mdl-{s}" for s in seeds) + "}'"
    return (f"DO $$ BEGIN IF to_regclass('{LEDGER}_parts') IS NOT NULL THEN "
            f"DELETE FROM {LEDGER} WHERE run_id = ANY ({ids}); "
            f"DELETE FROM {LEDGER}_batches WHERE run_id = ANY ({ids}); "
            f"DELETE FROM {LEDGER}_parts WHERE run_id = ANY ({ids}); "
            f"DELETE FROM {LEDGER}_rejects WHERE run_id = ANY ({ids}); END IF; END $$;\n")


def prepare(cases):
    """Create the cases' tables and forget their runs in the ledger."""
    psql("CREATE TABLE IF NOT EXISTS mdl_rej (seed int, ord int, sqlstate text);\n"
         "BEGIN;\n" + forget_runs([c.seed for c in cases]) +
         "".join(c.setup_sql() for c in cases) + "COMMIT;\n")


def run_pgload(case, work):
    """Load the case (resuming it as its cell says); what happened."""
    d = os.path.join(work, str(case.seed))
    os.makedirs(d, exist_ok=True)
    inp, rej = os.path.join(d, "input.jsonl"), os.path.join(d, "rejects.jsonl")
    with open(inp, "w", newline="") as f:
        f.write(case.input_text())
    for f in (rej,):
        if os.path.exists(f):
            os.unlink(f)
    env = dict(os.environ)
    if case.pgtz:
        env["PGTZ"] = case.pgtz
    runs = []

    def one(limit=None, kill=None):
        stats = os.path.join(d, f"stats{len(runs)}.json")
        argv = case.argv(inp, rej, stats, limit)
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=env, text=True)
        if kill is not None:
            time.sleep(kill)
            p.send_signal(signal.SIGKILL)
        err = p.communicate()[1]
        st = None
        if os.path.exists(stats) and os.path.getsize(stats) > 0:
            with open(stats) as f:
                st = json.load(f)
        runs.append({"argv": argv, "rc": p.returncode, "stderr": err[-800:],
                     "stats": st, "killed": kill is not None})

    if case.resume == "limit":
        one(limit=case.limit)
    elif case.resume == "kill":
        one(kill=case.kill_after)
    one()
    return {"runs": runs, "rejects": rej, "input": inp}


def read_rejects(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                out.append(json.loads(line, parse_float=str, parse_int=str))
            except ValueError:
                out.append({"_unparsable": line})
    return out


def lines_of(xs):
    """A list of line numbers for a message, long ones cut short."""
    xs = list(xs)
    return str(xs) if len(xs) <= 10 else f"{xs[:10]} and {len(xs) - 10} more"


def judge(case, got, ref_rej, cmp_row):
    """The problems of one case (empty: pg-load agrees with the model)."""
    probs = []
    last = got["runs"][-1]
    for r in got["runs"]:
        if not r["killed"] and r["rc"] != 0:
            probs.append(f"exit {r['rc']}: {r['stderr'].strip()[:300]}")
        st = r["stats"]
        if st and not r["killed"] and r["rc"] == 0:
            acc = st.get("passed", 0) + st.get("rejected", 0) + st.get("skipped", 0) + \
                st.get("loaded_before", 0)
            if st.get("processed") != acc:
                probs.append(f"summary does not add up: processed {st.get('processed')} != "
                             f"passed {st.get('passed')} + rejected {st.get('rejected')} + "
                             f"skipped {st.get('skipped')} + loaded_before "
                             f"{st.get('loaded_before', 0)}")
    lines = {n: (i, text) for i, (n, text, _, _) in enumerate(case.records)}
    want = {case.records[i][0] for i in ref_rej}
    lossy = {case.records[i][0] for i, (_, _, m, _) in enumerate(case.records)
             if case.map and m.get("x_src", NULL).lossy}
    rejs = read_rejects(got["rejects"])
    seen = {}
    for r in rejs:
        row = r.get("_error_row")
        row = int(row) if isinstance(row, str) and row.isdigit() else row
        seen[row] = seen.get(row, 0) + 1
        if row in lines:
            orig = json.loads(lines[row][1], parse_float=str, parse_int=str)
            mine = {k: v for k, v in r.items() if not k.startswith("_error")}
            if mine != orig:
                probs.append(f"reject of line {row} is not the input record: {json.dumps(r)[:200]}")
    dup = sorted(k for k, n in seen.items() if n > 1)
    missing = sorted(want - set(seen))
    extra = sorted(set(seen) - want - lossy, key=str)
    if dup:
        probs.append(f"rejects file holds lines {lines_of(dup)} more than once")
    if missing:
        probs.append("records the reference rejects are not in the rejects file: lines "
                     + lines_of(missing))
    if extra:
        why = {str(r.get("_error_row")): str(r.get("_error_message"))[:100] for r in rejs}
        probs.append(f"rejects file holds records the reference loads: lines {lines_of(extra)} ("
                     + "; ".join(why.get(str(x), "") for x in extra[:3]) + ")")
    if last["rc"] == 0 and not last["killed"] and case.resume == "straight" and last["stats"]:
        if last["stats"].get("rejected") != len(rejs):
            probs.append(f"summary counts {last['stats'].get('rejected')} rejected, the rejects "
                         f"file holds {len(rejs)}")
    if cmp_row is not None:
        _, only_t, only_r, ident = cmp_row
        if only_t != "0" or only_r != "0":
            probs.append(f"table differs from the reference: {only_t} rows only in pg-load's, "
                         f"{only_r} only in the reference")
        if ident != "t":
            probs.append("identity column null or not distinct (a record's value stored?)")
    return probs


def lossy_rejected(case, got):
    """Records of a --map case pg-load rejected instead of rounding (allowed)."""
    if not case.map:
        return []
    rows = {str(r.get("_error_row")) for r in read_rejects(got["rejects"])}
    return [i for i, (n, _, m, _) in enumerate(case.records)
            if str(n) in rows and m.get("x_src", NULL).lossy]


def damage(cases, got):
    """MODEL_SELF_TEST: take one row out of each table pg-load loaded and
    one line out of each rejects file; the seeds of the cases damaged."""
    hit = set()
    for line in psql("".join(
            f"WITH d AS (DELETE FROM {c.t} WHERE ctid = (SELECT ctid FROM {c.t} LIMIT 1) "
            f"AND tableoid = (SELECT tableoid FROM {c.t} LIMIT 1) RETURNING 1) "
            f"SELECT {c.seed} FROM d LIMIT 1;\n" for c in cases)):
        hit.add(int(line))
    for c in cases:
        path = got[c.seed]["rejects"]
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                lines = f.readlines()
            with open(path, "w") as f:
                f.writelines(lines[1:])
            hit.add(c.seed)
    return hit


def run_cases(cases, work, jobs):
    """Prepare, load and reference, compare; one result dict per case."""
    prepare(cases)
    ref = "".join(c.reference_sql() for c in cases)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs + 1) as ex:	# + psql
        fref = ex.submit(psql, ref)
        got = dict(zip([c.seed for c in cases],
                       ex.map(lambda c: run_pgload(c, work), cases)))
        fref.result()
    rej = {}
    for line in psql("SELECT seed, ord FROM mdl_rej WHERE seed = ANY ('{"
                     + ",".join(str(c.seed) for c in cases) + "}');"):
        s, o = line.split("|")
        rej.setdefault(int(s), set()).add(int(o))
    lossy = {c.seed: lossy_rejected(c, got[c.seed]) for c in cases}

    def verdicts():
        cmp = {}
        for line in psql("".join(c.compare_sql(lossy[c.seed]) for c in cases)):
            row = line.split("|")
            cmp[int(row[0])] = row
        return {c.seed: judge(c, got[c.seed], rej.get(c.seed, set()), cmp.get(c.seed))
                for c in cases}

    before = verdicts()
    damaged = set()
    if SELF_TEST:		# each damage must change the verdict
        damaged = damage(cases, got)
        after = verdicts()
        damaged = {s for s in damaged if after[s] == before[s]}
        return [{"seed": c.seed, "missed": c.seed in damaged} for c in cases]
    differ = [c for c in cases if any("table differs" in p for p in before[c.seed])]
    diffs, seed = {}, None
    for line in psql("".join(f"\\echo @@ {c.seed}\n" + c.diff_sql(lossy[c.seed])
                             for c in differ)):
        if line.startswith("@@ "):
            seed = int(line[3:])
        else:
            diffs.setdefault(seed, []).append(line)
    results = []
    for c in cases:
        probs = before[c.seed]
        res = {"seed": c.seed, "mode": c.mode, "cell": c.cell(), "ok": not probs,
               "problems": probs, "repro": REPRO.format(seed=c.seed),
               "show": REPRO.split("MODEL_SEED")[0] + f"tests/gen/pg-model.py show {c.seed}"}
        if c.seed in diffs:
            res["diff"] = diffs[c.seed]
        results.append(res)
    return results


def cmd_run(a):
    n = int(os.environ.get("MODEL_CASES") or a.cases)
    first = int(os.environ.get("MODEL_SEED") or a.seed)
    os.makedirs(a.workdir, exist_ok=True)
    t0 = time.time()
    cases = [Case(s) for s in range(first, first + n)]
    results = []
    for i in range(0, len(cases), 100):	# bounded psql scripts
        results += run_cases(cases[i:i + 100], a.workdir, a.jobs)
    with open(os.path.join(a.workdir, "results.jsonl"), "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    if SELF_TEST:
        missed = [r["seed"] for r in results if r["missed"]]
        print(f"pg-model self-test: {len(results)} cases damaged where they could be; "
              f"missed: {missed}")
        return 1 if missed else 0
    bad = [r for r in results if not r["ok"]]
    for r in bad:
        print(f"FAIL seed {r['seed']}: {r['cell']}")
        for p in r["problems"]:
            print(f"    {p}")
        for d in r.get("diff", [])[:6]:
            print(f"    | {d[:200]}")
        print(f"    repro: {r['repro']}   (case: {r['show']})")
    print(f"pg-model: {len(results)} cases, {len(results) - len(bad)} agree, {len(bad)} "
          f"differ, {time.time() - t0:.1f} s")
    return 1 if bad else 0


def cmd_show(a):
    if a.fault:
        a.records = a.records or fault_records(a.fault)
        c = Case(a.seed, mode=a.fault, n_records=a.records, cell=False, without=FAULT_WITHOUT)
        c.batch, c.resume = fault_batch(a.fault), "kill"
    else:
        c = Case(a.seed)
    print(f"-- seed {c.seed}: {c.cell()}")
    print(c.ddl(c.t) + c.pre_sql(c.t), end="")
    print("-- input.jsonl")
    print(c.input_text(), end="")
    print("-- commands")
    env = f"PGTZ={c.pgtz} " if c.pgtz else ""
    argv = c.argv("input.jsonl", "rejects.jsonl", "stats.json")
    if c.resume == "limit":
        print(env + shlex.join(c.argv("input.jsonl", "rejects.jsonl", "stats.json", c.limit)))
    elif c.resume == "kill":
        print(f"{env}{shlex.join(argv)} & sleep {c.kill_after:.3f}; kill -9 $!")
    print(env + shlex.join(argv))
    print("-- reference (session TimeZone UTC)")
    print(c.reference_sql(), end="")
    return 0


# ---------------------------------------------------------------- faults

# The test cluster runs with synchronous_commit=off, where a crash may
# lose commits the client saw succeed; a loader's exactly-once rests on
# durable commits, so the fault runs ask for them.
DURABLE = dict(os.environ, PGOPTIONS="-c synchronous_commit=on")


def pg_sh(cmd):
    subprocess.run([os.path.join(ROOT, "tests/cluster/pg.sh"), cmd, os.environ["SLUICE_PGDIR"]],
                   check=True, stdout=subprocess.DEVNULL)


def fault_load(case, inp, rej, fault, delay, log):
    """Start pg-load, inflict the fault after delay seconds, then re-run
    (as a runbook would) until it exits 0: the exit statuses."""
    stats = rej + ".stats"
    argv = case.argv(inp, rej, stats)
    codes = []
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, env=DURABLE)
    count = f"SELECT count(*) FROM {LEDGER}_batches WHERE run_id = 'mdl-{case.seed}'"
    if fault == "kill":
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        committed = psql(count)
    else:			# psql takes a while: start it early
        t0 = time.time()
        psql("SELECT 1")
        time.sleep(max(0.0, delay - 2 * (time.time() - t0)))
        committed = psql(count)
    if fault == "restart":
        pg_sh("restart")
    elif fault == "crash":		# immediate shutdown, start again
        pg_sh("kill")
        time.sleep(0.2)
        pg_sh("start")
    codes.append(p.wait())
    for _ in range(5):		# re-run (at least once) until it succeeds
        codes.append(subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=log,
                                    env=DURABLE).returncode)
        if codes[-1] == 0:
            break
    st = None
    if os.path.exists(stats) and os.path.getsize(stats) > 0:
        with open(stats) as f:
            st = json.load(f)
    return codes, int(committed[0]), st


def load_clean(case, inp, work):
    """The same command without a fault, into a control table: seconds."""
    psql(f"DROP TABLE IF EXISTS {case.t} CASCADE;\n" + forget_runs([case.seed]) +
         case.ddl(case.t) + case.pre_sql(case.t))
    t0 = time.time()
    subprocess.run(case.argv(inp, os.path.join(work, f"{case.seed}.rejects"),
                             os.path.join(work, f"{case.seed}.stats")),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=DURABLE)
    return time.time() - t0


FAULT_WITHOUT = ("times", "tz", "map", "identity", "partitioned", "partial")


def fault_batch(mode):
    """-b of the fault matrix: small enough that a fault lands mid-load."""
    return 10 if mode == "append" else 20


def fault_records(mode):
    """Records of the fault matrix: append is fast, scd2 slow."""
    return {"append": 3000, "scd2": 200}.get(mode, 300)


def cmd_fault(a):
    """Every -j x fault for one mode, against one reference. The input
    leaves out what the model cases cover (FAULT_WITHOUT); a fault-free
    control run of the same command times the faults and tells what the
    faults changed from what pg-load does anyway."""
    os.makedirs(a.workdir, exist_ok=True)
    a.records = a.records or fault_records(a.mode)

    def case(jobs, k):
        c = Case(a.seed, mode=a.mode, n_records=a.records, cell=False, without=FAULT_WITHOUT)
        c.batch, c.resume, c.jobs = fault_batch(a.mode), "kill", jobs	# --ledger
        c.seed = a.seed * 100 + jobs * 10 + k
        c.t = f"mdl_f{c.seed}_t"
        return c

    base = Case(a.seed, mode=a.mode, n_records=a.records, cell=False, without=FAULT_WITHOUT)
    prepare([base])
    psql(base.reference_sql())
    ref_rej = {int(x) for x in psql(f"SELECT ord FROM mdl_rej WHERE seed = {base.seed}")}
    inp = os.path.join(a.workdir, f"{a.mode}.jsonl")
    with open(inp, "w", newline="") as f:
        f.write(base.input_text())
    rng = random.Random(a.seed)
    fails = 0
    control = case(1, 9)		# the table does not depend on -j
    took = load_clean(control, inp, a.workdir)
    crash_jobs = 1 + MODES.index(a.mode) % 2	# a crash on one -j per mode
    for jobs in (1, 2):
        for k, fault in enumerate(("kill", "restart", "crash")):
            if fault == "crash" and jobs != crash_jobs:
                continue
            c = case(jobs, k)
            c.r = base.r
            psql(f"DROP TABLE IF EXISTS {c.t} CASCADE;\n" + forget_runs([c.seed]) +
                 c.ddl(c.t) + c.pre_sql(c.t))
            rej = os.path.join(a.workdir, f"{c.seed}.rejects")
            if os.path.exists(rej):
                os.unlink(rej)
            delay = rng.uniform(0.2, 0.8) * took
            log_path = os.path.join(a.workdir, f"{c.seed}.log")
            with open(log_path, "w") as log:
                codes, committed, st = fault_load(c, inp, rej, fault, delay, log)
            with open(log_path) as log:
                err = log.read()[-600:]
            got = {"runs": [{"rc": codes[-1], "killed": False, "stderr": err, "stats": st}],
                   "rejects": rej}
            probs = judge(c, got, ref_rej, psql(c.compare_sql([]))[0].split("|"))
            row = psql(c.compare_sql([], against=control.t))[0].split("|")
            if row[1] != "0" or row[2] != "0":
                probs.append(f"differs from the fault-free run: {row[1]} rows only after "
                             f"the fault, {row[2]} only in the fault-free run (lost or doubled)")
            nb = -(-len(c.records) // c.batch)
            name = (f"{a.mode} -j {jobs}, {fault} after {delay:.2f} s of {took:.2f} "
                    f"({committed} of {nb} batches committed by then)")
            if probs:
                fails += 1
                print(f"FAIL {name}, exit statuses {codes}:")
                for p in probs:
                    print(f"    {p}")
                for d in psql(c.diff_sql([]), check=False)[:6]:
                    print(f"    | {d[:200]}")
                print(f"    repro: MODEL_FAULT_SEED={a.seed} tests/run "
                      f"tests/pg-load-model-fault.bats   (input: tests/gen/pg-model.py "
                      f"show {a.seed} --fault {a.mode})")
            else:
                print(f"ok {name}, exit statuses {codes}")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("workdir")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--cases", type=int, default=300)
    r.add_argument("--jobs", type=int, default=4, help="pg-loads at a time")
    s = sub.add_parser("show")
    s.add_argument("seed", type=int)
    s.add_argument("--fault", choices=MODES, help="the input of the fault matrix's MODE")
    s.add_argument("--records", type=int)
    f = sub.add_parser("fault")
    f.add_argument("workdir")
    f.add_argument("--mode", choices=MODES, required=True)
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--records", type=int)
    a = ap.parse_args()
    return {"run": cmd_run, "show": cmd_show, "fault": cmd_fault}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
