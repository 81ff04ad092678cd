#!/bin/sh
# tcpprobe-ipv6.sh: np-tcpprobe against IPv6 targets, with the kernel's own
# TCP and ICMPv6 as the peers:
#   - open (python3 http.server bound to ::, socat TCP6-LISTEN), closed (the
#     target's RST), filtered (an nftables drop in the target) and
#     unreachable (ICMPv6 destination unreachable: nftables "reject with
#     icmpv6" in the target, code 1 and 4; "unreachable" and "prohibit"
#     routes in a router reached through a link-local gateway, codes 0 and
#     1; nftables rejects in the router, codes 3 and 6), each with its type,
#     code and sender;
#   - the verdicts agree with `nmap -6 -sS` on the same ports (nmap calls
#     an ICMPv6 unreachable "filtered");
#   - the output has the IPv4 shape with [addr]:port and RFC 5952 text;
#   - a link-local target with its zone (fe80::76:1%eth0);
#   - the SYN-ACK's options follow the target's sysctls;
#   - nothing is left half-open on the target (also with a listener that
#     never accepts: the close is reset), the prober's kernel sent no
#     RST (a capture; nmap's connection, reset by that kernel, is the
#     control), the inet table covered ip6 and is gone after the run;
#   - --source with an IPv6 address the kernel does not own: no table, our
#     Neighbor Advertisement is in the target's neighbour table.
set -u
. "$(dirname "$0")/tcpprobe-lib.sh"
command -v nmap >/dev/null 2>&1 || np_skip_or_fail "nmap not installed"
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"
tp_lab
P6=2001:db8:76::2
T6=2001:db8:76::1
# nodad: the addresses are usable at once (no tentative state).
np_in prb ip -6 addr add $P6/64 dev eth0 nodad || np_fail "cannot add $P6"
np_in tgt ip -6 addr add $T6/64 dev eth0 nodad || np_fail "cannot add $T6"

# A router on a second link, its gateway address link-local only.
np_ns_add rtr
np_link prb eth1 rtr eth0
np_in prb ip -6 addr add 2001:db8:78::2/64 dev eth1 nodad || np_fail "cannot address eth1"
np_in rtr ip -6 addr add fe80::1/64 dev eth0 nodad || np_fail "cannot address rtr"
np_in rtr ip -6 addr add 2001:db8:78::1/64 dev eth0 nodad || np_fail "cannot address rtr"
np_in rtr sysctl -q -w net.ipv6.conf.all.forwarding=1
# Errors follow one another within a second: no ICMPv6 rate limit (RFC 4443 §2.4 (f)).
np_in rtr sysctl -q -w net.ipv6.icmp.ratelimit=0
np_in tgt sysctl -q -w net.ipv6.icmp.ratelimit=0
np_in rtr ip -6 route add unreachable 2001:db8:79::/64
np_in rtr ip -6 route add prohibit 2001:db8:7a::/64
np_in rtr ip -6 route add 2001:db8:7b::/64 dev eth0
for net in 2001:db8:79::/64 2001:db8:7a::/64 2001:db8:7b::/64; do
	np_in prb ip -6 route add $net via fe80::1 dev eth1 || np_fail "cannot route $net"
done
np_in rtr nft -f - <<'EOF' || np_fail "cannot add the router's reject rules"
table inet rtrfilter {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip6 daddr 2001:db8:7b::3 reject with icmpv6 type addr-unreachable
		ip6 daddr 2001:db8:7b::6 reject with icmpv6 type reject-route
	}
}
EOF

np_in tgt nft -f - <<'EOF' || np_fail "cannot add the target's rules"
table inet tpfilter {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9401 drop
		tcp dport 9404 reject with icmpv6 type admin-prohibited
		tcp dport 9405 reject with icmpv6 type port-unreachable
	}
}
EOF
np_bg tgt $PY -m http.server --bind :: 9402 >/dev/null 2>&1
np_bg tgt socat TCP6-LISTEN:9403,bind=[$T6],reuseaddr,fork EXEC:true
np_wait 5 tp_listening 9402 || np_fail "http.server on [::]:9402 did not start"
np_wait 5 tp_listening 9403 || np_fail "socat on [$T6]:9403 did not start"

cap=$(np_tmp)/v6.pcap
np_bg prb tcpdump --immediate-mode -Z root -U -i eth0 -w "$cap" ip6 and tcp 2>/dev/null
TCPDUMP=$NP_BG_PID
np_wait 5 test -s "$cap" || np_fail "tcpdump did not start"
sleep 0.5
rsts_from() {  # RSTs from the prober's address and source port $1 (no extension headers)
	tcpdump -r "$cap" -n "ip6 src $P6 and tcp src port $1 and ip6[53] & 4 != 0" 2>/dev/null | wc -l
}

# The issue's own command form: HOST -p PORTS.
tp_probe -w 0.5 $T6 -p 9400,9402
tp_expect "-p form exit" "$TP_RC" 1
printf '%s\n' "$TP_OUT" | grep -q "^open \[$T6\]:9402 " && printf '%s\n' "$TP_OUT" | grep -q "^closed \[$T6\]:9400 " ||
	np_fail "np-tcpprobe $T6 -p 9400,9402: $TP_OUT $TP_ERR"

