#!/bin/sh
# dhcpd-import.sh: a migration keeps every client's address.  dnsmasq and
# kea-dhcp4 (memfile, persist) each lease an address to a udhcpc client and
# are stopped; np-dhcpd --import-leases reads the lease files they wrote
# (refused while np-dhcpd runs, and for a line whose address lies outside
# the configured subnets, with FILE:LINE), and after np-dhcpd starts the
# same clients asking for their addresses (udhcpc -r) get them back; np-ctl
# lists them with their names.  An address Kea holds declined (dhcpcd found
# it in use) is imported as declined.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
for p in dnsmasq kea-dhcp4 udhcpc dhcpcd; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
np_ns_add srv
for h in c1 c2; do
	np_ns_add $h
	np_link srv p-$h $h eth0
done
ip -n "$(np_ns srv)" link add br0 type bridge || np_skip_or_fail "no bridge support"
for h in c1 c2; do
	ip -n "$(np_ns srv)" link set p-$h master br0
done
ip -n "$(np_ns srv)" link set br0 up
np_addr srv br0 10.77.0.1/24
ip -n "$(np_ns c1)" link set eth0 address 02:00:5e:00:0f:01
ip -n "$(np_ns c2)" link set eth0 address 02:00:5e:00:0f:02

lease() {   # lease NS HOSTNAME [REQUESTED]: the address udhcpc gets
	np_in "$1" udhcpc -f -q -n -i eth0 -s /bin/true -x hostname:"$2" ${3:+-r "$3"} \
		-t 5 -T 1 -A 1 >"$T/udhcpc-$1.log" 2>&1 || return 1
	sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p' "$T/udhcpc-$1.log" | head -1
}

# 1. dnsmasq leases c1 an address and writes its lease file.
np_bg srv dnsmasq -d -C /dev/null --port=0 --interface=br0 --bind-interfaces \
	--dhcp-range=10.77.0.50,10.77.0.59,12h --dhcp-leasefile="$T/dnsmasq.leases" \
	--pid-file="$T/dnsmasq.pid" --user=root 2>"$T/dnsmasq.log"
DNSMASQ_PID=$NP_BG_PID
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "dnsmasq not listening: $(cat "$T/dnsmasq.log")"
A1=$(lease c1 alpha) || np_fail "no lease from dnsmasq: $(cat "$T/udhcpc-c1.log")"
kill "$DNSMASQ_PID"; wait "$DNSMASQ_PID" 2>/dev/null
grep -q " $A1 alpha " "$T/dnsmasq.leases" || np_fail "dnsmasq's lease file: $(cat "$T/dnsmasq.leases")"
np_log "dnsmasq leased $A1 to c1: $(cat "$T/dnsmasq.leases")"

# 2. kea-dhcp4 leases c2 an address into its memfile CSV.
cat >"$T/kea.json" <<KEA
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "br0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$T/kea.csv", "lfc-interval": 0 },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "10.77.0.0/24", "pools": [ { "pool": "10.77.0.60 - 10.77.0.69" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stderr" } ], "severity": "INFO" } ]
} }
KEA
np_bg srv env KEA_PIDFILE_DIR="$T" KEA_LOCKFILE_DIR="$T" \
	kea-dhcp4 -c "$T/kea.json" 2>"$T/kea.log"
KEA_PID=$NP_BG_PID
np_wait 10 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "kea not listening: $(cat "$T/kea.log")"
# dhcpcd declines 10.77.0.60, Kea's first offer, which c1 holds: Kea keeps
# the address on probation and forgets the client (hwaddr and client_id empty).
np_addr c1 eth0 10.77.0.60/24
np_in c2 dhcpcd -4 -1 -B -t 15 -f /dev/null -c /bin/true eth0 >"$T/dhcpcd.log" 2>&1 \
	|| np_fail "dhcpcd got no lease from kea: $(tail "$T/dhcpcd.log")"
ip -n "$(np_ns c1)" addr del 10.77.0.60/24 dev eth0
ip -n "$(np_ns c2)" addr flush dev eth0
grep -q "^10.77.0.60,,,[0-9]*,[0-9]*,1,0,0,,1," "$T/kea.csv" \
	|| np_fail "kea wrote no declined lease for 10.77.0.60: $(cat "$T/kea.csv")"
