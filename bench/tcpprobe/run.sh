#!/bin/sh
# run.sh: np-tcpprobe against the kernel's connect() and hping3, one run,
# same listener, two namespaces joined by a veth pair (root).
#
#   NP_TCPPROBE=build/x/tools/tcpprobe/np-tcpprobe bench/tcpprobe/run.sh [N] [BURST]
#
# 1. Median handshake RTT over N probes, 10 ms apart: np-tcpprobe's
#    SYN -> SYN-ACK time; connect() as timed by connect-time.c, both the
#    call's duration and the kernel's own RTT of that handshake (tcpi_rtt);
#    hping3 -S's rtt (printed with 0.1 ms resolution).  For reference, the
#    wire's own SYN -> SYN-ACK time of np-tcpprobe's and of connect()'s
#    handshakes, from tcpdump's timestamps on the prober's interface.
# 2. Handshakes per second: np-tcpprobe -i 0 -c BURST (full handshake and
#    FIN close each) against hping3 -S -i u1 -c BURST (SYN and SYN-ACK
#    only; the prober's kernel resets them), SYN-ACKs counted on the wire.
#    hping3's -i u0 sends a single packet (a zero interval disarms its
#    send timer), so u1 is its fastest paced mode.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tests/integration/netns.sh"
N=${1:-1000}
BURST=${2:-20000}
TCPPROBE=${NP_TCPPROBE:-${NP_BUILDDIR:-.}/tools/tcpprobe/np-tcpprobe}
PY=/usr/bin/python3
np_lab_init
np_ns_add prb
np_ns_add tgt
np_link prb eth0 tgt eth0
np_addr prb eth0 10.77.8.2/24
np_addr tgt eth0 10.77.8.1/24
np_in tgt sysctl -q -w net.core.somaxconn=4096
np_in tgt sysctl -q -w net.ipv4.tcp_max_syn_backlog=8192
np_bg tgt $PY -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(4096)
while True:
    c, _ = s.accept()
    c.close()
'
np_wait 5 sh -c "ip netns exec $(np_ns tgt) ss -Htln 'sport = :8080' | grep -q LISTEN"
np_in prb ping -c 2 -q 10.77.8.1 >/dev/null
tmp=$(np_tmp)
${CC:-cc} -O2 -o "$tmp/connect-time" "$here/connect-time.c" || np_fail "cannot build connect-time"

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# 1. RTT.  Interleaved in rounds of 100 so that drift affects all three alike.
: > "$tmp/np"; : > "$tmp/conn"; : > "$tmp/hping"
np_bg prb tcpdump --immediate-mode -Z root -U -i eth0 -w "$tmp/c.pcap" "tcp port 8080 and tcp[tcpflags] & tcp-syn != 0" 2>"$tmp/tdc.err"
TDC=$NP_BG_PID
np_wait 5 test -s "$tmp/c.pcap" || { cat "$tmp/tdc.err" >&2; np_fail "tcpdump did not start"; }
rounds=$(( N / 100 ))
i=0
while [ $i -lt $rounds ]; do
	np_in prb "$TCPPROBE" --json -c 100 -i 0.01 10.77.8.1 8080 |
		sed -n 's/.*"result":"open","rtt_ms":\([0-9.e-]*\).*/\1/p' >> "$tmp/np"
	np_in prb "$tmp/connect-time" 10.77.8.1 8080 100 10000 >> "$tmp/conn"
	np_in prb hping3 -S -s 20000 -p 8080 -c 100 -i u10000 10.77.8.1 2>/dev/null |
		sed -n 's/.*rtt=\([0-9.]*\) ms.*/\1/p' >> "$tmp/hping"
	i=$((i + 1))
done
sleep 0.5
kill $TDC; wait $TDC 2>/dev/null
# Wire RTT (SYN -> SYN-ACK on the prober's interface, tcpdump's stamps) of
# the connect() handshakes, whose source ports are the kernel's
# (32768-60999 here), and of np-tcpprobe's (above 61000); hping3's start at
# 20000 (-s) and are left out.
tcpdump -tt -nr "$tmp/c.pcap" 2>/dev/null | awk -v out="$tmp/wire" '
	$3 ~ /^10\.77\.8\.2\./ && $7 == "[S]," { n = split($3, a, "."); syn[a[n]] = $1 }
	$5 ~ /^10\.77\.8\.2\./ && $7 == "[S.]," { n = split($5, a, "."); p = a[n]; sub(":", "", p)
		if (!(p in syn)) next
		who = p >= 61000 ? "np" : (p >= 32768 && p <= 60999 ? "conn" : "")
		if (who != "") printf "%.6f\n", ($1 - syn[p]) * 1000 > (out "." who)
		delete syn[p] }'
