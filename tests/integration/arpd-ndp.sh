#!/bin/sh
# arpd-ndp.sh: np-arpd answers IPv6 neighbours (RFC 4861, RFC 4862).
#   - on start it sends unsolicited advertisements (to ff02::1, Override
#     set, announce.count of them, at most 3) for the addresses it owns and
#     none for proxy entries (RFC 4861 §7.2.6, §7.2.8);
#   - ndisc6 in another namespace gets the configured MAC for single
#     addresses and proxied prefixes, and nothing outside them;
#   - the kernel's own resolution (ping -6) puts np-arpd's MAC in cli's
#     neighbour table;
#   - tcpdump shows the flags: Solicited and Override for an owned address,
#     Solicited only for a proxy entry (§7.2.4, §7.2.8);
#   - cli's kernel claiming a defended address fails duplicate address
#     detection (RFC 4862 §5.4.3: `ip -6 addr` shows dadfailed), np-arpd's
#     answer going to ff02::1 with Solicited clear.
set -u
. "$(dirname "$0")/arpd-lib.sh"
arpd_lab6
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"

conf=$(np_tmp)/arpd.conf
arpd_conf "$conf" <<EOC
interface = "eth0";
entries = (
	{ address = "10.77.1.1"; },
	{ address = "2001:db8::10"; },
	{ address = "2001:db8::11"; mac = "02:00:5e:00:00:11"; },
	{ address = "2001:db8:1::/64"; mac = "02:00:5e:00:00:12"; proxy = true; }
);
announce = { count = 3; wait = "0s"; interval = "200ms"; };
control_socket = "$CTL";
EOC
"$ARPD" -t -c "$conf" >/dev/null || np_fail "np-arpd -t rejects a valid config"

pcap=$(np_tmp)/ndp.pcap
np_bg cli tcpdump -i eth0 -w "$pcap" -U -n icmp6 2>"$(np_tmp)/tcpdump.err"
TCPDUMP=$NP_BG_PID
listening() { grep -q "listening on" "$(np_tmp)/tcpdump.err"; }
np_wait 10 listening || np_fail "tcpdump did not start"
arpd_start "$conf"

# Unsolicited advertisements: 3 rounds x 2 owned addresses.
announced() { [ "$(arpd_stat ndp-unsolicited-na-sent)" -ge 6 ]; }
np_wait 5 announced || np_fail "no unsolicited advertisements: $(arpd_ctl statistic-get-all)"

arpd_expect_mac6 2001:db8::10 "$SRV_MAC"
arpd_expect_mac6 2001:db8::11 02:00:5e:00:00:11
arpd_expect_mac6 2001:db8:1:: 02:00:5e:00:00:12
arpd_expect_mac6 2001:db8:1::abcd 02:00:5e:00:00:12
arpd_expect_mac6 2001:db8:1:0:ffff:ffff:ffff:ffff 02:00:5e:00:00:12
arpd_expect_silence6 2001:db8::12
arpd_expect_silence6 2001:db8:2::1
arpd_expect_mac 10.77.1.1 "$SRV_MAC"

# The kernel's own neighbour discovery: ping -6 resolves through np-arpd
# (nobody holds the address, so the echo itself goes unanswered).
ip -n "$(np_ns cli)" -6 route add 2001:db8:1::/64 dev eth0
for t in 2001:db8::11 2001:db8:1::77; do
	np_in cli ping -6 -c 1 -W 1 "$t" >/dev/null 2>&1
	neigh=$(ip -n "$(np_ns cli)" -6 neigh show "$t" dev eth0)
	case $t in
	2001:db8::11) want=02:00:5e:00:00:11 ;;
	*) want=02:00:5e:00:00:12 ;;
	esac
	echo "$neigh" | grep -q "lladdr $want" ||
		np_fail "ping -6 $t: cli's neighbour entry is '$neigh', not $want"
	np_log "ip -6 neigh: $neigh"
done

