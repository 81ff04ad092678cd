/*
 * io.c: np-dnsd's waiting clients, its random numbers and the late answers
 * (see io.h).  Everything in io*.c moves bytes; the decisions are the
 * policy library's (query.h, resolver.h).
 */
#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "io.h"

uint32_t dnsd_io_random(void *arg)
{
	struct dnsd *io = arg;

	if (io->rnd_left == 0) {
		if (getrandom(io->rnd, sizeof(io->rnd), 0) != (ssize_t)sizeof(io->rnd)) {
			/* Never expected; a weak fallback beats stopping. */
			for (unsigned i = 0; i < 64; i++)
				io->rnd[i] ^= (uint32_t)dnsd_now_ms() * 2654435761u + i;
		}
		io->rnd_left = 64;
	}
	return io->rnd[--io->rnd_left];
}

/* ---- Waiting clients ------------------------------------------------ */

void dnsd_slots_init(struct dnsd *io)
{
	for (uint32_t i = 0; i < DNSD_SLOTS; i++)
		io->slots[i].next_free = i + 1 < DNSD_SLOTS ? i + 2 : 0;
	io->free_head = 1;
}

/* A free slot's token (0 when none is free). */
uint64_t dnsd_slot_alloc(struct dnsd *io, struct dnsd_slot **out)
{
	uint32_t i;

	if (io->free_head == 0) {
		io->stats.overload++;
		return 0;
	}
	i = io->free_head - 1;
	io->free_head = io->slots[i].next_free;
	if (++io->slot_gen == 0)
		io->slot_gen = 1;
	io->slots[i].gen = io->slot_gen;
	io->slots[i].conn = NULL;
	io->slots[i].has_src = false;
	*out = &io->slots[i];
	return (uint64_t)io->slot_gen << 32 | i;
}

static struct dnsd_slot *slot_get(struct dnsd *io, uint64_t token)
{
	uint32_t i = (uint32_t)token, gen = (uint32_t)(token >> 32);

	if (gen == 0 || i >= DNSD_SLOTS || io->slots[i].gen != gen)
		return NULL;
	return &io->slots[i];
}

void dnsd_slot_free(struct dnsd *io, uint64_t token)
{
	struct dnsd_slot *s = slot_get(io, token);

	if (!s)
		return;
	s->gen = 0;
	s->next_free = io->free_head;
	io->free_head = (uint32_t)token + 1;
}

/* The late answer for a waiting client (a DELIVER action). */
static void io_deliver(struct dnsd *io, uint64_t token, const uint8_t *msg, size_t len)
{
	struct dnsd_slot *s = slot_get(io, token);

	if (!s)
		return;
	if (s->conn) {
		dnsd_tcp_deliver(s->conn, msg, len);
	} else {
		dnsd_udp_send_one(io, s->l, &s->peer, s->peerlen, s->has_src ? &s->src : NULL, msg, len);
	}
	dnsd_slot_free(io, token);
}

/*
 * Carry out the engine's actions in order (query.h, resolver.h), then clear
 * the list.  A SEND that fails is reported back at once; what that appends
 * (the next server, or the waiters' SERVFAIL) is carried out in the same
 * pass, since the walk goes by index up to the list's current length.
 */
void dnsd_io_run(struct dnsd *io)
{
	struct dnsd_actions *a = dnsd_engine_actions(&io->eng);

	for (unsigned i = 0; i < a->n; i++) {
		const struct dnsd_action *act = &a->v[i];

		switch (act->kind) {
		case DNSD_ACT_SEND: {
			struct dnsd_upq *q = act->u.q;

			if (dnsd_up_send(io, q) < 0)
				dnsd_engine_send_failed(&io->eng, q, dnsd_now_ms());
			break;
		}
		case DNSD_ACT_CANCEL:
			dnsd_up_cancel(act->u.io);
			break;
		case DNSD_ACT_DELIVER:
			io_deliver(io, act->u.deliver.token, dnsd_action_msg(a, act),
				   act->u.deliver.len);
			break;
		case DNSD_ACT_CAPS_FALLBACK:
			dnsd_up_caps_fallback(&act->u.server);
			break;
		}
	}
	dnsd_actions_clear(a);
}
