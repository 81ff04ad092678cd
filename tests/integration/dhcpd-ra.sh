#!/bin/sh
# dhcpd-ra.sh: np-dhcpd's router advertisements (RFC 4861 §6.2, RFC 4191,
# RFC 8106) read by real hosts on the link, a veth between two namespaces.
#   1. rdisc6 in the client namespace solicits and reads the RA: the
#      configured prefix with its flags and lifetimes, M and O, router
#      lifetime and preference, MTU, RDNSS and DNSSL; the answer is counted
#      (rs-received, ra-solicited-sent).
#   2. The client's kernel (accept_ra=2, autoconf=1) forms an address from
#      the prefix by SLAAC and installs a default route via np-dhcpd's
#      link-local address.
#   3. A capture in the client namespace sees the initial burst and the
#      periodic RAs to ff02::1 (more than MAX_INITIAL_RTR_ADVERTISEMENTS),
#      M and O set, from the server's link-local address, hop limit 255.
#   4. Malformed solicitations from scapy (hop limit 64, an option of
#      length 0) are counted per reason and draw no answer; a well-formed
#      one from scapy does.
#   5. prefixes = [ "auto" ]: an address added to the server's interface
#      at run time is advertised (rdisc6) and the client forms an address
#      from it, without a config edit or reload.
#   6. SIGTERM: a final RA with router lifetime 0 is on the wire and the
#      client's default route goes away (§6.2.5).
#   7. radvd on the same interface with the same settings sends an RA
#      that rdisc6 reads exactly as it read np-dhcpd's.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
forge=$(cd "$(dirname "$0")" && pwd)/dhcpd-ra.py
PY=/usr/bin/python3
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
[ -x "$NPCTL" ] || { np_log "ERROR: $NPCTL not built"; exit 99; }
for p in rdisc6 tcpdump; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
$PY -c 'import scapy.all' 2>/dev/null || np_skip_or_fail "python3-scapy not installed"

np_lab_init
T=$(np_tmp)
np_ns_add srv
np_ns_add cli
for h in srv cli; do
	np_in $h sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
np_link srv eth0 cli eth0
np_in srv sysctl -qw net.ipv6.conf.eth0.accept_ra=0
np_in cli sysctl -qw net.ipv6.conf.eth0.forwarding=0 net.ipv6.conf.eth0.accept_ra=2 \
	net.ipv6.conf.eth0.autoconf=1
np_addr srv eth0 10.77.1.1/24
ip -n "$(np_ns srv)" -6 addr add 2001:db8:1::1/64 dev eth0 nodad ||
	np_fail "cannot add 2001:db8:1::1"

srv_ll() { ip -n "$(np_ns srv)" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2 }'; }
np_wait 5 sh -c "[ -n \"\$(ip -n '$(np_ns srv)' -6 addr show dev eth0 scope link)\" ]" ||
	np_fail "no link-local address on the server"
np_wait 5 sh -c "[ -n \"\$(ip -n '$(np_ns cli)' -6 addr show dev eth0 scope link)\" ]" ||
	np_fail "no link-local address on the client"
SRV_LL=$(srv_ll)
np_log "server link-local $SRV_LL"

expect() {  # expect FILE REGEX WHAT
	grep -Eq "$2" "$1" || np_fail "$3: $(cat "$1")"
}
cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
subnets = ( { subnet = "10.77.1.0/24"; pools = ( { first = "10.77.1.100"; last = "10.77.1.199"; } ); } );
router_advertisements = ( { interface = "eth0";
	prefixes = ( "2001:db8:1::/64",
		     { prefix = "2001:db8:7::/64"; autonomous = false; valid_lifetime = "2h"; preferred_lifetime = "30m"; },
		     "auto" );
	managed = true; other = true; preference = "high";
	router_lifetime = 1200; mtu = 1400; min_interval = 3; max_interval = 4;
	rdnss = [ "2001:db8:1::53" ]; dnssl = [ "lan.example.net" ]; dns_lifetime = 600; } );
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" 2>"$T/check.err" || np_fail "config rejected: $(cat "$T/check.err")"
# managed = true with no subnets6 for eth0: a warning at -t.
grep -q "managed = true but no subnets6 entry serves eth0" "$T/check.err" ||
	np_fail "no warning for M without DHCPv6: $(cat "$T/check.err")"

