#!/bin/sh
# tcpprobe-clean.sh: np-tcpprobe leaves nothing behind.
#   - A capture on the prober's side shows no RST from its kernel (hping3
#     first shows that the same capture does see the kernel's RSTs).
#   - `ss -tan` in the target shows nothing in SYN-RECV, ESTABLISHED or
#     CLOSE-WAIT afterwards, also with a listener that never accepts (the
#     close times out and is reset).
#   - The nftables table exists during the run and is gone after a normal
#     exit, after SIGINT and SIGTERM (an "interrupted" summary; exit 0 as
#     every probe sent was open), and a table left by a run killed with
#     SIGKILL is removed by the next run.
#   - --source with an address the kernel does not own: no nftables table,
#     our own ARP reply is in the target's neighbour table, still no RST.
#   - A second run from the same source port sends an ISN and a TSval ahead
#     of the first run's, as a target in TIME-WAIT requires.
set -u
. "$(dirname "$0")/tcpprobe-lib.sh"
tp_lab
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"
tp_listen 9300
tp_listen_noaccept 9301

cap=$(np_tmp)/clean.pcap
np_bg prb tcpdump --immediate-mode -Z root -U -i eth0 -w "$cap" tcp 2>/dev/null
TCPDUMP=$NP_BG_PID
np_wait 5 test -s "$cap" || np_fail "tcpdump did not start"
sleep 0.5

rsts_from() {  # RSTs from the prober's address with source port $1
	tcpdump -r "$cap" -n "src host $PRB and tcp src port $1 and tcp[tcpflags] & tcp-rst != 0" \
		2>/dev/null | wc -l
}

# Control: hping3's SYN-ACK is reset by the prober's kernel, and the capture sees it.
if command -v hping3 >/dev/null 2>&1; then
	np_in prb hping3 -q -S -c 1 -s 5555 -k -p 9300 $TGT >/dev/null 2>&1
	sleep 0.3
	[ "$(rsts_from 5555)" -ge 1 ] || np_fail "control: the capture shows no kernel RST after hping3"
	np_log "control: hping3's connection was reset by the kernel, as expected"
fi

tp_probe --json -c 5 -i 0.05 --sport 62000 $TGT 9300
tp_expect "open exit" "$TP_RC" 0
[ -z "$(tp_tables)" ] || np_fail "nftables table left after a normal exit: $(tp_tables)"

# The never-accepting listener: FIN acknowledged, no FIN back, reset at -w.
tp_probe --json -w 0.5 --sport 62100 $TGT 9301
tp_expect "noaccept exit" "$TP_RC" 0
tp_expect "noaccept close" "$(tp_json_field 0 close)" timeout-rst

sleep 0.3
for p in 62000 62001 62002 62003 62004 62100; do
	[ "$(rsts_from $p)" = 0 ] && continue
	# The prober's own RST of the timed-out close is expected, once, on 62100.
	[ $p = 62100 ] && [ "$(rsts_from $p)" = 1 ] && continue
	np_fail "RST from the prober's side for source port $p"
done
left=$(np_in tgt ss -Htan "dst $PRB" | grep -E 'SYN-RECV|ESTAB|CLOSE-WAIT|LAST-ACK')
[ -z "$left" ] || np_fail "connections left on the target: $left"
np_log "no RST from the prober's kernel; target: $(np_in tgt ss -Htan "dst $PRB" | awk '{print $1}' | sort | uniq -c | tr -s ' \n' ' ')"

# The table during a run, and after SIGINT / SIGTERM.
for sig in INT TERM; do
	out=$(np_tmp)/sig.out
	np_bg prb "$TCPPROBE" -c 1000 -i 0.1 $TGT 9300 >"$out" 2>&1
	pid=$NP_BG_PID
	np_wait 5 sh -c "ip netns exec $(np_ns prb) nft list tables | grep -q np_tcpprobe_$pid" ||
		np_fail "no table np_tcpprobe_$pid during the run"
	sleep 0.5
	kill -$sig $pid
	wait $pid
	rc=$?
	# Every probe sent before the signal was open: exit 0, as ping does.
	tp_expect "exit after SIG$sig" "$rc" 0
	grep -q "interrupted" "$out" || np_fail "SIG$sig: no interrupted summary: $(cat "$out")"
	[ -z "$(tp_tables)" ] || np_fail "table left after SIG$sig: $(tp_tables)"
	np_log "SIG$sig: $(grep 'probes sent' "$out")"
done

