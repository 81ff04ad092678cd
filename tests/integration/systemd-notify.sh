#!/bin/sh
# systemd-notify.sh: np-arpd and np-dhcpd speak sd_notify(3) to a
# NOTIFY_SOCKET this test owns, as systemd would run them (Type=notify,
# WatchdogSec=1): READY=1 once serving, STATUS=, WATCHDOG=1 every half
# period, RELOADING=1 then READY=1 around a reload; a reload with a broken
# config keeps the daemon running on the old one, says why (FILE:LINE) in
# STATUS= and makes `np-ctl ... reload` (the units' ExecReload=) fail.
set -u
. "$(dirname "$0")/arpd-lib.sh"
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
DHCPD=${NP_DHCPD:-${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd}
[ -x "$NPCTL" ] || np_fail "no np-ctl at $NPCTL"
[ -x "$DHCPD" ] || np_fail "no np-dhcpd at $DHCPD"
command -v udhcpc >/dev/null 2>&1 || np_skip_or_fail "udhcpc not installed"
arpd_lab
T=$(np_tmp)
PY=/usr/bin/python3

# The service manager's side: a datagram socket; every message is logged
# as "N LINE" for each of its lines, N counting messages.
start_collector() {     # NAME
	np_bg srv "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".up", "w").close()
n = 0
while True:
    msg = s.recv(4096).decode()
    n += 1
    with open(sys.argv[2], "a") as f:
        for line in msg.splitlines():
            f.write("%d %s\n" % (n, line))
' "$T/$1.notify" "$T/$1.log"
	np_wait 5 test -e "$T/$1.notify.up" || np_fail "notify collector did not start"
	: >> "$T/$1.log"
}
# Lines logged after line $2 of $1's log.
since() { tail -n +"$(($2 + 1))" "$T/$1.log"; }
mark() { wc -l < "$T/$1.log"; }
# since NAME MARK has RELOADING=1 and, in a later message, READY=1.
reload_cycle() {
	since "$1" "$2" | awk '/ RELOADING=1$/ && !r { r = $1 } / READY=1$/ && r && $1 > r { ok = 1 }
		END { exit !ok }'
}
has() { since "$1" "$2" | grep -q "$3"; }
count() { since "$1" "$2" | grep -c "$3"; }

run() {         # NAME NS CMD...: a daemon under the test's service manager
	_n=$1; _ns=$2; shift 2
	np_bg "$_ns" env NOTIFY_SOCKET="$T/$_n.notify" WATCHDOG_USEC=1000000 "$@" 2>>"$T/$_n.err"
}

# ---- np-arpd ---------------------------------------------------------------
conf=$T/arpd.conf
write_conf() {
	arpd_conf "$conf" <<EOC
interface = "eth0";
entries = ( $1 );
announce = { count = 0; };
control_socket = "$CTL";
EOC
}
write_conf '{ address = "10.77.1.1"; }'
start_collector arpd
run arpd srv "$ARPD" -c "$conf"
ARPD_PID=$NP_BG_PID
ready() { has "$1" 0 '^[0-9]* READY=1$'; }
np_wait 5 ready arpd || np_fail "np-arpd: no READY=1: $(cat "$T/arpd.log" "$T/arpd.err")"
arpd_expect_mac 10.77.1.1 "$SRV_MAC"
has arpd 0 '^[0-9]* STATUS=answering for 1 addresses on eth0' ||
	np_fail "np-arpd: no STATUS=: $(cat "$T/arpd.log")"
m=$(mark arpd)
sleep 2.2
n=$(count arpd "$m" ' WATCHDOG=1$')
[ "$n" -ge 3 ] && [ "$n" -le 6 ] || np_fail "np-arpd: $n WATCHDOG=1 in 2.2 s with WatchdogSec=1 (expected 4)"
np_log "np-arpd: READY=1, STATUS=, $n WATCHDOG=1 in 2.2 s"

m=$(mark arpd)
write_conf '{ address = "10.77.2.0/24"; }'
"$NPCTL" -s "$CTL" arpd reload >/dev/null || np_fail "np-arpd: good reload failed"
np_wait 3 reload_cycle arpd "$m" || np_fail "np-arpd reload: no RELOADING=1 then READY=1: $(since arpd "$m")"
arpd_expect_mac 10.77.2.2 "$SRV_MAC"

m=$(mark arpd)
write_conf '{ address = "10.77.3.0/24"; }, { address = "10.77.3.3"; }'
"$NPCTL" -s "$CTL" arpd reload > "$T/out" 2>&1 && np_fail "np-arpd: np-ctl reload accepted a broken config"
grep -q "$conf:2: entries: this entry overlaps" "$T/out" || np_fail "np-ctl reload: $(cat "$T/out")"
np_wait 3 reload_cycle arpd "$m" || np_fail "np-arpd broken reload: no RELOADING=1 then READY=1"
has arpd "$m" "STATUS=reload failed, running the previous configuration: $conf:2: " ||
	np_fail "np-arpd: no STATUS= with the reason: $(since arpd "$m")"
kill -0 "$ARPD_PID" || np_fail "np-arpd died on a broken reload"
arpd_expect_mac 10.77.2.2 "$SRV_MAC"
arpd_expect_silence 10.77.3.3
m=$(mark arpd)
sleep 1.2
[ "$(count arpd "$m" ' WATCHDOG=1$')" -ge 1 ] || np_fail "np-arpd: watchdog stopped after a broken reload"

m=$(mark arpd)
kill "$ARPD_PID"
stopping() { has arpd "$m" ' STOPPING=1$'; }
np_wait 3 stopping || np_fail "np-arpd: no STOPPING=1 on SIGTERM"
np_log "np-arpd: reloads (good and broken) and stop as systemd sees them"

# ---- np-dhcpd --------------------------------------------------------------
np_addr srv eth0 10.77.0.1/16
dconf=$T/dhcpd.conf
write_dconf() {
	cat > "$dconf" <<EOC
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$T/dhcpd.sock";
subnets = (
  { subnet = "10.77.0.0/16"; lease_time = "$1";
    pools = ( { first = "10.77.9.10"; last = "10.77.9.20"; } ); }
);
EOC
}
write_dconf 10m
start_collector dhcpd
run dhcpd srv "$DHCPD" -c "$dconf"
DHCPD_PID=$NP_BG_PID
np_wait 5 ready dhcpd || np_fail "np-dhcpd: no READY=1: $(cat "$T/dhcpd.log" "$T/dhcpd.err")"
has dhcpd 0 '^[0-9]* STATUS=[0-9]* leases, ' || np_fail "np-dhcpd: no STATUS=: $(cat "$T/dhcpd.log")"
m=$(mark dhcpd)
sleep 2.2
n=$(count dhcpd "$m" ' WATCHDOG=1$')
[ "$n" -ge 3 ] && [ "$n" -le 6 ] || np_fail "np-dhcpd: $n WATCHDOG=1 in 2.2 s with WatchdogSec=1 (expected 4)"

lease() {       # the lease time udhcpc gets
	np_in cli udhcpc -f -q -n -i eth0 -t 3 -T 1 -A 1 -s "$T/hook" >/dev/null 2>&1
	cat "$T/udhcpc.out" 2>/dev/null
}
printf '#!/bin/sh\n[ "$1" = bound ] && echo "$lease" > %s\nexit 0\n' "$T/udhcpc.out" > "$T/hook"
chmod +x "$T/hook"
m=$(mark dhcpd)
write_dconf 20m
kill -HUP "$DHCPD_PID"
np_wait 3 reload_cycle dhcpd "$m" || np_fail "np-dhcpd reload: no RELOADING=1 then READY=1: $(since dhcpd "$m")"
# np-dhcpd may still refuse every reload ("on restart only"); then the old
# lease time stays, and that refusal is what systemd must see.
if has dhcpd "$m" 'STATUS=reload failed.*on restart only'; then
	np_log "NOTE: np-dhcpd refuses live reloads (restart only)"
	want=600
else
	want=1200
fi
[ "$(lease)" = $want ] || np_fail "np-dhcpd: after the reload the lease time is '$(cat "$T/udhcpc.out")', not $want"

m=$(mark dhcpd)
write_dconf 'never'
kill -HUP "$DHCPD_PID"
np_wait 3 reload_cycle dhcpd "$m" || np_fail "np-dhcpd broken reload: no RELOADING=1 then READY=1"
has dhcpd "$m" "STATUS=reload failed, running the previous configuration: $dconf:5: " ||
	np_fail "np-dhcpd: no STATUS= with the reason: $(since dhcpd "$m")"
kill -0 "$DHCPD_PID" || np_fail "np-dhcpd died on a broken reload"
rm -f "$T/udhcpc.out"
[ "$(lease)" = $want ] || np_fail "np-dhcpd: after a broken reload the lease time is '$(cat "$T/udhcpc.out")', not $want"
np_log "np-dhcpd: READY=1, $n WATCHDOG=1 in 2.2 s, reloads (good and broken) as systemd sees them"
echo "np-arpd and np-dhcpd speak sd_notify as Type=notify units expect"
