/* np-dhcpd policy library (libdhcpd): pure, see include.am. */
#error "libdhcpd is policy: no <event2/buffer.h> (libevent, libconfig and libsystemd belong to io*.c, conf.c, dhcpd.c)"
