/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#define HP_VERSION "0.1.0"
