#!/bin/sh
# bench-dns.sh: np-dnsd (kernel sockets, and with xdp_interface: AF_XDP)
# against Unbound and dnsmasq under the same dnsperf cache-hit load, in one
# run, plus np-dnsd's memory with a million RRsets.
#
#   sh bench/dns/bench-dns.sh [-t SECONDS] [-r ROUNDS] [-n NAMES] [-M FILL] [-c CLIENTS] [-q OUTSTANDING] [-T DNSPERF_THREADS] [-s SERVERS] [-L RATE] [-P PERF_DATA]
#
#   cli 10.77.0.2 --- srv 10.77.0.1 (the resolver) / 10.77.1.1 --- up 10.77.1.2 (NSD)
#
# NSD in "up" serves example.net: NAMES names h1..hN with an A and an AAAA
# each (the query file is every name x both types), and a wildcard
# *.fill.example.net for the memory test.  Each round starts each resolver
# in turn in "srv" (the order rotates per round), warms it with two passes
# of the query file, then from "cli", with one dnsperf process:
#   udp   max throughput, -c CLIENTS -q OUTSTANDING, -l SECONDS; the
#         resolver's CPU seconds over the run from /proc/PID/stat
#         (utime + stime), so queries per server CPU-second;
#   lat   the same file rate-limited to half of that round's max (-Q), -l SECONDS,
#         with -v: p50/p99 from dnsperf's per-answer latencies;
#   tcp   max throughput with -m tcp (np-dnsd and Unbound; dnsmasq forks
#         per TCP connection and is left out).
# The figures are medians over the rounds; ratios are np-dnsd / peer.
# The servers: np-dnsd, np-dnsd-xdp (the same config plus xdp_interface =
# "eth0": UDP through AF_XDP), unbound, dnsmasq.
# -s "np-dnsd unbound" runs only the servers named (default all four).
# -L RATE: one more latency run per server at this same offered rate (q/s),
# reported as p50/p99 "at RATE": each server's half load above is half of
# its own maximum, so a faster server is measured under more load.
# Then np-dnsd alone gets FILL distinct names (default 1,000,000) through
# the wildcard, at dnsperf's full rate, and its VmRSS is read from /proc.
#
# -P PERF_DATA: also profile np-dnsd (both modes) and Unbound under the udp
# load of one more round: syscalls per query (perf stat), then perf record
# -g into PERF_DATA.np-dnsd / .np-dnsd-xdp / .unbound and the top symbols.
#
# Needs root, nsd, unbound, dnsmasq, dnsperf; np-dnsd from $NP_BUILDDIR
# (default build/dnsbench).  Servers: np-dnsd as configured below;
# Unbound num-threads 1, forwarding, module-config "iterator"; dnsmasq
# cache-size 10000, forwarding.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/integration/netns.sh"
B=${NP_BUILDDIR:-$top/build/dnsbench}
case $B in /*) ;; *) B=$top/$B ;; esac
DNSD=${NP_DNSD:-$B/daemons/dnsd/np-dnsd}
T=10 R=3 NAMES=1000 FILL=1000000 C=20 Q=500 TH=1 PROF="" SERVERS="np-dnsd np-dnsd-xdp unbound dnsmasq" RATE=""
while getopts t:r:n:M:c:q:T:s:L:P: o; do
	case $o in
	t) T=$OPTARG ;; r) R=$OPTARG ;; n) NAMES=$OPTARG ;; M) FILL=$OPTARG ;;
	c) C=$OPTARG ;; q) Q=$OPTARG ;; T) TH=$OPTARG ;; P) PROF=$OPTARG ;;
	s) SERVERS=$OPTARG ;; L) RATE=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ -x "$DNSD" ] || { echo "build np-dnsd first ($DNSD)" >&2; exit 1; }
for p in nsd unbound dnsmasq dnsperf dig; do
	command -v $p >/dev/null 2>&1 || { echo "$p not installed" >&2; exit 1; }
done

np_lab_init
W=$(np_tmp)
np_ns_add srv
np_ns_add cli
np_ns_add up
np_link srv eth0 cli eth0
np_link srv eth1 up eth0
np_addr srv eth0 10.77.0.1/24
np_addr srv eth1 10.77.1.1/24
np_addr cli eth0 10.77.0.2/24
np_addr up eth0 10.77.1.2/24
HZ=$(getconf CLK_TCK)

# --- upstream: NSD -------------------------------------------------------
mkdir -p "$W/nsd"
{
	printf '$ORIGIN example.net.\n$TTL 86400\n'
	printf '@ IN SOA ns1 hostmaster 1 7200 3600 1209600 86400\n@ IN NS ns1\nns1 IN A 10.77.1.2\n'
	printf '*.fill IN A 10.77.5.1\n'
	i=1
	while [ $i -le "$NAMES" ]; do
		printf 'h%d IN A 10.77.%d.%d\nh%d IN AAAA 2001:db8::%x\n' $i $((i / 250 + 8)) $((i % 250 + 1)) $i $i
		i=$((i + 1))
	done
} >"$W/nsd/example.net.zone"
cat >"$W/nsd/nsd.conf" <<CONF
server:
	ip-address: 10.77.1.2
	port: 53
	server-count: 1
	# Debian builds NSD with response rate limiting (200/s per source and
	# wildcard by default): off, or the fill test is rate-limited.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	pidfile: "$W/nsd/nsd.pid"
	database: ""
	zonelistfile: "$W/nsd/zone.list"
	xfrdfile: "$W/nsd/xfrd.state"
	username: ""
	chroot: ""
	logfile: "$W/nsd/nsd.log"
	verbosity: 1
zone:
	name: example.net
	zonefile: "$W/nsd/example.net.zone"
CONF
np_bg up nsd -d -c "$W/nsd/nsd.conf"
np_wait 10 np_in up dig +short +time=1 +tries=1 @10.77.1.2 h1.example.net A >/dev/null ||
	np_fail "NSD did not start: $(cat "$W/nsd/nsd.log" 2>/dev/null)"

i=1
while [ $i -le "$NAMES" ]; do
	printf 'h%d.example.net A\nh%d.example.net AAAA\n' $i $i
	i=$((i + 1))
done >"$W/queries"
# A fixed shuffle, so consecutive queries do not walk the cache in order.
/usr/bin/python3 -c '
import random, sys
l = open(sys.argv[1]).read().splitlines(); random.Random(1).shuffle(l)
open(sys.argv[1], "w").write("\n".join(l) + "\n")' "$W/queries"

# --- the three resolvers ---------------------------------------------------
cat >"$W/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
cache_size = ${DNSD_CACHE:-100000};
access_control = ( { net = "10.77.0.0/16"; action = "allow"; } );
tcp_max_connections = 1000;
control_socket = "$W/ctl.sock";
log_level = "warning";
CONF
cat >"$W/unbound.conf" <<CONF
server:
	interface: 10.77.0.1
	port: 53
	num-threads: 1
	module-config: "iterator"
	access-control: 10.77.0.0/16 allow
	msg-cache-size: 64m
	rrset-cache-size: 128m
	incoming-num-tcp: 1000
	username: ""
	chroot: ""
	directory: "$W"
	pidfile: "$W/unbound.pid"
	logfile: "$W/unbound.log"
	use-syslog: no
	verbosity: 0
	do-not-query-localhost: no
	qname-minimisation: no
	harden-referral-path: no
remote-control:
	control-enable: no
forward-zone:
	name: "."
	forward-addr: 10.77.1.2
CONF

start_np_dnsd() {
	"$DNSD" -t -c "$W/dnsd.conf" || np_fail "np-dnsd config rejected"
	np_bg srv "$DNSD" -c "$W/dnsd.conf" 2>>"$W/dnsd.log"
}
start_np_dnsd_xdp() {
	{ cat "$W/dnsd.conf"; echo 'xdp_interface = "eth0";'; } >"$W/dnsd-xdp.conf"
	"$DNSD" -t -c "$W/dnsd-xdp.conf" || np_fail "np-dnsd config rejected"
	np_bg srv "$DNSD" -c "$W/dnsd-xdp.conf" 2>>"$W/dnsd.log"
}
start_unbound() {
	unbound-checkconf "$W/unbound.conf" >/dev/null || np_fail "unbound config rejected"
	np_bg srv unbound -d -c "$W/unbound.conf"
}
start_dnsmasq() {
	np_bg srv dnsmasq -k --no-resolv --no-hosts --no-poll --server=10.77.1.2 \
		--cache-size=10000 --listen-address=10.77.0.1 --bind-interfaces \
		--pid-file= --user=root --log-facility="$W/dnsmasq.log"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# thread_load SECONDS PID...: each thread's share of one CPU over SECONDS,
# as "name:percent" (is any one of them the bottleneck?).
thread_load() {
	_s=$1
	shift
	_snap() { for _p in "$@"; do for _t in /proc/$_p/task/*; do
		echo "$_p.${_t##*/} $(cat "$_t/comm") $(awk '{print $14 + $15}' "$_t/stat")"; done; done 2>/dev/null; }
	_snap "$@" >"$W/t0"
	sleep "$_s"
	_snap "$@" >"$W/t1"
	join "$W/t0" "$W/t1" | awk -v s="$_s" -v hz="$HZ" '{ p = ($5 - $3) / hz / s * 100; if (p >= 1) printf "%s:%.0f%% ", $2, p }'
}
# Busy and total ticks of the whole machine (all CPUs), for how saturated it was.
sys_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }
usr_ticks() { awk '{print $14}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

dperf() { np_in cli dnsperf -s 10.77.0.1 -d "$W/queries" -T "$TH" -c "$C" -t 2 "$@"; }
qps_of() { awk '/Queries per second/ {print $4}' "$1"; }
done_of() { awk '/Queries completed/ {print $3}' "$1"; }
lost_of() { awk '/Queries lost/ {print $3}' "$1"; }

# p50 and p99 in microseconds from dnsperf -v lines "> RCODE NAME TYPE SECONDS".
pctl() {
	awk '/^> / && $NF ~ /^[0-9.]+$/ {print $NF}' "$1" | sort -n | awk '
		{ v[NR] = $1 }
		END { if (NR == 0) { print "p50_us=0 p99_us=0 n=0"; exit }
		      printf "p50_us=%.0f p99_us=%.0f n=%d\n", v[int(NR * 0.50) + (NR * 0.50 > int(NR * 0.50))] * 1e6,
		             v[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))] * 1e6, NR }'
}

