#!/usr/bin/env bats
# tools/lib/tm: the C unit tests, and tm_parse held to PostgreSQL's
# timestamptz input (the throwaway cluster of tests/run).

load test_helper

# ~150 accepted timestamps in every form tm reads, with their offsets,
# fractions, leap days, month ends, 24:00 and second 60. Deterministic.
gen_accepted() {
	python3 - <<'PY'
import calendar, random
r = random.Random(20261123)
out = []
def date(y, m, d):
    return "%04d-%02d-%02d" % (y, m, d)
def frac():
    # 1..12 digits; past 6 digits the 7th is never 4 or 5, so rounding
    # to PostgreSQL's microseconds cannot depend on the digits after it.
    n = r.randint(1, 12)
    ds = [r.choice("0123456789") for _ in range(n)]
    if n >= 7:
        ds[6] = r.choice("0123678")
    return "." + "".join(ds)
def offset():
    h, m = r.randint(0, 15), r.choice([0, 0, 0, 30, 45, r.randint(0, 59)])
    sign = r.choice("+-")
    form = r.randint(0, 2)
    if form == 0:
        return "%s%02d:%02d" % (sign, h, m)
    if form == 1:
        return "%s%02d%02d" % (sign, h, m)
    return "%s%02d" % (sign, h)
for _ in range(60):
    y, m = r.randint(1700, 2250), r.randint(1, 12)
    d = r.randint(1, calendar.monthrange(y, m)[1])
    t = "%02d:%02d" % (r.randint(0, 23), r.randint(0, 59))
    if r.random() < 0.8:
        t += ":%02d" % r.randint(0, 59)
        if r.random() < 0.6:
            t += frac()
    sep = r.choice("Tt ")
    z = r.choice(["", "Z", "z", " UTC", offset(), offset(), " " + offset()])
    out.append(date(y, m, d) + sep + t + z)
for y in (1904, 2000, 2024, 2096, 2204):
    out.append(date(y, 2, 29))
    out.append(date(y, 2, 29) + "T23:59:59.999999Z")
for m in range(1, 13):
    out.append(date(2023, m, calendar.monthrange(2023, m)[1]) + "T23:59:59Z")
    out.append(date(2024, m, calendar.monthrange(2024, m)[1]) + " 24:00:00")
out += [
    "2024-03-05", "1970-01-01", "1969-12-31T23:59:59.999999Z",
    "1800-01-01T00:00:00Z", "2200-12-31T23:59:59.123456Z",
    "2024-03-05T14:07:09Z", "2024-03-05t14:07:09z", "2024-03-05 14:07:09",
    "2024-03-05T14:07:09+02:00", "2024-03-05T14:07:09+0200",
    "2024-03-05T14:07:09+02", "2024-03-05T14:07:09-05:00",
    "2024-03-05T14:07:09-00:00", "2024-03-05T14:07:09+15:59",
    "2024-03-05T14:07:09-15:59", "2024-03-05 14:07:09 +0530",
    "2024-03-05 14:07:09 UTC", "2024-03-05T14:07", "2024-03-05T14:07Z",
    "2024-03-05 14:07-03:30", "2024-03-05T24:00", "2024-03-05T24:00:00Z",
    "2024-12-31T24:00:00.000000000+01:00", "2016-12-31T23:59:60Z",
    "2024-03-05T14:07:60.5+01:00", "2024-03-05T23:59:60",
    "2024-03-05T14:07:09.1Z", "2024-03-05T14:07:09.000001Z",
    "2024-03-05T14:07:09.999999Z", "2024-03-05T14:07:09.9999999Z",
    "2024-03-05T14:07:09.0000001Z", "2024-03-05T14:07:09.123456789012Z",
]
print("\n".join(out))
PY
}

