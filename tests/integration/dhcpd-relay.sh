#!/bin/sh
# dhcpd-relay.sh: perfdhcp acting as a DHCP relay agent (it binds port 67,
# puts its own address in giaddr and unicasts to the server) gets leases
# from np-dhcpd through UDP port 67:
#   - the subnet is chosen by giaddr (RFC 2131 §4.3.1): two relays on two
#     giaddrs each get addresses of their own subnet only, never of the
#     server's own link or of the other relay's subnet;
#   - replies go back to the relay at giaddr, port 67 (§4.1);
#   - the relay agent information option (82) the relay added comes back
#     unchanged in every OFFER and ACK (RFC 3046 §2.2);
#   - perfdhcp -u finds no address given to two clients.
# What the server sent is checked on the wire (tcpdump on the server's
# side, decoded by tshark), not only from perfdhcp's counters.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
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
# The relay's addresses on the subnets it serves.  perfdhcp sends from the
# interface holding its -l address, so they sit on the veth (as /32).
np_addr rly eth0 10.77.5.1/32
np_addr rly eth0 10.77.6.1/32
np_in srv ip route add 10.77.5.0/24 via 10.77.0.2
np_in srv ip route add 10.77.6.0/24 via 10.77.0.2

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
subnets = (
  { subnet = "10.77.0.0/24"; pools = ( { first = "10.77.0.100"; last = "10.77.0.199"; } ); },
  { subnet = "10.77.5.0/24"; lease_time = "1h";
    pools = ( { first = "10.77.5.100"; last = "10.77.5.199"; } );
    options = { routers = [ "10.77.5.1" ]; }; },
  { subnet = "10.77.6.0/24"; lease_time = "1h";
    pools = ( { first = "10.77.6.10"; last = "10.77.6.99"; } );
    options = { routers = [ "10.77.6.1" ]; }; }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" || np_fail "config rejected"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "np-dhcpd not listening: $(cat "$T/dhcpd.log")"

np_bg srv tcpdump -U -nni eth0 -w "$T/cap.pcap" udp port 67 2>/dev/null
TCPDUMP_PID=$NP_BG_PID
np_wait 5 test -s "$T/cap.pcap" || np_fail "tcpdump did not start"
sleep 0.3

# Option 82: circuit id "rly5"/"rly6", remote id 6 octets (RFC 3046 §3.1, §3.2).
O82_5=0104726c79350206020000000505
O82_6=0104726c79360206020000000606
N=40
relay() {  # relay GIADDR OPT82HEX LOG
	np_in rly timeout 30 perfdhcp -4 -l "$1" -o "82,$2" -u -R $N -n $N -r 20 -d 2 -W 1000000 \
		-b "mac=02:00:00:00:$(echo "$1" | cut -d. -f3 | xargs printf %02x):00" \
		10.77.0.1 >"$3" 2>&1
}
relay 10.77.5.1 "$O82_5" "$T/perf5.log" || np_fail "relay 10.77.5.1: perfdhcp failed: $(cat "$T/perf5.log")"
relay 10.77.6.1 "$O82_6" "$T/perf6.log" || np_fail "relay 10.77.6.1: perfdhcp failed: $(cat "$T/perf6.log")"
for f in perf5 perf6; do
	grep -q "non unique addresses: 0" "$T/$f.log" || np_fail "$f: address given twice: $(cat "$T/$f.log")"
	grep -A3 "REQUEST-ACK" "$T/$f.log" | grep -q "received packets: $N" \
		|| np_fail "$f: not every REQUEST was ACKed: $(cat "$T/$f.log")"
done
sleep 0.5
kill "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd died: $(cat "$T/dhcpd.log")"

# Every reply: type, destination, giaddr, yiaddr, option 82 bytes.
tshark -r "$T/cap.pcap" -Y "ip.src == 10.77.0.1 && dhcp" -T fields -E separator=' ' \
	-e dhcp.option.dhcp -e ip.dst -e udp.dstport -e dhcp.ip.relay -e dhcp.ip.your \
	-e dhcp.option.agent_information_option.agent_circuit_id \
	-e dhcp.option.agent_information_option.agent_remote_id >"$T/replies" 2>"$T/tshark.err" \
	|| np_fail "tshark: $(cat "$T/tshark.err")"
check_relay() {  # check_relay GIADDR PREFIX CIRCUIT REMOTE
	awk -v g="$1" -v p="$2" -v c="$3" -v r="$4" -v n=$N '
		$4 != g { next }
		{ seen[$1]++ }
		$2 != g || $3 != 67 { print "not sent to the relay: " $0; bad = 1 }
		index($5, p) != 1 { print "address outside the relay subnet: " $0; bad = 1 }
		$6 != c || $7 != r { print "option 82 not echoed: " $0; bad = 1 }
		$1 == 5 { acks[$5]++ }
		END {
			if (seen[2] < n || seen[5] < n) { print "offers " seen[2] " acks " seen[5] " of " n; bad = 1 }
			for (a in acks) k++
			if (k != n) { print k " distinct ACKed addresses for " n " clients"; bad = 1 }
			exit bad
		}' "$T/replies"
}
# tshark prints octet strings as colon-separated hex.
sed -i 's/\([0-9a-f][0-9a-f]\):/\1/g' "$T/replies"
out=$(check_relay 10.77.5.1 10.77.5.1 726c7935 020000000505) || np_fail "relay 10.77.5.1: $out"
out=$(check_relay 10.77.6.1 10.77.6. 726c7936 020000000606) || np_fail "relay 10.77.6.1: $out"
grep -q " 10.77.0.1[0-9][0-9] " "$T/replies" && np_fail "a relayed client got an address of the server's own link"
np_log "ACKs: $(grep -c '^5 ' "$T/replies"), all through giaddr with option 82 echoed"
np_log "PASS"
exit 0