A2=$(lease c2 bravo) || np_fail "no lease from kea: $(cat "$T/udhcpc-c2.log") $(tail "$T/kea.log")"
kill "$KEA_PID"; wait "$KEA_PID" 2>/dev/null
grep -q "^$A2,02:00:5e:00:0f:02," "$T/kea.csv" || np_fail "kea's lease file: $(cat "$T/kea.csv")"
np_log "kea leased $A2 to c2: $(tail -1 "$T/kea.csv")"

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "br0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
ping_check = false;
subnets = (
  { subnet = "10.77.0.0/24"; lease_time = "10m";
    pools = ( { first = "10.77.0.50"; last = "10.77.0.99"; } ); }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >"$T/t.out" 2>&1 || np_fail "config rejected: $(cat "$T/t.out")"

# 3. Refused: an address outside the configured subnets, with its line.
{ cat "$T/dnsmasq.leases"; echo "$(( $(date +%s) + 3600 )) 02:00:5e:00:0f:09 10.88.0.5 other *"; } >"$T/bad.leases"
bad_line=$(wc -l <"$T/bad.leases")
if "$dhcpd" -c "$T/dhcpd.conf" --import-leases dnsmasq:"$T/bad.leases" >"$T/bad.out" 2>&1; then
	np_fail "an address outside the subnets was imported: $(cat "$T/bad.out")"
fi
grep -q "^$T/bad.leases:$bad_line: address 10.88.0.5 is outside the configured subnets" "$T/bad.out" \
	|| np_fail "refusal without FILE:LINE: $(cat "$T/bad.out")"
np_log "refused: $(head -1 "$T/bad.out")"

# 4. Refused while np-dhcpd runs (it holds the store's lock).
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "np-dhcpd not listening: $(cat "$T/dhcpd.log")"
if "$dhcpd" -c "$T/dhcpd.conf" --import-leases kea:"$T/kea.csv" >"$T/busy.out" 2>&1; then
	np_fail "imported into the store of a running np-dhcpd"
fi
grep -q "running" "$T/busy.out" || np_fail "refusal does not say why: $(cat "$T/busy.out")"
np_log "refused while running: $(cat "$T/busy.out")"
kill "$DHCPD_PID"; wait "$DHCPD_PID" 2>/dev/null

# 5. Both files imported; np-dhcpd gives the same clients the same addresses.
"$dhcpd" -c "$T/dhcpd.conf" --import-leases dnsmasq:"$T/dnsmasq.leases" >"$T/imp1" 2>&1 \
	|| np_fail "dnsmasq import: $(cat "$T/imp1")"
"$dhcpd" -c "$T/dhcpd.conf" --import-leases kea:"$T/kea.csv" >"$T/imp2" 2>&1 \
	|| np_fail "kea import: $(cat "$T/imp2")"
np_log "$(cat "$T/imp1") / $(cat "$T/imp2")"
"$dhcpd" --dump-leases "$T/leases" -c "$T/dhcpd.conf" >"$T/dump.csv" 2>&1 || np_fail "dump: $(cat "$T/dump.csv")"
grep -q "^10.77.0.60,,,[0-9]*,[0-9]*,1,0,0,,1,$" "$T/dump.csv" \
	|| np_fail "kea's declined 10.77.0.60 not imported as declined: $(cat "$T/dump.csv")"
np_log "kea's declined 10.77.0.60 imported as declined"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "np-dhcpd not listening: $(cat "$T/dhcpd.log")"
"$NPCTL" -s "$T/ctl.sock" -t 5 dhcpd leases >"$T/ctl.out" 2>&1 || np_fail "np-ctl: $(cat "$T/ctl.out")"
grep -q "$A1.*02:00:5e:00:0f:01.*alpha" "$T/ctl.out" || np_fail "np-ctl lacks $A1 alpha: $(cat "$T/ctl.out")"
grep -q "$A2.*02:00:5e:00:0f:02.*bravo" "$T/ctl.out" || np_fail "np-ctl lacks $A2 bravo: $(cat "$T/ctl.out")"
np_log "np-ctl lists the imported leases"
B1=$(lease c1 alpha "$A1") || np_fail "c1 no lease from np-dhcpd: $(cat "$T/udhcpc-c1.log")"
[ "$B1" = "$A1" ] || np_fail "c1 got $B1 from np-dhcpd, had $A1 from dnsmasq"
B2=$(lease c2 bravo "$A2") || np_fail "c2 no lease from np-dhcpd: $(cat "$T/udhcpc-c2.log")"
[ "$B2" = "$A2" ] || np_fail "c2 got $B2 from np-dhcpd, had $A2 from kea"
# A client that asks for nothing in particular finds its address too.
B1=$(lease c1 alpha) || np_fail "c1 no lease: $(cat "$T/udhcpc-c1.log")"
[ "$B1" = "$A1" ] || np_fail "c1 got $B1 on DISCOVER without a requested address, had $A1"
np_log "c1 kept $A1 (dnsmasq), c2 kept $A2 (kea)"
np_log "PASS"
exit 0