np_med=$(median < "$tmp/np")
conn_med=$(awk '{print $1}' "$tmp/conn" | median)
krtt_med=$(awk '{print $2}' "$tmp/conn" | median)
hping_med=$(median < "$tmp/hping")
wconn_med=$(median < "$tmp/wire.conn")
wnp_med=$(median < "$tmp/wire.np")
echo "rtt samples: np-tcpprobe $(wc -l < "$tmp/np"), connect() $(wc -l < "$tmp/conn"), hping3 $(wc -l < "$tmp/hping"), wire $(wc -l < "$tmp/wire.np") + $(wc -l < "$tmp/wire.conn")"
echo "median rtt ms: np-tcpprobe $np_med, connect() call $conn_med, connect()'s kernel RTT (tcpi_rtt) $krtt_med, hping3 $hping_med"
echo "median wire rtt ms: of np-tcpprobe's handshakes $wnp_med, of connect()'s $wconn_med"
awk -v a="$np_med" -v b="$conn_med" -v c="$hping_med" -v k="$krtt_med" -v wn="$wnp_med" -v wc="$wconn_med" 'BEGIN {
	printf "ratio np-tcpprobe/connect()'"'"'s kernel RTT %.3f (difference %.1f us), hping3/kernel RTT %.3f\n", a / k, (a - k) * 1000, c / k
	printf "ratio np-tcpprobe/connect() call %.3f (difference %.1f us), hping3/connect() call %.3f\n", a / b, (a - b) * 1000, c / b
	printf "kernel RTT/wire of the same handshakes: %.3f (difference %.1f us)\n", k / wc, (k - wc) * 1000
	printf "reported/wire: np-tcpprobe %.3f (difference %.1f us), connect() %.3f (difference %.1f us)\n",
		a / wn, (a - wn) * 1000, b / wc, (b - wc) * 1000 }'

# 2. Handshakes per second.
t0=$(date +%s%N)
np_in prb "$TCPPROBE" --json -c "$BURST" -i 0 -w 2 10.77.8.1 8080 > "$tmp/burst.json"
t1=$(date +%s%N)
np_open=$(grep -c '"result":"open"' "$tmp/burst.json")
np_rate=$(awk -v n="$np_open" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
echo "np-tcpprobe -i 0 -c $BURST: $np_open open in $(( (t1 - t0) / 1000000 )) ms: $np_rate handshakes/s (each with FIN close)"
echo "np-tcpprobe results: $(sed -n 's/.*"result":"\([a-z]*\)".*/\1/p' "$tmp/burst.json" | sort | uniq -c | tr -s ' \n' ' ')"

np_bg prb tcpdump --immediate-mode -Z root -U -i eth0 -w "$tmp/h.pcap" "tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)" 2>"$tmp/td.err"
TD=$NP_BG_PID
np_wait 5 test -s "$tmp/h.pcap" || { cat "$tmp/td.err" >&2; np_fail "tcpdump did not start"; }
sleep 0.5
t0=$(date +%s%N)
# hping3 signals its process group when done: give it a session of its own.
np_in prb timeout 120 setsid -w hping3 -q -S -p 8080 -c "$BURST" -i u1 10.77.8.1 > "$tmp/hping.out" 2>&1
t1=$(date +%s%N)
sleep 1
kill $TD; wait $TD 2>/dev/null
h_syn=$(tcpdump -r "$tmp/h.pcap" 2>/dev/null | wc -l)
h_rate=$(awk -v n="$h_syn" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
echo "hping3 -S -i u1 -c $BURST: $h_syn SYN-ACKs in $(( (t1 - t0) / 1000000 )) ms: $h_rate SYN-ACKs/s ($(grep -o '[0-9]* packets received' "$tmp/hping.out"))"
awk -v a="$np_rate" -v b="$h_rate" 'BEGIN { printf "ratio np-tcpprobe handshakes/s / hping3 SYN-ACKs/s %.2f\n", a / b }'
