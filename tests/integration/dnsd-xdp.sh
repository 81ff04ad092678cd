#!/bin/sh
# dnsd-xdp.sh: np-dnsd with xdp_interface answers UDP queries through an
# AF_XDP socket: dig gets local, forwarded and cached answers (the kernel
# drops a datagram whose UDP checksum is wrong, and tshark checks the
# frame), the counters show which path each answer took, everything the
# program does not take (ARP, ICMP, TCP, other ports) still reaches the
# kernel, only frames to srv's own MAC are taken, malformed frames,
# martian sources (srv's own addresses and its subnets' broadcast addresses
# among them, also those added at run time) and queries from UDP source
# ports 0, 7 and 19 are counted and dropped with no answer on the wire
# (captured on the client's side), the program leaves the interface
# when np-dnsd stops (even when it is killed) and a quick restart gets the
# queue back, and a wildcard listener on a router takes only its own
# addresses' queries, never those routed through it.
. "$(dirname "$0")/dnsd-lib.sh"
command -v tshark >/dev/null 2>&1 || np_skip_or_fail "tshark not installed"
/usr/bin/python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null ||
	np_skip_or_fail "this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)"

dnsd_lab
nsd_start
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
xdp_interface = "eth0";
local_zone = "lan.";
records = [ "printer.lan. 300 IN A 10.77.0.50" ];
control_socket = "$T/ctl.sock";
CONF
dnsd_start

xdp_attached() { ip -n "$(np_ns srv)" link show dev eth0 | grep -q 'prog/xdp'; }
check "the XDP program is on srv's eth0" xdp_attached
check "the log names AF_XDP" grep -q 'through AF_XDP' "$T/dnsd.log"

rx0=$(stat xdp.received)
np_bg cli tcpdump -i eth0 -U -n -w "$T/wire.pcap" udp port 53
np_wait 5 test -s "$T/wire.pcap"
sleep 0.5
q printer.lan A >"$T/local" 2>&1
q www.example.net A >"$T/miss" 2>&1
q www.example.net A >"$T/hit" 2>&1
sleep 0.5
kill "$NP_BG_PID" 2>/dev/null
wait "$NP_BG_PID" 2>/dev/null
check "a local name answered" grep -Eq 'printer\.lan\..*A[[:space:]]+10\.77\.0\.50' "$T/local"
check "a forwarded name answered" grep -Eq 'www\.example\.net\..*A[[:space:]]+10\.77\.1\.80' "$T/miss"
check "the cached answer came back" grep -Eq 'www\.example\.net\..*A[[:space:]]+10\.77\.1\.80' "$T/hit"
rx1=$(stat xdp.received)
check "the three queries came through the ring ($rx0 -> $rx1)" test "$((rx1 - rx0))" -ge 3
check "two answers left through the ring (local and cached)" test "$(stat xdp.sent)" -ge 2
check "nothing fell back for want of a frame" test "$(stat xdp.fallback-sent)" = 0

# The answers on the wire, in order: printer.lan (ring), www (the upstream's
# answer, later, through the kernel socket), www again (ring, from the
# cache).  Those from the ring carry full IPv4 and UDP checksums (the
# kernel's own carry a partial UDP sum on veth, which tshark calls bad).
tshark -r "$T/wire.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-Y 'ip.src == 10.77.0.1' -T fields -e udp.srcport -e ip.checksum.status \
	-e udp.checksum.status -e dns.flags.response >"$T/answers" 2>"$T/tshark.err"
check "three answers captured" test "$(wc -l <"$T/answers")" -eq 3
check "the ring's answers: from port 53, both checksums good, a response" \
	sh -c "sed -n '1p;3p' '$T/answers' | grep -Ec '^53[[:space:]]+1[[:space:]]+1[[:space:]]+1$' | grep -qx 2"

# A changed xdp_interface is refused on reload, FILE:LINE named, and the
# running configuration (its record and its ring) kept.
sed -e 's/xdp_interface = "eth0"/xdp_interface = "lo"/' -e 's/10\.77\.0\.50/10.77.0.51/' \
	"$T/dnsd.conf" >"$T/reload.conf"
cp "$T/dnsd.conf" "$T/dnsd.conf.orig"
cp "$T/reload.conf" "$T/dnsd.conf"
kill -HUP "$DNSD_PID"
check "a changed xdp_interface is refused with FILE:LINE" np_wait 5 grep -q \
	"reload failed, keeping the running configuration: $T/dnsd.conf:3: xdp_interface takes effect on restart only" \
	"$T/dnsd.log"
