// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The shared library dlopen_host loads: plugin_entry -> plugin_leaf. */
volatile unsigned long plugin_sink;

__attribute__((noinline)) void plugin_leaf(void)
{
	for (unsigned long i = 0; i < 1000000; i++)
		plugin_sink += i ^ (plugin_sink >> 5);
}

__attribute__((noinline)) void plugin_entry(void)
{
	plugin_leaf();
	plugin_sink++;
}