out=$W/results
: >"$out"

round() {
	who=$1
	start_$(echo "$who" | tr - _)
	pid=$NP_BG_PID
	np_wait 10 np_in cli dig +time=1 +tries=1 @10.77.0.1 h1.example.net A >/dev/null ||
		np_fail "$who did not answer"
	dperf -n 2 -q 100 >"$W/warm" 2>&1
	dperf -n 1 -q 100 >"$W/warm2" 2>&1
	[ "$(lost_of "$W/warm2")" = 0 ] || np_log "$who: warm pass lost $(lost_of "$W/warm2") queries"
	c0=$(cpu_ticks "$pid") u0=$(usr_ticks "$pid") s0=$(sys_ticks)
	( sleep 1; thread_load $((T - 2)) "$(pgrep -x dnsperf | head -1)" "$pid" >"$W/threads" ) &
	sampler=$!
	dperf -l "$T" -q "$Q" >"$W/udp" 2>&1
	wait "$sampler"
	c1=$(cpu_ticks "$pid") u1=$(usr_ticks "$pid") s1=$(sys_ticks)
	busy=$(echo "$s0 $s1" | awk '{printf "%.2f", ($3 - $1) / ($4 - $2)}')
	usr=$(echo "$u0 $u1 $HZ" | awk '{printf "%.2f", ($2 - $1) / $3}')
	qps=$(qps_of "$W/udp")
	cpu=$(echo "$c0 $c1 $HZ" | awk '{printf "%.2f", ($2 - $1) / $3}')
	qpcpu=$(echo "$(done_of "$W/udp") $cpu" | awk '{printf "%d", ($2 > 0) ? $1 / $2 : 0}')
	half=$(echo "$qps" | awk '{printf "%d", $1 / 2}')
	dperf -l "$T" -q "$Q" -Q "$half" -v >"$W/lat" 2>&1
	lat=$(pctl "$W/lat")
	lqps=$(qps_of "$W/lat")
	fixed=""
	if [ -n "$RATE" ]; then
		dperf -l "$T" -q "$Q" -Q "$RATE" -v >"$W/fixed" 2>&1
		fixed=$(pctl "$W/fixed" | sed 's/p50_us=/fix_p50_us=/; s/p99_us=/fix_p99_us=/; s/n=/fix_n=/')
	fi
	tcp=0
	if [ "$who" != dnsmasq ]; then
		dperf -m tcp -l "$T" -q "$Q" >"$W/tcp" 2>&1
		tcp=$(qps_of "$W/tcp")
	fi
	echo "$who qps=$qps lost=$(lost_of "$W/udp") cpu_s=$cpu usr_s=$usr busy=$busy qpcpu=$qpcpu half=$half lat_qps=$lqps $lat $fixed tcp_qps=${tcp:-0} rss_kb=$(rss_kb "$pid")" | tee -a "$out"
	echo "$who threads over the udp run (share of one CPU): $(cat "$W/threads")"
	if [ -n "${NP_BENCH_KEEP:-}" ]; then
		mkdir -p "$NP_BENCH_KEEP"
		for f in warm2 udp lat tcp; do [ -f "$W/$f" ] && cp "$W/$f" "$NP_BENCH_KEEP/$who.$f"; done
	fi
	rm -f "$W/tcp"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

i=0
while [ $i -lt "$R" ]; do
	case $((i % 4)) in
	0) order="np-dnsd np-dnsd-xdp unbound dnsmasq" ;;
	1) order="np-dnsd-xdp unbound dnsmasq np-dnsd" ;;
	2) order="unbound dnsmasq np-dnsd np-dnsd-xdp" ;;
	3) order="dnsmasq np-dnsd np-dnsd-xdp unbound" ;;
	esac
	for s in $order; do
		case " $SERVERS " in *" $s "*) round "$s" ;; esac
	done
	i=$((i + 1))
