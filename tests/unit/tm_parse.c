/*
 * tm_parse: a driver for differential tests. Reads timestamps one per
 * line on stdin and prints, per line, tm_parse's result in nanoseconds
 * since the epoch or "error: REASON". With -t UNIT [-z ZONE] it prints
 * the start of the line's bucket (tm_trunc) instead.
 *
 *	tm_parse < stamps.txt
 *	tm_parse -t day -z Europe/Paris < stamps.txt
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tm.h"

int
main(int argc, char *argv[])
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int64_t ns;
	const char *why, *zone = NULL;
	enum tm_unit unit = TM_DAY;
	int ch, trunc = 0;

	while ((ch = getopt(argc, argv, "t:z:")) != -1) {
		switch (ch) {
		case 't':
			if (tm_unit_parse(optarg, &unit) == -1) {
				fprintf(stderr, "tm_parse: bad unit %s\n", optarg);
				return 64;
			}
			trunc = 1;
			break;
		case 'z':
			zone = optarg;
			break;
		default:
			fprintf(stderr, "usage: tm_parse [-t unit [-z zone]]\n");
			return 64;
		}
	}
	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (tm_parse(line, (size_t)len, &ns, &why) == -1)
			printf("error: %s\n", why);
		else if (trunc && tm_trunc(ns, unit, zone, &ns) == -1)
			printf("error: cannot truncate\n");
		else
			printf("%" PRId64 "\n", ns);
	}
	free(line);
	if (ferror(stdin) || fflush(stdout) == EOF || ferror(stdout)) {
		perror("tm_parse");
		return 74;
	}
	return 0;
}
