#!/usr/bin/env python3
"""Hold every tool's --help to the options table of sluice(7).

usage: options.py SLUICE.7 TOOL...

TOOL is a path to a tool or script. The table is the list under
".Ss Options across the toolkit": each item is
    .It Fl x , Fl -long Ar arg      (or .It Fl -long ...)
    .Xr tool 1 , Xr other 1 :    (one or more lines of .Xr)
    what it means.
The options under ".Ss Common options" are every C tool's and are not
repeated in the table; -h/--help and --version are every command's.
Prints each disagreement and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

EVERYWHERE = {"--help": "h", "--version": None}


def help_options(path):
    """{long: short} of one tool's --help, and whether it has the
    common options of the C tools."""
    out = subprocess.run([path, "--help"], capture_output=True, text=True,
                         check=True).stdout
    opts, common = {}, False
    for line in out.split("\n"):
        if line.startswith("example"):
            break
        if line.startswith("Common options:"):
            common = True
            continue
        m = re.match(r"^ {1,8}(?:-([A-Za-z0-9]), )?(--[a-z][a-z0-9-]*)", line)
        if m:
            if common:
                opts.setdefault(("common", m.group(2)), m.group(1))
            else:
                opts[m.group(2)] = m.group(1)
            continue
        m = re.match(r"^ {1,8}-([A-Za-z0-9])\b", line)
        if m:
            opts["-" + m.group(1)] = m.group(1)
    return opts


def page_sections(page):
    text = open(page, encoding="utf-8").read().split("\n")
    table, common, sec = {}, {}, None
    item = None
    for ln in text:
        if ln.startswith(".Ss ") or ln.startswith(".Sh "):
            sec = ln[4:].strip()
            item = None
            continue
        if sec not in ("Options across the toolkit", "Common options"):
            continue
        m = re.match(r"^\.It Fl (?:([A-Za-z0-9]) , Fl )?(-[a-z][a-z0-9-]*)", ln)
        if m:
            long_ = "-" + m.group(2)
            if sec == "Common options":
                common[long_] = m.group(1)
                item = None
            else:
                item = long_
                table[item] = [m.group(1), None]
            continue
        if item is not None and ln.startswith(".Xr "):
            table[item][1] = (table[item][1] or set()) | set(
                re.findall(r"Xr ([a-z0-9-]+) 1", ln))
        elif item is not None:
            if table[item][1] is None:
                sys.exit("options.py: %s: the line after .It %s names no "
                         "tools" % (page, item))
            item = None
    return table, common


def main():
    page, tools = sys.argv[1], sys.argv[2:]
    table, common = page_sections(page)
    bad = []
    letters = {}
    for long_, (short, _) in table.items():
        if short is not None:
            if short in letters:
                bad.append("-%s is both %s and %s" % (short, letters[short],
                                                      long_))
            letters[short] = long_
    for long_, short in common.items():
        if short is not None and short in letters:
            bad.append("-%s is both %s (common) and %s" % (short, long_,
                                                           letters[short]))
    for path in tools:
        name = os.path.basename(path)
        opts = help_options(path)
        is_c = any(isinstance(k, tuple) for k in opts)
        seen = set()
        for k, short in opts.items():
            if isinstance(k, tuple):
                long_ = k[1]
                if long_ not in common and long_ not in EVERYWHERE:
                    bad.append("%s: common option %s is not in Common "
                               "options" % (name, long_))
                elif long_ in common and common[long_] != short:
                    bad.append("%s: %s has short -%s, the page says -%s" %
                               (name, long_, short, common[long_]))
                seen.add(long_)
                continue
            long_ = k
            seen.add(long_)
            if long_ in EVERYWHERE:
                continue
            if long_.startswith("-") and not long_.startswith("--"):
                bad.append("%s: %s has no long name" % (name, long_))
                continue
            if long_ not in table:
                bad.append("%s: %s is not in the table" % (name, long_))
                continue
            tshort, ttools = table[long_]
            if name not in ttools:
                bad.append("%s: %s: the table does not list %s" %
                           (name, long_, name))
            if tshort != short:
                bad.append("%s: %s has %s, the table %s" % (
                    name, long_, "-" + short if short else "no short form",
                    "-" + tshort if tshort else "none"))
        for long_, (tshort, ttools) in table.items():
            if name in ttools and long_ not in seen:
                bad.append("%s: the table lists %s, --help does not" %
                           (name, long_))
        if is_c:
            for long_ in common:
                if long_ not in seen:
                    bad.append("%s: common option %s missing from --help" %
                               (name, long_))
        for long_ in EVERYWHERE:
            if long_ not in seen:
                bad.append("%s: no %s" % (name, long_))
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


main()
