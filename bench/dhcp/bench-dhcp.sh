#!/bin/sh
# bench-dhcp.sh: np-dhcpd against kea-dhcp4 (memfile, persist = true) with
# the same perfdhcp load on the same veth pair, in one run.
#
#   sh bench/dhcp/bench-dhcp.sh [-G perfdhcp|dhcpload] [-t SECONDS] [-r "RATE RATE ..."]
#                               [-g GENERATORS] [-m LEASES] [-K THREADS] [-c] [-k]
#
# Two namespaces joined by a veth: srv runs the server, rly runs perfdhcp
# acting as a relay (giaddr 10.96.0.x, subnet 10.96.0.0/12: a million
# addresses, so no run exhausts the pool).  For each offered rate (DORA/s,
# ascending) one round of np-dhcpd and one of Kea, alternating, each on a
# fresh lease file, so drift on a shared machine hits both.  A round passes
# when fewer than 2.5 % of the DISCOVERs sent end without an ACK (ISC's
# method for perfdhcp); a server stops climbing after two failed rates.
# The result per server is the highest rate that passed, with the DORA/s
# actually completed; then the ratio np-dhcpd / Kea.
#
# -G picks the load generator: perfdhcp (default, ISC's tool) or dhcpload
# (bench/dhcp/dhcpload.c, compiled here with cc: the same relayed DORA,
# open loop, with recvmmsg/sendmmsg; it needs a fifth of perfdhcp's CPU).
# -g N runs N perfdhcp processes side by side (each RATE/N, own giaddr).
# The UDP receive-buffer overflows of the relay ("gen-ovf") and of the
# server ("srv-ovf") are printed with each round: when the generator's are
# non-zero, the generator, not the server, dropped the replies.
#
# -c configures both servers with client classes (vendor class, user
# class, client architecture, each with boot fields) and the relayed
# clients' link as a shared network of two subnets (np-dhcpd:
# shared_network; Kea: shared-networks), so every DORA evaluates the
# classes and the shared network's subnets.
#
# -K THREADS turns on Kea's multi-threading (off by default in Kea 2.2)
# with that many packet-processing threads.
#
# np-dhcpd runs with its durability contract (fdatasync before each ACK,
# group commit); Kea's memfile appends to its CSV without syncing.
#
# Then (unless -m 0) the restart figures: a lease store of LEASES (default
# 1,000,000) bound leases is written with libdhcpd (dhcpd-leases fill);
# np-dhcpd starts on it with NOTIFY_SOCKET pointing at a socket this script
# owns; the time to READY=1 and VmRSS are printed.
#
# Needs root, perfdhcp, kea-dhcp4; builds in $NP_BUILDDIR (default
# build/dhcpd): np-dhcpd and tests/integration/dhcpd-leases.  -k keeps
# the lab's scratch folder (logs, perfdhcp outputs) in /tmp/bench-dhcp.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/integration/netns.sh"
B=${NP_BUILDDIR:-$top/build/dhcpd}
DHCPD=${NP_DHCPD:-$B/daemons/dhcpd/np-dhcpd}
LEASES=${NP_DHCPD_LEASES:-$B/tests/integration/dhcpd-leases}
KEA=${NP_KEA:-$(command -v kea-dhcp4 || echo /usr/sbin/kea-dhcp4)}
PERFDHCP=${NP_PERFDHCP:-$(command -v perfdhcp || echo /usr/sbin/perfdhcp)}
KEA_MT=0 GEN=perfdhcp SECS=5 RATES="1000 2000 3000 4000 5000 6000 8000 10000 12000 15000 18000 22000" G=1 M=1000000 KEEP=0 CLASSES=0
while getopts G:t:r:g:m:K:ck o; do
	case $o in
	c) CLASSES=1 ;;
	K) KEA_MT=$OPTARG ;;
	G) GEN=$OPTARG ;;
	t) SECS=$OPTARG ;; r) RATES=$OPTARG ;; g) G=$OPTARG ;; m) M=$OPTARG ;; k) KEEP=1 ;;
	*) exit 2 ;;
	esac
done
[ -x "$DHCPD" ] || { echo "build np-dhcpd first ($DHCPD)" >&2; exit 1; }
[ -x "$KEA" ] && [ -x "$PERFDHCP" ] || { echo "needs kea-dhcp4 and perfdhcp" >&2; exit 1; }

