# shellcheck shell=bash
# chunk against the tools a user would split with.
#
# - chunk -l 10000 vs GNU split -l 10000: both copy lines into files of
#   10 000 lines (chunk also writes temp names, renames and lists them).
# - chunk --bytes 2M vs GNU split -C 2M: files of at most 2 MiB, cut at
#   line ends.
# - chunk --time '.occurred_at // .created_at' --period day vs Miller: mlr
#   has no time bucketing in split, so the peer first computes the day
#   (the first 10 characters of occurred_at, else created_at) into a
#   field with put, then split -g day. It re-encodes every record and
#   adds the day field; chunk copies the records byte-exact.
# - the same --by day vs an awk script that cuts the date out of the text
#   with a regular expression: the fastest thing a user might write, with
#   no JSON parsing, no time zones and no precedence between the fields.
# - chunk --csv -l 10000 vs Miller's split -n 10000 on the CSV.
#
# The generated events end with a few impossible dates (2024-12-32):
# chunk rejects them (-r /dev/null here), the peers file them as text.
# Output files go to a scratch directory removed at the end.
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

ev="$BENCH_DATA/events.jsonl"
csv="$BENCH_DATA/sessions.csv"
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-chunk.XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/c" "$out/s" "$out/m" "$out/a"

bench_compare "chunk -l 10000" "$ev" \
    "chunk -q -l 10000 -o '$out/c'" \
    "split -l" \
    "split -l 10000 - '$out/s/x'"

bench_compare "chunk --bytes 2M" "$ev" \
    "chunk -q --bytes 2M -o '$out/c'" \
    "split -C" \
    "split -C 2M - '$out/s/x'"

bench_compare "chunk --by day" "$ev" \
    "chunk -q --time '.occurred_at // .created_at' --period day -r /dev/null -o '$out/c'" \
    "mlr split -g" \
    "mlr --ijsonl --ojsonl put '\$day = substr(is_present(\$occurred_at) ? \$occurred_at : \$created_at, 0, 9)' then split -g day --prefix '$out/m/d'"

bench_compare "chunk --by day (awk)" "$ev" \
    "chunk -q --time '.occurred_at // .created_at' --period day -r /dev/null -o '$out/c'" \
    "awk regex" \
    "awk -v d='$out/a' 'match(\$0, /\"(occurred_at|created_at)\":\"[0-9-]+/) { print > (d \"/\" substr(\$0, RSTART + RLENGTH - 10, 10) \".jsonl\") }'"

bench_compare "chunk --csv -l 10000" "$csv" \
    "chunk -q --csv -l 10000 -o '$out/c'" \
    "mlr split -n" \
    "mlr --csv split -n 10000 --prefix '$out/m/s'"
