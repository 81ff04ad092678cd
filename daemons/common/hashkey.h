/*
 * hashkey.h: where the hash maps' keys come from (the I/O side).
 *
 * A process draws one key at start (getrandom(); the address space layout
 * when the kernel has no entropy yet) and gives it to every table it
 * creates (hashmap.h): the policy libraries never draw randomness.
 */
#ifndef NP_COMMON_HASHKEY_H
#define NP_COMMON_HASHKEY_H

#include "hashmap.h"

void np_hmap_key_draw(struct np_hmap_key *key);

#endif