np_lab_init
T=$(np_tmp)
if [ "$GEN" = dhcpload ]; then
	G=1
	${CC:-cc} -O2 -o "$T/dhcpload" "$here/dhcpload.c" || exit 1
fi
[ $KEEP = 1 ] && np_on_cleanup "rm -rf /tmp/bench-dhcp; cp -r '$T' /tmp/bench-dhcp"
np_ns_add srv
np_ns_add rly
np_link srv eth0 rly eth0
np_addr srv eth0 10.77.0.1/24
np_addr rly eth0 10.77.0.2/24
g=1
while [ $g -le "$G" ]; do
	np_addr rly eth0 10.96.0.$g/32
	g=$((g + 1))
done
np_in srv ip route add 10.96.0.0/12 via 10.77.0.2

NP_CLASSES="" NP_RELAYED='  { subnet = "10.96.0.0/12"; lease_time = "1h";
    pools = ( { first = "10.96.1.0"; last = "10.111.255.250"; } );
    options = { routers = [ "10.96.0.1" ]; dns_servers = [ "10.77.0.1" ]; }; }'
KEA_CLASSES="" KEA_RELAYED='{ "id": 2, "subnet": "10.96.0.0/12",
      "pools": [ { "pool": "10.96.1.0 - 10.111.255.250" } ],
      "option-data": [ { "name": "routers", "data": "10.96.0.1" },
                       { "name": "domain-name-servers", "data": "10.77.0.1" } ] }'
KEA_SHARED=""
if [ $CLASSES = 1 ]; then
	NP_CLASSES='client_classes = (
  { name = "ipxe"; match = { user_class = "iPXE"; }; boot_file = "http://10.77.0.1/boot.ipxe"; },
  { name = "uefi"; match = { client_arch = 7; }; boot_file = "ipxe.efi"; },
  { name = "pxe"; match = { vendor_class = "PXEClient"; }; next_server = "10.77.0.1"; boot_file = "undionly.kpxe"; }
);'
	NP_RELAYED='  { subnet = "10.96.0.0/13"; lease_time = "1h"; shared_network = "bench";
    pools = ( { first = "10.96.1.0"; last = "10.103.255.250"; deny = [ "uefi" ]; } );
    options = { routers = [ "10.96.0.1" ]; dns_servers = [ "10.77.0.1" ]; }; },
  { subnet = "10.104.0.0/13"; lease_time = "1h"; shared_network = "bench";
    pools = ( { first = "10.104.0.10"; last = "10.111.255.250"; } );
    options = { routers = [ "10.104.0.1" ]; dns_servers = [ "10.77.0.1" ]; }; }'
	KEA_CLASSES='"client-classes": [
    { "name": "ipxe", "test": "option[77].hex == '"'iPXE'"'", "boot-file-name": "http://10.77.0.1/boot.ipxe" },
    { "name": "uefi", "test": "option[93].hex == 0x0007", "boot-file-name": "ipxe.efi" },
    { "name": "pxe", "test": "substring(option[60].hex,0,9) == '"'PXEClient'"'",
      "next-server": "10.77.0.1", "boot-file-name": "undionly.kpxe" } ],'
	KEA_RELAYED=""
	KEA_SHARED='"shared-networks": [ { "name": "bench", "subnet4": [
    { "id": 2, "subnet": "10.96.0.0/13", "pools": [ { "pool": "10.96.1.0 - 10.103.255.250" } ],
      "option-data": [ { "name": "routers", "data": "10.96.0.1" },
                       { "name": "domain-name-servers", "data": "10.77.0.1" } ] },
    { "id": 3, "subnet": "10.104.0.0/13", "pools": [ { "pool": "10.104.0.10 - 10.111.255.250" } ],
      "option-data": [ { "name": "routers", "data": "10.104.0.1" },
                       { "name": "domain-name-servers", "data": "10.77.0.1" } ] } ] } ],'
