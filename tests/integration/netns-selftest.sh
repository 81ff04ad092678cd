#!/bin/sh
# netns-selftest.sh: the lab helper builds a two-host LAN that passes
# traffic, and leaves nothing behind when the script ends.
set -u
. "$(dirname "$0")/netns.sh"

if [ "${1:-}" = inner ]; then
	np_lab_init
	np_ns_add a
	np_ns_add b
	np_link a eth0 b eth0
	np_addr a eth0 10.77.0.1/24
	np_addr b eth0 10.77.0.2/24
	np_wait 5 np_in a ping -c1 -W1 10.77.0.2 >/dev/null || np_fail "no ping across the veth"
	np_bg b sleep 300
	echo "$NP_BG_PID" > "$2"
	np_in a ip -br link show eth0 | grep -q UP || np_fail "link not up"
	exit 0
fi

np_lab_init
pidfile=$(np_tmp)/pid
NP_LAB=np$$i sh "$0" inner "$pidfile" || np_fail "inner lab failed"
ip netns list | grep -q "^np$$i-" && np_fail "namespaces left behind"
kill -0 "$(cat "$pidfile")" 2>/dev/null && np_fail "background process left running"

# A failing lab still cleans up.
NP_LAB=np$$f sh -c '. "$1"; np_lab_init; np_ns_add x; false' sh "$(dirname "$0")/netns.sh" \
	&& np_fail "a failing lab exited 0"
ip netns list | grep -q "^np$$f-" && np_fail "namespaces left behind after a failure"
echo "netns helper: LAN built, traffic passed, cleanup complete"
