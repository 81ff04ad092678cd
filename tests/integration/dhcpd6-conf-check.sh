#!/bin/sh
# dhcpd6-conf-check.sh: np-dhcpd -t refuses bad subnets6 with FILE:LINE and
# what is wrong (a pool outside its subnet, overlapping pools, a bad DUID,
# delegated_length not longer than the pd prefix, duplicate reservations,
# preferred above valid lifetime), and accepts a good one.
set -u
dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
[ -x "$dhcpd" ] || { echo "ERROR: $dhcpd not built" >&2; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/dhcpd6-conf.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "dhcpd6-conf-check.sh: FAIL: $*" >&2; exit 1; }

conf_head() {
	cat <<CONF
interfaces = [ "lo" ];
lease_file = "$T/leases";
subnets = ( { subnet = "10.0.0.0/24"; } );
CONF
}
# expect NAME LINE-AND-TEXT: the config in $T/NAME.conf is refused with that.
expect() {
	"$dhcpd" -t -c "$T/$1.conf" >"$T/$1.out" 2>&1 && fail "$1: accepted"
	grep -Fq "$T/$1.conf:$2" "$T/$1.out" || fail "$1: expected '$2': $(cat "$T/$1.out")"
}

{ conf_head; cat <<'CONF'
subnets6 = ( { subnet = "2001:db8:1::/64";
    pools = ( { first = "2001:db8:2::1"; last = "2001:db8:2::5"; } ); } );
CONF
} >"$T/outside.conf"
expect outside "5: pool 2001:db8:2::1-2001:db8:2::5 is not a range inside the subnet"

{ conf_head; cat <<'CONF'
subnets6 = ( { subnet = "2001:db8:1::/64";
    pools = ( { first = "2001:db8:1::10"; last = "2001:db8:1::20"; },
              { first = "2001:db8:1::15"; last = "2001:db8:1::30"; } ); } );
CONF
} >"$T/overlap.conf"
expect overlap "6: pool 2001:db8:1::15-2001:db8:1::30 overlaps pool 1 of the subnet"

{ conf_head; cat <<'CONF'
subnets6 = ( { subnet = "2001:db8:1::/64";
    pd_pools = ( { prefix = "2001:db8:100::/56"; delegated_length = 48; } ); } );
CONF
} >"$T/pdlen.conf"
expect pdlen "5: delegated_length 48 is not longer than the prefix's /56"

{ conf_head; cat <<'CONF'
subnets6 = ( { subnet = "2001:db8:1::/64";
    reservations = ( { duid = "zz:01"; address = "2001:db8:1::5"; } ); } );
CONF
} >"$T/duid.conf"
expect duid "5: duid \"zz:01\" is not a DUID"

{ conf_head; cat <<'CONF'
subnets6 = ( { subnet = "2001:db8:1::/64";
    reservations = ( { duid = "00:01:00:01:aa"; address = "2001:db8:1::6"; },
                     { duid = "00:01:00:01:aa"; address = "2001:db8:1::7"; } ); } );
CONF
} >"$T/dup.conf"
expect dup "6: this DUID has a reservation already at $T/dup.conf:5"

{ conf_head; cat <<'CONF'
subnets6 = ( { subnet = "2001:db8:1::/64"; preferred_lifetime = "3h"; valid_lifetime = "1h"; } );
CONF
} >"$T/life.conf"
expect life "4: preferred_lifetime must not exceed valid_lifetime"

{ conf_head; cat <<'CONF'
information_refresh_time = "1d";
subnets6 = ( { subnet = "2001:db8:1::/64"; interface = "lo";
    pools = ( { first = "2001:db8:1::10"; last = "2001:db8:1::20"; } );
    pd_pools = ( { prefix = "2001:db8:100::/40"; delegated_length = 56; } );
    options = { dns_servers = [ "2001:db8:1::53" ]; domain_search = [ "lan" ];
                ntp_servers = [ "2001:db8:1::123" ]; };
    reservations = ( { duid = "00:01:00:01:aa"; address = "2001:db8:1::6"; hostname = "nas"; } ); } );
CONF
} >"$T/good.conf"
"$dhcpd" -t -c "$T/good.conf" >"$T/good.out" 2>&1 || fail "good config refused: $(cat "$T/good.out")"
echo "np-dhcpd -t checks subnets6"