# Every kind in one run, human output.
tp_probe -w 0.5 -i 0.05 --sport 62400 $T6 9400-9405
tp_expect "mixed exit" "$TP_RC" 1
np_log "np-tcpprobe:
$TP_OUT"
for want in \
	"^NP-TCPPROBE $T6 ($T6): 6 ports x 1 from $P6 on eth0\$" \
	"^closed \[$T6\]:9400 seq=0 sport=62400 rtt=[0-9.]* ms ttl=64 (RST)\$" \
	"^filtered \[$T6\]:9401 seq=1 sport=62401 (no answer in 0.500 s)\$" \
	"^open \[$T6\]:9402 seq=2 sport=62402 rtt=[0-9.]* ms ttl=64 win=[0-9]* isn=[0-9]* mss=1440 ws=[0-9]* sack ts=[0-9]*/[0-9]* close=fin[34]\$" \
	"^open \[$T6\]:9403 seq=3 .* mss=1440 .* close=fin[34]\$" \
	"^unreachable \[$T6\]:9404 seq=4 sport=62404 rtt=[0-9.]* ms icmp type=1 code=1 from $T6\$" \
	"^unreachable \[$T6\]:9405 seq=5 .* icmp type=1 code=4 from $T6\$" \
	"^6 probes sent, 2 open, 1 closed, 1 filtered, 2 unreachable\$" \
	"^--- $T6 ($T6) np-tcpprobe statistics ---\$"; do
	printf '%s\n' "$TP_OUT" | grep -q "$want" || np_fail "no line matching '$want' in:
$TP_OUT
$TP_ERR"
done

# nmap -6 -sS on the same ports: open, closed and filtered alike (nmap's
# "filtered" covers both silence and ICMPv6 unreachable).
nmap_out=$(np_in prb nmap -6 -sS -n -Pn -g 5555 --max-retries 1 -p 9400-9405 $T6 2>&1)
np_log "nmap:
$nmap_out"
for port in 9400 9401 9402 9403 9404 9405; do
	mine=$(printf '%s\n' "$TP_OUT" | sed -n "s/^\([a-z]*\) \[$T6\]:$port .*/\1/p")
	theirs=$(printf '%s\n' "$nmap_out" | sed -n "s|^$port/tcp *\([a-z|]*\) .*|\1|p")
	[ "$mine" = unreachable ] && mine=filtered
	tp_expect "port $port: np-tcpprobe vs nmap" "$mine" "$theirs"
done

# JSON: the same fields as IPv4, the address in RFC 5952 form.
tp_probe --json --sport 62410 2001:0db8:0076:0000:0000:0000:0000:0001 9402
tp_expect "json exit" "$TP_RC" 0
tp_expect "json addr" "$(tp_json_field 0 addr)" $T6
tp_expect "json result" "$(tp_json_field 0 result)" open
tp_expect "json hop limit" "$(tp_json_field 0 ttl)" 64
tp_expect "json mss" "$(tp_json_field 0 options.mss)" 1440
tp_expect "json sack" "$(tp_json_field 0 options.sack_permitted)" true
[ -n "$(tp_json_field 0 options.timestamps.val)" ] || np_fail "no timestamps: $TP_OUT"
[ -n "$(tp_json_field 0 options.wscale)" ] || np_fail "no window scale: $TP_OUT"
printf '%s\n' "$TP_OUT" | tail -n 1 | grep -q "\"addr\":\"$T6\",\"sent\":1,\"open\":1," ||
	np_fail "json summary: $TP_OUT"

# A link-local target with its zone, and without one (an error).
np_in tgt ip -6 addr add fe80::76:1/64 dev eth0 nodad || np_fail "cannot add fe80::76:1"
tp_probe --sport 62415 fe80::76:1%eth0 9402
tp_expect "link-local exit" "$TP_RC" 0
printf '%s\n' "$TP_OUT" | grep -q "^open \[fe80::76:1\]:9402 seq=0 " || np_fail "link-local: $TP_OUT"
tp_probe fe80::76:1 9402
tp_expect "link-local without zone exit" "$TP_RC" 2
printf '%s\n' "$TP_ERR" | grep -q "fe80::76:1 is link-local" || np_fail "no zone: $TP_ERR"

# The target's TCP options off (net.ipv4.tcp_* apply to IPv6 too): the SYN-ACK says so.
np_in tgt sysctl -q -w net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0
tp_probe --json --sport 62420 $T6 9402
np_in tgt sysctl -q -w net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1
tp_expect "no-options result" "$(tp_json_field 0 result)" open
tp_expect "no-options sack" "$(tp_json_field 0 options.sack_permitted)" false
tp_expect "no-options timestamps" "$(tp_json_field 0 options.timestamps)" ""
tp_expect "no-options wscale" "$(tp_json_field 0 options.wscale)" ""
tp_expect "no-options mss" "$(tp_json_field 0 options.mss)" 1440
tp_expect "no-options raw" "$(tp_json_field 0 options.raw)" 020405a0

