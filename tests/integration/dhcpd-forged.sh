#!/bin/sh
# dhcpd-forged.sh: forged messages and exhaustion from a host on the
# server's LAN (scapy, dhcpd-forged.py), with real clients beside it.  Four
# namespaces on one bridge: the server, a udhcpc client ("victim"), the
# attacker, and a udhcpc client that arrives last ("late").
#   1. The attacker sends DHCPRELEASEs of the victim's lease, with the
#      victim's chaddr, client identifier and ciaddr, from its own MAC or
#      IP (RFC 2131 §4.4.6: only the client releases, from its address).
#      The lease stays assigned with its hostname (np-ctl dhcpd leases),
#      no DNS UPDATE deletes the name, and pkt4-spoofed counts all three.
#   2. The attacker sends DISCOVERs with giaddr set to another subnet's
#      address (the server routes that subnet back to the attacker, so an
#      OFFER would reach it): no lease and no OFFER from that subnet's
#      pool (tcpdump on the server), pkt4-relay-untrusted counts both.
#   3. The attacker floods 3,000 DISCOVERs from random MACs in about 3 s
#      at a 100-address pool; then the late client gets a lease within a
#      bounded number of tries, and the counters of new clients held back
#      (pkt4-limit-exceeded) and of the exhausted pool
#      (v4-allocation-fail, subnet[1].v4-allocation-fail) show it.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
forged=$(cd "$(dirname "$0")" && pwd)/dhcpd-forged.py
PY=/usr/bin/python3
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
[ -x "$NPCTL" ] || { np_log "ERROR: $NPCTL not built"; exit 99; }
for p in udhcpc tcpdump tshark; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
$PY -c 'import scapy.all' 2>/dev/null || np_skip_or_fail "python3-scapy not installed"

np_lab_init
T=$(np_tmp)
np_ns_add sw
ip -n "$(np_ns sw)" link add br0 type bridge || np_skip_or_fail "no bridge link type"
ip -n "$(np_ns sw)" link set br0 up
for h in srv victim atk late; do
	np_ns_add $h
	np_link sw "p-$h" $h eth0
	ip -n "$(np_ns sw)" link set "p-$h" master br0
done
VICTIM_MAC=02:00:5e:00:0f:01
ip -n "$(np_ns victim)" link set eth0 address $VICTIM_MAC
ip -n "$(np_ns late)" link set eth0 address 02:00:5e:00:0f:02
np_addr srv eth0 10.77.0.1/24
np_addr atk eth0 10.77.0.66/24
SRV_MAC=$(np_mac srv eth0)
# Replies for the relayed subnet would go to the attacker.
np_in srv ip route add 10.77.5.0/24 via 10.77.0.66

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
subnets = (
  { subnet = "10.77.0.0/24"; pools = ( { first = "10.77.0.100"; last = "10.77.0.199"; } ); },
  { subnet = "10.77.5.0/24"; pools = ( { first = "10.77.5.100"; last = "10.77.5.199"; } ); }
);
dns_update = {
  server = "10.77.0.1:53";
  zone = "lan.example.net";
  timeout = "300ms";
  retries = 1;
};
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null || np_fail "config rejected"

# A DNS server that logs each UPDATE (one line) and answers NOERROR.
cat >"$T/dns.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 53))
log = open(sys.argv[1], "a", buffering=1)
while True:
    q, peer = s.recvfrom(4096)
    log.write(q.hex() + "\n")
    i = 12
    while q[i]:
        i += 1 + q[i]
    flags = 0x8000 | (q[2] & 0x78) << 8
    s.sendto(q[:2] + flags.to_bytes(2, "big") + b"\x00\x01" + b"\x00" * 6 + q[12:i + 5], peer)
PYEOF
: >"$T/updates"
np_bg srv $PY "$T/dns.py" "$T/updates"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
ctl() { "$NPCTL" -s "$T/ctl.sock" -t 5 "$@"; }
np_wait 5 sh -c "'$NPCTL' -s '$T/ctl.sock' -t 1 dhcpd status >/dev/null 2>&1" \
	|| np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"
stat() {  # stat NAME: its value in np-ctl dhcpd stats
	ctl dhcpd stats | awk -v k="$1" '$1 == k { print $2 }'
}

np_bg srv tcpdump -U -nni eth0 -w "$T/cap.pcap" udp and src port 67 2>/dev/null
TCPDUMP_PID=$NP_BG_PID
np_wait 5 test -s "$T/cap.pcap" || np_fail "tcpdump did not start"

# ---- 1. forged RELEASE ------------------------------------------------------
lease() {  # lease NS OUTFILE [TRIES]: udhcpc gets an address, written to OUTFILE
	cat >"$T/hook-$1" <<HOOK
#!/bin/sh
[ "\$1" = bound ] && echo "\$ip" >"$2"
exit 0
HOOK
	chmod +x "$T/hook-$1"
	np_in "$1" udhcpc -f -q -n -i eth0 -t "${3:-5}" -T 1 -A 1 -x hostname:"$1" \
		-s "$T/hook-$1" >"$T/udhcpc-$1.log" 2>&1
}
lease victim "$T/victim.ip" || np_fail "the victim got no lease: $(cat "$T/udhcpc-victim.log")"
VICTIM_IP=$(cat "$T/victim.ip")
np_wait 5 sh -c "[ \$(wc -l <'$T/updates') -ge 2 ]" || np_fail "no DNS UPDATE for the victim's name"
sleep 0.5
U0=$(wc -l <"$T/updates")
S0=$(stat pkt4-spoofed)

