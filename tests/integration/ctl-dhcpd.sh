#!/bin/sh
# ctl-dhcpd.sh: np-ctl against a running np-dhcpd in a namespace: after
# udhcpc gets a lease, `leases` lists it (address, MAC, hostname), `leases
# MAC` and `leases IP` find it, `stats` counts the ACK, `status` names the
# pid, a broken `reload` fails with FILE:LINE and leaves the daemon serving,
# `release IP` frees the lease and --json output parses.
set -u
. "$(dirname "$0")/netns.sh"
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
DHCPD=${NP_DHCPD:-${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd}
PY=/usr/bin/python3
[ -x "$NPCTL" ] || np_fail "no np-ctl at $NPCTL"
[ -x "$DHCPD" ] || np_fail "no np-dhcpd at $DHCPD"
command -v udhcpc >/dev/null 2>&1 || np_skip_or_fail "udhcpc not installed"
np_lab_init
T=$(np_tmp)
np_ns_add srv
np_ns_add cli
np_link srv eth0 cli eth0
np_addr srv eth0 10.77.0.1/24
MAC=02:00:5e:00:07:01
ip -n "$(np_ns cli)" link set eth0 address $MAC
CTL=$T/dhcpd.sock
conf=$T/dhcpd.conf
write_conf() {
	cat > "$conf" <<EOC
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$CTL";
subnets = (
  { subnet = "10.77.0.0/24"; lease_time = "$1";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.100"; } ); }
);
EOC
}
write_conf 10m
np_bg srv "$DHCPD" -c "$conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
ctl() { "$NPCTL" -s "$CTL" -t 5 "$@"; }
up() { ctl dhcpd status >/dev/null 2>&1; }
np_wait 5 up || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"
out=$T/out
err=$T/err

printf '#!/bin/sh\nexit 0\n' > "$T/hook"; chmod +x "$T/hook"
get_lease() {
	np_in cli udhcpc -f -q -n -i eth0 -t 3 -T 1 -A 1 -x hostname:lab-c1 -s "$T/hook" >/dev/null 2>&1
}

ctl dhcpd leases > "$out" 2> "$err" || np_fail "leases with none: exit $? $(cat "$err")"
grep -q "0 IPv4 lease" "$out" || np_fail "no leases yet: $(cat "$out")"
get_lease || np_fail "udhcpc got no lease"

ctl dhcpd leases > "$out" || np_fail "leases failed"
grep -Eq "^10\.77\.0\.100 +$MAC +.*lab-c1" "$out" || np_fail "leases has no row for the client: $(cat "$out")"
ctl dhcpd leases $MAC > "$out" || np_fail "leases $MAC failed"
grep -Eq '^ip-address +10\.77\.0\.100$' "$out" || np_fail "leases $MAC: $(cat "$out")"
ctl --json dhcpd leases 10.77.0.100 > "$out" || np_fail "leases 10.77.0.100 failed"
$PY -m json.tool "$out" >/dev/null && grep -q '"hostname": "lab-c1"' "$out" ||
	np_fail "leases 10.77.0.100 --json: $(cat "$out")"

ctl dhcpd stats > "$out" || np_fail "stats failed"
acks=$(awk '$1 == "pkt4-ack-sent" { print $2 }' "$out")
[ "${acks:-0}" -ge 1 ] || np_fail "stats: pkt4-ack-sent '$acks': $(cat "$out")"
ctl dhcpd status > "$out" || np_fail "status failed"
grep -q "^np-dhcpd is running, pid $DHCPD_PID, up " "$out" || np_fail "status: $(cat "$out")"
np_log "leases, stats, status: ok"

write_conf 'soon'
ctl dhcpd reload > "$out" 2> "$err"; rc=$?
[ $rc -eq 1 ] && grep -q "refused the new configuration.*$conf:5: " "$err" ||
	np_fail "broken reload: exit $rc: $(cat "$err")"
kill -0 "$DHCPD_PID" || np_fail "np-dhcpd died on a broken reload"
ctl dhcpd leases 10.77.0.100 >/dev/null || np_fail "the lease is gone after a broken reload"
write_conf 10m
ctl dhcpd reload >/dev/null 2>&1 || np_fail "good reload failed: $(ctl dhcpd reload 2>&1)"
np_log "reload: broken refused with file:line, good accepted"

ctl dhcpd release 10.77.0.100 > "$out" 2> "$err" || np_fail "release failed: $(cat "$err")"
ctl dhcpd leases 10.77.0.100 > "$out" 2> "$err"; rc=$?
# Gone (Kea) or kept as released (np-dhcpd remembers the client's address).
{ [ $rc -eq 1 ] && grep -q "Lease not found" "$err"; } ||
	{ [ $rc -eq 0 ] && grep -Eq '^state-name +released$' "$out"; } ||
	np_fail "released lease still assigned: exit $rc $(cat "$out" "$err")"
get_lease || np_fail "the released address was not given again"
echo "np-ctl drives np-dhcpd: leases, stats, status, reload, release"
