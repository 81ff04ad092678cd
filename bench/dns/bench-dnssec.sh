#!/bin/sh
# bench-dnssec.sh: validated resolution, np-dnsd against Unbound with
# validation on, over the signed hierarchy of tests/integration/dnssec-lib.sh,
# side by side in one run.
#
#   sh bench/dns/bench-dnssec.sh [-t SECONDS] [-r ROUNDS] [-n NAMES] [-c CLIENTS] [-q OUTSTANDING] [-s SERVERS] [-D]
#
#   cli 10.77.0.2 --- srv 10.77.0.1 (the resolver) / 10.77.1.1 --- up 10.77.1.2 (NSD)
#
# NSD serves the hierarchy (a root, net., example.net. with NAMES extra
# signed names c1..cN A, and the broken zones), keys made fresh each run.
# The servers, each started in turn in srv (the order rotates per round):
#   unbound           validator + iterator, the local root's DS as trust
#                     anchor, forwarding to NSD, num-threads 1
#   np-dnsd           forwarding to NSD, validation off (dnssec = "off" when
#                     np-dnsd knows the setting; before that, pass-through)
#   np-dnsd-validate  the same with dnssec = "validate" and the root's DS in
#                     trust_anchors; "n/a" while np-dnsd -t refuses that
# Each round, for each server:
#   cold   a fresh start, then every one of the NAMES names once (dnsperf -n 1,
#          -c CLIENTS, -q 100, -v): the whole run's time and the p99 of the
#          answers' latencies; the chain (root, net., example.net. DNSKEY
#          and DS) is fetched and validated inside it.
#   hit    the cold pass's names plus the hierarchy's secure names, warmed
#          with two passes, then SECONDS at full rate (-c CLIENTS
#          -q OUTSTANDING): queries per second and per server CPU-second.
# -D sets DO on every query (answers then carry the RRSIGs).
# Figures are medians over the rounds; ratios are np-dnsd / Unbound and
# np-dnsd-validate / np-dnsd.  Goals (the issue): cache-hit q/s of
# np-dnsd-validate >= 1.3x Unbound and >= 0.95x np-dnsd; cold-cache total
# time and p99 <= Unbound's.
#
# Needs root, nsd, unbound, dnsperf, ldnsutils, python3-dnspython; np-dnsd
# from $NP_BUILDDIR (default build/dnsbench).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/integration/netns.sh"
DNSSEC_LIB_DIR=$top/tests/integration
B=${NP_BUILDDIR:-$top/build/dnsbench}
case $B in /*) ;; *) B=$top/$B ;; esac
DNSD=${NP_DNSD:-$B/daemons/dnsd/np-dnsd}
T=10 R=3 NAMES=1000 C=20 Q=500 DO="" SERVERS="np-dnsd np-dnsd-validate unbound"
while getopts t:r:n:c:q:s:D o; do
	case $o in
	t) T=$OPTARG ;; r) R=$OPTARG ;; n) NAMES=$OPTARG ;; c) C=$OPTARG ;;
	q) Q=$OPTARG ;; s) SERVERS=$OPTARG ;; D) DO=-D ;;
	*) exit 2 ;;
	esac
done
[ -x "$DNSD" ] || { echo "build np-dnsd first ($DNSD)" >&2; exit 1; }
for p in nsd unbound dnsperf dig ldns-signzone; do
	command -v $p >/dev/null 2>&1 || { echo "$p not installed" >&2; exit 1; }
done
DNSSEC_BULK=$NAMES
. "$top/tests/integration/dnssec-lib.sh"

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

dnssec_build "$W/h"
dnssec_nsd_start up 10.77.1.2
echo "hierarchy: root anchor $DNSSEC_ANCHOR_DS; $NAMES names under example.net."

i=1
while [ "$i" -le "$NAMES" ]; do
	echo "c$i.example.net A"
	i=$((i + 1))
done >"$W/cold"
{ cat "$W/cold"; awk '$3 == "secure" && $4 == "NOERROR" {print $1, $2}' "$W/h/names"; } >"$W/hit"
/usr/bin/python3 -c '
import random, sys
for f in sys.argv[1:]:
    l = open(f).read().splitlines(); random.Random(1).shuffle(l)
    open(f, "w").write("\n".join(l) + "\n")' "$W/cold" "$W/hit"

# --- the resolvers ---------------------------------------------------------
cat >"$W/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
cache_size = 100000;
access_control = ( { net = "10.77.0.0/16"; action = "allow"; } );
control_socket = "$W/ctl.sock";
log_level = "warning";
CONF
{ cat "$W/dnsd.conf"; echo 'dnssec = "off";'; } >"$W/dnsd-off.conf"
"$DNSD" -t -c "$W/dnsd-off.conf" >/dev/null 2>&1 && cp "$W/dnsd-off.conf" "$W/dnsd.conf"
{
	sed '/^dnssec = /d' "$W/dnsd.conf"
	echo 'dnssec = "validate";'
	echo "trust_anchors = [ \"$DNSSEC_ANCHOR_DS\" ];"
} >"$W/dnsd-validate.conf"
VALIDATE_OK=1
if ! "$DNSD" -t -c "$W/dnsd-validate.conf" >"$W/validate-t" 2>&1; then
	VALIDATE_OK=0
	echo "np-dnsd-validate: n/a (np-dnsd -t: $(head -1 "$W/validate-t"))"
fi
dnssec_unbound_conf "$W/unbound.conf" 10.77.0.1
sed -i 's/verbosity: 1/verbosity: 0/; s/val-log-level: 2/val-log-level: 0/' "$W/unbound.conf"
unbound-checkconf "$W/unbound.conf" >/dev/null || np_fail "unbound config rejected"

start_np_dnsd() { np_bg srv "$DNSD" -c "$W/dnsd.conf" 2>>"$W/dnsd.log"; }
start_np_dnsd_validate() { np_bg srv "$DNSD" -c "$W/dnsd-validate.conf" 2>>"$W/dnsd.log"; }
start_unbound() { np_bg srv unbound -d -c "$W/unbound.conf"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
dperf() { np_in cli dnsperf -s 10.77.0.1 -T 1 -t 5 $DO "$@"; }
qps_of() { awk '/Queries per second/ {print $4}' "$1"; }
done_of() { awk '/Queries completed/ {print $3}' "$1"; }
lost_of() { awk '/Queries lost/ {print $3}' "$1"; }
runtime_of() { awk '/Run time \(s\)/ {print $4}' "$1"; }
# p99 in microseconds from dnsperf -v lines "> RCODE NAME TYPE SECONDS".
p99_of() {
	awk '/^> / && $NF ~ /^[0-9.]+$/ {print $NF}' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit }
		       i = int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99)); printf "%.0f\n", v[i] * 1e6 }'
}
noerror_of() { awk '/^> NOERROR /' "$1" | wc -l; }

out=$W/results
: >"$out"
round() {
	who=$1
	if [ "$who" = np-dnsd-validate ] && [ "$VALIDATE_OK" = 0 ]; then
		return
	fi
	start_$(echo "$who" | tr - _)
	pid=$NP_BG_PID
	# Up when it answers for a name outside the benchmark's lists.
	np_wait 10 np_in cli dig +time=1 +tries=1 @10.77.0.1 www.rsa.net A >/dev/null ||
		np_fail "$who did not answer"
	dperf -d "$W/cold" -n 1 -c "$C" -q 100 -v >"$W/cold.out" 2>&1
	cold_s=$(runtime_of "$W/cold.out")
	cold_p99=$(p99_of "$W/cold.out")
	cold_ok=$(noerror_of "$W/cold.out")
	dperf -d "$W/hit" -n 2 -c "$C" -q 100 >"$W/warm" 2>&1
	c0=$(cpu_ticks "$pid")
	dperf -d "$W/hit" -l "$T" -c "$C" -q "$Q" >"$W/hit.out" 2>&1
	c1=$(cpu_ticks "$pid")
	cpu=$(echo "$c0 $c1 $HZ" | awk '{printf "%.2f", ($2 - $1) / $3}')
	qpcpu=$(echo "$(done_of "$W/hit.out") $cpu" | awk '{printf "%d", ($2 > 0) ? $1 / $2 : 0}')
	ad=$(np_in cli dig +dnssec +time=1 +tries=1 @10.77.0.1 www.example.net A | grep -c '^;; flags:.* ad')
	echo "$who cold_s=$cold_s cold_p99_us=$cold_p99 cold_noerror=$cold_ok hit_qps=$(qps_of "$W/hit.out") hit_lost=$(lost_of "$W/hit.out") cpu_s=$cpu qpcpu=$qpcpu ad=$ad" | tee -a "$out"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

i=0
while [ $i -lt "$R" ]; do
	case $((i % 3)) in
	0) order="np-dnsd np-dnsd-validate unbound" ;;
	1) order="np-dnsd-validate unbound np-dnsd" ;;
	2) order="unbound np-dnsd np-dnsd-validate" ;;
	esac
	for s in $order; do
		case " $SERVERS " in *" $s "*) round "$s" ;; esac
	done
	i=$((i + 1))
done

/usr/bin/python3 - "$out" "$VALIDATE_OK" "$NAMES" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, rest = line.split(" ", 1)
    rows.setdefault(who, []).append(dict(f.split("=") for f in rest.split()))
if not rows:
    sys.exit(0)
keys = ("cold_s", "cold_p99_us", "cold_noerror", "hit_qps", "cpu_s", "qpcpu")
med = {w: {k: statistics.median(float(r[k]) for r in rs) for k in keys} for w, rs in rows.items()}
print("medians over %d rounds" % max(len(v) for v in rows.values()))
print("%-17s %10s %12s %12s %12s %10s" % ("", "cold s", "cold p99 us", "cold NOERROR", "hit q/s", "q/cpu-s"))
for w in ("np-dnsd", "np-dnsd-validate", "unbound"):
    if w in med:
        m = med[w]
        print("%-17s %10.3f %12.0f %12.0f %12.0f %10.0f" % (w, m["cold_s"], m["cold_p99_us"], m["cold_noerror"], m["hit_qps"], m["qpcpu"]))
    elif w == "np-dnsd-validate" and sys.argv[2] == "0":
        print("%-17s %10s %12s %12s %12s %10s" % (w, "n/a", "n/a", "n/a", "n/a", "n/a"))
u, n, v = med.get("unbound"), med.get("np-dnsd"), med.get("np-dnsd-validate")
if n and u:
    print("np-dnsd (no validation) / Unbound (validating): hit q/s %.2fx, cold time %.2fx, cold p99 %.2fx"
          % (n["hit_qps"] / u["hit_qps"], n["cold_s"] / u["cold_s"], n["cold_p99_us"] / max(u["cold_p99_us"], 1)))
if v and u:
    print("np-dnsd-validate / Unbound: hit q/s %.2fx (goal >= 1.3), q per CPU-s %.2fx, cold time %.2fx (goal <= 1), cold p99 %.2fx (goal <= 1)"
          % (v["hit_qps"] / u["hit_qps"], v["qpcpu"] / u["qpcpu"], v["cold_s"] / u["cold_s"], v["cold_p99_us"] / max(u["cold_p99_us"], 1)))
else:
    print("np-dnsd-validate / Unbound: n/a")
if v and n:
    print("np-dnsd-validate / np-dnsd: hit q/s %.2fx (goal >= 0.95)" % (v["hit_qps"] / n["hit_qps"]))
else:
    print("np-dnsd-validate / np-dnsd: n/a")
PY
