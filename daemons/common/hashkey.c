/*
 * hashkey.c: the I/O side's draw of a hash map key (see hashmap.h).
 */
#include <stdint.h>
#include <sys/random.h>
#include <sys/types.h>

#include "hashkey.h"

void np_hmap_key_draw(struct np_hmap_key *key)
{
	uint64_t k[2];

	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		/* No entropy yet (early boot): the addresses still differ per run (ASLR). */
		k[0] = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;
		k[1] = (uint64_t)(uintptr_t)&k ^ 0xd6e8feb86659fd93ull;
	}
	key->k0 = k[0];
	key->k1 = k[1];
}
