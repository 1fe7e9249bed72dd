# shellcheck shell=bash
# The 100-million-row load: tests/bench/load10m.sh with LOAD_ROWS
# 100 000 000, dedupe's memory at 256M, pg-load -j 2 with a ledger run,
# the summary in $BENCH_DATA/load100m.txt. The run needs about 40 GB of
# disk and a quarter of an hour; `make bench` leaves it out. Run it alone:
#
#   tests/bench/run load100m
set -euo pipefail

LOAD_ROWS=${LOAD_ROWS:-100000000} LOAD_DEDUPE_MEMORY=${LOAD_DEDUPE_MEMORY:-256M} \
    LOAD_JOBS=${LOAD_JOBS:-2} LOAD_LEDGER=1 LOAD_NAME=load100m \
    exec bash "$(dirname "$0")/load10m.sh"
