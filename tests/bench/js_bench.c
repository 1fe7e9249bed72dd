/*
 * js_bench: MB/s of js_scan against libjq's jv_parse_sized, one JSONL
 * line at a time, on the same file held in memory (no I/O in the timing).
 * Times are process CPU seconds (best of the runs), so that a busy
 * machine disturbs the figures less.
 *
 * Build by hand from the project root (after make):
 *	cc -std=c11 -O2 -D_DEFAULT_SOURCE -Itools/lib -o build/js_bench \
 *	    tests/bench/js_bench.c build/rel/libsluice.a -ljq
 * Run:	build/js_bench FILE.jsonl [runs]
 */
#include <jq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "js.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct buf b = BUF_INIT;
	struct js_doc d = { 0 };
	struct js_err e;
	char chunk[1 << 16], *p, *end, *nl;
	size_t k, lines = 0, bad;
	double t, best_js = 1e9, best_jq = 1e9;
	int runs = argc > 2 ? atoi(argv[2]) : 5, r;
	FILE *f;
	jv v;

	if (argc < 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: js_bench FILE.jsonl [runs]\n");
		return 2;
	}
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, k);
	fclose(f);
	buf_cstr(&b);

	for (r = 0; r < runs; r++) {
		bad = lines = 0;
		t = now();
		for (p = b.p, end = b.p + b.len; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			bad += js_scan(&d, p, (size_t)(nl - p), &e) != 0;
			lines++;
		}
		t = now() - t;
		if (t < best_js)
			best_js = t;
		if (bad)
			fprintf(stderr, "js_scan: %zu bad lines\n", bad);
	}
	for (r = 0; r < runs; r++) {
		bad = 0;
		t = now();
		for (p = b.p, end = b.p + b.len; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			*nl = '\0';	/* jv_parse_sized reads to a NUL on error */
			v = jv_parse_sized(p, (int)(nl - p));
			bad += !jv_is_valid(v);
			jv_free(v);
			*nl = '\n';
		}
		t = now() - t;
		if (t < best_jq)
			best_jq = t;
		if (bad)
			fprintf(stderr, "libjq: %zu bad lines\n", bad);
	}
	printf("%zu lines, %.1f MB, %.0f bytes/line\n", lines, b.len / 1e6,
	    (double)b.len / (double)lines);
	printf("js_scan        %.3f s  %7.1f MB/s  %9.0f lines/s\n", best_js,
	    b.len / 1e6 / best_js, lines / best_js);
	printf("jv_parse_sized %.3f s  %7.1f MB/s  %9.0f lines/s\n", best_jq,
	    b.len / 1e6 / best_jq, lines / best_jq);
	printf("ratio          %.1fx\n", best_jq / best_js);
	js_free(&d);
	buf_free(&b);
	return 0;
}