out=$(np_in atk $PY "$forged" release eth0 10.77.0.1 "$SRV_MAC" "$VICTIM_IP" $VICTIM_MAC 10.77.0.66 2>&1)
[ "$out" = "sent 3" ] || np_fail "scapy: $out"
sleep 1.5     # what a release does (journal, DNS UPDATE) happens at once
ctl dhcpd leases "$VICTIM_IP" >"$T/lease1" || np_fail "the victim's lease is gone"
grep -Eq '^state-name +assigned$' "$T/lease1" || np_fail "forged RELEASE freed the lease: $(cat "$T/lease1")"
grep -Eq '^hostname +victim$' "$T/lease1" || np_fail "the lease lost its name: $(cat "$T/lease1")"
U1=$(wc -l <"$T/updates")
[ "$U1" = "$U0" ] || np_fail "forged RELEASE sent $((U1 - U0)) DNS UPDATE(s)"
S1=$(stat pkt4-spoofed)
[ -n "$S1" ] && [ $((S1 - ${S0:-0})) -eq 3 ] || np_fail "pkt4-spoofed went from '$S0' to '$S1', not by 3: $(ctl dhcpd stats | grep -E "pkt4|malformed")"
np_log "3 forged RELEASEs of $VICTIM_IP: lease and name kept, pkt4-spoofed $S1"

# ---- 2. giaddr forged by a LAN host ------------------------------------------
R0=$(stat pkt4-relay-untrusted)
out=$(np_in atk $PY "$forged" giaddr eth0 10.77.0.1 10.77.5.1 2>&1)
[ "$out" = "sent 2" ] || np_fail "scapy: $out"
np_wait 5 sh -c "[ \"\$('$NPCTL' -s '$T/ctl.sock' -t 1 dhcpd stats | awk '\$1 == \"pkt4-relay-untrusted\" { print \$2 }')\" = $((${R0:-0} + 2)) ]" \
	|| np_fail "pkt4-relay-untrusted is '$(stat pkt4-relay-untrusted)', not $((${R0:-0} + 2))"
sleep 1
ctl dhcpd leases >"$T/leases2"
grep -q "^10\.77\.5\." "$T/leases2" && np_fail "a LAN host got a lease of the relayed subnet: $(cat "$T/leases2")"
np_log "giaddr forged by a LAN host: no lease of 10.77.5.0/24, pkt4-relay-untrusted $(stat pkt4-relay-untrusted)"

# ---- 3. flood of new clients, then a real one ------------------------------------
out=$(np_in atk $PY "$forged" flood eth0 3000 3 2>&1)
case $out in "sent 3000 in "*) ;; *) np_fail "scapy: $out" ;; esac
np_log "flood: $out"
kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd died: $(tail -5 "$T/dhcpd.log")"
lease late "$T/late.ip" 20 || np_fail "the late client got no lease after the flood: $(cat "$T/udhcpc-late.log")"
grep -Eq '^10\.77\.0\.1[0-9][0-9]$' "$T/late.ip" || np_fail "late client: $(cat "$T/late.ip")"
ctl dhcpd stats >"$T/stats3"
L=$(awk '$1 == "pkt4-limit-exceeded" { print $2 }' "$T/stats3")
A=$(awk '$1 == "v4-allocation-fail" { print $2 }' "$T/stats3")
AS=$(awk '$1 == "subnet[1].v4-allocation-fail" { print $2 }' "$T/stats3")
[ "${L:-0}" -gt 0 ] || np_fail "pkt4-limit-exceeded '$L' after the flood"
[ "${A:-0}" -gt 0 ] && [ "$AS" = "$A" ] || np_fail "v4-allocation-fail '$A', subnet[1] '$AS'"
grep -q "no free address in its pools" "$T/dhcpd.log" || np_fail "no exhaustion line in the log"
np_log "late client got $(cat "$T/late.ip"); pkt4-limit-exceeded $L, v4-allocation-fail $A"
ctl dhcpd leases "$VICTIM_IP" | grep -Eq '^state-name +assigned$' || np_fail "the victim lost its lease"

# No OFFER or ACK of the relayed subnet's pool ever left the server.
kill "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
tshark -r "$T/cap.pcap" -Y dhcp -T fields -e dhcp.ip.your >"$T/yiaddrs" 2>/dev/null
grep -q "^10\.77\.5\." "$T/yiaddrs" && np_fail "the server offered 10.77.5.x: $(grep -c '^10\.77\.5\.' "$T/yiaddrs")"
kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd died"
np_log "PASS"
exit 0
