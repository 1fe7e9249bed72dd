/*
 * libFuzzer harness for the time module: no input may crash it, and
 * every accepted timestamp must survive format and re-parse unchanged,
 * with its buckets starting at or before it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tm.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why;
	char out[64], dur[64];
	int64_t ns, back, start;
	int u;

	if (tm_parse(s, size, &ns, &why) == 0) {
		size_t n = tm_format(ns, out, sizeof(out));

		if (n == 0 || n >= sizeof(out) ||
		    tm_parse(out, n, &back, &why) != 0 || back != ns)
			abort();
		for (u = TM_MINUTE; u <= TM_YEAR; u++)
			if (tm_trunc(ns, (enum tm_unit)u, NULL, &start) == 0 &&
			    start > ns)
				abort();
	}
	(void)tm_parse_epoch(s, size, TM_EPOCH_MS, &ns, &why);
	if (size < sizeof(dur)) {
		memcpy(dur, s, size);
		dur[size] = '\0';
		if (tm_duration(dur, &ns, &why) == 0 && ns < 0)
			abort();
	}
	return 0;
}
