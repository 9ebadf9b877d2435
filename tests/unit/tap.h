/*
 * A minimal TAP emitter for the C unit tests.
 */

#ifndef TAP_H
#define TAP_H

#include <stdio.h>

static int	tap_count;
static int	tap_failed;

/* Report one check; returns whether it passed. */
static int
tap_ok(int cond, const char *name)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_count, name);
	fflush(stdout);
	return (cond);
}

/* Print the plan; the exit code tells make whether all passed. */
static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return (tap_failed != 0);
}

#endif /* TAP_H */