# Instants around every UTC offset change of eight zones in 2018-2019 and
# 2024 (a day before, an hour before, the second before, at, after...),
# plus random ones: "zone<TAB>timestamp" lines. Deterministic.
gen_zone_instants() {
	python3 - <<'PY'
import random
from datetime import datetime, timezone, timedelta
from zoneinfo import ZoneInfo
r = random.Random(7)
zones = ["Europe/Paris", "America/New_York", "America/Sao_Paulo",
         "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham",
         "America/St_Johns", "Europe/London"]
def off(z, t):
    return datetime.fromtimestamp(t, z).utcoffset()
for name in zones:
    z = ZoneInfo(name)
    pts = set()
    for y0, y1 in ((2018, 2020), (2024, 2025)):
        t = int(datetime(y0, 1, 1, tzinfo=timezone.utc).timestamp())
        end = int(datetime(y1, 1, 1, tzinfo=timezone.utc).timestamp())
        prev = off(z, t)
        while t < end:
            n = t + 3 * 3600
            o = off(z, n)
            if o != prev:
                lo, hi = t, n
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if off(z, mid) == prev:
                        lo = mid
                    else:
                        hi = mid
                for d in (-86401, -3601, -1801, -1, 0, 1, 1799, 3599,
                          7199, 86399):
                    pts.add(hi + d)
                prev = o
            t = n
        for _ in range(15):
            pts.add(r.randint(int(datetime(y0, 1, 1, tzinfo=timezone.utc).timestamp()),
                              int(datetime(y1, 1, 1, tzinfo=timezone.utc).timestamp())))
    for p in sorted(pts):
        print("%s\t%s" % (name, datetime.fromtimestamp(p, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))
PY
}

@test "the tm unit tests pass" {
	run "$UNIT/tm_test"
	assert_success
	assert_output --regexp '^tm_test: [0-9]+ checks, 0 failures$'
}

@test "tm_parse prints nanoseconds or the reason, one line per input" {
	run "$UNIT/tm_parse" < <(printf '%s\n' 2024-03-05T14:07:09.5+01:00 \
	    2024-02-30 '' 1969-12-31T23:59:59.999999999Z)
	assert_success
	assert_output "$(printf '%s\n' 1709644029500000000 \
	    'error: day out of range for the month' 'error: empty timestamp' \
	    -1)"
}

@test "every accepted form gives PostgreSQL's instant to the microsecond" {
	need_pg
	gen_accepted > "$BATS_TEST_TMPDIR/in.txt"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/in.txt")" -ge 100 ]
	"$UNIT/tm_parse" < "$BATS_TEST_TMPDIR/in.txt" > "$BATS_TEST_TMPDIR/tm.txt"
	psql -X -q -v ON_ERROR_STOP=1 -At > "$BATS_TEST_TMPDIR/pg.txt" <<-EOF
		SET TimeZone = 'UTC';
		CREATE TEMP TABLE tm_in (n serial, x text);
		\\copy tm_in (x) from '$BATS_TEST_TMPDIR/in.txt'
		SELECT (extract(epoch FROM x::timestamptz) * 1000000)::bigint
		FROM tm_in ORDER BY n;
	EOF
	# tm keeps nanoseconds; PostgreSQL rounds to microseconds.
	run python3 - "$BATS_TEST_TMPDIR"/{in,tm,pg}.txt <<-'PY'
		import sys
		ins, tms, pgs = (open(f).read().split("\n")[:-1] for f in sys.argv[1:])
		assert len(ins) == len(tms) == len(pgs), (len(ins), len(tms), len(pgs))
		bad = 0
		for s, t, p in zip(ins, tms, pgs):
		    if t.startswith("error") or (int(t) + 500) // 1000 != int(p):
		        print("%r: tm %s, PostgreSQL %s" % (s, t, p))
		        bad += 1
		print("%d compared, %d differ" % (len(ins), bad))
	PY
	assert_success
	assert_output "$(wc -l < "$BATS_TEST_TMPDIR/in.txt" | tr -d ' ') compared, 0 differ"
}

@test "tm rejects every string in the rejects fixture" {
	run "$UNIT/tm_parse" < "$FIX/tm-rejected.txt"
	assert_success
	refute_output --regexp '^[^e]'
	[ "${#lines[@]}" -eq "$(wc -l < "$FIX/tm-rejected.txt")" ]
}

