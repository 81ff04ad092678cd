#!/bin/sh
# dhcpd-recovery.sh: np-dhcpd starts from what is intact in a damaged or
# incomplete lease store, says what was lost, keeps the damaged file aside:
#   1. dhclient gets a lease; np-dhcpd is killed -9 and one octet of the
#      journal header is overwritten with dd: np-dhcpd starts, np-ctl still
#      lists dhclient's lease, the log says the header was damaged and how
#      many leases came back, FILE.damaged-* holds the old journal, the
#      counter lease-file-damage-recovered is 1;
#   2. the recovery compacted the store: one octet of the snapshot header is
#      overwritten: the lease is still there, the log says so;
#   3. udhcpc gets a second lease (in the journal only); the journal is
#      deleted: the log says the changes since the snapshot are lost, and
#      dhclient's lease (in the snapshot) is still listed;
#   4. the snapshot is deleted: the log says its leases are lost.
set -u
. "$(dirname "$0")/netns.sh"
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
DHCPD=${NP_DHCPD:-${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd}
[ -x "$NPCTL" ] || np_fail "no np-ctl at $NPCTL"
[ -x "$DHCPD" ] || np_fail "no np-dhcpd at $DHCPD"
for p in dhclient udhcpc; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
np_lab_init
T=$(np_tmp)
np_ns_add srv
np_ns_add cli
np_ns_add c2
ip -n "$(np_ns srv)" link add br0 type bridge || np_skip_or_fail "no bridge support"
for h in cli c2; do
	np_link srv p-$h $h eth0
	ip -n "$(np_ns srv)" link set p-$h master br0
done
ip -n "$(np_ns srv)" link set br0 up
np_addr srv br0 10.77.0.1/24
MAC=02:00:5e:00:0e:01
ip -n "$(np_ns cli)" link set eth0 address $MAC
CTL=$T/ctl.sock
cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "br0" ];
lease_file = "$T/leases";
control_socket = "$CTL";
ping_check = false;
subnets = (
  { subnet = "10.77.0.0/24"; lease_time = "1h";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.120"; } ); }
);
CONF
ctl() { "$NPCTL" -s "$CTL" -t 5 "$@"; }
start_dhcpd() {
	: >"$T/dhcpd.log"
	np_bg srv "$DHCPD" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
	DHCPD_PID=$NP_BG_PID
	np_wait 10 ctl dhcpd status >/dev/null 2>&1 \
		|| np_fail "$1: np-dhcpd did not start: $(cat "$T/dhcpd.log")"
}
kill9_dhcpd() {
	kill -9 "$DHCPD_PID"
	wait "$DHCPD_PID" 2>/dev/null
}
# overwrite FILE OFFSET: one octet of FILE, with dd, in place
overwrite() {
	printf '\377' | dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null \
		|| np_fail "dd $1"
}
# listed IP WHAT: np-ctl lists the lease of IP to $MAC
listed() {
	ctl dhcpd leases "$1" >"$T/lease" 2>&1 || np_fail "$2: $1 not listed: $(cat "$T/lease"); log: $(cat "$T/dhcpd.log")"
	grep -Eq "^hw-address +$MAC$" "$T/lease" || np_fail "$2: $1 not $MAC's: $(cat "$T/lease")"
}
logged() {
	grep -q "$1" "$T/dhcpd.log" || np_fail "$2: no '$1' in the log: $(cat "$T/dhcpd.log")"
}

start_dhcpd start
np_in cli dhclient -4 -1 -sf /bin/true -lf "$T/dhclient.leases" -pf "$T/dhclient.pid" eth0 \
	>"$T/dhclient.log" 2>&1 || np_fail "dhclient got no lease: $(cat "$T/dhclient.log")"
np_on_cleanup "kill \$(cat '$T/dhclient.pid')"
IP=$(sed -n 's/^ *fixed-address \([0-9.]*\);/\1/p' "$T/dhclient.leases" | tail -1)
[ -n "$IP" ] || np_fail "no address in dhclient's lease file: $(cat "$T/dhclient.leases")"
listed "$IP" "before"
np_log "dhclient holds $IP"

# 1. One octet of the journal header (its generation).
kill9_dhcpd
cp "$T/leases" "$T/journal.before"
overwrite "$T/leases" 17
start_dhcpd "damaged journal header"
listed "$IP" "damaged journal header"
logged "journal header damaged; its 1 records that verify were replayed" "damaged journal header"
logged "recovered: 1 leases" "damaged journal header"
kept=$(ls "$T"/leases.damaged-* 2>/dev/null | head -1)
[ -n "$kept" ] || np_fail "no leases.damaged-* kept: $(ls "$T")"
cmp -s "$kept" "$T/journal.before" && np_fail "the kept journal is not the damaged one"
overwrite "$T/journal.before" 17
cmp -s "$kept" "$T/journal.before" || np_fail "the kept journal differs from the damaged one"
ctl dhcpd stats >"$T/stats" || np_fail "stats"
grep -Eq '^lease-file-damage-recovered +1$' "$T/stats" || np_fail "counter: $(grep lease-file "$T/stats")"
np_log "damaged journal header: $IP recovered, damaged journal kept as $(basename "$kept")"

# 2. The recovery compacted: one octet of the snapshot header.
[ -s "$T/leases.snapshot" ] || np_fail "the recovered store was not compacted"
kill9_dhcpd
overwrite "$T/leases.snapshot" 3
start_dhcpd "damaged snapshot header"
listed "$IP" "damaged snapshot header"
logged "snapshot: header damaged" "damaged snapshot header"
np_log "damaged snapshot header: $IP recovered"

# 3. A second lease in the journal only; the journal deleted.
np_in c2 udhcpc -f -q -n -i eth0 -t 3 -T 1 -A 1 -s /bin/true >"$T/udhcpc.log" 2>&1 \
	|| np_fail "udhcpc got no lease: $(cat "$T/udhcpc.log")"
kill9_dhcpd
rm "$T/leases"
start_dhcpd "deleted journal"
listed "$IP" "deleted journal"
logged "journal missing or empty next to a snapshot .* every lease change since that snapshot is lost" "deleted journal"
np_log "deleted journal: said so; $IP (in the snapshot) kept"

# 4. The snapshot deleted.
kill9_dhcpd
rm "$T/leases.snapshot"
start_dhcpd "deleted snapshot"
logged "snapshot: missing, but the journal is of generation .* lost" "deleted snapshot"
np_log "deleted snapshot: said so"
np_log "PASS"
exit 0
