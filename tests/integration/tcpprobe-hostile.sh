#!/bin/sh
# tcpprobe-hostile.sh: np-tcpprobe against a hostile target, a scapy
# responder (tcpprobe-responder.py) in the target namespace:
#   - a SYN-ACK whose option list has a length of 0, a length of 1, or an
#     option running past the header is an open port (Linux reads such
#     options up to the bad one and accepts the segment), reported with
#     the MSS before the bad option, and the connection is closed: the
#     responder sees the ACK, the FIN and the last ACK of a 3-way close;
#   - 10,000 copies of the SYN-ACK during the close get a bounded number
#     of answers (one ACK and FIN per 500 ms, as Linux's
#     tcp_invalid_ratelimit), counted by the responder, not one each.
set -u
. "$(dirname "$0")/tcpprobe-lib.sh"
$PY -c 'import scapy.all' 2>/dev/null || np_skip_or_fail "python3-scapy not installed"
tp_lab
LOG=$(np_tmp)/responder.log
: >"$LOG"

# The target's kernel has no listener on these ports: keep its RSTs in.
np_in tgt nft -f - <<'EOF' || np_fail "cannot add the target's rule"
table inet tphostile {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport 9201-9204 tcp flags rst drop
	}
}
EOF
np_bg tgt $PY "$(dirname "$0")/tcpprobe-responder.py" eth0 "$LOG"
np_wait 20 grep -qx ready "$LOG" || np_fail "the responder did not start"

logged() { grep -qx "$1" "$LOG"; }

for port in 9201 9202 9203; do
	tp_probe --json -w 2 $TGT $port
	tp_expect "$port exit" "$TP_RC" 0
	tp_expect "$port result" "$(tp_json_field 0 result)" open
	tp_expect "$port mss before the bad option" "$(tp_json_field 0 options.mss)" 1400
	tp_expect "$port options flagged" "$(tp_json_field 0 options.malformed)" true
	tp_expect "$port close" "$(tp_json_field 0 close)" fin3
	np_wait 5 logged "$port last-ack" || true
	for ev in syn ack fin last-ack; do
		logged "$port $ev" || np_fail "$port: the responder saw no $ev: $(cat "$LOG")"
	done
	np_log "$port: $(printf '%s\n' "$TP_OUT" | head -n 1)"
done

tp_probe --json -w 4 $TGT 9204
tp_expect "9204 result" "$(tp_json_field 0 result)" open
np_wait 15 grep -q '^9204 answers ' "$LOG" || np_fail "9204: no count: $(cat "$LOG")"
answers=$(sed -n 's/^9204 answers //p' "$LOG")
took=$(sed -n 's/^9204 flood [0-9]* //p' "$LOG")
# One ACK and FIN per started 500 ms of the flood, the FIN already in flight, and slack.
bound=$($PY -c "import math; print(2 * (math.floor($took / 0.5) + 1) + 3)")
np_log "9204: 10000 SYN-ACKs in $took s drew $answers answers (bound $bound): $TP_OUT"
[ "$answers" -ge 2 ] || np_fail "9204: the first duplicate was not answered ($answers)"
[ "$answers" -le "$bound" ] || np_fail "9204: $answers answers to 10000 duplicates (bound $bound)"
limited=$(tp_json_field 0 dup_answers_limited)
[ "${limited:-0}" -gt 0 ] || np_fail "9204: dup_answers_limited is '$limited'"
tp_expect "9204 close" "$(tp_json_field 0 close)" timeout-rst
logged "9204 rst" || np_fail "9204: the responder saw no RST at the end: $(cat "$LOG")"
echo "np-tcpprobe takes SYN-ACKs with malformed options as open and rate-limits answers to duplicates"