# Strings tm rejects that PostgreSQL accepts, each on purpose:
#   2024-3-05, 2024/03/05, 2024-03-05T1:07:09, 2024-03-05T14:7:09,
#   2024-03-05T14:07:9, 20240305T140709Z: not RFC 3339 / extended ISO
#     8601 (one-digit fields, slashes, the basic format): a sloppy
#     export should be noticed, not guessed at.
#   " 2024-03-05", "2024-03-05 ", "...Z ", "...09 ": no surrounding
#     whitespace; a field with spaces is a data error to fix upstream.
#   2024-03-05X14:07:09, 2024-03-05Z, "...  Z", "... GMT": PostgreSQL
#     reads military and named zones and a bare zone on a date; tm reads
#     numeric offsets, Z and UTC only.
#   2024-03-05T14:07:, ...09., ...09.Z, +1, +02:, +02:0, +020,
#     +02:00:00: truncated or odd fields PostgreSQL fills in.
#   0001-01-01, 9999-12-31T23:59:59Z, 1677-09-21T00:12:43.145224191Z,
#     2262-04-11T23:47:16.854775808Z: outside tm's int64 nanoseconds.
@test "what tm rejects PostgreSQL rejects too, but for the listed differences" {
	need_pg
	run psql -X -q -v ON_ERROR_STOP=1 -At <<-EOF
		CREATE FUNCTION pg_temp.reads(text) RETURNS bool LANGUAGE plpgsql AS
		\$\$ BEGIN PERFORM \$1::timestamptz; RETURN true;
		EXCEPTION WHEN others THEN RETURN false; END \$\$;
		CREATE TEMP TABLE tm_bad (n serial, x text);
		\\copy tm_bad (x) from '$FIX/tm-rejected.txt'
		SELECT '[' || x || ']' FROM tm_bad WHERE pg_temp.reads(x) ORDER BY n;
	EOF
	assert_success
	assert_output - <<-'EOF'
		[2024-3-05]
		[2024/03/05]
		[ 2024-03-05]
		[20240305T140709Z]
		[2024-03-05X14:07:09]
		[2024-03-05 ]
		[2024-03-05T1:07:09]
		[2024-03-05T14:7:09]
		[2024-03-05T14:07:]
		[2024-03-05T14:07:9]
		[2024-03-05T14:07:09.]
		[2024-03-05T14:07:09.Z]
		[2024-03-05T14:07:09+1]
		[2024-03-05T14:07:09+02:]
		[2024-03-05T14:07:09+02:0]
		[2024-03-05T14:07:09+020]
		[2024-03-05T14:07:09Z ]
		[2024-03-05T14:07:09 ]
		[2024-03-05T14:07:09  Z]
		[2024-03-05T14:07:09 GMT]
		[2024-03-05T14:07:09+02:00:00]
		[2024-03-05Z]
		[0001-01-01]
		[9999-12-31T23:59:59Z]
		[1677-09-21T00:12:43.145224191Z]
		[2262-04-11T23:47:16.854775808Z]
	EOF
}

@test "offsets past +15:59 are read by tm and refused by PostgreSQL" {
	need_pg
	run "$UNIT/tm_parse" <<< '2024-03-05T14:07:09+16:00'
	assert_success
	assert_output 1709590029000000000
	run psql -X -q -At -c "select '2024-03-05T14:07:09+16:00'::timestamptz"
	assert_failure
	assert_output --partial 'time zone displacement out of range'
}

# date_trunc(unit, timestamptz, zone) is PostgreSQL's answer. One
# deliberate difference: where a zone's offset changes by 30 or 45
# minutes (Lord Howe, Chatham), PostgreSQL starts the hour after the
# change at local hh:00 in the new offset, an instant inside the hour
# before (so two buckets overlap); tm starts it at the change itself.
@test "bucket starts in named zones match PostgreSQL's date_trunc" {
	need_pg
	gen_zone_instants > "$BATS_TEST_TMPDIR/in.tsv"
	: > "$BATS_TEST_TMPDIR/tm.tsv"
	for zone in $(cut -f1 "$BATS_TEST_TMPDIR/in.tsv" | uniq); do
		grep "^$zone	" "$BATS_TEST_TMPDIR/in.tsv" | cut -f2 \
		    > "$BATS_TEST_TMPDIR/z.txt"
		for unit in minute hour day week month year; do
			"$UNIT/tm_parse" -t "$unit" -z "$zone" \
			    < "$BATS_TEST_TMPDIR/z.txt" |
			    paste "$BATS_TEST_TMPDIR/z.txt" - |
			    sed "s|^|$zone	$unit	|" >> "$BATS_TEST_TMPDIR/tm.tsv"
		done
	done
	psql -X -q -v ON_ERROR_STOP=1 -At -F '	' \
	    > "$BATS_TEST_TMPDIR/pg.tsv" <<-EOF
		SET TimeZone = 'UTC';
		CREATE TEMP TABLE tm_z (zone text, ts text);
		\\copy tm_z from '$BATS_TEST_TMPDIR/in.tsv'
		SELECT zone, u, ts, (extract(epoch FROM
		    date_trunc(u, ts::timestamptz, zone)) * 1000000000)::bigint
		FROM tm_z, unnest(ARRAY['minute', 'hour', 'day', 'week',
		    'month', 'year']) u;
	EOF
	sort "$BATS_TEST_TMPDIR/tm.tsv" > "$BATS_TEST_TMPDIR/a"
	sort "$BATS_TEST_TMPDIR/pg.tsv" > "$BATS_TEST_TMPDIR/b"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/a")" -eq 3780 ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/b")" -eq 3780 ]
	run bash -c "comm -23 '$BATS_TEST_TMPDIR/a' '$BATS_TEST_TMPDIR/b' |
	    cut -f1,2 | uniq -c"
	assert_success
	assert_output - <<-'EOF'
		     18 Australia/Lord_Howe	hour
		     12 Pacific/Chatham	hour
	EOF
}
