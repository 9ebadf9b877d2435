/*
 * A small intrusive list for what the daemon must close at shutdown: open
 * built-in connections, relays, hand-offs and TLS handshakes. The link is the
 * first member of each record, so a list head is also its first record.
 */

#include "pinetd.h"

/* Put a record at the head of a list. */
void
link_add(struct link **head, struct link *l)
{
	l->l_prev = NULL;
	l->l_next = *head;
	if (*head != NULL)
		(*head)->l_prev = l;
	*head = l;
}

/* Take a record out of its list. */
void
link_del(struct link **head, struct link *l)
{
	if (l->l_prev != NULL)
		l->l_prev->l_next = l->l_next;
	else
		*head = l->l_next;
	if (l->l_next != NULL)
		l->l_next->l_prev = l->l_prev;
	l->l_prev = l->l_next = NULL;
}
