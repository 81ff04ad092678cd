#!/bin/sh
# bench-arp.sh: np-arpd against the kernel's own ARP (and farpd, if
# installed) for the same addresses, the same closed-loop load, in one run.
#
#   sh bench/arp/bench-arp.sh [-6] [-n OUTSTANDING] [-m ADDRESSES] [-t SECONDS] [-r ROUNDS]
#
# -6: IPv6 Neighbor Discovery instead: arpload -6 sends Neighbor
# Solicitations for 2001:db8:4::/118; the kernel answers for them as
# addresses of srv's eth0 (added nodad, removed after its round), np-arpd
# for the same prefix as one entry.  No farpd or memory figure then.
#
# Last, np-arpd's resident memory with a table of 1,000,000 addresses.
#
# Two namespaces joined by a veth: cli runs arpload (bench/arp/arpload.c),
# srv answers.  Kernel: the addresses are made local with one route
# ("local 10.77.4.0/22 dev lo"), so arp_process() answers for them on eth0.
# np-arpd: the same range as one CIDR entry.  Rounds alternate kernel and
# np-arpd so drift on a shared machine hits both; the figures are the
# medians over the rounds and the ratios np-arpd / kernel.
# Needs root; builds in $NP_BUILDDIR (default build/arpd): np-arpd and arpload.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/integration/netns.sh"
B=${NP_BUILDDIR:-$top/build/arpd}
ARPD=${NP_ARPD:-$B/daemons/arpd/np-arpd}
LOAD=${NP_ARPLOAD:-$B/bench/arp/arpload}
N=64 M=1024 T=5 R=3 V6=
while getopts 6n:m:t:r: o; do
	case $o in
	6) V6=1 ;;
	n) N=$OPTARG ;; m) M=$OPTARG ;; t) T=$OPTARG ;; r) R=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ "$M" -le 1024 ] || { echo "at most 1024 addresses (10.77.4.0/22)" >&2; exit 2; }
[ -x "$ARPD" ] && [ -x "$LOAD" ] || { echo "build np-arpd and arpload first ($B)" >&2; exit 1; }

np_lab_init
np_ns_add srv
np_ns_add cli
np_link srv eth0 cli eth0
np_addr srv eth0 10.77.0.1/16
np_addr cli eth0 10.77.0.2/16
conf=$(np_tmp)/arpd.conf
cat > "$conf" <<EOC
interface = "eth0";
entries = ( { address = "10.77.4.0/22"; } );
announce = { count = 0; };
log_level = "warning";
EOC
out=$(np_tmp)/results
: > "$out"

load() { np_in cli "$LOAD" -i eth0 -s 10.77.0.2 -a 10.77.4.0 -m "$M" -n "$N" -t "$T" -w 1 "$@"; }

kernel_round() {
	ip -n "$(np_ns srv)" route add table local local 10.77.4.0/22 dev lo
	echo "kernel $(load)" | tee -a "$out"
	ip -n "$(np_ns srv)" route del table local local 10.77.4.0/22 dev lo
}

arpd_round() {
	np_bg srv "$ARPD" -c "$conf"
	sleep 0.5
	echo "np-arpd $(load)" | tee -a "$out"
	kill "$NP_BG_PID"
	wait "$NP_BG_PID" 2>/dev/null
}

farpd_round() {
	# farpd first asks for the address itself and answers only a later
	# request, once its own went unanswered: so arpload asks again after
	# 1 s (its timeout), and what farpd answers is counted as replies.
	# -d keeps it in the foreground and logs every request: discard that,
	# and bound its life, since it does not always end on SIGTERM.
	np_bg srv timeout -s KILL $((T + 10)) farpd -d -i eth0 10.77.4.0/22 >/dev/null 2>&1
	sleep 1
	echo "farpd $(load -T 1000)" | tee -a "$out"
	kill -9 "$NP_BG_PID" 2>/dev/null
	wait "$NP_BG_PID" 2>/dev/null
}