cp "$T/dnsd.conf.orig" "$T/dnsd.conf"
r0=$(stat xdp.received)
q printer.lan A >"$T/reloaded" 2>&1
r1=$(stat xdp.received)
check "after the refused reload: the old record, through the ring ($r0 -> $r1)" sh -c \
	"grep -q '10.77.0.50' '$T/reloaded' && test $r1 -gt $r0"
# A reload that changes nothing restart-only keeps the ring.
kill -HUP "$DNSD_PID"
check "the unchanged file reloaded" np_wait 5 grep -q 'configuration reloaded from' "$T/dnsd.log"
r0=$(stat xdp.received)
q printer.lan A >"$T/reloaded2" 2>&1
r1=$(stat xdp.received)
check "after a reload: answered through the ring ($r0 -> $r1)" sh -c \
	"grep -q '10.77.0.50' '$T/reloaded2' && test $r1 -gt $r0"

# What the program passes on: ICMP (and so ARP before it), TCP, another port.
check "ping (ARP and ICMP) still works" np_in cli ping -c 1 -W 2 10.77.0.1
np_in cli dig +tcp +time=2 +tries=1 @10.77.0.1 -b 10.77.0.2 www.example.net A >"$T/tcp" 2>&1
check "a TCP query answered" grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/tcp"
rx2=$(stat xdp.received)
np_in cli dig +time=1 +tries=1 -p 5353 @10.77.0.1 -b 10.77.0.2 www.example.net A >"$T/other" 2>&1
check "another UDP port reaches the kernel (port unreachable)" \
	grep -Eq 'connection refused|unreachable|timed out' "$T/other"
check "...and not the ring" test "$(stat xdp.received)" = "$rx2"

# Malformed queries through the ring: counted and dropped, the daemon fine.
m0=$(stat malformed-dropped)
np_in cli /usr/bin/python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 0))
for payload in (b"", b"\x12", b"\x00" * 11, b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"):
    s.sendto(payload, ("10.77.0.1", 53))
PY
sleep 0.5
dnsd_alive
m1=$(stat malformed-dropped)
check "malformed queries counted ($m0 -> $m1)" test "$m1" -gt "$m0"
q printer.lan A >"$T/after" 2>&1
check "answers after the malformed ones" grep -q '10.77.0.50' "$T/after"

# What the program leaves to the kernel socket, answered all the same: a
# query in IP fragments (1,800 octets of EDNS padding) and one with IP options.
rx3=$(stat xdp.received)
np_in cli /usr/bin/python3 - >"$T/passed" 2>&1 <<'PY'
import socket
import dns.edns, dns.message
def ask(sock, pad):
    q = dns.message.make_query("printer.lan.", "A")
    q.use_edns(0, payload=4096, options=[dns.edns.GenericOption(12, b"\0" * pad)] if pad else [])
    sock.settimeout(2)
    sock.sendto(q.to_wire(), ("10.77.0.1", 53))
    r = dns.message.from_wire(sock.recv(4096))
    return " ".join(str(rr) for rrset in r.answer for rr in rrset)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 0))
s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: fragment
print("fragmented", ask(s, 1800))
o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
o.bind(("10.77.0.2", 0))
o.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x01\x01\x01\x00")   # NOP NOP NOP EOL
print("options", ask(o, 0))
PY
cat "$T/passed" >&2
check "a fragmented query answered" grep -q '^fragmented 10.77.0.50' "$T/passed"
check "a query with IP options answered" grep -q '^options 10.77.0.50' "$T/passed"
check "...both by the kernel socket, not the ring" test "$(stat xdp.received)" = "$rx3"

# Frames the program takes that are not well-formed: counted, recycled.
bad0=$(stat xdp.malformed)
np_in cli /usr/bin/python3 - "$(np_mac srv eth0)" "$(np_mac cli eth0)" <<'PY'
import socket, struct, sys
dst, src = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:3])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def frame(total_len=None, bad_csum=False, to=None, src_ip="10.77.0.2"):
    payload = b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x07printer\x03lan\x00\x00\x01\x00\x01"
    udp = struct.pack("!HHHH", 40000, 53, 8 + len(payload), 0) + payload
    tl = total_len or 20 + len(udp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tl, 1, 0, 64, 17, 0,
                     socket.inet_aton(src_ip), socket.inet_aton("10.77.0.1"))
    c = csum(ip) ^ (0xffff if bad_csum else 0)
    ip = ip[:10] + struct.pack("!H", c) + ip[12:]
    return (to or dst) + src + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(frame(bad_csum=True))
