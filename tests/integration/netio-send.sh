#!/bin/sh
# netio-send.sh: frames sent by np_batch_send() on an AF_PACKET socket reach
# the peer (seen by tcpdump and by a receiving AF_PACKET socket), the
# interface facts np_ifinfo_get() reports match `ip`, and a UDP socket
# answers each datagram from the address it was sent to, broadcasts and
# secondary addresses included (IP_PKTINFO).
set -u
. "$(dirname "$0")/netns.sh"

probe=${NP_BUILDDIR:-.}/tests/integration/netio-probe
[ -x "$probe" ] || { np_log "ERROR: $probe not built (make check builds it)"; exit 99; }
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"
PY=/usr/bin/python3

np_lab_init
np_ns_add a
np_ns_add b
np_link a eth0 b eth0
ip -n "$(np_ns a)" link set eth0 address 02:00:00:00:00:0a
ip -n "$(np_ns b)" link set eth0 address 02:00:00:00:00:0b
ip -n "$(np_ns a)" link set eth0 mtu 1400
np_addr a eth0 10.77.0.1/24
np_addr a eth0 10.77.0.11/24
np_addr a eth0 10.77.5.1/16
np_addr b eth0 10.77.0.2/24
np_wait 5 np_in b ping -c1 -W1 10.77.0.1 >/dev/null || np_fail "no ping across the veth"
T=$(np_tmp)

# ---- Interface facts.
np_in a "$probe" info eth0 >"$T/info" || np_fail "info failed"
idx=$(np_in a cat /sys/class/net/eth0/ifindex)
grep -q "^ifindex=$idx mtu=1400 mac=02:00:00:00:00:0a up=1 addr=10.77.0.1/24 addr=10.77.5.1/16 addr=10.77.0.11/24\$" "$T/info" \
	|| np_fail "np_ifinfo_get disagrees with ip: $(cat "$T/info"); ip: $(np_in a ip -4 -o addr show dev eth0)"
np_in a "$probe" info nosuch0 2>"$T/info.err" && np_fail "info on a missing interface succeeded"
grep -q "No such device" "$T/info.err" || np_fail "missing interface: $(cat "$T/info.err")"

# ---- Batched send: 8 frames in one sendmmsg(), seen by tcpdump and by an
# AF_PACKET socket bound to their EtherType (IEEE local experimental 0x88b5).
np_bg b "$probe" recv eth0 proto:0x88b5 30 >"$T/recv" 2>"$T/recv.err"
recv_pid=$NP_BG_PID
np_wait 5 grep -q '^ready' "$T/recv" || np_fail "receiver did not start: $(cat "$T/recv.err")"
np_bg b tcpdump -i eth0 -nn -e -c 8 -w "$T/cap.pcap" ether proto 0x88b5 2>"$T/tcpdump.err"
dump_pid=$NP_BG_PID
np_wait 5 grep -q "listening on" "$T/tcpdump.err" || np_fail "tcpdump did not start"
np_in a "$probe" send eth0 02:00:00:00:00:0b 0x88b5 8 >"$T/send" || np_fail "send: $(cat "$T/send")"
grep -q "^sent 8 pending 0 errors 0$" "$T/send" || np_fail "send: $(cat "$T/send")"
np_wait 5 sh -c "[ \$(grep -c netio-probe '$T/recv') -ge 8 ]" || np_fail "receiver got: $(cat "$T/recv")"
wait "$dump_pid" || np_fail "tcpdump did not see 8 frames"
kill "$recv_pid"
wait "$recv_pid" 2>/dev/null
for i in 0 1 2 3 4 5 6 7; do
	grep -q "^src=02:00:00:00:00:0a pkttype=0 len=60 type=0x88b5 payload=netio-probe $i\$" "$T/recv" \
		|| np_fail "frame $i missing or wrong: $(cat "$T/recv")"
done
[ "$(grep -c . "$T/recv")" = 9 ] || np_fail "receiver got extra frames: $(cat "$T/recv")"
tcpdump -nn -e -r "$T/cap.pcap" 2>/dev/null >"$T/cap.txt"
[ "$(grep -c '02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype Unknown (0x88b5), length 60' "$T/cap.txt")" = 8 ] \
	|| np_fail "tcpdump saw: $(cat "$T/cap.txt")"

# ---- UDP with IP_PKTINFO: replies leave from the address asked.
np_bg a "$probe" udp 6767 30 >"$T/udp" 2>"$T/udp.err"
udp_pid=$NP_BG_PID
np_wait 5 grep -q '^ready' "$T/udp" || np_fail "udp server did not start: $(cat "$T/udp.err")"
np_in b "$PY" - >"$T/client" <<'EOF' || np_fail "udp client: $(cat "$T/client")"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
s.bind(("10.77.0.2", 5000))
s.settimeout(2)
for dst in ("10.77.0.1", "10.77.0.11", "255.255.255.255"):
    s.sendto(b"hello", (dst, 6767))
    data, src = s.recvfrom(100)
    print("asked %s answered-by %s:%d %s" % (dst, src[0], src[1], data.decode()))
EOF
kill "$udp_pid"
wait "$udp_pid" 2>/dev/null
grep -q "^asked 10.77.0.1 answered-by 10.77.0.1:6767 reply$" "$T/client" || np_fail "$(cat "$T/client")"
grep -q "^asked 10.77.0.11 answered-by 10.77.0.11:6767 reply$" "$T/client" || np_fail "$(cat "$T/client")"
grep -q "^asked 255.255.255.255 answered-by 10.77.0.1:6767 reply$" "$T/client" || np_fail "$(cat "$T/client")"
grep -q "^from=10.77.0.2:5000 dst=10.77.0.11 local=10.77.0.11 ifindex=$idx len=5$" "$T/udp" || np_fail "$(cat "$T/udp")"
grep -q "^from=10.77.0.2:5000 dst=255.255.255.255 local=10.77.0.1 ifindex=$idx len=5$" "$T/udp" || np_fail "$(cat "$T/udp")"

echo "netio send: batch frames arrived in order, ifinfo matches ip, UDP replies from the asked address"