# Bad settings are refused by -t with FILE:LINE and the RFC's bound.
cat >"$T/bad.conf" <<CONF
interfaces = [ "eth0" ];
lease_file = "$T/leases";
subnets = ( { subnet = "10.77.1.0/24"; } );
router_advertisements = (
  { interface = "eth0";
    prefixes = [ "2001:db8:1::/48" ];
    max_interval = 2;
    min_interval = 5; router_lifetime = 9001; } );
CONF
"$dhcpd" -t -c "$T/bad.conf" 2>"$T/bad.err" && np_fail "-t accepted a bad router_advertisements"
expect "$T/bad.err" "bad.conf:6: prefix 2001:db8:1::/48: an autonomous prefix is a /64" "no file:line error for a /48 autonomous prefix"
expect "$T/bad.err" "bad.conf:7: .*max_interval.* out of range 4000\.\.1800000 ms" "no file:line error for max_interval 2 s"
expect "$T/bad.err" "bad.conf:8: .*router_lifetime.*out of range" "no file:line error for router_lifetime 9001 s"
sed -i 's/max_interval = 2;/max_interval = 6;/; s/router_lifetime = 9001/router_lifetime = 5/' "$T/bad.conf"
"$dhcpd" -t -c "$T/bad.conf" 2>"$T/bad.err" && np_fail "-t accepted a bad router_advertisements"
expect "$T/bad.err" "bad.conf:8: min_interval must be between 3 s and 0.75 \* max_interval" "no file:line error for min_interval > 0.75 max"
expect "$T/bad.err" "bad.conf:8: router_lifetime must be 0 or between max_interval and 9000 s" "no file:line error for router_lifetime < max_interval"
np_log "-t refuses RFC 4861 §6.2.1 violations with file:line"

np_bg cli tcpdump --immediate-mode -U -nni eth0 -w "$T/ra.pcap" icmp6 2>"$T/tcpdump.err"
TCPDUMP_PID=$NP_BG_PID
np_wait 10 grep -q "listening on" "$T/tcpdump.err" || np_fail "tcpdump did not start"

np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
ctl() { "$NPCTL" -s "$T/ctl.sock" -t 5 "$@"; }
np_wait 5 sh -c "'$NPCTL' -s '$T/ctl.sock' -t 1 dhcpd status >/dev/null 2>&1" ||
	np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"
stat() { ctl dhcpd stats | awk -v k="$1" '$1 == k { print $2 }'; }

# ---- 1. rdisc6 -------------------------------------------------------------------
np_in cli rdisc6 -1 -w 2000 -r 3 eth0 >"$T/rdisc6.out" 2>&1 || np_fail "rdisc6 got no RA: $(cat "$T/rdisc6.out")"
np_log "rdisc6: $(tr -s ' ' <"$T/rdisc6.out")"
check_ra() {
	f=$1
	expect "$f" "Stateful address conf\. *: *Yes" "M flag not set"
	expect "$f" "Stateful other conf\. *: *Yes" "O flag not set"
	expect "$f" "Router preference *: *high" "preference not high"
	expect "$f" "Router lifetime *: *1200 " "router lifetime not 1200"
	expect "$f" "MTU *: *1400 bytes" "MTU not 1400"
	expect "$f" "Prefix *: *2001:db8:1::/64" "prefix 2001:db8:1::/64 missing"
	expect "$f" "Prefix *: *2001:db8:7::/64" "prefix 2001:db8:7::/64 missing"
	expect "$f" "Recursive DNS server *: *2001:db8:1::53" "RDNSS missing"
	expect "$f" "DNS search list *: *lan\.example\.net" "DNSSL missing"
	expect "$f" "from $SRV_LL" "not from the server's link-local address $SRV_LL"
}
check_ra "$T/rdisc6.out"
# Per-prefix flags and lifetimes: the /64 autonomous with the defaults, 2001:db8:7:: on-link only.
awk '/Prefix *: *2001:db8:1::\/64/ { p = 1; next } /Prefix|Recursive|DNS search/ { p = 0 } p' "$T/rdisc6.out" >"$T/p1"
awk '/Prefix *: *2001:db8:7::\/64/ { p = 1; next } /Prefix|Recursive|DNS search/ { p = 0 } p' "$T/rdisc6.out" >"$T/p7"
expect "$T/p1" "On-link *: *Yes" "2001:db8:1::/64 not on-link"
expect "$T/p1" "Autonomous address conf\. *: *Yes" "2001:db8:1::/64 not autonomous"
expect "$T/p1" "Valid time *: *86400 " "2001:db8:1::/64 valid lifetime not 86400"
expect "$T/p1" "Pref\. time *: *14400 " "2001:db8:1::/64 preferred lifetime not 14400"
expect "$T/p7" "Autonomous address conf\. *: *No" "2001:db8:7::/64 autonomous"
expect "$T/p7" "Valid time *: *7200 " "2001:db8:7::/64 valid lifetime not 7200"
expect "$T/p7" "Pref\. time *: *1800 " "2001:db8:7::/64 preferred lifetime not 1800"
np_wait 3 sh -c "[ \"\$('$NPCTL' -s '$T/ctl.sock' -t 1 dhcpd stats | awk '\$1 == \"rs-received\" { print \$2 }')\" -ge 1 ]" ||
	np_fail "rs-received not counted: $(ctl dhcpd stats | grep -E '^r[as]-')"
