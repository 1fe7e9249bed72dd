#!/usr/bin/env node
// Differential check of jsonl-validate's ECMA-262 patterns against node's
// RegExp with the "u" flag: random patterns from a grammar (valid and
// invalid pieces), random strings; every pattern node refuses must be an
// invalid schema, every pattern node accepts must compile (or be one of
// the documented limits) and agree on every string. A development tool,
// not run by make check (CI machines have no node); the fixed table in
// tests/schema-pattern.bats holds the cases that matter.
//
//   node tests/fuzz/ecma-regex-node.js [PATTERNS [SEED]]   (from the root)
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const npat = Number(process.argv[2] || 2000);
let seed = Number(process.argv[3] || 1);
const bin = process.env.JSONL_VALIDATE ||
    path.resolve(__dirname, '../../bin/jsonl-validate');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecma-regex-'));

// mulberry32: 32-bit arithmetic only, so a run is repeatable by SEED.
function rnd(n) {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
	t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
	return ((t ^ (t >>> 14)) >>> 0) % n;
}
const pick = (a) => a[rnd(a.length)];

const chars = ['a', 'b', 'Z', '0', '7', '_', '-', ' ', '\t', '\n', '\r',
	'\u00a0', '\ufeff', '\u2028', '\u2029', '\u3000', '\u0663', '\u00e9',
	'\u03b1', '\u0130', '\u017f', '\u212a', '\ud83d\ude00', '.', '$', '^',
	'[', ']', '\\', '\u000b', '\u0085', '\u200b', 'K', 'k', 's'];
const atoms = ['a', 'b', 'Z', '0', '-', ' ', '\u00e9', '\u0663', '.',
	'\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\.', '\\\\', '\\/', '\\-',
	'\\u00e9', '\\u{1F600}', '\\ud83d\\ude00', '\\x41', '\\cJ', '\\0',
	'\\t', '\\n', '\\r', '\\v', '\\f', '[^]', '[]', '[a-c]', '[^a-c]',
	'[\\d_]', '[^\\s]', '[\\S]', '[\\D\\s]', '[^\\W]', '[\\b]', '[\\-]',
	'[-a]', '[a-]', '[\\u0600-\\u06ff]', '[\\p{L}0]', '[^\\P{Lu}]',
	'\\p{L}', '\\P{L}', '\\p{Lu}', '\\p{Letter}', '\\p{Nd}',
	'\\p{Script=Greek}', '\\p{sc=Latin}', '\\p{scx=Latn}',
	'\\p{General_Category=Zs}', '\\p{White_Space}', '\\p{ASCII}',
	'\\p{Any}', '\\p{Assigned}', '\\P{Assigned}', '\\p{Emoji}',
	'\\p{Alpha}', '[\\p{Zs}]', '\\p{digit}', '\\p{LC}', '\\p{Cased_Letter}',
	'[\\s\\S]', '[^\\d\\D]', '[\\w\\W]', '\\u2028', '[.]', '[$^]'];
const invalid = ['(?i)a', '\\A', '\\Z', '\\z', '[[:alpha:]]', 'a++',
	'(?>a)', 'a*+', '\\e', '\\a', 'a{2,1}', '\\1', '\\k<x>', '{', '}', ']',
	'a{', 'a{1', 'a{,2}', '\\p{Greek}', '\\p{letter}', '\\p{Xan}',
	'\\p{L&}', '\\P{IsLatin}', '\\h', '\\R', '\\X', '\\K', '\\G', '\\Q',
	'\\cj1', '\\c1', '\\x4', '\\u12', '\\u{110000}', '\\00', '\\8',
	'(?#c)', '(?P<n>a)', '(?|a)', '[a-\\d]', '[\\w-z]', '[z-a]', '(?=a)*',
	'(?<!a)+', '^*', '$+', '\\b*', '(', ')', '(?', '(?<>a)', '(?<1a>a)',
	'(?<a>x)(?<a>y)', '\\_', '\\ ', '\\E', '\\N', '\\o{1}', '\\g1', '*a'];
const strings = ['', 'a', 'ab', 'abc', 'b', 'Z', '0', '7', '٣', '١٢٣', ' ',
	'\t', '\n', '\r', '\r\n', '\u00a0', '\ufeff', '\u2028', '\u2029',
	'\u3000', '\u1680', '\u0085', '\u200b', 'é', 'e\u0301', 'α', 'Ω',
	'😀', 'a😀b', '_', '-', 'a-b', 'a b', 'A', 'K', 'k', '\u212a', '\u017f',
	'ß', 'ǅ', 'x.y', '$', '^', '\\', '/', '[', ']', 'aa', 'aaa', 'ab0',
	'\u000b', '\f', '\u0000', 'Ǆ', 'ﬀ', '\u0663a'];

