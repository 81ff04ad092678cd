#!/bin/sh
# dnsd-dhcp.sh: names from DHCP: np-dhcpd publishes its clients' names to
# np-dnsd's local zone with RFC 2136 UPDATE.  A udhcpc client's hostname
# resolves (forward, and reverse through the automatic PTR) within a second
# of its lease, and stops resolving after it releases the lease.
. "$(dirname "$0")/dnsd-lib.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
command -v udhcpc >/dev/null 2>&1 || np_skip_or_fail "udhcpc not installed"

np_lab_init
T=$(np_tmp)
np_ns_add srv
np_ns_add cli
np_link srv eth0 cli eth0
np_addr srv eth0 10.77.0.1/24

cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
local_zone = "lan.";
update_acl = [ "10.77.0.1" ];
control_socket = "$T/ctl.sock";
CONF
"$dnsd" -t -c "$T/dnsd.conf" >/dev/null || np_fail "np-dnsd config rejected"
np_bg srv "$dnsd" -c "$T/dnsd.conf" 2>>"$T/dnsd.log"
DNSD_PID=$NP_BG_PID
np_wait 5 np_in srv dig +time=1 +tries=1 @10.77.0.1 lan SOA >/dev/null ||
	np_fail "np-dnsd did not answer: $(cat "$T/dnsd.log")"

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$T/dhcpd-ctl.sock";
ping_check = false;
subnets = (
  { subnet = "10.77.0.0/24"; pools = ( { first = "10.77.0.100"; last = "10.77.0.109"; } );
    options = { dns_servers = [ "10.77.0.1" ]; domain_name = "lan"; }; }
);
dns_update = {
  server = "10.77.0.1:53";
  zone = "lan.";
  ttl = "5m";
  timeout = "300ms";
  update_ptr = false;
};
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null || np_fail "np-dhcpd config rejected"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>"$T/dhcpd.log"
np_wait 5 test -S "$T/dhcpd-ctl.sock" || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"

cat >"$T/hook" <<HOOK
#!/bin/sh
case "\$1" in
bound) ip addr add "\$ip/24" dev "\$interface"; echo "bound ip=\$ip" >>"$T/udhcpc.out" ;;
esac
exit 0
HOOK
chmod +x "$T/hook"

# The client stays bound; -R releases the lease when it is stopped.
np_bg cli udhcpc -f -R -n -i eth0 -s "$T/hook" -x hostname:laptop -t 5 -T 1 -A 1 >"$T/u.log" 2>&1
U_PID=$NP_BG_PID
np_wait 5 grep -q "bound ip=" "$T/udhcpc.out" 2>/dev/null || np_fail "no lease: $(cat "$T/u.log") $(cat "$T/dhcpd.log")"
IP=$(sed -n 's/^bound ip=\([0-9.]*\).*/\1/p' "$T/udhcpc.out" | head -1)
np_log "udhcpc bound $IP"

resolves() { np_in cli dig +short +time=1 +tries=1 @10.77.0.1 laptop.lan A | grep -qx "$IP"; }
check "the client's name resolves within a second of its lease" np_wait 1 resolves
np_in cli dig +time=1 +tries=1 @10.77.0.1 -x "$IP" >"$T/ptr"
check "and in reverse" grep -Eq 'PTR[[:space:]]+laptop\.lan\.' "$T/ptr"

kill "$U_PID"
wait "$U_PID" 2>/dev/null
grep -q "unicasting a release" "$T/u.log" || np_fail "udhcpc did not release: $(cat "$T/u.log")"
gone() { np_in cli dig +time=1 +tries=1 @10.77.0.1 laptop.lan A | grep -q 'status: NXDOMAIN'; }
check "after the release the name no longer resolves" np_wait 2 gone
np_in srv dig +time=1 +tries=1 @10.77.0.1 -x "$IP" >"$T/ptr2"
check "nor its address" sh -c "! grep -q 'PTR.*laptop' '$T/ptr2'"
kill -0 "$DNSD_PID" 2>/dev/null || np_fail "np-dnsd died"
np_log "PASS"