[ "$(stat ra-solicited-sent)" -ge 1 ] || np_fail "ra-solicited-sent not counted"
np_log "rdisc6 reads every configured field"

# ---- 2. SLAAC by the client's kernel --------------------------------------------------
slaac() { ip -n "$(np_ns cli)" -6 addr show dev eth0 scope global | grep -q "inet6 2001:db8:1:0:"; }
np_wait 10 slaac || np_fail "no SLAAC address from 2001:db8:1::/64: $(ip -n "$(np_ns cli)" -6 addr show dev eth0)"
ip -n "$(np_ns cli)" -6 addr show dev eth0 scope global | grep "inet6 2001:db8:7:" &&
	np_fail "an address formed from the non-autonomous 2001:db8:7::/64"
defroute() { ip -n "$(np_ns cli)" -6 route show default | grep -q "via $SRV_LL dev eth0"; }
np_wait 5 defroute || np_fail "no default route via $SRV_LL: $(ip -n "$(np_ns cli)" -6 route show)"
np_log "SLAAC: $(ip -n "$(np_ns cli)" -6 addr show dev eth0 scope global | awk '/inet6/ { print $2 }' | tr '\n' ' ')"
np_log "default route: $(ip -n "$(np_ns cli)" -6 route show default)"

# ---- 3. the initial burst and periodic RAs ----------------------------------------------
ras() {  # unsolicited RAs so far: to ff02::1, from the server, hop limit 255
	tcpdump -r "$T/ra.pcap" -nn -v "icmp6 and ip6[40] == 134 and ip6 dst ff02::1 and ip6[7] == 255" 2>/dev/null |
		grep -c "router advertisement"
}
enough() { [ "$(ras)" -ge 4 ]; }
np_wait 20 enough || np_fail "$(ras) multicast RAs, not at least 3 initial + 1 periodic"
tcpdump -r "$T/ra.pcap" -nn -v "icmp6 and ip6[40] == 134 and ip6 dst ff02::1" 2>/dev/null >"$T/ra.txt"
grep -q "$SRV_LL > ff02::1" "$T/ra.txt" || np_fail "RAs not from $SRV_LL: $(cat "$T/ra.txt")"
n_flags=$(grep -c "Flags \[managed, other stateful\], pref high, router lifetime 1200s" "$T/ra.txt")
[ "$n_flags" -ge 4 ] || np_fail "RAs without M, O, pref high, lifetime 1200: $(cat "$T/ra.txt")"
np_log "$(ras) multicast RAs with M, O, high preference"

# ---- 4. malformed solicitations -----------------------------------------------------
before=$(stat ra-solicited-sent)
for k in hoplimit badopt; do
	np_in cli "$PY" "$forge" eth0 $k >/dev/null || np_fail "scapy could not send $k"
