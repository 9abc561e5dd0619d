/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LINUX_STRING_H
#define _LINUX_STRING_H
#include <linux/types.h>
#include <linux/errno.h>
extern void *memset(void *s, int c, size_t n);
extern void *memcpy(void *dst, const void *src, size_t n);
extern void *memmove(void *dst, const void *src, size_t n);
extern int memcmp(const void *a, const void *b, size_t n);
extern size_t strlen(const char *s);
extern int strcmp(const char *a, const char *b);

/* The kernel's lib/string.c, byte by byte: each byte a plain access of C memory. */
static inline size_t strnlen(const char *s, size_t count)
{
	size_t i = 0;

	while (i < count && s[i])
		i++;
	return i;
}

static inline int strncmp(const char *a, const char *b, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		unsigned char x = a[i], y = b[i];

		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}

/* lib/string.c: the terminating NUL is part of the string (strchr(s, 0) finds it) */
static inline char *strchr(const char *s, int c)
{
	for (; *s != (char)c; ++s)
		if (*s == '\0')
			return NULL;
	return (char *)s;
}

static inline char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	do {
		if (*s == (char)c)
			last = s;
	} while (*s++);
	return (char *)last;
}

static inline char *strcpy(char *dst, const char *src)
{
	size_t i = 0;

	while ((dst[i] = src[i]) != 0)
		i++;
	return dst;
}

static inline char *strncpy(char *dst, const char *src, size_t count)
{
	size_t i = 0;

	for (; i < count && src[i]; i++)
		dst[i] = src[i];
	for (; i < count; i++)
		dst[i] = 0;
	return dst;
}

/* copies at most count - 1 bytes and always terminates; -E2BIG if it truncated */
static inline ssize_t strscpy(char *dst, const char *src, size_t count)
{
	size_t i;

	if (count == 0)
		return -E2BIG;
	for (i = 0; i < count - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
	return src[i] ? -E2BIG : (ssize_t)i;
}
#endif
