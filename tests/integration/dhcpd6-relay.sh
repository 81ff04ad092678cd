#!/bin/sh
# dhcpd6-relay.sh: np-dhcpd serves a client behind a DHCPv6 relay (dhcrelay
# -6 from isc-dhcp-relay): the RELAY-FORW reaches np-dhcpd, the subnet is
# picked by the relay's link-address (RFC 8415 §19.1.1), and the RELAY-REPL
# goes back through the relay: dhclient -6 behind it gets an address of the
# relayed subnet.  Then malformed DHCPv6 from scapy (truncated options, an
# IA whose length lies, relays nested beyond the limit) is counted in
# pkt6-parse-failed and dropped while a real client on the direct link is
# still served.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
ctl=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$dhcpd" ] && [ -x "$ctl" ] || { np_log "ERROR: $dhcpd or $ctl not built"; exit 99; }
for p in dhclient dhcrelay; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
$PY -c 'import scapy' 2>/dev/null || np_skip_or_fail "scapy not installed for $PY"

np_lab_init
T=$(np_tmp)
for n in srv rel cli dir; do
	np_ns_add $n
	np_in $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
done
np_in rel sysctl -qw net.ipv6.conf.all.forwarding=1
# srv:eth1 -- rel:eth0 (link 1)   rel:eth1 -- cli:eth0 (link 5, relayed)   srv:eth2 -- dir:eth0 (direct)
np_link srv eth1 rel eth0
np_link rel eth1 cli eth0
np_link srv eth2 dir eth0
ip -n "$(np_ns cli)" link set eth0 address 02:00:5e:00:07:05
ip -n "$(np_ns dir)" link set eth0 address 02:00:5e:00:07:02
np_addr srv eth1 10.77.1.1/24
ip -n "$(np_ns srv)" addr add 2001:db8:1::1/64 dev eth1 nodad
ip -n "$(np_ns rel)" addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n "$(np_ns rel)" addr add 2001:db8:5::1/64 dev eth1 nodad
ip -n "$(np_ns srv)" -6 route add 2001:db8:5::/64 via 2001:db8:1::2

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth1" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
ping_check = false;
subnets = ( { subnet = "10.77.1.0/24"; interface = "eth1";
              pools = ( { first = "10.77.1.100"; last = "10.77.1.199"; } ); } );
subnets6 = (
  { subnet = "2001:db8:1::/64"; interface = "eth1";
    pools = ( { first = "2001:db8:1::1000"; last = "2001:db8:1::1fff"; } ); },
  { subnet = "2001:db8:2::/64"; interface = "eth2";
    pools = ( { first = "2001:db8:2::1000"; last = "2001:db8:2::1fff"; } ); },
  { subnet = "2001:db8:5::/64";
    pools = ( { first = "2001:db8:5::1000"; last = "2001:db8:5::1fff"; } ); }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" || np_fail "config rejected"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
ctl() { "$ctl" -s "$T/ctl.sock" "$@"; }
np_wait 5 ctl dhcpd status >/dev/null 2>&1 || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"

np_bg rel dhcrelay -6 -d -l eth1 -u 2001:db8:1::1%eth0 >"$T/relay.log" 2>&1
sleep 1
# One output file per namespace: the hook writes to the path given by its environment.
cat >"$T/hook" <<'HOOK'
#!/bin/sh
case "$reason" in
BOUND6|RENEW6|REBIND6) echo "$reason addr=${new_ip6_address:-}" >>"@OUT@" ;;
esac
exit 0
HOOK
sed "s|@OUT@|$T/cli.out|" "$T/hook" >"$T/cli.hook"
sed "s|@OUT@|$T/dir.out|" "$T/hook" >"$T/dir.hook"
chmod +x "$T/cli.hook" "$T/dir.hook"

np_in cli dhclient -6 -1 -v -sf "$T/cli.hook" -lf "$T/cli.leases" -pf "$T/cli.pid" eth0 \
	>"$T/cli.log" 2>&1 ||
	np_fail "dhclient -6 behind the relay got nothing: $(tail -5 "$T/cli.log"; cat "$T/relay.log")"
np_on_cleanup "kill \$(cat '$T/cli.pid')"
grep -Eq "^BOUND6 addr=2001:db8:5::1[0-9a-f]{3}$" "$T/cli.out" ||
	np_fail "not an address of the relayed subnet: $(cat "$T/cli.out")"
ctl dhcpd stats >"$T/stats.txt"
awk '$1 == "pkt6-relay-forw-received" { exit !($2 >= 2) }' "$T/stats.txt" ||
	np_fail "no RELAY-FORW counted: $(grep pkt6 "$T/stats.txt")"
np_log "through dhcrelay -6: $(cat "$T/cli.out")"

# ---- malformed DHCPv6 while a real client is served -----------------------------------------
parse_failed() { ctl dhcpd stats | awk '$1 == "pkt6-parse-failed" { print $2 }'; }
before=$(parse_failed)
LL=$(ip -n "$(np_ns rel)" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2 }')
np_in rel $PY "$HERE/dhcpd6-malformed.py" eth0 "$LL" 50 >"$T/sent" 2>"$T/scapy.log" &
SCAPY=$!
np_in dir dhclient -6 -1 -v -sf "$T/dir.hook" -lf "$T/dir.leases" -pf "$T/dir.pid" eth0 \
	>"$T/dir.log" 2>&1 || np_fail "dhclient -6 not served during the malformed flood: $(tail -5 "$T/dir.log")"
np_on_cleanup "kill \$(cat '$T/dir.pid')"
wait $SCAPY || np_fail "scapy failed: $(cat "$T/scapy.log")"
sent=$(cat "$T/sent")
[ "$sent" = 150 ] || np_fail "scapy sent '$sent'"
grep -Eq "^BOUND6 addr=2001:db8:2::1[0-9a-f]{3}$" "$T/dir.out" || np_fail "direct client: $(cat "$T/dir.out")"
np_wait 5 sh -c "[ \$('$ctl' -s '$T/ctl.sock' dhcpd stats | awk '\$1 == \"pkt6-parse-failed\" { print \$2 }') -ge $((before + 150)) ]" ||
	np_fail "pkt6-parse-failed $(parse_failed), expected $before + 150"
ctl dhcpd status >/dev/null || np_fail "np-dhcpd is gone after the malformed messages"
np_log "150 malformed messages counted in pkt6-parse-failed and dropped; $(cat "$T/dir.out") served meanwhile"
echo "np-dhcpd serves DHCPv6 through dhcrelay -6 and drops malformed DHCPv6"
