// The seed-style CSV sessions backfill that sluice's end-to-end pipeline is
// measured against (tests/bench/e2e.sh): parse the CSV with csv-parse, check
// every field in JavaScript (workflow 3's rules, those of
// tests/fixtures/e2e-sessions.schema.json with enums ignoring case), drop
// repeated session ids with a Set, and insert 500 rows per multi-row INSERT
// with node-postgres.
// Usage: node e2e-node.js TABLE < sessions.csv (PG* variables).
'use strict';
const { parse } = require('csv-parse');
const { Client } = require('pg');

const table = process.argv[2];
const cols = ['session_id', 'user_id', 'email', 'level', 'cefr',
    'started_at', 'duration_min', 'rating', 'notes'];
const BATCH = 500;

const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const rules = {
	session_id: /^S[0-9]{7}$/,
	user_id: /^[\s\S]/,
	email: new RegExp('^' + atext + '(?:\\.' + atext + ')*@(?:' + label +
	    '\\.)*' + label + '$'),
	level: /^(?:beginner|intermediate|advanced)$/i,
	cefr: /^(?:A1|A2|B1|B2|C1|C2)$/i,
	started_at: /^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$/,
	duration_min: /^[1-9][0-9]*$/,
	rating: /^[1-5]$/,
};
const checks = Object.entries(rules);

// The first rule a row breaks, or null.
function check(r) {
	for (const [k, re] of checks) {
		const v = r[k];
		if (typeof v !== 'string')
			return k + ': missing';
		if (!re.test(v))
			return k + ': invalid';
	}
	if (Number.isNaN(Date.parse(r.started_at)))
		return 'started_at: invalid';
	return null;
}

async function flush(client, rows) {
	if (rows.length === 0)
		return;
	const params = [];
	const tuples = rows.map((r) => {
		const ph = cols.map((c) => { params.push(r[c]); return '$' + params.length; });
		return '(' + ph.join(',') + ')';
	});
	await client.query('INSERT INTO ' + table + ' (' + cols.join(',') +
	    ') VALUES ' + tuples.join(','), params);
}

async function main() {
	const client = new Client();
	await client.connect();
	const seen = new Set();
	const errors = [];
	let n = 0, dupes = 0, loaded = 0;
	let rows = [];
	for await (const r of process.stdin.pipe(parse({ columns: true }))) {
		n++;
		const err = check(r);
		if (err) {
			errors.push({ row: n + 1, message: err });
			continue;
		}
		if (seen.has(r.session_id)) {
			dupes++;
			continue;
		}
		seen.add(r.session_id);
		rows.push(r);
		if (rows.length === BATCH) {
			await flush(client, rows);
			loaded += rows.length;
			rows = [];
		}
	}
	await flush(client, rows);
	loaded += rows.length;
	await client.end();
	console.error(`${n} rows, ${loaded} inserted, ${errors.length} invalid, ` +
	    `${dupes} duplicates`);
}

main().catch((err) => { console.error(err.message); process.exit(1); });
