/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A minimal test harness in the style of the kernel's BPF selftests:
 * ASSERT_* print what failed and return false, so a test reads
 * `if (!ASSERT_EQ(a, b, "what")) goto cleanup;`.
 */
#ifndef HP_TEST_H
#define HP_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct hp_test {
	const char *name;
	void (*fn)(void);
	struct hp_test *next;
};

extern int hp_test_failed; /* set by a failing ASSERT in the current test */
void hp_test_register(struct hp_test *t);

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	static struct hp_test name##_entry = {#name, name, NULL};                                  \
	__attribute__((constructor)) static void name##_register(void)                             \
	{                                                                                          \
		hp_test_register(&name##_entry);                                                   \
	}                                                                                          \
	static void name(void)

#define ASSERT_TRUE(cond, what)                                                                    \
	({                                                                                         \
		bool ok_ = (cond);                                                                 \
		if (!ok_) {                                                                        \
			hp_test_failed = 1;                                                        \
			fprintf(stderr, "  %s:%d: %s: expected true: %s\n", __FILE__, __LINE__,    \
				what, #cond);                                                      \
		}                                                                                  \
		ok_;                                                                               \
	})

#define ASSERT_EQ(a, b, what)                                                                      \
	({                                                                                         \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		bool ok_ = a_ == b_;                                                               \
		if (!ok_) {                                                                        \
			hp_test_failed = 1;                                                        \
			fprintf(stderr, "  %s:%d: %s: %s == %lld, expected %lld\n", __FILE__,      \
				__LINE__, what, #a, a_, b_);                                       \
		}                                                                                  \
		ok_;                                                                               \
	})

#define ASSERT_STREQ(a, b, what)                                                                   \
	({                                                                                         \
		const char *a_ = (a), *b_ = (b);                                                   \
		bool ok_ = a_ && b_ && !strcmp(a_, b_);                                            \
		if (!ok_) {                                                                        \
			hp_test_failed = 1;                                                        \
			fprintf(stderr, "  %s:%d: %s: \"%s\", expected \"%s\"\n", __FILE__,        \
				__LINE__, what, a_ ? a_ : "(null)", b_ ? b_ : "(null)");           \
		}                                                                                  \
		ok_;                                                                               \
	})

#define ASSERT_OK(err, what) ASSERT_EQ(err, 0, what)

#endif
