#!/bin/sh
# arpd-unused.sh: unused_only mode (farpd's): np-arpd probes the range in
# the background, answers only for the addresses nobody answered for, and
# follows changes at the next re-check: an address another host takes
# stops being answered, one it gives up is answered again.
set -u
. "$(dirname "$0")/arpd-lib.sh"
arpd_lab

# cli owns 10.77.3.2 (the kernel answers for it); .1, .3-.5 are unused.
np_addr cli eth0 10.77.3.2/32
conf=$(np_tmp)/arpd.conf
arpd_conf "$conf" <<EOC
interface = "eth0";
entries = ( { address = "10.77.3.1-10.77.3.5"; } );
unused_only = true;
probe = { rate = 100; timeout = "300ms"; recheck = "2s"; };
control_socket = "$CTL";
EOC
arpd_start "$conf"

state_of() {
	arpd_ctl table "{\"address\": \"$1\"}" | /usr/bin/python3 -c \
		"import json,sys; print(json.load(sys.stdin)['arguments']['state'])"
}
is_state() { [ "$(state_of "$1")" = "$2" ]; }

np_wait 3 is_state 10.77.3.1 free || np_fail "10.77.3.1 not free after probing: $(state_of 10.77.3.1)"
is_state 10.77.3.2 used || np_fail "10.77.3.2 (owned by cli) is $(state_of 10.77.3.2)"
is_state 10.77.3.5 free || np_fail "10.77.3.5 is $(state_of 10.77.3.5)"
[ "$(arpd_stat probe-answered)" -ge 1 ] || np_fail "no probe answer counted"
arpd_expect_mac 10.77.3.1 "$SRV_MAC"
arpd_expect_mac 10.77.3.5 "$SRV_MAC"
# 10.77.3.2 from a third party's view: only np-arpd could answer (cli's
# kernel does not answer its own request), and it must not.
np_in cli arping -i eth0 -c 1 -w 500000 10.77.3.2 >/dev/null 2>&1
[ "$(arpd_stat ignored-in-use)" -ge 1 ] || np_fail "a request for a used address was not refused"

# cli gives 10.77.3.2 up and takes 10.77.3.4: the next sweep notices.
ip -n "$(np_ns cli)" addr del 10.77.3.2/32 dev eth0
np_addr cli eth0 10.77.3.4/32
np_wait 6 is_state 10.77.3.2 free || np_fail "10.77.3.2 not free after cli left it"
np_wait 6 is_state 10.77.3.4 used || np_fail "10.77.3.4 not used after cli took it"
ip -n "$(np_ns cli)" addr del 10.77.3.4/32 dev eth0
arpd_expect_mac 10.77.3.2 "$SRV_MAC"
np_log "probes sent: $(arpd_stat probes-sent)"
echo "unused_only: answers only for addresses nobody uses, re-checked in the background"