done
bad() { [ "$(stat rs-invalid-hop-limit)" -ge 1 ] && [ "$(stat rs-invalid-option)" -ge 1 ]; }
np_wait 5 bad || np_fail "malformed RS not counted: $(ctl dhcpd stats | grep -E '^r[as]-')"
sleep 1   # more than MAX_RA_DELAY_TIME: an answer would have gone
[ "$(stat ra-solicited-sent)" = "$before" ] || np_fail "a malformed RS was answered"
kill -0 "$DHCPD_PID" || np_fail "np-dhcpd died"
np_in cli "$PY" "$forge" eth0 good >/dev/null || np_fail "scapy could not send a good RS"
answered() { [ "$(stat ra-solicited-sent)" -gt "$before" ]; }
np_wait 5 answered || np_fail "the well-formed RS from scapy was not answered"
np_log "malformed RS counted and dropped: hop-limit $(stat rs-invalid-hop-limit), option $(stat rs-invalid-option)"

# ---- 5. "auto": a prefix added at run time --------------------------------------------------
ip -n "$(np_ns srv)" -6 addr add 2001:db8:5::1/64 dev eth0 nodad || np_fail "cannot add 2001:db8:5::1"
slaac5() { ip -n "$(np_ns cli)" -6 addr show dev eth0 scope global | grep -q "inet6 2001:db8:5:0:"; }
np_wait 10 slaac5 || np_fail "no SLAAC address from the added 2001:db8:5::/64: $(ip -n "$(np_ns cli)" -6 addr show dev eth0)"
np_in cli rdisc6 -1 -w 2000 -r 3 eth0 >"$T/rdisc6-auto.out" 2>&1 || np_fail "rdisc6 got no RA"
expect "$T/rdisc6-auto.out" "Prefix *: *2001:db8:5::/64" "the added prefix is not advertised"
np_log "an address added at run time is advertised and used for SLAAC"

# ---- 6. stop: the final RA -------------------------------------------------------------------
kill -TERM "$DHCPD_PID"
np_wait 5 sh -c "! kill -0 $DHCPD_PID 2>/dev/null" || np_fail "np-dhcpd did not stop"
gone() { ! ip -n "$(np_ns cli)" -6 route show default | grep -q "via $SRV_LL"; }
np_wait 5 gone || np_fail "the default route stayed: $(ip -n "$(np_ns cli)" -6 route show default)"
final() {
	tcpdump -r "$T/ra.pcap" -nn -v "icmp6 and ip6[40] == 134 and ip6 dst ff02::1" 2>/dev/null |
		grep -q "router lifetime 0s"
}
np_wait 5 final || np_fail "no final RA with router lifetime 0: $(tcpdump -r "$T/ra.pcap" -nn -v icmp6 2>/dev/null | tail -20)"
kill "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
np_log "final RA with router lifetime 0; the client's default route is gone"

# ---- 7. radvd, same settings -----------------------------------------------------------------
if command -v radvd >/dev/null 2>&1; then
	cat >"$T/radvd.conf" <<RADVD
interface eth0 {
	AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 4;
	AdvManagedFlag on; AdvOtherConfigFlag on; AdvDefaultPreference high;
	AdvDefaultLifetime 1200; AdvLinkMTU 1400;
	prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 86400; AdvPreferredLifetime 14400; };
	prefix 2001:db8:7::/64 { AdvOnLink on; AdvAutonomous off; AdvValidLifetime 7200; AdvPreferredLifetime 1800; };
	prefix 2001:db8:5::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 86400; AdvPreferredLifetime 14400; };
	RDNSS 2001:db8:1::53 { AdvRDNSSLifetime 600; };
	DNSSL lan.example.net { AdvDNSSLLifetime 600; };
};
RADVD
	np_in srv sysctl -qw net.ipv6.conf.all.forwarding=1
	np_bg srv radvd -n -C "$T/radvd.conf" -p "$T/radvd.pid" -m stderr 2>"$T/radvd.log"
	RADVD_PID=$NP_BG_PID
	sleep 1
	np_in cli rdisc6 -1 -w 2000 -r 3 eth0 >"$T/rdisc6-radvd.out" 2>&1 ||
		np_fail "rdisc6 got no RA from radvd: $(cat "$T/radvd.log")"
	kill "$RADVD_PID" 2>/dev/null
	diff "$T/rdisc6-auto.out" "$T/rdisc6-radvd.out" >"$T/radvd.diff" ||
		np_fail "radvd's RA reads differently: $(cat "$T/radvd.diff")"
	np_log "radvd's RA with the same settings reads the same in rdisc6"
else
	np_log "radvd not installed: no side-by-side comparison"
fi
echo "np-dhcpd's router advertisements serve rdisc6 and the kernel's SLAAC"
