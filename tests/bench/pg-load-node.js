// The legacy loader pg-load is measured against: read JSON Lines on stdin
// and insert them with node-postgres, 500 rows per multi-row INSERT.
// Usage: node pg-load-node.js TABLE < events.jsonl (PG* variables).
'use strict';
const readline = require('readline');
const { Client } = require('pg');

const table = process.argv[2];
const cols = ['id', 'event_type', 'occurred_at', 'session_id', 'user_id',
    'app', 'model_id', 'properties'];
const BATCH = 500;

async function flush(client, rows) {
	if (rows.length === 0)
		return;
	const params = [];
	const tuples = rows.map((r) => {
		const ph = r.map((v) => { params.push(v); return '$' + params.length; });
		return '(' + ph.join(',') + ')';
	});
	await client.query('INSERT INTO ' + table + ' (' + cols.join(',') +
	    ') VALUES ' + tuples.join(','), params);
}

async function main() {
	const client = new Client();
	await client.connect();
	const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
	let rows = [];
	for await (const line of rl) {
		if (!line.trim())
			continue;
		const e = JSON.parse(line);
		rows.push([String(e.id), e.event_type, e.occurred_at || e.created_at,
		    e.session_id, e.user_id, e.app, e.modelId,
		    JSON.stringify(e.properties)]);
		if (rows.length === BATCH) {
			await flush(client, rows);
			rows = [];
		}
	}
	await flush(client, rows);
	await client.end();
}

main().catch((err) => { console.error(err.message); process.exit(1); });