s.send(frame(total_len=1400))
PY
sleep 0.5
dnsd_alive
check "two bad frames counted as malformed ($bad0 -> $(stat xdp.malformed))" \
	test "$(stat xdp.malformed)" -eq $((bad0 + 2))

# Forged sources the kernel would refuse (martian: its own addresses, its
# subnets' broadcast addresses, the fixed ranges) and UDP source ports no
# query is answered to (0; echo, chargen): each counted and dropped, and no
# answer on the wire.  Captured on cli's side: the ring's answers pass by
# srv's own packet taps.  Then addresses added to srv at run time are
# refused as sources too, without a reload.
# forged SRC SPORT...: one query from each source (port 40002), then one
# from cli's address from each SPORT, all through the ring.
forged() {
	np_in cli /usr/bin/python3 - "$(np_mac srv eth0)" "$(np_mac cli eth0)" "$@" <<'PY'
import socket, sys
from scapy.all import DNS, DNSQR, IP, UDP, Ether
dst, src = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for a in sys.argv[3:]:
    ip, sport = (a, 40002) if "." in a else ("10.77.0.2", int(a))
    f = Ether(dst=dst, src=src) / IP(src=ip, dst="10.77.0.1") / UDP(sport=sport, dport=53) / \
        DNS(id=0x4242, rd=1, qd=DNSQR(qname="printer.lan", qtype="A"))
    s.send(bytes(f))
PY
}
# answers_to FILTER: answers from srv in the capture that match.
answers_to() {
	tcpdump -r "$T/forged.pcap" -n "udp and src host 10.77.0.1 and src port 53 and ($1)" \
		2>/dev/null | wc -l
}
capture_forged() {
	rm -f "$T/forged.pcap"
	np_bg cli tcpdump -i eth0 -U -n -w "$T/forged.pcap" udp and src port 53
	CAP_PID=$NP_BG_PID
	np_wait 5 test -s "$T/forged.pcap"
	sleep 0.5
	forged "$@"
	# The ring is read in order: this answer comes after the forged ones were handled.
	q printer.lan A >"$T/barrier" 2>&1
	np_wait 5 barrier_captured
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	check "the capture sees the ring's answers (the barrier query's)" barrier_captured
}
barrier_captured() { [ "$(answers_to 'dst host 10.77.0.2')" -ge 1 ]; }
ma0=$(stat xdp.martian-dropped) sp0=$(stat source-port-dropped)
capture_forged 10.77.0.1 10.77.0.255 10.77.1.1 10.77.1.255 255.255.255.255 127.0.0.1 0 7 19
dnsd_alive
check "six martian sources counted ($ma0 -> $(stat xdp.martian-dropped))" \
	test "$(stat xdp.martian-dropped)" -eq $((ma0 + 6))
check "three refused source ports counted ($sp0 -> $(stat source-port-dropped))" \
	test "$(stat source-port-dropped)" -eq $((sp0 + 3))
check "no answer to srv's own addresses" test "$(answers_to 'dst host 10.77.0.1 or dst host 10.77.1.1')" = 0
check "no answer to a subnet broadcast address" \
	test "$(answers_to 'dst host 10.77.0.255 or dst host 10.77.1.255 or dst host 255.255.255.255')" = 0
check "no answer to port 0, 7 or 19" \
	test "$(answers_to 'dst port 0 or dst port 7 or dst port 19')" = 0

u0=$(stat xdp.address-updates) l0=$(stat xdp.local-addresses)
ip -n "$(np_ns srv)" addr add 10.77.0.9/24 dev eth0
ip -n "$(np_ns srv)" addr add 10.77.5.1/24 dev eth1
updated() { [ "$(stat xdp.local-addresses)" -eq $((l0 + 2)) ]; }
np_wait 5 updated || np_fail "the new addresses were not read: $(stat xdp.local-addresses) (was $l0)"
check "addresses re-read at run time ($u0 -> $(stat xdp.address-updates))" \
	test "$(stat xdp.address-updates)" -gt "$u0"
ma1=$(stat xdp.martian-dropped)
capture_forged 10.77.0.9 10.77.5.255
check "sources added at run time counted ($ma1 -> $(stat xdp.martian-dropped))" \
	test "$(stat xdp.martian-dropped)" -eq $((ma1 + 2))
check "no answer to them" test "$(answers_to 'dst host 10.77.0.9 or dst host 10.77.5.255')" = 0
ip -n "$(np_ns srv)" addr del 10.77.0.9/24 dev eth0
ip -n "$(np_ns srv)" addr del 10.77.5.1/24 dev eth1

