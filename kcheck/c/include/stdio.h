/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: printf prints nothing (it touches no state a model shares). */
#ifndef _STDIO_H
#define _STDIO_H
extern int printf(const char *fmt, ...);
#endif