# ---- IPv6: Neighbor Solicitations -------------------------------------
conf6=$(np_tmp)/arpd6.conf
cat > "$conf6" <<EOC
interface = "eth0";
entries = ( { address = "2001:db8:4::/118"; } );
announce = { count = 0; };
log_level = "warning";
EOC
addrs6() {
	/usr/bin/python3 -c "
import sys
for i in range(int(sys.argv[2])):
    print('addr %s 2001:db8:4::%x/128 dev eth0 nodad' % (sys.argv[1], i))" "$1" "$M"
}

load6() { np_in cli "$LOAD" -6 -i eth0 -s 2001:db8::2 -a 2001:db8:4:: -m "$M" -n "$N" -t "$T" -w 1 "$@"; }

kernel_round6() {
	addrs6 add | ip -n "$(np_ns srv)" -batch -
	echo "kernel $(load6)" | tee -a "$out"
	addrs6 del | ip -n "$(np_ns srv)" -batch -
}

arpd_round6() {
	np_bg srv "$ARPD" -c "$conf6"
	sleep 0.5
	echo "np-arpd $(load6)" | tee -a "$out"
	kill "$NP_BG_PID"
	wait "$NP_BG_PID" 2>/dev/null
}

if [ -n "$V6" ]; then
	ip -n "$(np_ns cli)" -6 addr add 2001:db8::2/64 dev eth0 nodad
	ip -n "$(np_ns srv)" -6 addr add 2001:db8::1/64 dev eth0 nodad
	ip -n "$(np_ns cli)" -6 route add 2001:db8:4::/118 dev eth0
	sleep 2   # link-local addresses out of DAD
fi

i=0
while [ $i -lt "$R" ]; do
	if [ -n "$V6" ]; then
		kernel_round6
		arpd_round6
		i=$((i + 1))
		continue
	fi
	kernel_round
	arpd_round
	i=$((i + 1))
done
[ -z "$V6" ] && command -v farpd >/dev/null 2>&1 && farpd_round

/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, rest = line.split(" ", 1)
    kv = dict(f.split("=") for f in rest.split())
    rows.setdefault(who, []).append(kv)
med = {w: {k: statistics.median(float(r[k]) for r in rs) for k in ("rate", "p50_us", "p90_us", "p99_us", "timeouts")}
       for w, rs in rows.items()}
print("%-8s %10s %8s %8s %8s %9s" % ("", "replies/s", "p50 us", "p90 us", "p99 us", "timeouts"))
for w, m in med.items():
    print("%-8s %10.0f %8.0f %8.0f %8.0f %9.0f" % (w, m["rate"], m["p50_us"], m["p90_us"], m["p99_us"], m["timeouts"]))
k = med.get("kernel")
for w in ("np-arpd", "farpd"):
    if k and w in med:
        m = med[w]
        print("%s / kernel: replies/s %.2fx, median latency %.2fx" %
              (w, m["rate"] / k["rate"], m["p50_us"] / max(k["p50_us"], 1)))
PY

[ -n "$V6" ] && exit 0

# Memory with the largest table: 1,000,000 addresses (the limit), np-arpd's
# resident set once it answers for the last of them.
big=$(np_tmp)/arpd-million.conf
cat > "$big" <<EOC
interface = "eth0";
entries = ( { address = "10.0.0.0/13"; }, { address = "10.8.0.0-10.15.66.63"; } );
EOC
np_bg srv "$ARPD" -c "$big"
np_wait 10 np_in cli arping -q -i eth0 -c 1 10.15.66.63 ||
	np_fail "np-arpd with 1,000,000 addresses does not answer"
echo "np-arpd with 1,000,000 addresses: VmRSS $(awk '/^VmRSS/ {print $2}' "/proc/$NP_BG_PID/status") kB (goal <= 65536 kB)"

