#!/usr/bin/env python3
"""Conservation property test: nothing is lost, nothing is made up.

usage: conservation.py SEED WORKDIR [N]
(CONSERVATION_SELF_TEST=1 hides one record: the check must fail.)

Writes N (default 2000) seeded random JSONL lines to WORKDIR/input.jsonl,
good ones mixed with bad ones (invalid JSON, invalid UTF-8, non-objects,
missing keys, bad times, duplicates, CRLF and blank lines), pipes them
through a random pipeline of the record filters found on PATH
(jsonl-validate, dedupe, prune; chunk optionally last), every stage with
its own --rejects, --dupes or --pruned side file and --stats, and checks:

- the multiset of stdout (or the chunk files) plus every side file, each
  side record mapped back to its original line (annotations stripped;
  _raw / _raw_base64 give the exact bytes), equals the multiset of the
  input records (blank lines excluded, line ends removed: the record contract of sluice(7));
- every stage's --stats adds up: processed = passed + rejected + diverted.

Prints the pipeline and exits 1 with the differences on failure.
"""
import base64
import collections
import json
import os
import random
import shutil
import subprocess
import sys

ANNOT = (b',"_error_row":', b',"_dupe_of_row":', b'"_error_row":',
         b'"_dupe_of_row":')


def gen(rng, n):
    """The input lines (bytes, with their line ends)."""
    keys = [f"k{i}" for i in range(n // 3)]
    out = []
    for i in range(n):
        r = rng.random()
        key = rng.choice(keys)
        year = rng.choice([1999, 2005, 2024])
        t = f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:00:00Z"
        rec = {"a": key, "t": t, "n": i, "s": rng.choice(["", "é", "雪", "a\"b", "\\n", "x y"])}
        if rng.random() < 0.3:
            rec["big"] = 12345678901234567890 + i
        line = json.dumps(rec, ensure_ascii=rng.random() < 0.5,
                          separators=rng.choice([(",", ":"), (", ", ": ")])).encode()
        if r < 0.04:
            line = line[: rng.randint(1, len(line) - 1)]          # truncated JSON
        elif r < 0.06:
            line = line.replace(b'"a"', b'"a\xc0\xaf"', 1)          # overlong UTF-8
        elif r < 0.08:
            line = line.replace(b'"t"', b'"t\xed\xa0\x80"', 1)      # surrogate
        elif r < 0.10:
            line = rng.choice([b"42", b"[1,2]", b'"str"', b"null", b"{}", b"tru"])
        elif r < 0.13:
            line = json.dumps({k: v for k, v in rec.items() if k != "a"}).encode()
        elif r < 0.16:
            rec["t"] = rng.choice(["yesterday", "2024-13-01", 17, None])
            line = json.dumps(rec).encode()
        elif r < 0.20 and out:
            line = rng.choice(out).rstrip(b"\r\n")                 # exact duplicate
            if not line.strip():
                line = b"{}"
        elif r < 0.22:
            line = line + b"\x00"                                   # NUL after
        eol = b"\r\n" if rng.random() < 0.1 else b"\n"
        out.append(line + eol)
        if rng.random() < 0.02:
            out.append(rng.choice([b"\n", b"  \n", b"\t\r\n"]))     # blank
    if rng.random() < 0.5:
        out[-1] = out[-1].rstrip(b"\r\n")                           # no final LF
    return out


def original(side):
    """The input line a side-file record came from."""
    if side.startswith(b'{"_error_row":') or side.startswith(b'{"_dupe_of_row":'):
        obj = json.loads(side)
        if "_raw" in obj:
            if "_raw_base64" in obj:
                return base64.b64decode(obj["_raw_base64"])
            return obj["_raw"].encode()
    # An object with members appended before its final brace.
    cut = min((i for i in (side.find(a) for a in ANNOT) if i > 0), default=-1)
    if cut < 0:
        raise ValueError(f"side record without annotation: {side!r}")
    head = side[:cut]
    return head + b"}"


def stage_cmds(rng, work, have):
    names = [s for s in ("jsonl-validate", "dedupe", "prune") if s in have]
    rng.shuffle(names)
    names = names[: rng.randint(1, len(names))]
    stages = []
    for i, name in enumerate(names):
        rej = os.path.join(work, f"s{i}.rejects")
        st = os.path.join(work, f"s{i}.stats")
        cmd = [name, "-r", rej, "--stats", st, "-q"]
        side = [("rejects", rej)]
        if name == "jsonl-validate":
            cmd += ["--require", ".a"]
        elif name == "dedupe":
            d = os.path.join(work, f"s{i}.dupes")
            if rng.random() < 0.7:
                cmd += ["-k", ".a"]
            if rng.random() < 0.3:
                cmd += ["--keep", "last", "--tmpdir", work]
            cmd += ["--dupes", d]
            side.append(("dupes", d))
        elif name == "prune":
            p = os.path.join(work, f"s{i}.pruned")
            cmd += ["--time", ".t", "--before", "2000-06-01", "--pruned", p]
            side.append(("pruned", p))
        stages.append((cmd, side, st))
    return stages


def main():
    seed = int(sys.argv[1])
    work = sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rng = random.Random(seed)
    os.makedirs(work, exist_ok=True)
    lines = gen(rng, n)
    inp = os.path.join(work, "input.jsonl")
    with open(inp, "wb") as f:
        f.writelines(lines)
    have = {t for t in ("jsonl-validate", "dedupe", "prune", "chunk") if shutil.which(t)}
    stages = stage_cmds(rng, work, have)
    if not stages:
        print("no filter on PATH")
        return 2
    chunk_dir = None
    cmds = [s[0] for s in stages]
    if "chunk" in have and rng.random() < 0.4:
        chunk_dir = os.path.join(work, "chunks")
        cmds.append(["chunk", "-l", str(rng.randint(1, 300)), "-o", chunk_dir,
                     "-q", "--stats", os.path.join(work, "chunk.stats")])
    print("seed", seed, "pipeline:", " | ".join(" ".join(c) for c in cmds))

    procs = []
    prev = open(inp, "rb")
    out_path = os.path.join(work, "stdout")
    out = open(out_path, "wb")
    for i, c in enumerate(cmds):
        p = subprocess.Popen(c, stdin=prev, stdout=subprocess.PIPE if i < len(cmds) - 1 else out)
        prev.close()
        if i < len(cmds) - 1:
            prev = p.stdout
        procs.append(p)
    out.close()
    bad = [(c[0], p.wait()) for c, p in zip(cmds, procs) if p.wait() != 0]
    if bad:
        print("exit status:", bad)
        return 1

    want = collections.Counter(l.rstrip(b"\n").removesuffix(b"\r") for l in lines
                               if l.strip(b" \t\r\n"))
    got = collections.Counter()
    if chunk_dir:
        for name in sorted(os.listdir(chunk_dir)):
            if name.startswith("."):
                print("temporary file left in the chunk dir:", name)
                return 1
            got.update(open(os.path.join(chunk_dir, name), "rb").read().splitlines())
    else:
        got.update(open(out_path, "rb").read().splitlines())
    if os.environ.get("CONSERVATION_SELF_TEST"):
        # The checker must see one lost record.
        got[next(iter(want))] -= 1
    for _, side, _ in stages:
        for kind, path in side:
            for l in open(path, "rb").read().splitlines():
                try:
                    got[l if kind == "pruned" else original(l)] += 1
                except (ValueError, json.JSONDecodeError) as e:
                    print(f"{path}: {e}")
                    return 1
    fail = 0
    if want != got:
        print("lost:", list((want - got).items())[:10])
        print("made up:", list((got - want).items())[:10])
        fail = 1
    for cmd, _, st in stages:
        s = json.load(open(st))
        total = s["passed"] + s["rejected"] + sum(s["diverted"].values())
        if s["processed"] != total:
            print(f"{cmd[0]}: stats do not add up: {s}")
            fail = 1
    first = json.load(open(stages[0][2]))
    nrec = sum(want.values())
    if first["processed"] != nrec:
        print(f"{cmds[0][0]}: counted {first['processed']} records, input has {nrec}")
        fail = 1
    return fail


if __name__ == "__main__":
    sys.exit(main())
