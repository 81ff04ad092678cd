#!/bin/sh
# dhcpd-decline.sh: dhcpcd is offered an address that a squatter already
# uses, finds it in use with its own ARP probe (RFC 5227), sends DHCPDECLINE
# and then gets another address (RFC 2131 §3.1 step 5, §4.3.3).  The
# declined address is on probation: the lease store holds it as declined
# until now + decline_probation, and while it rests it is not offered to
# anyone (a third host, udhcpc, finds the two-address pool exhausted).
#
# One LAN: a bridge in the server's namespace with three ports (dhcpcd's
# host, the squatter, udhcpc's host).  np-dhcpd's own conflict probe
# (ping_check) is off, so the conflict is found by the client.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
leases=${NP_BUILDDIR:-.}/tests/integration/dhcpd-leases
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
[ -x "$leases" ] || { np_log "ERROR: $leases not built"; exit 99; }
for p in dhcpcd udhcpc tcpdump tshark; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
np_ns_add srv
for h in cli sq c2; do
	np_ns_add $h
	np_link srv p-$h $h eth0
done
ip -n "$(np_ns srv)" link add br0 type bridge || np_skip_or_fail "no bridge support"
for h in cli sq c2; do
	ip -n "$(np_ns srv)" link set p-$h master br0
done
ip -n "$(np_ns srv)" link set br0 up
np_addr srv br0 10.77.0.1/24
ip -n "$(np_ns cli)" link set eth0 address 02:00:5e:00:0d:01
np_addr sq eth0 10.77.0.100/24      # the squatter (no DHCP, just there)

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "br0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
ping_check = false;
decline_probation = "1h";
subnets = (
  { subnet = "10.77.0.0/24"; lease_time = "10m";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.101"; } );
    options = { routers = [ "10.77.0.1" ]; }; }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null 2>&1 || np_fail "config rejected: $("$dhcpd" -t -c "$T/dhcpd.conf" 2>&1)"
np_bg srv tcpdump -U -nni br0 -w "$T/cap.pcap" udp port 67 or udp port 68 2>/dev/null
TCPDUMP_PID=$NP_BG_PID
np_wait 5 test -s "$T/cap.pcap" || np_fail "tcpdump did not start"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "np-dhcpd not listening: $(cat "$T/dhcpd.log")"

cat >"$T/hook" <<HOOK
#!/bin/sh
case "\${reason:-}" in
BOUND|REBOOT) echo "\$reason \$new_ip_address" >>"$T/dhcpcd.out" ;;
esac
exit 0
HOOK
chmod +x "$T/hook"
# -L: no IPv4LL (it would race the probe); ARP probing of the offer stays on.
np_in cli dhcpcd -4 -1 -B -L -d -t 60 -f /dev/null -c "$T/hook" eth0 >"$T/dhcpcd.log" 2>&1 &
DC_PID=$!
np_on_cleanup "kill $DC_PID"
np_wait 60 grep -q "^BOUND" "$T/dhcpcd.out" 2>/dev/null \
	|| np_fail "dhcpcd got no lease: $(tail -20 "$T/dhcpcd.log"); daemon: $(tail -5 "$T/dhcpd.log")"
grep -q "^BOUND 10.77.0.101$" "$T/dhcpcd.out" || np_fail "dhcpcd bound $(cat "$T/dhcpcd.out"), not 10.77.0.101"
np_log "dhcpcd: $(grep -i -m1 'in use\|declin' "$T/dhcpcd.log")"
np_log "dhcpcd bound 10.77.0.101"
decline_time=$(date +%s)

# The DECLINE on the wire: from dhcpcd's MAC, for the squatter's address.
sleep 0.3
kill "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
tshark -r "$T/cap.pcap" -T fields -E separator=' ' -e dhcp.option.dhcp -e dhcp.hw.mac_addr \
	-e dhcp.option.requested_ip_address -e dhcp.ip.your >"$T/wire" 2>/dev/null
grep -q "^4 02:00:5e:00:0d:01[, ].*10.77.0.100" "$T/wire" \
	|| np_fail "no DHCPDECLINE of 10.77.0.100 on the wire: $(cat "$T/wire")"
grep -q "^2 .* 10.77.0.100$" "$T/wire" || np_fail "10.77.0.100 was never offered: $(cat "$T/wire")"

# Probation: nobody is offered 10.77.0.100 while it rests; with 10.77.0.101
# bound, udhcpc finds nothing.
if np_in c2 udhcpc -f -q -n -i eth0 -s /bin/true -t 3 -T 1 -A 1 >"$T/udhcpc.log" 2>&1; then
	np_fail "udhcpc got an address from a pool whose free address is on probation: $(cat "$T/udhcpc.log")"
fi

# np-ctl lists it as Kea's lease4-get does: cltt the decline, valid-lft the
# probation (a duration), expire = cltt + valid-lft.
"$NPCTL" -s "$T/ctl.sock" -t 5 --json dhcpd leases 10.77.0.100 >"$T/ctl.json" 2>&1 \
	|| np_fail "np-ctl dhcpd leases 10.77.0.100: $(cat "$T/ctl.json")"
/usr/bin/python3 - "$T/ctl.json" "$decline_time" >"$T/ctl.check" 2>&1 <<'PY' || np_fail "$(cat "$T/ctl.check")"
import json, sys
doc = json.load(open(sys.argv[1]))
now = int(sys.argv[2])
def leases(o):
    if isinstance(o, dict):
        if "ip-address" in o:
            yield o
        for v in o.values():
            yield from leases(v)
    elif isinstance(o, list):
        for v in o:
            yield from leases(v)
l = [x for x in leases(doc) if x["ip-address"] == "10.77.0.100"]
assert l, "10.77.0.100 not listed: %s" % doc
l = l[0]
assert l["state-name"] == "declined", "state %s" % l["state-name"]
assert abs(l["cltt"] - now) <= 30, "cltt %d, declined at about %d" % (l["cltt"], now)
assert l["valid-lft"] == 3600, "valid-lft %d, not the 3600 s probation" % l["valid-lft"]
assert l["expire"] == l["cltt"] + l["valid-lft"], "expire %d != cltt + valid-lft" % l["expire"]
PY
np_log "np-ctl: 10.77.0.100 declined, cltt the decline, valid-lft 3600"

# The store says so too (replayed as np-dhcpd does at start-up).
kill "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null
"$leases" dump "$T/leases" >"$T/db" 2>&1 || np_fail "lease store: $(cat "$T/db")"
awk -v now="$decline_time" '
	$1 == "10.77.0.100" { found = 1
		if ($2 != "declined") { print "10.77.0.100 is " $2 ", not declined"; exit 1 }
		d = $5 - now
		if (d < 3600 - 30 || d > 3600 + 30) { print "probation ends in " d " s, not 3600"; exit 1 }
	}
	$1 == "10.77.0.101" && ($2 != "bound" || $3 != "02:00:5e:00:0d:01") { print "bad: " $0; exit 1 }
	END { if (!found) { print "10.77.0.100 not in the store"; exit 1 } }' "$T/db" >"$T/check" \
	|| np_fail "$(cat "$T/check"); store: $(cat "$T/db")"
np_log "store: $(grep '^10.77.0.100 ' "$T/db")"
np_log "PASS"
exit 0