done

/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, rest = line.split(" ", 1)
    kv = dict(f.split("=") for f in rest.split())
    rows.setdefault(who, []).append(kv)
keys = ("qps", "cpu_s", "usr_s", "busy", "qpcpu", "lat_qps", "p50_us", "p99_us", "tcp_qps", "rss_kb")
med = {w: {k: statistics.median(float(r[k]) for r in rs) for k in keys} for w, rs in rows.items()}
for w, rs in rows.items():
    if all("fix_p99_us" in r for r in rs):
        for k in ("fix_p50_us", "fix_p99_us"):
            med[w][k] = statistics.median(float(r[k]) for r in rs)
if not rows: sys.exit(0)
print("medians over %d rounds" % max(len(v) for v in rows.values()))
print("%-11s %10s %8s %8s %6s %12s %10s %8s %8s %10s %8s" % ("", "udp q/s", "cpu s", "user s", "busy", "q/cpu-s*", "half q/s", "p50 us", "p99 us", "tcp q/s", "tcp/udp"))
for w, m in med.items():
    print("%-11s %10.0f %8.2f %8.2f %6.2f %12.0f %10.0f %8.0f %8.0f %10.0f %8.2f" % (w, m["qps"], m["cpu_s"], m["usr_s"], m["busy"], m["qpcpu"],
          m["lat_qps"], m["p50_us"], m["p99_us"], m["tcp_qps"], m["tcp_qps"] / m["qps"] if m["tcp_qps"] else 0))
