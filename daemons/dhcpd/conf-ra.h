/*
 * conf-ra.h: the router_advertisements settings of np-dhcpd.conf(5), read
 * into ra.h's plain struct ra_config, one per advertising interface.
 */
#ifndef NP_DHCPD_CONF_RA_H
#define NP_DHCPD_CONF_RA_H

#include <stddef.h>

#include <libconfig.h>

#include "../common/conf.h"
#include "ra.h"

#define RA_MAX_INTERFACES 32

/* The keys of one router_advertisements entry, for np_conf_check_keys(). */
extern const struct np_conf_key dhcpd_ra_keys[];

/*
 * Read root's router_advertisements list (absent: none) into *out, a
 * calloc'd array of *count entries (free() it).  Errors go to e with
 * FILE:LINE; warnings (managed without a subnets6 entry) are logged.
 */
int dhcpd_ra_conf_load(struct np_conf_err *e, const config_setting_t *root,
		       struct ra_config **out, size_t *count);

#endif
