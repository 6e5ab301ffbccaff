// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Runs every TEST(); prints one line per test and "N passed, N failed". */
#include <stdlib.h>
#include "test.h"

int hp_test_failed;
static struct hp_test *tests, **tail = &tests;

void hp_test_register(struct hp_test *t)
{
	*tail = t;
	tail = &t->next;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (struct hp_test *t = tests; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		hp_test_failed = 0;
		t->fn();
		printf("%s %s\n", hp_test_failed ? "FAIL" : "ok  ", t->name);
		hp_test_failed ? failed++ : passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
