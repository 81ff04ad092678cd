/*
 * acl.c: np-dnsd's access control (see acl.h).
 */
#include "config.h"

#include "acl.h"

uint32_t dnsd_prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

enum dnsd_acl_action dnsd_acl_check(const struct dnsd_acl_entry *acl, unsigned n, uint32_t addr)
{
	int best = -1;
	enum dnsd_acl_action a = DNSD_ACL_DENY;

	for (unsigned i = 0; i < n; i++)
		if ((addr & dnsd_prefix_mask(acl[i].prefix)) == acl[i].net && (int)acl[i].prefix > best) {
			best = acl[i].prefix;
			a = (enum dnsd_acl_action)acl[i].action;
		}
	return a;
}

bool dnsd_update_allowed(const struct dnsd_policy_conf *conf, uint32_t addr)
{
	for (unsigned i = 0; i < conf->nupdate_acl; i++)
		if ((addr & dnsd_prefix_mask(conf->update_acl[i].prefix)) == conf->update_acl[i].addr)
			return true;
	return false;
}
