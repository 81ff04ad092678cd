/* martian.c: sources the kernel would drop (see martian.h). */
#include <string.h>

#include "martian.h"

void np_local4_clear(struct np_local4 *l)
{
	l->naddr = l->nbcast = 0;
	l->truncated = false;
}

static bool in_list(const uint32_t *list, unsigned n, uint32_t a)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == a)
			return true;
	return false;
}

static void add_bcast(struct np_local4 *l, uint32_t b)
{
	if (b == 0 || in_list(l->bcast, l->nbcast, b))
		return;
	if (l->nbcast == NP_LOCAL4_MAX) {
		l->truncated = true;
		return;
	}
	l->bcast[l->nbcast++] = b;
}

void np_local4_add(struct np_local4 *l, uint32_t addr, uint8_t prefixlen, uint32_t brd)
{
	if (!in_list(l->addr, l->naddr, addr)) {
		if (l->naddr < NP_LOCAL4_MAX)
			l->addr[l->naddr++] = addr;
		else
			l->truncated = true;
	}
	if (prefixlen < 31)
		add_bcast(l, addr | (0xffffffffu >> prefixlen));
	add_bcast(l, brd);
}

bool np_martian_source(const struct np_local4 *l, uint32_t src)
{
	uint8_t top = (uint8_t)(src >> 24);

	if (top == 0 || top == 127 || top >= 224)
		return true;
	return in_list(l->addr, l->naddr, src) || in_list(l->bcast, l->nbcast, src);
}
