/*
 * Shared copies of the strings that many services repeat: the file name, the
 * protocol, the user and group, the program and its arguments. 10,000 lines
 * that run the same program keep one copy of each. Counted references; used
 * at load and free time only, never on a connection's path, and only from
 * the main thread.
 */

#include "pinetd.h"

#include <stdlib.h>
#include <string.h>

#define INTERN_HASHSIZE	1024

/* One shared string. */
struct intern {
	struct intern	*in_next;	/* hash chain */
	unsigned int	 in_refs;
	unsigned int	 in_hash;
	char		 in_str[];
};

static struct intern	*intern_table[INTERN_HASHSIZE];
static size_t		 intern_live;

/* FNV-1a: short strings, few of them; no need for anything better. */
static unsigned int
intern_hash(const char *s)
{
	unsigned int	h = 2166136261U;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619U;
	return (h);
}

/* The record a shared string belongs to. */
static struct intern *
intern_record(const char *s)
{
	return ((struct intern *)(void *)(s - offsetof(struct intern, in_str)));
}

/*
 * A shared copy of s, one reference more. The caller must never change it
 * and must give it back with intern_drop, not free.
 */
char *
intern(const char *s)
{
	struct intern	*in;
	unsigned int	 h = intern_hash(s);
	size_t		 len;

	for (in = intern_table[h % INTERN_HASHSIZE]; in != NULL;
	    in = in->in_next) {
		if (in->in_hash == h && strcmp(in->in_str, s) == 0) {
			in->in_refs++;
			return (in->in_str);
		}
	}
	len = strlen(s);
	in = xmalloc(sizeof *in + len + 1);
	memcpy(in->in_str, s, len + 1);
	in->in_refs = 1;
	in->in_hash = h;
	in->in_next = intern_table[h % INTERN_HASHSIZE];
	intern_table[h % INTERN_HASHSIZE] = in;
	intern_live++;
	return (in->in_str);
}

/* Give back a reference from intern; the last one frees the string. */
void
intern_drop(const char *s)
{
	struct intern	*in, **pp;

	if (s == NULL)
		return;
	in = intern_record(s);
	if (--in->in_refs > 0)
		return;
	for (pp = &intern_table[in->in_hash % INTERN_HASHSIZE]; *pp != in;
	    pp = &(*pp)->in_next)
		continue;
	*pp = in->in_next;
	intern_live--;
	free(in);
}

/* How many distinct strings are held: for the tests. */
size_t
intern_count(void)
{
	return (intern_live);
}
