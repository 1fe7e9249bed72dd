// dedupe's node peer: keep the first record of each
// (session_id, event_type, occurred_at // created_at), in input order,
// with a Set of JSON-encoded keys. Reads stdin, writes stdout.
'use strict';
const readline = require('readline');

const seen = new Set();
const out = [];
let pending = 0;
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
	if (line.trim() === '')
		return;
	const o = JSON.parse(line);
	const k = JSON.stringify([o.session_id, o.event_type,
	    o.occurred_at ?? o.created_at ?? null]);
	if (seen.has(k))
		return;
	seen.add(k);
	out.push(line);
	if (++pending === 4096) {
		process.stdout.write(out.join('\n') + '\n');
		out.length = 0;
		pending = 0;
	}
});
rl.on('close', () => {
	if (out.length > 0)
		process.stdout.write(out.join('\n') + '\n');
});