fi
cat >"$T/np-dhcpd.conf" <<EOC
interfaces = [ "eth0" ];
lease_file = "$T/np/leases";
control_socket = "$T/np/ctl.sock";
log_level = "warning";
# perfdhcp invents every client: no budget for new relayed clients.
relayed_new_clients_per_second = 0;
$NP_CLASSES
subnets = (
  { subnet = "10.77.0.0/24"; pools = ( { first = "10.77.0.100"; last = "10.77.0.199"; } ); },
$NP_RELAYED
);
EOC
cat >"$T/kea-dhcp4.conf" <<EOC
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "udp" },
  "lease-database": { "type": "memfile", "persist": true, "lfc-interval": 0,
                      "name": "$T/kea/leases.csv" },
  "valid-lifetime": 3600,
  "multi-threading": { "enable-multi-threading": $([ "$KEA_MT" -gt 0 ] && echo true || echo false),
                       "thread-pool-size": $([ "$KEA_MT" -gt 0 ] && echo "$KEA_MT" || echo 0),
                       "packet-queue-size": 64 },
  $KEA_CLASSES
  $KEA_SHARED
  "subnet4": [
    { "id": 1, "subnet": "10.77.0.0/24", "pools": [ { "pool": "10.77.0.100 - 10.77.0.199" } ] }$([ -n "$KEA_RELAYED" ] && echo ",")
    $KEA_RELAYED
  ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                 "output_options": [ { "output": "$T/kea/kea.log" } ] } ]
} }
EOC
mkdir -p "$T/np" "$T/kea"
"$DHCPD" -t -c "$T/np-dhcpd.conf" >/dev/null 2>&1 || exit 1
"$KEA" -t "$T/kea-dhcp4.conf" >/dev/null || { echo "kea-dhcp4 rejects its config" >&2; exit 1; }

start_server() {  # start_server np|kea
	rm -rf "${T:?}/$1"
	mkdir -p "$T/$1"
	if [ "$1" = np ]; then
		np_bg srv "$DHCPD" -c "$T/np-dhcpd.conf" 2>>"$T/np/daemon.log"
	else
		np_bg srv env KEA_LOCKFILE_DIR="$T/kea" KEA_PIDFILE_DIR="$T/kea" "$KEA" -c "$T/kea-dhcp4.conf" >>"$T/kea/daemon.log" 2>&1
	fi
	SRV_PID=$NP_BG_PID
	np_wait 10 np_in srv sh -c "ss -lunp | grep -q ':67 .*pid=$SRV_PID,'" \
		|| { echo "$1 did not start: $(cat "$T/$1/daemon.log")" >&2; exit 1; }
}

stop_server() {
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
}

rcvbuf_errors() {  # rcvbuf_errors NS
	np_in "$1" nstat -az UdpRcvbufErrors | awk '/UdpRcvbufErrors/ {print $2}'
}

# One round at RATE DORA/s for SECS seconds.  Prints
# "sent acks dora_per_s drop_pct generator_overflows server_overflows".
round() {  # round np|kea RATE
	_ovf0=$(rcvbuf_errors rly)
	_sovf0=$(rcvbuf_errors srv)
	if [ "$GEN" = dhcpload ]; then
		np_in rly timeout $((SECS + 30)) "$T/dhcpload" -l 10.96.0.1 -s 10.77.0.1 -r "$2" \
			-t "$SECS" -w 1 -b $(( $2 * 16 )) >"$T/load-$1-$2.log" 2>&1
		_ovf=$(( $(rcvbuf_errors rly) - _ovf0 ))
		_sovf=$(( $(rcvbuf_errors srv) - _sovf0 ))
		awk -v ovf="$_ovf" -v sovf="$_sovf" '/^sent/ { print $2, $8, $12, $14, ovf, sovf }' \
			"$T/load-$1-$2.log"
		return
	fi
	_r=$(( $2 / G ))
	g=1
	while [ $g -le "$G" ]; do
		np_in rly timeout $((SECS + 30)) "$PERFDHCP" -4 -l 10.96.0.$g -r $_r -R 1000000 \
			-b "mac=02:$(printf %02x $g):00:00:00:00" -p "$SECS" -W 1000000 10.77.0.1 \
			>"$T/perf-$1-$2-$g.log" 2>&1 &
		eval "_p$g=\$!"
		g=$((g + 1))
	done
	g=1
	while [ $g -le "$G" ]; do
		eval "wait \$_p$g"
		g=$((g + 1))
	done
	_ovf=$(( $(rcvbuf_errors rly) - _ovf0 ))
	_sovf=$(( $(rcvbuf_errors srv) - _sovf0 ))
	cat "$T"/perf-"$1"-"$2"-*.log | awk -v secs="$SECS" -v ovf="$_ovf" -v sovf="$_sovf" '
		/Statistics for: DISCOVER-OFFER/ { blk = "do" }
		/Statistics for: REQUEST-ACK/ { blk = "ra" }
		/^sent packets:/ && blk == "do" { sent += $3 }
		/^received packets:/ && blk == "ra" { acks += $3 }
		END {
			drop = sent ? 100 * (sent - acks) / sent : 100
			printf "%d %d %.0f %.2f %d %d\n", sent, acks, acks / secs, drop, ovf, sovf
		}'
}

