#!/bin/sh
# tcpprobe-answers.sh: every answer np-tcpprobe classifies, from real
# kernels: a closed port (the target's RST), a port behind an nftables drop
# rule (filtered, after -w), "unreachable" and "prohibit" routes in a router
# namespace (ICMP 3/1 and 3/13 from the router), a mixed port list with its
# summary and exit status 1, -i 0 bursts, and the clear errors with exit
# status 2 (unknown host, unknown interface, no route, no CAP_NET_RAW,
# bad arguments).
set -u
. "$(dirname "$0")/tcpprobe-lib.sh"
tp_lab
np_ns_add rtr
np_link prb eth1 rtr eth0
np_addr prb eth1 10.77.7.2/24
np_addr rtr eth0 10.77.7.1/24
np_in rtr sysctl -q -w net.ipv4.ip_forward=1
np_in rtr ip route add unreachable 10.77.9.0/24
np_in rtr ip route add prohibit 10.77.10.0/24
np_in prb ip route add 10.77.9.0/24 via 10.77.7.1
np_in prb ip route add 10.77.10.0/24 via 10.77.7.1

np_in tgt nft -f - <<'EOF' || np_fail "cannot add the target's drop rule"
table inet tpfilter {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9101 drop
	}
}
EOF
tp_listen 9102

# Closed: the target kernel's RST.
tp_probe --json $TGT 9100
tp_expect "closed exit" "$TP_RC" 1
tp_expect "closed result" "$(tp_json_field 0 result)" closed
tp_expect "closed ttl" "$(tp_json_field 0 ttl)" 64
np_log "closed: $(printf '%s\n' "$TP_OUT" | sed -n 1p)"

# Filtered: nothing comes back within -w.
start=$(date +%s%N)
tp_probe --json -w 0.5 $TGT 9101
took=$(( ($(date +%s%N) - start) / 1000000 ))
tp_expect "filtered exit" "$TP_RC" 1
tp_expect "filtered result" "$(tp_json_field 0 result)" filtered
[ "$took" -ge 500 ] && [ "$took" -lt 3000 ] || np_fail "filtered took $took ms for -w 0.5"

# Unreachable: the router's ICMP errors quote our SYN.
tp_probe --json 10.77.9.5 80
tp_expect "unreachable exit" "$TP_RC" 1
tp_expect "unreachable result" "$(tp_json_field 0 result)" unreachable
tp_expect "unreachable type" "$(tp_json_field 0 icmp_type)" 3
tp_expect "unreachable code" "$(tp_json_field 0 icmp_code)" 1
tp_expect "unreachable from" "$(tp_json_field 0 icmp_from)" 10.77.7.1
tp_probe 10.77.10.5 443
tp_expect "prohibited exit" "$TP_RC" 1
printf '%s\n' "$TP_OUT" | grep -q "^unreachable 10.77.10.5:443 seq=0 .* icmp type=3 code=13 from 10.77.7.1$" ||
	np_fail "prohibit route not reported as ICMP 3/13: $TP_OUT"
np_log "prohibited: $(printf '%s\n' "$TP_OUT" | sed -n 2p)"

# A port list with every kind but unreachable, and the human summary.
tp_probe -w 0.5 -i 0.05 $TGT 9100-9102
tp_expect "mixed exit" "$TP_RC" 1
printf '%s\n' "$TP_OUT" | grep -q "^closed $TGT:9100 seq=0 " || np_fail "mixed: no closed line: $TP_OUT"
printf '%s\n' "$TP_OUT" | grep -q "^filtered $TGT:9101 seq=1 " || np_fail "mixed: no filtered line: $TP_OUT"
printf '%s\n' "$TP_OUT" | grep -q "^open $TGT:9102 seq=2 .* mss=1460 " || np_fail "mixed: no open line: $TP_OUT"
printf '%s\n' "$TP_OUT" | grep -q "^3 probes sent, 1 open, 1 closed, 1 filtered, 0 unreachable$" ||
	np_fail "mixed: summary: $TP_OUT"
printf '%s\n' "$TP_OUT" | grep -Eq "^rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms$" ||
	np_fail "mixed: rtt line: $TP_OUT"

# -i 0: a burst, every one open, exit 0.
tp_probe --json -c 50 -i 0 $TGT 9102
tp_expect "burst exit" "$TP_RC" 0
tp_expect "burst open" "$(printf '%s\n' "$TP_OUT" | grep -c '"result":"open"')" 50
printf '%s\n' "$TP_OUT" | tail -n 1 | grep -q '"sent":50,"open":50,' || np_fail "burst summary: $TP_OUT"

# Errors: exit 2 and one clear line.
expect_error() {
	_want=$1
	shift
	tp_probe "$@"
	tp_expect "exit for $*" "$TP_RC" 2
	printf '%s\n' "$TP_ERR" | grep -q "$_want" || np_fail "$*: error '$TP_ERR' lacks '$_want'"
	np_log "error as expected: $TP_ERR"
}
expect_error "unknown host no-such-host.invalid" no-such-host.invalid 80
expect_error "nope0: no such interface" -I nope0 $TGT 80
expect_error "no route to 10.99.0.1" 10.99.0.1 80
expect_error "invalid port list" $TGT 0
expect_error "invalid port list" $TGT 90-80
expect_error "invalid close" --close maybe $TGT 80
if command -v setpriv >/dev/null 2>&1; then
	TP_OUT=$(np_in prb setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TCPPROBE" $TGT 9102 2>&1)
	TP_RC=$?
	tp_expect "unprivileged exit" "$TP_RC" 2
	printf '%s\n' "$TP_OUT" | grep -q "CAP_NET_RAW" || np_fail "unprivileged: $TP_OUT"
	np_log "unprivileged: $TP_OUT"
fi
echo "np-tcpprobe classifies closed, filtered, unreachable and open ports and reports errors"
