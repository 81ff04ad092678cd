#!/bin/sh
# dnsd-srcport.sh: np-dnsd's kernel UDP socket path drops queries from
# UDP source port 0 (no answer can reach it) and from the echo, daytime,
# chargen and time ports (7, 13, 19, 37: a reflection loop), whoever the
# sender claims to be: counted, and no answer on the wire (captured on the
# client's side), while a query from an ordinary port in the same burst is
# answered.  dnsd-xdp.sh checks the same on the AF_XDP path.
. "$(dirname "$0")/dnsd-lib.sh"
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || np_skip_or_fail "python3-scapy not installed"

dnsd_lab
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
local_zone = "lan.";
records = [ "printer.lan. 300 IN A 10.77.0.50" ];
control_socket = "$T/ctl.sock";
CONF
dnsd_start

answers_to() {
	tcpdump -r "$T/wire.pcap" -n "udp and src host 10.77.0.1 and src port 53 and ($1)" \
		2>/dev/null | wc -l
}
answered() { [ "$(answers_to 'dst port 40003')" -ge 1 ]; }

np_bg cli tcpdump -i eth0 -U -n -w "$T/wire.pcap" udp and src port 53
CAP=$NP_BG_PID
np_wait 5 test -s "$T/wire.pcap"
sleep 0.5
p0=$(stat source-port-dropped)
np_in cli /usr/bin/python3 - <<'PY'
from scapy.all import DNS, DNSQR, IP, UDP, send
for sport in (0, 7, 13, 19, 37, 40003):
    send(IP(src="10.77.0.2", dst="10.77.0.1") / UDP(sport=sport, dport=53) /
         DNS(id=sport, rd=1, qd=DNSQR(qname="printer.lan", qtype="A")), verbose=False)
PY
np_wait 5 answered
kill "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null
dnsd_alive
check "the query from port 40003 answered" answered
check "no answer to port 0, 7, 13, 19 or 37" \
	test "$(answers_to 'dst port 0 or dst port 7 or dst port 13 or dst port 19 or dst port 37')" = 0
check "five dropped queries counted ($p0 -> $(stat source-port-dropped))" \
	test "$(stat source-port-dropped)" -eq $((p0 + 5))
check "no send errors (nothing was tried to port 0)" test "$(stat udp.send-errors)" = 0
np_log "PASS"