# The start-up and solicited advertisements are in the first capture; the
# answers to cli's DAD probes go to a second one, so the counts never mix.
sleep 0.5
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null
dadpcap=$(np_tmp)/dad.pcap
np_bg cli tcpdump -i eth0 -w "$dadpcap" -U -n icmp6 2>"$(np_tmp)/tcpdump-dad.err"
TCPDUMP=$NP_BG_PID
listening_dad() { grep -q "listening on" "$(np_tmp)/tcpdump-dad.err"; }
np_wait 10 listening_dad || np_fail "tcpdump did not start"

# Duplicate address detection by cli's kernel for a defended address.
ip -n "$(np_ns cli)" -6 addr add 2001:db8::10/64 dev eth0 ||
	np_fail "cannot add 2001:db8::10 to cli"
dadfailed() { ip -n "$(np_ns cli)" -6 addr show dev eth0 | grep "2001:db8::10/64" | grep -q dadfailed; }
np_wait 5 dadfailed || np_fail "cli's DAD for 2001:db8::10 did not fail: $(ip -n "$(np_ns cli)" -6 addr show dev eth0)"
np_log "cli's DAD for 2001:db8::10: $(ip -n "$(np_ns cli)" -6 addr show dev eth0 | grep 2001:db8::10)"
[ "$(arpd_stat ndp-dad-na-sent)" -ge 1 ] || np_fail "ndp-dad-na-sent not counted"
dad_on_wire() { tcpdump -r "$dadpcap" -n "ip6[40] == 136" 2>/dev/null | grep -q "tgt is 2001:db8::10"; }
np_wait 5 dad_on_wire || np_fail "no DAD answer in the capture: $(tcpdump -r "$dadpcap" -n 2>&1)"

sleep 0.5
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null
na() { tcpdump -r "$1" -n -v "ip6[40] == 136" 2>/dev/null | tr '\n' ' ' | sed 's/IP6 /\nIP6 /g'; }
na "$pcap" > "$(np_tmp)/na.txt"; na "$dadpcap" > "$(np_tmp)/na-dad.txt"
[ -n "${NP_DEBUG:-}" ] && { arpd_ctl statistic-get-all; tcpdump -r "$pcap" -n 2>/dev/null; }

# Unsolicited: exactly 3 per owned address, to ff02::1, Override only.
for t in 2001:db8::10 2001:db8::11; do
	n=$(grep "> ff02::1: " "$(np_tmp)/na.txt" | grep "tgt is $t," | grep -c "Flags \[override\]")
	[ "$n" -eq 3 ] || np_fail "$n unsolicited advertisements of $t, not 3: $(cat "$(np_tmp)/na.txt")"
done
grep "> ff02::1: " "$(np_tmp)/na.txt" | grep -q "tgt is 2001:db8:1::" &&
	np_fail "an unsolicited advertisement for a proxy entry"
np_log "3 unsolicited advertisements per owned address, none for the proxy prefix"

# Solicited answers: from the target, to cli, S and O for owned, S only for proxy.
grep -q "2001:db8::11 > fe80::[0-9a-f:]*: .*tgt is 2001:db8::11, Flags \[solicited, override\]" \
	"$(np_tmp)/na.txt" || np_fail "no NA for 2001:db8::11 with S and O: $(cat "$(np_tmp)/na.txt")"
grep -q "2001:db8:1::abcd > fe80::[0-9a-f:]*: .*tgt is 2001:db8:1::abcd, Flags \[solicited\]" \
	"$(np_tmp)/na.txt" || np_fail "no NA for the proxied 2001:db8:1::abcd with S only"
grep "tgt is 2001:db8::11" "$(np_tmp)/na.txt" | grep -q "destination link-address option.*02:00:5e:00:00:11" ||
	np_fail "no target link-layer address option 02:00:5e:00:00:11"
# The answer to cli's DAD probe: to all-nodes, Solicited clear.
grep "> ff02::1: " "$(np_tmp)/na-dad.txt" | grep "tgt is 2001:db8::10," | grep -q "Flags \[override\]" ||
	np_fail "no DAD answer to ff02::1 for 2001:db8::10: $(cat "$(np_tmp)/na-dad.txt") $(tcpdump -r "$dadpcap" -n 2>&1)"
np_log "advertisements on the wire carry the right flags"
kill -0 "$ARPD_PID" || np_fail "np-arpd died"
echo "np-arpd resolves IPv6 neighbours for ndisc6 and the kernel, and defends against DAD"
