#!/bin/sh
# netio-filter.sh: netio's kernel (BPF) filters on a real veth, against
# real senders.  In namespace a, AF_PACKET sockets opened by np_packet_open()
# with each filter listen while b runs arping (Habets), ping, udhcpc and
# plain UDP/TCP senders.  Each filtered socket must get what it is for and
# nothing else; an unfiltered socket beside it proves the other frames did
# arrive, so "nothing else" is not vacuous.
set -u
. "$(dirname "$0")/netns.sh"

probe=${NP_BUILDDIR:-.}/tests/integration/netio-probe
[ -x "$probe" ] || { np_log "ERROR: $probe not built (make check builds it)"; exit 99; }
PY=/usr/bin/python3

np_lab_init
np_ns_add a
np_ns_add b
np_link a eth0 b eth0
ip -n "$(np_ns a)" link set eth0 address 02:00:00:00:00:0a
ip -n "$(np_ns b)" link set eth0 address 02:00:00:00:00:0b
np_addr a eth0 10.77.0.1/24
np_addr b eth0 10.77.0.2/24
np_addr b eth0 10.77.0.3/24
np_wait 5 np_in b ping -c1 -W1 10.77.0.1 >/dev/null || np_fail "no ping across the veth"
T=$(np_tmp)
AMAC=02:00:00:00:00:0a
BMAC=02:00:00:00:00:0b

# listen NAME FILTER SECONDS: a probe in a; its frames go to $T/NAME.
# SECONDS is only a safety net: finish() stops the probes.
listen() {
	np_bg a "$probe" recv eth0 "$2" "$3" >"$T/$1" 2>"$T/$1.err"
	eval "pid_$1=\$NP_BG_PID"
	np_wait 5 grep -q '^ready' "$T/$1" || np_fail "probe $1 did not start: $(cat "$T/$1.err")"
}
# finish NAME...: let the last frames land, then stop the probes.
finish() {
	sleep 0.5
	for _n in "$@"; do eval "kill \$pid_$_n; wait \$pid_$_n" 2>/dev/null; done
}
has() { grep -q -- "$2" "$T/$1" || np_fail "$1 lacks '$2':$(printf '\n'; cat "$T/$1")"; }
lacks() { ! grep -q -- "$2" "$T/$1" || np_fail "$1 has '$2':$(printf '\n'; grep -- "$2" "$T/$1")"; }
count() { grep -c -- "$2" "$T/$1"; }

# ---- ARP: requests from arping reach the arp-request socket; the kernel's
# ARP replies (to a's own arping) and ICMP do not.
listen arpreq arp-request 30
listen arpany arp-any 30
listen arpall all 30
np_in b arping -i eth0 -c 3 -w 3 10.77.0.1 >"$T/arping-b.log" 2>&1 \
	|| np_fail "arping from b got no reply: $(cat "$T/arping-b.log")"
np_in a arping -i eth0 -c 2 -w 3 10.77.0.2 >/dev/null 2>&1
np_in b ping -c 2 -i 0.2 10.77.0.1 >/dev/null
finish arpreq arpany arpall

# The witness saw all three kinds arrive.
has arpall "src=$BMAC .* arp op=1 spa=10.77.0.2 tpa=10.77.0.1"
has arpall "src=$BMAC .* arp op=2"
has arpall "icmp type=8"
# The arp-request socket: arping's three requests, nothing else.
[ "$(count arpreq "src=$BMAC .* arp op=1 spa=10.77.0.2 tpa=10.77.0.1")" -ge 3 ] \
	|| np_fail "arp-request socket missed arping's requests: $(cat "$T/arpreq")"
lacks arpreq "op=2"
lacks arpreq "ipv4"
[ "$(grep -vc ' arp op=1 ' "$T/arpreq")" = 1 ] || np_fail "arp-request socket got other frames"
# arp-any: requests and replies, no IP.
has arpany "arp op=1"
has arpany "src=$BMAC .* arp op=2 spa=10.77.0.2 tpa=10.77.0.1"
lacks arpany "ipv4"
# PACKET_IGNORE_OUTGOING: a's own arping requests and ARP replies were not seen.
for f in arpreq arpany arpall; do lacks $f "src=$AMAC"; done

# ---- DHCP: udhcpc's DISCOVERs pass; UDP to other ports, a fragmented
# datagram to port 67 and TCP to port 67 do not.
listen dhcp dhcp 30
listen dhcpall all 30
np_in b udhcpc -f -q -n -i eth0 -s /bin/true -t 2 -T 1 -A 1 >"$T/udhcpc.log" 2>&1
np_in b "$PY" - <<'EOF' || np_fail "python senders failed"
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
u.sendto(b"to 68", ("10.77.0.1", 68))
u.sendto(b"to 53", ("10.77.0.1", 53))
u.sendto(b"bcast 68", ("10.77.0.255", 68))
u.sendto(b"x" * 3000, ("10.77.0.1", 67))      # leaves as fragments (MTU 1500)
t = socket.socket()
t.settimeout(1)
t.connect_ex(("10.77.0.1", 67))               # a TCP SYN to port 67
EOF
finish dhcp dhcpall

has dhcpall "udp 68 > 67 dhcp-type=1"
has dhcpall "udp [0-9]* > 68"
has dhcpall "udp [0-9]* > 53"
has dhcpall "frag=0x2000"
has dhcpall "frag=0x0172"
has dhcpall "tcp [0-9]* > 67"
[ "$(count dhcp "src=02:.* ipv4 0.0.0.0 > 255.255.255.255 proto=17 .* udp 68 > 67 dhcp-type=1")" -ge 2 ] \
	|| np_fail "dhcp socket missed udhcpc's DISCOVERs: $(cat "$T/dhcp")"
[ "$(grep -vc 'udp 68 > 67 dhcp-type=1' "$T/dhcp")" = 1 ] \
	|| np_fail "dhcp socket got other frames: $(grep -v 'udp 68 > 67' "$T/dhcp")"

# ---- Prober: TCP to port 40000 and ICMP, from 10.77.0.2 only.
listen probe tcp-probe:10.77.0.2:40000 30
listen probeall all 30
np_in b "$PY" - <<'EOF' || np_fail "python senders failed"
import socket
def syn(src, port):
    t = socket.socket()
    t.bind((src, 0))
    t.settimeout(1)
    t.connect_ex(("10.77.0.1", port))
    t.close()
syn("10.77.0.2", 40000)
syn("10.77.0.2", 40001)
syn("10.77.0.3", 40000)
EOF
np_in b ping -c 1 -I 10.77.0.2 10.77.0.1 >/dev/null
np_in b ping -c 1 -I 10.77.0.3 10.77.0.1 >/dev/null
finish probe probeall

has probeall "10.77.0.2 > 10.77.0.1 proto=6 .* > 40001"
has probeall "10.77.0.3 > 10.77.0.1 proto=6 .* > 40000"
has probeall "10.77.0.3 > 10.77.0.1 proto=1 .* icmp type=8"
has probe "10.77.0.2 > 10.77.0.1 proto=6 .* tcp [0-9]* > 40000"
has probe "10.77.0.2 > 10.77.0.1 proto=1 .* icmp type=8"
lacks probe "10.77.0.3"
lacks probe "> 40001"
lacks probe " arp "

echo "netio filters: arp-request, arp-any, dhcp and tcp-probe take exactly their frames"
