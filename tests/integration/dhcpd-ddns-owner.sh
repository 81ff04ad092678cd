#!/bin/sh
# dhcpd-ddns-owner.sh: a DNS name belongs to the DHCP client that registered
# it, or to a configured record (RFC 4703, DHCID of RFC 4701).  np-dhcpd
# publishes its clients' names in np-dnsd's local zone; udhcpc clients in
# three namespaces ask for names:
#   1. a client sending hostname "printer" while np-dnsd has a configured
#      printer.lan: the client gets its lease, printer.lan keeps its
#      configured address, np-dhcpd counts the conflict;
#   2. client B sending client A's hostname while A's lease is active: B is
#      leased, the name keeps A's address, and B gets no other name (the
#      default conflict policy, "no-name"); after A releases, B's renewal
#      takes the name;
#   3. a reload of np-dnsd adding a configured record for a published name:
#      the configured record wins, other published names are kept;
#   4. nsupdate (BIND), as a second DHCP server would, trying to replace a
#      DHCID-owned name without that DHCID as prerequisite: REFUSED; with a
#      wrong DHCID: NXRRSET; with the owner's DHCID: accepted;
#   5. np-dhcpd reloaded with dns_update's conflict = "suffix": B asking for
#      A's name gets the derived name NAME-0e02.lan (its MAC's last two
#      octets), resolvable by dig, while A keeps NAME.lan; B's release
#      withdraws the derived name.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
dnsd=${NP_BUILDDIR:-.}/daemons/dnsd/np-dnsd
CTL=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
PY=/usr/bin/python3
for b in "$dhcpd" "$dnsd" "$CTL"; do
	[ -x "$b" ] || { np_log "ERROR: $b not built"; exit 99; }
done
for p in udhcpc dig nsupdate; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
np_ns_add srv
for i in 1 2 3; do
	np_ns_add c$i
	np_link srv eth$i c$i eth0
	ip -n "$(np_ns c$i)" link set eth0 address 02:00:5e:00:0e:0$i
	np_addr srv eth$i 10.77.$i.1/24
done

cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.1.1" ];
local_zone = "lan.";
update_acl = [ "10.77.1.1" ];
control_socket = "$T/dnsd.sock";
records = [ "printer.lan. 300 IN A 10.77.9.50" ];
CONF
"$dnsd" -t -c "$T/dnsd.conf" >/dev/null || np_fail "np-dnsd config rejected"
np_bg srv "$dnsd" -c "$T/dnsd.conf" 2>>"$T/dnsd.log"
DNSD_PID=$NP_BG_PID
np_wait 5 np_in srv dig +time=1 +tries=1 @10.77.1.1 lan SOA >/dev/null ||
	np_fail "np-dnsd did not answer: $(cat "$T/dnsd.log")"

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth1", "eth2", "eth3" ];
lease_file = "$T/leases";
control_socket = "$T/dhcpd.sock";
ping_check = false;
subnets = (
  { subnet = "10.77.1.0/24"; pools = ( { first = "10.77.1.100"; last = "10.77.1.109"; } ); },
  { subnet = "10.77.2.0/24"; pools = ( { first = "10.77.2.100"; last = "10.77.2.109"; } ); },
  { subnet = "10.77.3.0/24"; pools = ( { first = "10.77.3.100"; last = "10.77.3.109"; } ); }
);
dns_update = {
  server = "10.77.1.1:53";
  zone = "lan.";
  ttl = "5m";
  timeout = "300ms";
  update_ptr = false;
};
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null || np_fail "np-dhcpd config rejected"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 test -S "$T/dhcpd.sock" || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"

cat >"$T/hook" <<HOOK
#!/bin/sh
case "\$1" in
bound|renew) ip addr replace "\$ip/24" dev "\$interface"; echo "\$1 ip=\$ip" >>"$T/udhcpc-\$interface-\$(ip netns identify).out" ;;
esac
exit 0
HOOK
chmod +x "$T/hook"

diagnose() {
	np_log "--- np-dhcpd log"; tail -15 "$T/dhcpd.log" >&2
	np_log "--- np-dnsd log"; tail -15 "$T/dnsd.log" >&2
}
fail() { diagnose; np_fail "$*"; }