echo "# $GEN ($G x), $SECS s per round, kea threads: $KEA_MT, classes and shared network: $CLASSES, rates: $RATES" | tee "$T/results"
echo "# server rate sent acks dora/s drop% gen-ovf srv-ovf" | tee -a "$T/results"
best_np=0 best_kea=0 dora_np=0 dora_kea=0 fail_np=0 fail_kea=0
for rate in $RATES; do
	for s in np kea; do
		eval "_f=\$fail_$s"
		[ "$_f" -ge 2 ] && continue
		start_server $s
		res=$(round $s "$rate")
		stop_server
		echo "$s $rate $res" | tee -a "$T/results"
		set -- $res
		if awk -v d="$4" 'BEGIN { exit !(d < 2.5) }'; then
			eval "best_$s=$rate dora_$s=$3 fail_$s=0"
		else
			eval "fail_$s=\$((fail_$s + 1))"
		fi
	done
done
echo "np-dhcpd: highest rate under 2.5 % drops: $best_np DORA/s offered ($dora_np completed)" | tee -a "$T/results"
echo "kea-dhcp4: highest rate under 2.5 % drops: $best_kea DORA/s offered ($dora_kea completed)" | tee -a "$T/results"
awk -v a="$dora_np" -v b="$dora_kea" 'BEGIN { if (b > 0) printf "ratio np-dhcpd / kea-dhcp4: %.2f\n", a / b }' \
	| tee -a "$T/results"

[ "$M" -gt 0 ] || exit 0

# Restart with M leases: time to READY=1 and resident memory.
[ -x "$LEASES" ] || { echo "build tests/integration/dhcpd-leases first ($LEASES)" >&2; exit 1; }
rm -rf "$T/np"
mkdir -p "$T/np"
"$LEASES" fill "$T/np/leases" "$M" 10.96.1.0 || exit 1
# The notify socket: a datagram socket of ours that writes what it gets.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
s.settimeout(60)
while True:
    m = s.recv(4096).decode()
    with open(sys.argv[2], "a") as f:
        f.write("%.6f %s\n" % (time.time(), m.replace("\n", " ")))
    if "READY=1" in m:
        break
' "$T/notify.sock" "$T/notify.log" &
NOTIFY_PID=$!
np_on_cleanup "kill $NOTIFY_PID"
np_wait 5 test -e "$T/notify.log" || exit 1
t0=$(date +%s.%N)
np_bg srv env NOTIFY_SOCKET="$T/notify.sock" "$DHCPD" -c "$T/np-dhcpd.conf" 2>>"$T/np/daemon.log"
SRV_PID=$NP_BG_PID
np_wait 30 grep -q READY=1 "$T/notify.log" || { echo "no READY=1: $(cat "$T/np/daemon.log")" >&2; exit 1; }
t1=$(awk '/READY=1/ {print $1; exit}' "$T/notify.log")
rss=$(awk '/VmRSS/ {print $2}' /proc/"$SRV_PID"/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/"$SRV_PID"/status)
# Check it serves: one relayed DORA with the table full.
np_in rly "$PERFDHCP" -4 -l 10.96.0.1 -r 10 -n 10 -R 10 -b mac=02:aa:00:00:00:00 -W 1000000 10.77.0.1 \
	>"$T/perf-full.log" 2>&1 && ok=yes || ok=no
stop_server
awk -v t0="$t0" -v t1="$t1" -v m="$M" -v rss="$rss" -v hwm="$hwm" -v ok="$ok" 'BEGIN {
	printf "restart with %d leases: READY=1 after %.2f s, VmRSS %.0f MB (peak %.0f MB), serves: %s\n",
		m, t1 - t0, rss / 1024, hwm / 1024, ok }' | tee -a "$T/results"
grep "lease file" "$T/np/daemon.log" | tail -1
