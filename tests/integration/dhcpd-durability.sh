#!/bin/sh
# dhcpd-durability.sh: kill -9 np-dhcpd at random moments under perfdhcp
# load, restart it, and check that no lease ACKed on the wire is lost and no
# address is bound to two clients (RFC 2131 §4.3.1: the binding is on
# stable storage before the DHCPACK).
#
#   - compact_every = 1000, so under load the store is compacted (snapshot
#     written, synced and renamed over the old one) every second and the
#     kills also land inside compactions;
#   - perfdhcp (as a relay) runs for the whole test; np-dhcpd is killed
#     with SIGKILL ROUNDS times (default 4) after a random 0.5-2.5 s of
#     load each, and started again on the same lease file;
#   - tcpdump on the server's veth records every reply np-dhcpd sent;
#   - at the end np-dhcpd is killed -9 once more and the lease store is
#     replayed by dhcpd-leases (libdhcpd's leasedb_open() and
#     lease_apply_rec(), the daemon's own start-up path): for every client
#     the address of its last ACK on the wire must be bound to it, no
#     address may have been ACKed to two clients, and no client may hold
#     two bound leases.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
leases=${NP_BUILDDIR:-.}/tests/integration/dhcpd-leases
ROUNDS=${NP_DURABILITY_ROUNDS:-4}
RATE=${NP_DURABILITY_RATE:-1500}
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
[ -x "$leases" ] || { np_log "ERROR: $leases not built"; exit 99; }
for p in perfdhcp tcpdump tshark; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
np_ns_add srv
np_ns_add rly
np_link srv eth0 rly eth0
np_addr srv eth0 10.77.0.1/24
np_addr rly eth0 10.77.0.2/24
np_addr rly eth0 10.96.0.1/32
np_in srv ip route add 10.96.0.0/12 via 10.77.0.2

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
log_level = "warning";
compact_every = 1000;
relayed_new_clients_per_second = 0;   # perfdhcp invents every client
subnets = (
  { subnet = "10.77.0.0/24"; pools = ( { first = "10.77.0.100"; last = "10.77.0.199"; } ); },
  { subnet = "10.96.0.0/12"; lease_time = "1h";
    pools = ( { first = "10.96.1.0"; last = "10.111.255.250"; } ); }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null 2>&1 || np_fail "config rejected"

start_dhcpd() {
	np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
	DHCPD_PID=$NP_BG_PID
	np_wait 10 np_in srv sh -c "ss -lunp | grep -q ':67 .*pid=$DHCPD_PID,'" \
		|| np_fail "np-dhcpd did not start: $(tail -5 "$T/dhcpd.log")"
}
kill9_dhcpd() {
	kill -9 "$DHCPD_PID"
	wait "$DHCPD_PID" 2>/dev/null
}

np_bg srv tcpdump -U -nni eth0 -w "$T/cap.pcap" udp and src host 10.77.0.1 and src port 67 2>/dev/null
TCPDUMP_PID=$NP_BG_PID
np_wait 5 test -s "$T/cap.pcap" || np_fail "tcpdump did not start"
sleep 0.3

start_dhcpd
# Enough clients that each DORA is a new one; -W: keep listening at the end.
np_bg rly perfdhcp -4 -l 10.96.0.1 -r "$RATE" -R 1000000 -p $((ROUNDS * 4 + 10)) 10.77.0.1 \
	>"$T/perfdhcp.log" 2>&1
PERF_PID=$NP_BG_PID
i=1
while [ $i -le "$ROUNDS" ]; do
	ms=$(awk -v s="$$$i" 'BEGIN { srand(s); printf "%d", 500 + rand() * 2000 }')
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd died by itself: $(tail -5 "$T/dhcpd.log")"
	kill9_dhcpd
	np_log "round $i: kill -9 after $ms ms of load"
	start_dhcpd
	i=$((i + 1))
done
sleep 1
kill9_dhcpd
kill "$PERF_PID" 2>/dev/null
wait "$PERF_PID" 2>/dev/null
sleep 0.3
kill "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null

tshark -r "$T/cap.pcap" -Y "dhcp.option.dhcp == 5" -T fields -E separator=' ' \
	-e dhcp.hw.mac_addr -e dhcp.ip.your >"$T/acks" 2>"$T/tshark.err" \
	|| np_fail "tshark: $(cat "$T/tshark.err")"
nacks=$(wc -l <"$T/acks")
[ "$nacks" -ge $((ROUNDS * 300)) ] || np_fail "only $nacks ACKs under load: $(tail -5 "$T/dhcpd.log")"
[ -s "$T/leases.snapshot" ] || np_fail "the store was never compacted under load"
"$leases" dump "$T/leases" >"$T/db" 2>"$T/dump.err" || np_fail "lease store unreadable: $(cat "$T/dump.err")"
np_log "$nacks ACKs on the wire; store: $(tail -1 "$T/db")"

# The store replayed as np-dhcpd does, against what went out on the wire.
awk '
	FNR == NR {                          # the ACKs, in order
		sub(/,.*/, "", $1)           # chaddr (tshark repeats it from option 61)
		if (ack_of[$2] != "" && ack_of[$2] != $1) {
			print "address " $2 " ACKed to " ack_of[$2] " and " $1; bad = 1
		}
		ack_of[$2] = $1
		last[$1] = $2
		next
	}
	/^#/ { next }
	$2 == "bound" {
		if (held[$3] != "") { print "client " $3 " holds " held[$3] " and " $1; bad = 1 }
		held[$3] = $1
		state[$1] = $3
	}
	END {
		for (m in last) {
			n++
			if (state[last[m]] != m) {
				print "lost: " m " was ACKed " last[m] ", store has " \
					(state[last[m]] == "" ? "no binding" : "it bound to " state[last[m]])
				bad = 1; lost++
			}
		}
		printf "%d clients ACKed, %d lost\n", n, lost > "/dev/stderr"
		exit bad
	}' "$T/acks" "$T/db" >"$T/problems" 2>"$T/summary" || np_fail "$(head -20 "$T/problems"); $(cat "$T/summary")"
np_log "$(cat "$T/summary")"
np_log "PASS"
exit 0