print("* queries answered in the udp run / server CPU seconds over it (utime+stime), per round, median;")
print("  busy: the share of the machine's CPUs busy over the udp run (the resolver, dnsperf and the kernel)")
u, d = med.get("unbound"), med.get("dnsmasq")
for name in ("np-dnsd", "np-dnsd-xdp"):
    n = med.get(name)
    if not n:
        continue
    if u:
        print("%s / Unbound: q/s %.2fx (goal >= 1.3), q per CPU-s %.2fx (goal >= 1.5), p99 at half load %.0f us vs %.0f us (%.2fx, goal <= 1)"
              % (name, n["qps"] / u["qps"], n["qpcpu"] / u["qpcpu"], n["p99_us"], u["p99_us"], n["p99_us"] / max(u["p99_us"], 1)))
        print("%s / Unbound: user-space CPU per query %.2fx" % (name, (n["usr_s"] / n["qps"]) / (u["usr_s"] / u["qps"])))
        if "fix_p99_us" in n and "fix_p99_us" in u:
            print("%s / Unbound at the same offered rate (-L): p50 %.0f us vs %.0f us, p99 %.0f us vs %.0f us (%.2fx)"
                  % (name, n["fix_p50_us"], u["fix_p50_us"], n["fix_p99_us"], u["fix_p99_us"], n["fix_p99_us"] / max(u["fix_p99_us"], 1)))
    print("%s TCP/UDP: %.2f (goal >= 0.4)" % (name, n["tcp_qps"] / n["qps"]))
    if d:
        print("%s / dnsmasq: q/s %.2fx, q per CPU-s %.2fx" % (name, n["qps"] / d["qps"], n["qpcpu"] / d["qpcpu"]))
if u and u["tcp_qps"]:
    print("Unbound TCP/UDP: %.2f" % (u["tcp_qps"] / u["qps"]))
PY