# Only frames to srv's own MAC are taken: one to the broadcast MAC reaches
# the kernel (which answers it), one to another host's MAC (as seen in
# promiscuous mode) is the kernel's to drop.
ip -n "$(np_ns srv)" link set eth0 promisc on
x0=$(stat xdp.received) n0=$(stat num.queries.udp)
np_in cli /usr/bin/python3 - "$(np_mac srv eth0)" "$(np_mac cli eth0)" <<'PY'
import socket, struct, sys
src = bytes.fromhex(sys.argv[2].replace(":", ""))
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
payload = b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x07printer\x03lan\x00\x00\x01\x00\x01"
udp = struct.pack("!HHHH", 40001, 53, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 2, 0, 64, 17, 0,
                 socket.inet_aton("10.77.0.2"), socket.inet_aton("10.77.0.1"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for to in (b"\xff" * 6, b"\x02\x00\x00\x00\x00\x99"):
    s.send(to + src + b"\x08\x00" + ip + udp)
PY
sleep 0.5
ip -n "$(np_ns srv)" link set eth0 promisc off
check "frames to other MACs never reach the ring" test "$(stat xdp.received)" = "$x0"
check "the broadcast one reached the kernel socket, the other host's did not" \
	test "$(stat num.queries.udp)" -eq $((n0 + 1))
q printer.lan A >"$T/after2" 2>&1
check "answers after the bad frames" grep -q '10.77.0.50' "$T/after2"

# The program leaves with the daemon: on SIGTERM, and on SIGKILL.
kill "$DNSD_PID"
wait "$DNSD_PID" 2>/dev/null
check "no XDP program after SIGTERM" sh -c "! ip -n $(np_ns srv) link show dev eth0 | grep -q prog/xdp"
np_bg srv "$dnsd" -c "$T/dnsd.conf" 2>>"$T/dnsd.log"
DNSD_PID=$NP_BG_PID
np_wait 5 xdp_attached
kill -9 "$DNSD_PID"
wait "$DNSD_PID" 2>/dev/null
np_wait 5 sh -c "! ip -n $(np_ns srv) link show dev eth0 | grep -q prog/xdp"
check "no XDP program after SIGKILL" sh -c "! ip -n $(np_ns srv) link show dev eth0 | grep -q prog/xdp"

# Listening on the wildcard address, on a router: the program takes only
# srv's own addresses, so a query passing through srv to NSD is forwarded
# by the kernel, not answered here.
ip netns exec "$(np_ns srv)" sysctl -qw net.ipv4.ip_forward=1
ip -n "$(np_ns cli)" route add 10.77.1.0/24 via 10.77.0.1
ip -n "$(np_ns up)" route add 10.77.0.0/24 via 10.77.1.1
sed 's/listen = \[ "10.77.0.1" \];/listen = [ "0.0.0.0" ];/' "$T/dnsd.conf" >"$T/wild.conf"
np_bg srv "$dnsd" -c "$T/wild.conf" 2>>"$T/dnsd.log"
DNSD_PID=$NP_BG_PID
np_wait 5 np_in cli dig +time=1 +tries=1 @10.77.0.1 -b 10.77.0.2 printer.lan A >/dev/null ||
	np_fail "np-dnsd on 0.0.0.0 did not answer"
w0=$(stat xdp.received)
q printer.lan A >"$T/wild-own" 2>&1
check "wildcard: asked 10.77.0.1, answered from it" sh -c \
	"grep -q '10.77.0.50' '$T/wild-own' && grep -q 'SERVER: 10.77.0.1#53' '$T/wild-own'"
check "...through the ring" test "$(stat xdp.received)" -gt "$w0"
w1=$(stat xdp.received)
np_in cli dig +time=2 +tries=1 @10.77.1.2 -b 10.77.0.2 www.example.net A >"$T/routed" 2>&1
check "a query routed through srv reaches NSD (authoritative answer)" sh -c \
	"grep -q 'flags: qr aa' '$T/routed' && grep -q 'SERVER: 10.77.1.2#53' '$T/routed'"
check "...and never the ring" test "$(stat xdp.received)" = "$w1"
kill "$DNSD_PID"
wait "$DNSD_PID" 2>/dev/null

# A missing interface is refused at start with the setting named.
sed 's/xdp_interface = "eth0"/xdp_interface = "nosuch0"/' "$T/dnsd.conf" >"$T/bad.conf"
np_in srv "$dnsd" -c "$T/bad.conf" >"$T/bad.log" 2>&1 && np_fail "started without its interface"
cat "$T/bad.log" >&2
check "refused: xdp_interface nosuch0" grep -q 'xdp_interface nosuch0: No such device' "$T/bad.log"
np_log "PASS"
