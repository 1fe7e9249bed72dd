/*
 * tm_parse: a driver for differential tests. Reads timestamps one per
 * line on stdin and prints, per line, tm_parse's result in nanoseconds
 * since the epoch or "error: REASON".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm.h"

int
main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int64_t ns;
	const char *why;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (tm_parse(line, (size_t)len, &ns, &why) == 0)
			printf("%" PRId64 "\n", ns);
		else
			printf("error: %s\n", why);
	}
	free(line);
	if (ferror(stdin) || fflush(stdout) == EOF || ferror(stdout)) {
		perror("tm_parse");
		return 74;
	}
	return 0;
}