# a_of NAME: the A records of NAME.lan. as dig shows them, sorted, on one line.
a_of() { np_in srv dig +short +time=1 +tries=1 @10.77.1.1 "$1.lan." A | sort | paste -sd' ' -; }
# is NAME ADDRESS...: dig shows exactly these addresses (none: no address).
is() { _n=$1; shift; [ "$(a_of "$_n")" = "$*" ]; }
# dhcpd_stat NAME / dnsd_stat NAME: one counter through np-ctl.
dhcpd_stat() {
	np_in srv "$CTL" -s "$T/dhcpd.sock" --json dhcpd stats | $PY -c \
		"import json,sys; v=json.load(sys.stdin)['arguments'].get('$1'); print(v[0][0] if v else 'missing')"
}
dnsd_stat() {
	np_in srv "$CTL" -s "$T/dnsd.sock" --json dnsd stats | $PY -c \
		"import json,sys; print(json.load(sys.stdin)['arguments'].get('$1', 'missing'))"
}
stat_is() { [ "$("$1" "$2")" = "$3" ]; }
# lease NS NAME: udhcpc in NS asks for hostname NAME and stays bound (-R:
# it releases when stopped); its pid in U_PID.
lease() {
	: >"$T/udhcpc-eth0-$(np_ns "$1").out"
	np_bg "$1" udhcpc -f -R -n -i eth0 -s "$T/hook" -x "hostname:$2" -t 5 -T 1 -A 1 \
		>>"$T/udhcpc-$1.log" 2>&1
	U_PID=$NP_BG_PID
	np_wait 8 grep -q "bound ip=" "$T/udhcpc-eth0-$(np_ns "$1").out" 2>/dev/null ||
		fail "$1: no lease: $(cat "$T/udhcpc-$1.log")"
}

# ---- 1. A configured name is not a client's to take.
lease c3 printer
C3_PID=$U_PID
np_log "c3 (hostname printer) leased $(cat "$T/udhcpc-eth0-$(np_ns c3).out")"
np_wait 5 stat_is dhcpd_stat ddns-conflicts 1 ||
	fail "no conflict counted for printer: ddns-conflicts $(dhcpd_stat ddns-conflicts)"
is printer 10.77.9.50 || fail "printer.lan. is $(a_of printer), not the configured 10.77.9.50"
[ "$(dnsd_stat updates.prereq-failed)" = 2 ] ||
	fail "np-dnsd: updates.prereq-failed $(dnsd_stat updates.prereq-failed), expected 2"
grep -q "printer.lan. belongs to another client" "$T/dhcpd.log" || fail "the conflict is not logged"
np_log "ok: printer.lan. keeps its configured address; c3 leased without the name"

# ---- 2. Client B asks for client A's name.
lease c1 laptop
A_PID=$U_PID
np_wait 5 is laptop 10.77.1.100 || fail "laptop.lan. is '$(a_of laptop)', not A's 10.77.1.100"
lease c2 laptop
B_PID=$U_PID
grep -q "bound ip=10.77.2.100" "$T/udhcpc-eth0-$(np_ns c2).out" || fail "B not leased"
np_wait 5 stat_is dhcpd_stat ddns-conflicts 2 ||
	fail "no conflict counted for B: ddns-conflicts $(dhcpd_stat ddns-conflicts)"
is laptop 10.77.1.100 || fail "B took laptop.lan.: $(a_of laptop)"
is laptop-0e02 || fail "B got laptop-0e02.lan. without conflict = \"suffix\": $(a_of laptop-0e02)"
np_log "ok: B (10.77.2.100) leased without laptop.lan., which stays A's"
# A releases; B's renewal takes the name.
kill "$A_PID"
wait "$A_PID" 2>/dev/null
grep -q "unicasting a release" "$T/udhcpc-c1.log" || fail "A did not release: $(cat "$T/udhcpc-c1.log")"
np_wait 5 is laptop || fail "laptop.lan. still '$(a_of laptop)' after A released"
kill -USR1 "$B_PID"
np_wait 8 is laptop 10.77.2.100 || fail "after A released, B's renewal did not take laptop.lan.: '$(a_of laptop)'"
np_log "ok: after A released, B's renewal took laptop.lan."

# ---- 3. A reload configures laptop.lan.: the configured record wins.
np_in c1 ip addr flush dev eth0
lease c1 desk
D_PID=$U_PID
np_wait 5 is desk 10.77.1.100 || fail "desk.lan. is '$(a_of desk)'"
sed -i 's/^records = .*/records = [ "printer.lan. 300 IN A 10.77.9.50", "laptop.lan. 300 IN A 10.77.9.51" ];/' \
	"$T/dnsd.conf"
np_in srv "$CTL" -s "$T/dnsd.sock" dnsd reload >"$T/reload.out" 2>&1 || fail "reload: $(cat "$T/reload.out")"
np_wait 5 is laptop 10.77.9.51 || fail "after the reload laptop.lan. is '$(a_of laptop)', not only the configured 10.77.9.51"
is desk 10.77.1.100 || fail "the reload lost desk.lan.: '$(a_of desk)'"
[ "$(dnsd_stat local-zone.reload-dropped)" = 2 ] ||
	fail "local-zone.reload-dropped $(dnsd_stat local-zone.reload-dropped), expected 2 (A and DHCID)"
