#!/bin/sh
# dhcpd-probe.sh: conflict detection.  On one bridged link a "squatter"
# namespace uses 10.77.0.100, the first address of np-dhcpd's pool, without
# a lease.  Before offering it, np-dhcpd probes it with an RFC 5227 ARP
# probe (sender IP 0.0.0.0, seen by tcpdump); the squatter's kernel answers,
# so udhcpc is offered another address and never .100, which goes on
# probation (declined-addresses in the statistics).  An address nobody
# holds is offered after one probe's timeout.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
for p in udhcpc tcpdump; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
PY=/usr/bin/python3

np_lab_init
T=$(np_tmp)
np_ns_add srv
np_ns_add cli
np_ns_add sq
ip -n "$(np_ns srv)" link add br0 type bridge 2>/dev/null || np_skip_or_fail "no bridge support"
ip -n "$(np_ns srv)" link set br0 up
for n in cli sq; do
	np_link srv "p$n" $n eth0
	ip -n "$(np_ns srv)" link set "p$n" master br0
done
ip -n "$(np_ns sq)" link set eth0 address 02:00:5e:00:0a:aa
ip -n "$(np_ns cli)" link set eth0 address 02:00:5e:00:0a:01
np_addr srv br0 10.77.0.1/24
np_addr sq eth0 10.77.0.100/24          # the squatter: no lease, just the address

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "br0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
ping_check = true;
probe_timeout = "400ms";
subnets = ( { subnet = "10.77.0.0/24";
              pools = ( { first = "10.77.0.100"; last = "10.77.0.102"; } ); } );
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null || np_fail "config rejected"

np_bg srv tcpdump -i br0 -nn -U -w "$T/arp.pcap" arp 2>"$T/tcpdump.log"
TCPDUMP_PID=$NP_BG_PID
np_wait 5 grep -q "listening" "$T/tcpdump.log" || np_fail "tcpdump did not start"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 test -S "$T/ctl.sock" || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"

cat >"$T/hook" <<HOOK
#!/bin/sh
[ "\$1" = bound ] && echo "bound ip=\$ip" >>"$T/udhcpc.out"
exit 0
HOOK
chmod +x "$T/hook"

start=$(date +%s%N)
np_in cli udhcpc -f -q -n -i eth0 -s "$T/hook" -t 5 -T 2 -A 1 >"$T/udhcpc.log" 2>&1 \
	|| np_fail "udhcpc got no lease: $(cat "$T/udhcpc.log"); daemon: $(cat "$T/dhcpd.log")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q "^bound ip=10.77.0.101$" "$T/udhcpc.out" \
	|| np_fail "expected 10.77.0.101 (after .100 was found in use): $(cat "$T/udhcpc.out")"
np_log "udhcpc bound 10.77.0.101 in $ms ms"
grep -q "10.77.0.100 is in use by 02:00:5e:00:0a:aa" "$T/dhcpd.log" \
	|| np_fail "conflict not reported: $(cat "$T/dhcpd.log")"

# The wire: RFC 5227 probes (ARP requests, sender IP 0.0.0.0, target MAC
# zero) from the server's bridge for .100 and for .101, and the squatter's
# reply for .100.
# tcpdump writes each frame as it reads it (-U); on a busy machine it may
# lag, so wait until the last probe is in the file before stopping it.
np_wait 5 sh -c "tcpdump -nn -r '$T/arp.pcap' 2>/dev/null | grep -q 'who-has 10.77.0.101 tell 0.0.0.0'" || true
kill "$TCPDUMP_PID" 2>/dev/null
wait "$TCPDUMP_PID" 2>/dev/null
SRV_MAC=$(np_mac srv br0)
tcpdump -nn -e -r "$T/arp.pcap" >"$T/arp.txt" 2>/dev/null
for a in 100 101; do
	grep -q "$SRV_MAC > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length [0-9]*: Request who-has 10.77.0.$a tell 0.0.0.0" "$T/arp.txt" \
		|| np_fail "no RFC 5227 probe for 10.77.0.$a from $SRV_MAC: $(cat "$T/arp.txt")"
done
grep -q "02:00:5e:00:0a:aa > $SRV_MAC.*Reply 10.77.0.100 is-at 02:00:5e:00:0a:aa" "$T/arp.txt" \
	|| np_fail "the squatter's answer is not on the wire: $(cat "$T/arp.txt")"
# Exact probe bytes: the ARP payload of the .100 probe (scapy decodes it).
$PY - "$T/arp.pcap" "$SRV_MAC" <<'PYEOF' || np_fail "probe frame is not an RFC 5227 probe"
import sys
from scapy.all import rdpcap, ARP
mac = sys.argv[2]
for p in rdpcap(sys.argv[1]):
    if ARP in p and p[ARP].op == 1 and p[ARP].pdst == "10.77.0.100" and p.src == mac:
        a = p[ARP]
        assert a.psrc == "0.0.0.0" and a.hwsrc == mac and a.hwdst == "00:00:00:00:00:00", a.show(dump=True)
        assert p.dst == "ff:ff:ff:ff:ff:ff"
        sys.exit(0)
sys.exit(1)
PYEOF

# The statistics: one address declined (found in use), one assigned.
np_ctl_json dhcpd "$T/ctl.sock" statistic-get-all >"$T/stats.json" || np_fail "statistic-get-all failed"
$PY - "$T/stats.json" <<'PYEOF' || np_fail "statistics: $(cat "$T/stats.json")"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["result"] == 0, a
st = a["arguments"]
def v(name): return st[name][0][0]
assert v("declined-addresses") == 1, v("declined-addresses")
assert v("assigned-addresses") == 1, v("assigned-addresses")
assert v("total-addresses") == 3
assert v("probe-conflicts") == 1
assert v("probes-sent") >= 2
assert v("subnet[1].declined-addresses") == 1
PYEOF

# Without the squatter, a fresh client gets .102 after one probe timeout,
# and .100 stays on probation: a third client gets nothing.
ip -n "$(np_ns cli)" link set eth0 address 02:00:5e:00:0a:02
np_in cli ip addr flush dev eth0
: >"$T/udhcpc.out"
np_in cli udhcpc -f -q -n -i eth0 -s "$T/hook" -t 5 -T 2 -A 1 >"$T/udhcpc2.log" 2>&1 \
	|| np_fail "second udhcpc got no lease: $(cat "$T/udhcpc2.log")"
grep -q "^bound ip=10.77.0.102$" "$T/udhcpc.out" || np_fail "second client: $(cat "$T/udhcpc.out")"
ip -n "$(np_ns cli)" link set eth0 address 02:00:5e:00:0a:03
np_in cli ip addr flush dev eth0
: >"$T/udhcpc.out"
if np_in cli udhcpc -f -q -n -i eth0 -s "$T/hook" -t 2 -T 1 -A 1 >"$T/udhcpc3.log" 2>&1; then
	np_fail "a third client got $(cat "$T/udhcpc.out"): .100 must stay on probation"
fi
kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd died: $(cat "$T/dhcpd.log")"
np_log "PASS"
exit 0