# --- profile: np-dnsd and Unbound under the same udp load ------------------------
# Syscalls per query (perf stat on the syscall tracepoints, a 5 s run), then
# perf record -g over a T s run: user/kernel split and the top symbols.
prof_one() {
	who=$1
	start_$(echo "$who" | tr - _)
	pid=$NP_BG_PID
	np_wait 10 np_in cli dig +time=1 +tries=1 @10.77.0.1 h1.example.net A >/dev/null || np_fail "$who did not answer"
	dperf -n 2 -q 100 >/dev/null 2>&1
	ev=""
	for e in recvmmsg sendmmsg recvfrom sendto recvmsg sendmsg epoll_wait poll; do ev="$ev${ev:+,}syscalls:sys_enter_$e"; done
	perf stat -x, -e "$ev" -o "$W/pstat" -p "$pid" -- sleep 5 >/dev/null 2>&1 &
	ppid=$!
	dperf -l 5 -q "$Q" >"$W/prof" 2>&1
	wait "$ppid"
	n=$(done_of "$W/prof")
	echo "profile $who: syscalls per 1000 queries at $(qps_of "$W/prof") q/s:" \
		$(awk -F, -v n="$n" '$3 ~ /sys_enter_/ && $1 + 0 > 0 { sub(/.*sys_enter_/, "", $3); printf "%s=%.0f ", $3, $1 * 1000 / n }' "$W/pstat")
	perf record -q -g -o "$PROF.$who" -p "$pid" -- sleep "$T" >/dev/null 2>&1 &
	ppid=$!
	dperf -l "$T" -q "$Q" >"$W/prof" 2>&1
	wait "$ppid"
	echo "profile $who: $(qps_of "$W/prof") q/s; perf data in $PROF.$who"
	perf report -i "$PROF.$who" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -4
	perf report -i "$PROF.$who" --stdio --no-children --sort symbol 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -15
	perf report -i "$PROF.$who" --stdio --no-children --sort symbol 2>/dev/null |
		grep -E '^ +[0-9.]+%.*\[\.\]' | head -10
	kill "$pid"
	wait "$pid" 2>/dev/null
}
if [ -n "$PROF" ]; then
	for s in np-dnsd np-dnsd-xdp unbound; do
		case " $SERVERS " in *" $s "*) prof_one "$s" ;; esac
	done
fi

# --- memory: FILL RRsets in np-dnsd's cache ------------------------------------
[ "$FILL" -gt 0 ] || exit 0
/usr/bin/python3 -c '
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    for i in range(n):
        f.write("n%d.fill.example.net A\n" % i)' "$W/fill" "$FILL"
sed -i "s/^cache_size = .*/cache_size = $((FILL + FILL / 10));/" "$W/dnsd.conf"
start_np_dnsd
pid=$NP_BG_PID
np_wait 10 np_in cli dig +time=1 +tries=1 @10.77.0.1 h1.example.net A >/dev/null || np_fail "np-dnsd did not answer"
rss0=$(rss_kb "$pid")
entries() {
	np_in srv /usr/bin/python3 - "$W/ctl.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b'{"command": "statistic-get-all"}'); s.shutdown(socket.SHUT_WR)
d = b""
while True:
    c = s.recv(65536)
    if not c: break
    d += c
a = json.loads(d)["arguments"]
print("entries=%s bytes=%s" % (a.get("cache.entries"), a.get("cache.bytes")))
PY
}
t0=$(date +%s)
pass=1
while [ $pass -le 3 ]; do
	np_in cli dnsperf -s 10.77.0.1 -d "$W/fill" -n 1 -T 1 -c "$C" -q 2000 -t 5 >"$W/fill$pass" 2>&1
	e=$(entries)
	[ -n "${NP_BENCH_KEEP:-}" ] && cp "$W/fill$pass" "$NP_BENCH_KEEP/np-dnsd.fill$pass" && cp "$W/dnsd.log" "$NP_BENCH_KEEP/"
	np_log "fill pass $pass: $(qps_of "$W/fill$pass") q/s, lost $(lost_of "$W/fill$pass"), $e, VmRSS $(rss_kb "$pid") kB"
	n=$(echo "$e" | sed 's/entries=\([0-9]*\).*/\1/')
	[ "${n:-0}" -ge "$FILL" ] && break
	pass=$((pass + 1))
done
t1=$(date +%s)
rss1=$(rss_kb "$pid")
echo "memory: $e after $((t1 - t0)) s; VmRSS empty $rss0 kB, filled $rss1 kB = $((rss1 / 1024)) MB (goal <= 512 MB for 1,000,000 RRsets)"
echo "memory: per RRset $(( (rss1 - rss0) * 1024 / ${n:-1} )) bytes of RSS"
kill "$pid"
wait "$pid" 2>/dev/null
