#!/usr/bin/env python3
"""jsonl-validate against a whole checkout of the JSON-Schema-Test-Suite
(draft 2020-12, every file, optional/ included), beyond the files
CONFORMANCE_DIR holds: not part of make check.

usage: full-suite.py SUITE JSONL_VALIDATE METASCHEMAS

SUITE is the checkout (tests/ and remotes/), its remotes served as
http://localhost:1234/ through --schema-dir; METASCHEMAS is the
directory tests/gen/metaschemas.py writes. format.json runs with
--no-format (format is an annotation there). Prints each wrong case, one
line per file with its count, and exits 1 if a case outside optional/
is wrong.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile


def run_group(tool, dirs, group, work, no_format):
    """Indexes (from 1) of the group's tests that came out wrong."""
    schema = os.path.join(work, "s.json")
    data = os.path.join(work, "d.jsonl")
    rej = os.path.join(work, "r.jsonl")
    with open(schema, "w") as f:
        json.dump(group["schema"], f)
    with open(data, "w") as f:
        for t in group["tests"]:
            f.write(json.dumps(t["data"]) + "\n")
    cmd = [tool, "-q", "-s", schema, "-r", rej]
    for d in dirs:
        cmd += ["--schema-dir", d]
    if no_format:
        cmd.append("--no-format")
    with open(data) as f:
        p = subprocess.run(cmd, stdin=f, capture_output=True, text=True,
                           timeout=60)
    if p.returncode != 0:
        return [(i + 1, p.stderr.strip()) for i in range(len(group["tests"]))]
    with open(rej) as f:
        rejected = {json.loads(line)["_error_row"] for line in f}
    return [(i + 1, "") for i, t in enumerate(group["tests"])
            if t["valid"] == ((i + 1) in rejected)]


def main(suite, tool, meta):
    dirs = ["http://localhost:1234/=" + os.path.join(suite, "remotes"), meta]
    base = os.path.join(suite, "tests", "draft2020-12")
    files = sorted(glob.glob(base + "/*.json") +
                   glob.glob(base + "/optional/**/*.json", recursive=True))
    required_wrong = total = 0
    with tempfile.TemporaryDirectory() as work:
        for path in files:
            name = os.path.relpath(path, base)
            with open(path) as f:
                groups = json.load(f)
            wrong = 0
            for g in groups:
                total += len(g["tests"])
                for i, why in run_group(tool, dirs, g, work,
                                        name == "format.json"):
                    print("%s: %s: %s%s" % (name, g["description"],
                                            g["tests"][i - 1]["description"],
                                            ": " + why if why else ""))
                    wrong += 1
            if wrong:
                print("%s: %d wrong" % (name, wrong))
            if not name.startswith("optional/"):
                required_wrong += wrong
    print("%d cases, %d wrong outside optional/" % (total, required_wrong))
    sys.exit(1 if required_wrong else 0)


if __name__ == "__main__":
    main(*sys.argv[1:4])
