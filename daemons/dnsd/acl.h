/*
 * acl.h: np-dnsd's access control, pure: who may query (access_control,
 * longest prefix wins) and who may send RFC 2136 UPDATEs (update_acl).
 */
#ifndef NP_DNSD_ACL_H
#define NP_DNSD_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

/* The netmask of a prefix length (0..32), host order. */
uint32_t dnsd_prefix_mask(unsigned prefix);
/* The ACL verdict for a client address (longest prefix wins; no match: deny). */
enum dnsd_acl_action dnsd_acl_check(const struct dnsd_acl_entry *acl, unsigned n,
				    uint32_t addr);
/* True when addr is inside one of the update_acl prefixes. */
bool dnsd_update_allowed(const struct dnsd_policy_conf *conf, uint32_t addr);

#endif