grep -q "configured records win" "$T/dnsd.log" || fail "the dropped records are not logged"
np_log "ok: a reload keeps the configured laptop.lan. over B's, and keeps desk.lan."

# ---- 4. A second updater: desk.lan. is the DHCID's of client c1.
nsup() { printf 'server 10.77.1.1\nzone lan.\n%s\nsend\n' "$1" | np_in srv nsupdate -t 2 2>&1; }
out=$(nsup 'update delete desk.lan. A
update add desk.lan. 300 A 10.77.9.99')
echo "$out" | grep -q "REFUSED" || fail "nsupdate without a prerequisite: '$out'"
out=$(nsup 'update delete desk.lan.')
echo "$out" | grep -q "REFUSED" || fail "nsupdate deleting the name: '$out'"
is desk 10.77.1.100 || fail "desk.lan. changed by nsupdate: '$(a_of desk)'"
[ "$(dnsd_stat updates.refused-owned)" = 2 ] ||
	fail "updates.refused-owned $(dnsd_stat updates.refused-owned), expected 2"
out=$(nsup 'update add printer.lan. 300 A 10.77.9.99')
echo "$out" | grep -q "REFUSED" || fail "nsupdate adding to the configured printer.lan.: '$out'"
[ "$(dnsd_stat updates.refused-static)" = 1 ] ||
	fail "updates.refused-static $(dnsd_stat updates.refused-static), expected 1"
dhcid=$(np_in srv dig +short +time=1 +tries=1 @10.77.1.1 desk.lan. DHCID)
[ -n "$dhcid" ] || fail "desk.lan. has no DHCID record"
out=$(nsup 'prereq yxrrset desk.lan. IN DHCID AAABOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=
update delete desk.lan. A
update add desk.lan. 300 A 10.77.9.99')
echo "$out" | grep -q "NXRRSET" || fail "nsupdate with a wrong DHCID: '$out'"
is desk 10.77.1.100 || fail "desk.lan. changed by nsupdate: '$(a_of desk)'"
out=$(nsup "prereq yxrrset desk.lan. IN DHCID $dhcid
update delete desk.lan. A
update add desk.lan. 300 A 10.77.9.99")
[ -z "$out" ] || fail "nsupdate with the owner's DHCID: '$out'"
is desk 10.77.9.99 || fail "the owner's update was not applied: '$(a_of desk)'"
np_log "ok: nsupdate without the owner's DHCID is refused (REFUSED, NXRRSET), with it accepted"

# ---- 5. conflict = "suffix": B asking for A's name desk gets desk-0e02.lan.
sed -i 's/^  update_ptr = false;/  update_ptr = false;\n  conflict = "suffix";/' "$T/dhcpd.conf"
"$dhcpd" -t -c "$T/dhcpd.conf" >"$T/t.out" 2>&1 || fail "conflict = \"suffix\" rejected: $(cat "$T/t.out")"
np_in srv "$CTL" -s "$T/dhcpd.sock" dhcpd reload >"$T/reload.out" 2>&1 || fail "np-dhcpd reload: $(cat "$T/reload.out")"
kill "$B_PID"
wait "$B_PID" 2>/dev/null
np_in c2 ip addr flush dev eth0
lease c2 desk
B_PID=$U_PID
grep -q "bound ip=10.77.2.100" "$T/udhcpc-eth0-$(np_ns c2).out" || fail "B not leased"
np_wait 5 is desk-0e02 10.77.2.100 || fail "B did not get desk-0e02.lan.: '$(a_of desk-0e02)'"
is desk 10.77.9.99 || fail "desk.lan. is not its owner's any more: '$(a_of desk)'"
[ "$(dhcpd_stat ddns-derived-names)" = 1 ] ||
	fail "ddns-derived-names $(dhcpd_stat ddns-derived-names), expected 1"
grep -q "desk.lan. belongs to another client: 10.77.2.100 gets desk-0e02.lan. instead" "$T/dhcpd.log" ||
	fail "the derived name is not logged"
np_log "ok: with conflict = \"suffix\", B got desk-0e02.lan. (10.77.2.100); desk.lan. stays c1's"
kill "$B_PID"
wait "$B_PID" 2>/dev/null
np_wait 5 is desk-0e02 || fail "desk-0e02.lan. still '$(a_of desk-0e02)' after B released"
is desk 10.77.9.99 || fail "B's release touched desk.lan.: '$(a_of desk)'"
np_log "ok: B's release withdrew desk-0e02.lan."

for p in "$DHCPD_PID" "$DNSD_PID"; do
	kill -0 "$p" 2>/dev/null || fail "a daemon died"
done
kill "$C3_PID" "$D_PID" 2>/dev/null
np_log "PASS"
exit 0
