#!/bin/sh
# dnsd-wildcard.sh: np-dnsd listening on the wildcard address answers each
# query from the address it was sent to (IP_PKTINFO), on a server with two
# addresses on one link: dig accepts only an answer from the address it asked.
. "$(dirname "$0")/dnsd-lib.sh"

dnsd_lab
np_addr srv eth0 10.77.0.9/24
nsd_start
cat >"$T/dnsd.conf" <<CONF
listen = [ "0.0.0.0" ];
upstreams = [ "10.77.1.2" ];
control_socket = "$T/ctl.sock";
CONF
dnsd_start

for a in 10.77.0.1 10.77.0.9; do
	np_in cli dig +time=2 +tries=1 @$a -b 10.77.0.2 www.example.net A >"$T/ans.$a" 2>&1 || true
	check "asked $a over UDP: answered from $a" sh -c \
		"grep -Eq 'A[[:space:]]+10\.77\.1\.80' '$T/ans.$a' && grep -q 'SERVER: $a#53' '$T/ans.$a' &&
		 ! grep -q 'unexpected source' '$T/ans.$a'"
done
np_log "PASS"