# Unreachable through the router (its link-local address is the next hop).
tp_probe --json --sport 62430 -w 2 2001:db8:79::5 80
tp_expect "no-route result" "$(tp_json_field 0 result)" unreachable
tp_expect "no-route type" "$(tp_json_field 0 icmp_type)" 1
tp_expect "no-route code" "$(tp_json_field 0 icmp_code)" 0
tp_expect "no-route from" "$(tp_json_field 0 icmp_from)" 2001:db8:78::1
for spec in "2001:db8:7a::5 1" "2001:db8:7b::3 3" "2001:db8:7b::6 6"; do
	set -- $spec
	tp_probe --json -w 2 --sport 62440 "$1" 80
	tp_expect "$1 result" "$(tp_json_field 0 result)" unreachable
	tp_expect "$1 type" "$(tp_json_field 0 icmp_type)" 1
	tp_expect "$1 code" "$(tp_json_field 0 icmp_code)" "$2"
	tp_expect "$1 from" "$(tp_json_field 0 icmp_from)" 2001:db8:78::1
done
np_in prb ip -6 neigh show fe80::1 dev eth1 | grep -q lladdr ||
	np_log "note: fe80::1 not in the prober's neighbour table (np-tcpprobe solicited it itself)"

# A listener that never accepts: our FIN is acknowledged, no FIN comes, the close is reset.
np_bg tgt $PY -c '
import socket, time
s = socket.socket(socket.AF_INET6)
s.bind(("::", 9406))
s.listen(16)
time.sleep(3600)
'
np_wait 5 tp_listening 9406 || np_fail "listener on [::]:9406 did not start"
tp_probe --json -w 0.5 --sport 62450 $T6 9406
tp_expect "noaccept result" "$(tp_json_field 0 result)" open
tp_expect "noaccept close" "$(tp_json_field 0 close)" timeout-rst

# Nothing half-open, no RST from the prober's kernel, no table left.
sleep 0.3
conns=$(np_in tgt ss -Htan "dst [$P6]") || np_fail "ss failed"
left=$(printf '%s\n' "$conns" | grep -E 'SYN-RECV|ESTAB|CLOSE-WAIT|LAST-ACK')
[ -z "$left" ] || np_fail "connections left on the target: $left"
np_log "target's connections from $P6: $(printf '%s\n' "$conns" | awk '{print $1}' | sort | uniq -c | tr -s ' \n' ' ')"
[ -z "$(tp_tables)" ] || np_fail "nftables table left: $(tp_tables)"
for p in 62400 62401 62402 62403 62404 62405 62410 62415 62420; do
	[ "$(rsts_from $p)" = 0 ] || np_fail "RST from the prober's side for source port $p"
done
# Control: nmap's half-open connections were reset by the same kernel, and the capture saw it.
[ "$(rsts_from 5555)" -ge 1 ] || np_fail "control: the capture shows no kernel RST for nmap's scan"
np_log "no RST from the prober's kernel for np-tcpprobe ($(rsts_from 5555) for nmap's scan)"

# The table during a run covers IPv6.
np_bg prb "$TCPPROBE" -c 100 -i 0.1 $T6 9402 >/dev/null 2>&1
pid=$NP_BG_PID
np_wait 5 sh -c "ip netns exec $(np_ns prb) nft list table inet np_tcpprobe_$pid 2>/dev/null | grep -q 'ip6 daddr $T6 tcp sport'" ||
	np_fail "no ip6 rule in table np_tcpprobe_$pid: $(np_in prb nft list ruleset)"
kill -INT $pid
wait $pid
tp_expect "exit after SIGINT" "$?" 0
[ -z "$(tp_tables)" ] || np_fail "table left after SIGINT: $(tp_tables)"

# --source an address the kernel does not own: the target has to solicit
# it (the prober's kernel already knows the target, so np-tcpprobe sends
# no solicitation of its own), np-tcpprobe advertises it.
np_in prb ping -6 -c 1 -W 2 $T6 >/dev/null 2>&1 || np_fail "ping -6 $T6 failed"
tp_probe --json -c 5 -i 0.05 --sport 62500 --source 2001:db8:76::50 $T6 9402
tp_expect "--source exit" "$TP_RC" 0
tp_expect "--source open" "$(printf '%s\n' "$TP_OUT" | grep -c '"result":"open"')" 5
np_in tgt ip -6 neigh show 2001:db8:76::50 | grep -q "lladdr $PRB_MAC" ||
	np_fail "the target did not learn 2001:db8:76::50: $(np_in tgt ip -6 neigh)"
left=$(np_in tgt ss -Htan "dst [2001:db8:76::50]" | grep -E 'SYN-RECV|ESTAB|CLOSE-WAIT|LAST-ACK')
[ -z "$left" ] || np_fail "connections left on the target: $left"
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null
n=$(tcpdump -r "$cap" -n "ip6 src 2001:db8:76::50 and ip6[53] & 4 != 0" 2>/dev/null | wc -l)
tp_expect "RSTs from 2001:db8:76::50" "$n" 0
echo "np-tcpprobe probes IPv6 targets as nmap -6 -sS sees them, and leaves nothing behind"