# SIGKILL leaves the table; the next run removes it.
np_bg prb "$TCPPROBE" -c 1000 -i 0.1 $TGT 9300 >/dev/null 2>&1
pid=$NP_BG_PID
np_wait 5 sh -c "ip netns exec $(np_ns prb) nft list tables | grep -q np_tcpprobe_$pid" ||
	np_fail "no table during the run"
kill -KILL $pid
wait $pid 2>/dev/null
tp_tables | grep -q "np_tcpprobe_$pid" || np_fail "SIGKILL should leave the table behind"
tp_probe $TGT 9300
tp_expect "run after SIGKILL" "$TP_RC" 0
[ -z "$(tp_tables)" ] || np_fail "stale table not cleaned by the next run: $(tp_tables)"
np_log "stale table np_tcpprobe_$pid removed by the next run"

# --source an address the kernel does not own: our ARP, no table.
np_bg prb "$TCPPROBE" --json -c 20 -i 0.05 --sport 62200 --source 10.77.6.50 $TGT 9300 \
	>"$(np_tmp)/src.out" 2>&1
pid=$NP_BG_PID
sleep 0.5
[ -z "$(tp_tables)" ] || np_fail "--source made a table: $(tp_tables)"
wait $pid
tp_expect "--source exit" "$?" 0
TP_OUT=$(cat "$(np_tmp)/src.out")
tp_expect "--source open" "$(printf '%s\n' "$TP_OUT" | grep -c '"result":"open"')" 20
np_in tgt ip neigh show 10.77.6.50 | grep -q "lladdr $PRB_MAC" ||
	np_fail "the target did not learn 10.77.6.50 from our ARP: $(np_in tgt ip neigh)"
sleep 0.3
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null
n=$(tcpdump -r "$cap" -n "src host 10.77.6.50 and tcp[tcpflags] & tcp-rst != 0" 2>/dev/null | wc -l)
tp_expect "RSTs from 10.77.6.50" "$n" 0
left=$(np_in tgt ss -Htan | grep -E 'SYN-RECV|ESTAB|CLOSE-WAIT|LAST-ACK')
[ -z "$left" ] || np_fail "connections left on the target: $left"

# Two runs from the same source port: the second SYN's sequence number and
# TSval are ahead of the first's (RFC 6528, RFC 7323 §5), so a target still
# in TIME-WAIT for that port takes it (RFC 6191).  Random values per run
# would go backwards half of the time.
syn_field() {  # syn_field N seq|val: of the Nth SYN from source port 62300
	tcpdump -r "$reuse_cap" -n -S "src host $PRB and tcp src port 62300 and tcp[tcpflags] == tcp-syn" \
		2>/dev/null | sed -n "$1p" | sed -n "s/.* $2 \([0-9]*\).*/\1/p"
}
ahead() {  # ahead A B: B - A in (0, 2^31) modulo 2^32
	[ -n "$1" ] && [ -n "$2" ] && [ $(( ($2 - $1 + 4294967296) % 4294967296 )) -gt 0 ] &&
		[ $(( ($2 - $1 + 4294967296) % 4294967296 )) -lt 2147483648 ]
}
# A fresh file: waiting for the first capture's non-empty file would not
# wait for this tcpdump to start.
reuse_cap=$(np_tmp)/reuse.pcap
np_bg prb tcpdump --immediate-mode -Z root -U -i eth0 -w "$reuse_cap" "tcp port 9300" 2>/dev/null
TCPDUMP=$NP_BG_PID
np_wait 5 test -s "$reuse_cap" || np_fail "tcpdump did not start"
sleep 0.5
for run in 1 2; do
	tp_probe --json -c 1 --sport 62300 $TGT 9300
	tp_expect "port reuse run $run" "$(tp_json_field 0 result)" open
	sleep 0.05
done
sleep 0.3
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null
ahead "$(syn_field 1 seq)" "$(syn_field 2 seq)" ||
	np_fail "second run's ISN not ahead: $(syn_field 1 seq) then $(syn_field 2 seq)"
ahead "$(syn_field 1 val)" "$(syn_field 2 val)" ||
	np_fail "second run's TSval not ahead: $(syn_field 1 val) then $(syn_field 2 val)"
np_log "same source port, next run: ISN $(syn_field 1 seq) -> $(syn_field 2 seq), TSval $(syn_field 1 val) -> $(syn_field 2 val)"
echo "np-tcpprobe leaves no RST, no half-open connection and no nftables table behind"
