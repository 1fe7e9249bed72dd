#!/usr/bin/env python3
"""Extract the examples of README.md and the man pages' EXAMPLES sections.

usage: extract.py OUTDIR FILE...

For each FILE writes OUTDIR/<page>/NN.sh (the commands), NN.out (the
output the page shows, if any), NN.mode ("run" or "syntax-only") and
FILES/<name> for blocks that are a file's contents, not commands.

README.md: fenced blocks opened with ```sh are examples; an HTML comment
<!-- example: syntax-only --> or <!-- example: file NAME --> on the line
before the fence marks one. Man pages: the .Bd -literal blocks of the
EXAMPLES section; a comment line .\\" example: syntax-only (or file NAME)
before .Bd marks one. In a block whose first line starts with "$ ",
lines starting with "$ " (and their backslash continuations) are
commands and the other lines are the output shown; "..." in the output
stands for lines left out.
"""
import os
import re
import sys


def mdoc_text(line):
    line = line.replace("\\e", "\\").replace("\\&", "").replace("\\(aq", "'")
    return line.replace("\\-", "-")


def man_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    in_ex = False
    mark = None
    block = None
    for ln in lines:
        if ln.startswith(".Sh "):
            in_ex = ln.strip() == ".Sh EXAMPLES"
            continue
        if not in_ex:
            continue
        if block is not None:
            if ln.startswith(".Ed"):
                yield mark or "run", block
                block, mark = None, None
            else:
                block.append(mdoc_text(ln))
            continue
        m = re.match(r'^\.\\" example: (.*)$', ln)
        if m:
            mark = m.group(1).strip()
        elif ln.startswith(".Bd -literal"):
            block = []


def readme_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    mark = None
    block = None
    for ln in lines:
        if block is not None:
            if ln.startswith("```"):
                yield mark or "run", block
                block, mark = None, None
            else:
                block.append(ln)
            continue
        m = re.match(r"^<!-- example: (.*) -->$", ln)
        if m:
            mark = m.group(1).strip()
        elif ln.strip() == "```sh":
            block = []
        elif ln.strip():
            mark = None


def split_prompted(block):
    if not block or not block[0].startswith("$ "):
        return "\n".join(block) + "\n", None
    cmds, out, cont = [], [], False
    for ln in block:
        if cont or ln.startswith("$ "):
            text = ln[2:] if ln.startswith("$ ") and not cont else ln
            cmds.append(text)
            cont = ln.endswith("\\")
        else:
            out.append(ln)
    return "\n".join(cmds) + "\n", "\n".join(out) + "\n"


def main():
    outdir = sys.argv[1]
    for path in sys.argv[2:]:
        page = os.path.basename(path)
        blocks = readme_blocks(path) if path.endswith(".md") else man_blocks(path)
        d = os.path.join(outdir, page)
        os.makedirs(os.path.join(d, "FILES"), exist_ok=True)
        n = 0
        for mark, block in blocks:
            if mark.startswith("file "):
                name = mark.split(None, 1)[1]
                with open(os.path.join(d, "FILES", name), "w") as f:
                    f.write("\n".join(block) + "\n")
                continue
            n += 1
            cmd, out = split_prompted(block)
            base = os.path.join(d, "%02d" % n)
            with open(base + ".sh", "w") as f:
                f.write(cmd)
            with open(base + ".mode", "w") as f:
                f.write(mark + "\n")
            if out is not None:
                with open(base + ".out", "w") as f:
                    f.write(out)
        print("%s %d" % (page, n))


main()
