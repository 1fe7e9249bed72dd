#!/usr/bin/env python3
"""JSON-Schema-Test-Suite cases for tests/conformance/json-schema-test-suite.bats.

files SUITE_DIR: print the in-scope files (the 33 keyword and 9 format
files below); exit 1 if one is missing.

gen SUITE_DIR SKIPS OUT: for every group of every in-scope file under
SUITE_DIR (draft2020-12 and optional/format), not listed in SKIPS, write
OUT/<file>/<n>.schema.json, <n>.data.jsonl (each test's data on one line,
written by Python's json, never jq: 1.0 stays 1.0, big integers stay exact)
and <n>.expect (one line per test: true|false<TAB>description). Print
"<in-scope cases> <skipped groups> <skipped cases>". Fails if a line of
SKIPS names a group that does not exist.

check OUT FILE: compare OUT/FILE/<n>.out (stdout) and <n>.rej (rejects) of
each group with its expectations; print one line per wrong case and exit 1
if there is any.
"""
import json
import os
import sys


# The suite files in jsonl-validate's subset; an upstream checkout holds
# more, which are not read.
KEYWORDS = """additionalProperties allOf anyOf boolean_schema const default
defs dependentRequired enum exclusiveMaximum exclusiveMinimum if-then-else
items maxItems maxLength maxProperties maximum minItems minLength
minProperties minimum multipleOf not oneOf pattern patternProperties
prefixItems properties propertyNames ref required type uniqueItems""".split()
FORMATS = "date-time date duration email ipv4 ipv6 time uri uuid".split()
FILES = ([k + ".json" for k in KEYWORDS] +
         ["optional/format/%s.json" % f for f in FORMATS])


def files(suite):
    """Print each in-scope file present; exit 1 naming any that is not."""
    missing = [f for f in FILES if not os.path.isfile(os.path.join(suite, f))]
    for f in FILES:
        if f not in missing:
            print(f)
    for f in missing:
        print("missing: %s" % f, file=sys.stderr)
    sys.exit(1 if missing else 0)


def groups(suite):
    for rel in FILES:
        with open(os.path.join(suite, rel), encoding="utf-8") as f:
            yield rel, json.load(f)


def gen(suite, skips_path, out):
    skips = set()
    with open(skips_path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            file, desc, _reason = line.split("\t", 2)
            skips.add((file, desc))
    seen = set()
    cases = skipped_groups = skipped_cases = 0
    for rel, gs in groups(suite):
        d = os.path.join(out, rel.replace("/", "_"))
        os.makedirs(d, exist_ok=True)
        for gi, g in enumerate(gs):
            if (rel, g["description"]) in skips:
                seen.add((rel, g["description"]))
                skipped_groups += 1
                skipped_cases += len(g["tests"])
                continue
            base = os.path.join(d, "%03d" % gi)
            with open(base + ".schema.json", "w", encoding="utf-8") as f:
                json.dump(g["schema"], f, ensure_ascii=False)
            with open(base + ".data.jsonl", "w", encoding="utf-8") as f:
                for t in g["tests"]:
                    f.write(json.dumps(t["data"], ensure_ascii=False,
                                       separators=(",", ":")) + "\n")
            with open(base + ".expect", "w", encoding="utf-8") as f:
                for t in g["tests"]:
                    f.write("%s\t%s: %s\n" % (str(t["valid"]).lower(),
                                              g["description"],
                                              t["description"]))
            cases += len(g["tests"])
    missing = skips - seen
    for file, desc in sorted(missing):
        print("skip list names no such group: %s: %s" % (file, desc),
              file=sys.stderr)
    if missing:
        sys.exit(1)
    print(cases, skipped_groups, skipped_cases)


def check(out, file):
    d = os.path.join(out, file.replace("/", "_"))
    bad = total = 0
    if not os.path.isdir(d):
        os.makedirs(d)
    for name in sorted(os.listdir(d)):
        if not name.endswith(".expect"):
            continue
        base = os.path.join(d, name[:-len(".expect")])
        with open(base + ".expect", encoding="utf-8") as f:
            exp = [l.rstrip("\n").split("\t", 1) for l in f]
        with open(base + ".data.jsonl", "rb") as f:
            data = f.read().split(b"\n")[:-1]
        try:
            with open(base + ".out", "rb") as f:
                out_lines = f.read().split(b"\n")[:-1]
        except FileNotFoundError:
            out_lines = []
        rejected = set()
        try:
            with open(base + ".rej", encoding="utf-8") as f:
                for l in f:
                    rejected.add(json.loads(l)["_error_row"])
        except FileNotFoundError:
            pass
        want_out = [data[i] for i, (v, _) in enumerate(exp) if v == "true"]
        for i, (v, desc) in enumerate(exp):
            total += 1
            ok = (i + 1 not in rejected) if v == "true" else \
                (i + 1 in rejected)
            if not ok:
                bad += 1
                print("%s: %s: expected %s" % (file, desc,
                      "valid" if v == "true" else "invalid"))
        if len(out_lines) + len(rejected) != len(data):
            bad += 1
            print("%s: %s: %d lines in, %d passed, %d rejected" % (
                file, name, len(data), len(out_lines), len(rejected)))
        elif out_lines != want_out and bad == 0:
            bad += 1
            print("%s: %s: passing lines not byte-exact" % (file, name))
    print("%s: %d cases, %d wrong" % (file, total, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(*sys.argv[2:5])
    elif sys.argv[1] == "files":
        files(sys.argv[2])
    else:
        check(*sys.argv[2:4])
