// ajv peer for tests/bench/jsonl-validate.sh: validate JSON Lines on stdin
// against the schema in argv[2] (draft 2020-12, formats asserted) and
// write the valid lines to stdout. Needs ajv and ajv-formats on NODE_PATH.
"use strict";
const fs = require("fs");
const readline = require("readline");
const Ajv2020 = require("ajv/dist/2020");
const addFormats = require("ajv-formats");

const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(process.argv[2])));
const out = [];
let bytes = 0;
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
	let v;
	try {
		v = JSON.parse(line);
	} catch (e) {
		return;
	}
	if (validate(v)) {
		out.push(line);
		bytes += line.length;
		if (bytes > 1 << 20) {
			process.stdout.write(out.join("\n") + "\n");
			out.length = 0;
			bytes = 0;
		}
	}
});
rl.on("close", () => {
	if (out.length)
		process.stdout.write(out.join("\n") + "\n");
});