function gen(depth) {
	let s = '';
	const n = 1 + rnd(4);
	for (let i = 0; i < n; i++) {
		const r = rnd(20);
		if (r < 9)
			s += pick(atoms);
		else if (r < 10 && depth < 3)
			s += '(' + gen(depth + 1) + ')';
		else if (r < 11 && depth < 3)
			s += '(?:' + gen(depth + 1) + '|' + gen(depth + 1) + ')';
		else if (r < 12 && depth < 3)
			s += pick(['(?=', '(?!', '(?<=', '(?<!']) + pick(atoms) + ')';
		else if (r < 13 && depth < 3)
			s += '(?<g' + rnd(3) + '>' + gen(depth + 1) + ')';
		else if (r < 14)
			s += pick(['^', '$', '\\b', '\\B']);
		else if (r < 15)
			s += pick(['\\1', '\\k<g0>', '\\k<g1>', '\\2']);
		else if (r < 16 && rnd(4) === 0)
			s += pick(invalid);
		else if (r < 17)
			s += pick(['|', '']);
		else
			s += pick(chars.filter((c) => !'.$^[]\\'.includes(c)));
		if (rnd(3) === 0 && !s.endsWith('|'))
			s += pick(['*', '+', '?', '{2}', '{1,3}', '{0,}', '*?',
			    '+?', '??', '{2,}?']);
	}
	return s;
}

function verdict(p) {
	try {
		return new RegExp(p, 'u');
	} catch (e) {
		return null;
	}
}

// V8 tries \B between the two halves of a surrogate pair even with the
// "u" flag, where ECMA-262 steps over the pair: such a match says nothing.
function midpair(s, i) {
	return i > 0 && i < s.length && s.charCodeAt(i - 1) >= 0xd800 &&
	    s.charCodeAt(i - 1) <= 0xdbff && s.charCodeAt(i) >= 0xdc00 &&
	    s.charCodeAt(i) <= 0xdfff;
}

function matches(re, s) {
	const m = re.exec(s);
	if (m === null)
		return false;
	return midpair(s, m.index) || midpair(s, m.index + m[0].length) ?
	    null : true;
}

function compiles(p) {
	const f = path.join(dir, 's.json');
	fs.writeFileSync(f, JSON.stringify({ pattern: p }));
	const r = spawnSync(bin, ['-q', '-s', f], { input: '' });
	return { ok: r.status === 0, err: String(r.stderr) };
}

// Differences that are documented limits, not disagreements.
const limits = /lookbehind assertion is not fixed length|ASCII identifiers|above 65535/;

let bad = 0, nvalid = 0, ninvalid = 0, nlimit = 0, nquirk = 0;
const ok = [];
const seen = new Set();
while (seen.size < npat) {
	const p = gen(0);
	if (seen.has(p))
		continue;
	seen.add(p);
	const re = verdict(p), c = compiles(p);
	if (re === null) {
		ninvalid++;
		if (c.ok) {
			bad++;
			console.log('accepted, node refuses: ' + JSON.stringify(p));
		}
	} else if (!c.ok) {
		if (limits.test(c.err)) {
			nlimit++;
			continue;
		}
		bad++;
		console.log('refused, node accepts: ' + JSON.stringify(p) +
		    ': ' + c.err.trim());
	} else {
		nvalid++;
		ok.push([p, re]);
	}
}

// One schema with a property per valid pattern; a record per pair.
const props = {};
ok.forEach(([p], i) => { props['p' + i] = { pattern: p }; });
const sf = path.join(dir, 'all.json'), rf = path.join(dir, 'rej.jsonl');
fs.writeFileSync(sf, JSON.stringify({ properties: props }));
const lines = [], want = [];
ok.forEach(([p, re], i) => strings.forEach((s) => {
	lines.push(JSON.stringify({ ['p' + i]: s }));
	want.push([p, s, matches(re, s)]);
}));
spawnSync(bin, ['-q', '-s', sf, '-r', rf], { input: lines.join('\n') + '\n' });
const rejected = new Set(fs.readFileSync(rf, 'utf8').split('\n')
    .filter((l) => l).map((l) => JSON.parse(l)._error_row));
want.forEach(([p, s, m], i) => {
	if (m === null)
		nquirk++;
	else if (m !== !rejected.has(i + 1)) {
		bad++;
		if (bad < 50)
			console.log('pattern ' + JSON.stringify(p) + ' on ' +
			    JSON.stringify(s) + ': node ' + m + ', jsonl-validate ' +
			    !m);
	}
});
fs.rmSync(dir, { recursive: true });
console.log(`${npat} patterns: ${nvalid} valid, ${ninvalid} invalid, ` +
    `${nlimit} at a documented limit; ${want.length} matches ` +
    `(${nquirk} left out: V8 matched inside a surrogate pair); ` +
    `${bad} disagreements`);
process.exit(bad ? 1 : 0);
