#!/usr/bin/env python3
"""Write the JSON Schema 2020-12 metaschema and its vocabulary
metaschemas, as Debian's python3-jsonschema installs them (in SRC below,
or METASCHEMA_DIR), one file each into OUT, for jsonl-validate
--schema-dir. Exit 1 naming what is missing.

usage: metaschemas.py OUT
"""
import json
import os
import sys


SRC = "/usr/lib/python3/dist-packages/jsonschema/schemas"


def main(out):
    src = os.environ.get("METASCHEMA_DIR", SRC)
    if not os.path.isdir(src):
        sys.exit("metaschemas.py: %s: no such directory (install Debian's "
                 "python3-jsonschema)" % src)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(src, "draft2020-12.json")) as f:
        docs = [json.load(f)]
    with open(os.path.join(src, "vocabularies.json")) as f:
        docs += [d for u, d in json.load(f).items() if "/2020-12/" in u]
    if len(docs) < 8:
        sys.exit("metaschemas.py: %s: %d of the 8 2020-12 documents"
                 % (src, len(docs)))
    for d in docs:
        name = d["$id"].rsplit("/", 1)[-1] + ".json"
        with open(os.path.join(out, name), "w") as f:
            json.dump(d, f)


if __name__ == "__main__":
    main(sys.argv[1])
