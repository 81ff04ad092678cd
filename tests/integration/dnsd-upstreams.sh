#!/bin/sh
# dnsd-upstreams.sh: np-dnsd against broken upstreams played by
# dnsd-responder.py beside NSD: a silent server (timeout -> failover to
# NSD), one that truncates every UDP answer (TC -> TCP to the same server),
# one that answers SERVFAIL (-> next server), and one that precedes its real
# answer with forged ones (wrong ID, wrong question, wrong source address,
# wrong source port): none is ever accepted or cached; and one whose
# answers do not parse before the real one.
. "$(dirname "$0")/dnsd-lib.sh"

dnsd_lab
nsd_start silent.example servfail.example
responder_start 10.77.1.3 silent
responder_start 10.77.1.4 tc
responder_start 10.77.1.5 servfail
responder_start 10.77.1.6 spoof 10.77.1.7
responder_start 10.77.1.8 malformed
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
forward_zones = (
  { zone = "silent.example"; servers = [ "10.77.1.3", "10.77.1.2" ]; },
  { zone = "tc.example"; servers = [ "10.77.1.4" ]; },
  { zone = "servfail.example"; servers = [ "10.77.1.5", "10.77.1.2" ]; },
  { zone = "spoof.example"; servers = [ "10.77.1.6" ]; },
  { zone = "malformed.example"; servers = [ "10.77.1.8" ]; }
);
upstream_timeout = "1s";
use_0x20 = true;
control_socket = "$T/ctl.sock";
CONF
dnsd_start

# use_0x20: the names went out in mixed case.
check_0x20() { grep -q '[A-Z]' "$T/responder-10.77.1.3.log"; }

# Silent server: every name still resolves (through NSD); the silent one
# was tried at least once and timed out (the choice is random within the
# RTT band, so ask until it was).
i=0
while [ "$(stat upstream.timeouts)" = 0 ] && [ $i -lt 12 ]; do
	i=$((i + 1))
	q h$i.silent.example A >"$T/silent$i"
	grep -q "A[[:space:]]*10\.77\.3\.$i" "$T/silent$i" || { dnsd_diagnose; np_fail "h$i.silent.example not resolved: $(cat "$T/silent$i")"; }
done
check "silent upstream: timeout counted, answers through the other server" [ "$(stat upstream.timeouts)" -ge 1 ]
check "silent upstream was asked" grep -qi 'silent .*udp' "$T/responder-10.77.1.3.log"
check "use_0x20: mixed-case names sent upstream" check_0x20
q www.silent.example A >"$T/silentw"
check "silent upstream: later answers fast" grep -q 'Query time: [0-9]\{1,3\} msec' "$T/silentw"

# TC over UDP: np-dnsd retries the same server over TCP and answers.
q www.tc.example A >"$T/tc"
check "TC upstream: answered" grep -Eq 'A[[:space:]]+1\.2\.3\.4' "$T/tc"
check "TC upstream: asked over UDP then TCP" sh -c "grep -qi 'www.tc.example. udp' '$T/responder-10.77.1.4.log' && grep -qi 'www.tc.example. tcp' '$T/responder-10.77.1.4.log'"
check "TC upstream: tc-retries counted" [ "$(stat upstream.tc-retries)" -ge 1 ]

# SERVFAIL from one server: the next one answers.
i=0
while [ "$(stat upstream.servfail)" = 0 ] && [ $i -lt 12 ]; do
	i=$((i + 1))
	q h$i.servfail.example A >"$T/sf$i"
	grep -q "A[[:space:]]*10\.77\.3\.$i" "$T/sf$i" || { dnsd_diagnose; np_fail "h$i.servfail.example: $(cat "$T/sf$i")"; }
done
check "SERVFAIL upstream: next server answered" [ "$(stat upstream.servfail)" -ge 1 ]

# Forged answers: the real one (1.2.3.4, 0.3 s later) wins, 6.6.6.6 never appears.
q www.spoof.example A >"$T/spoof"
check "spoofed answers not accepted" sh -c "grep -Eq 'A[[:space:]]+1\.2\.3\.4' '$T/spoof' && ! grep -q '6\.6\.6\.6' '$T/spoof'"
q www.spoof.example A >"$T/spoof2"
check "spoofed answers not cached" sh -c "grep -Eq 'A[[:space:]]+1\.2\.3\.4' '$T/spoof2' && ! grep -q '6\.6\.6\.6' '$T/spoof2'"
check "spoof: answer with the wrong ID counted" [ "$(stat upstream.rejected-id)" -ge 1 ]
check "spoof: answer to another question counted" [ "$(stat upstream.rejected-question)" -ge 1 ]
dnsd_ctl cache-dump >"$T/dump"
check "spoof: nothing of evil.* cached" sh -c "! grep -q evil '$T/dump'"

# Malformed answers with the right ID (compression loop, record cut short,
# huge counts): counted and ignored; the real answer that follows is taken.
q www.malformed.example A >"$T/malformed"
check "malformed upstream answers ignored, real one accepted" grep -Eq 'A[[:space:]]+1\.2\.3\.4' "$T/malformed"
check "malformed upstream answers counted" [ "$(stat upstream.malformed)" -ge 3 ]

# Coalescing: 20 clients asking the same new name at once cause one upstream query.
before=$(grep -ci 'coal.spoof.example' "$T/responder-10.77.1.6.log")
pids=""
for n in $(seq 1 20); do q coal.spoof.example A >"$T/coal$n" & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
after=$(grep -ci 'coal.spoof.example' "$T/responder-10.77.1.6.log")
check "coalescing: 20 clients, $((after - before)) upstream query" [ $((after - before)) -eq 1 ]
check "coalescing: every client answered" sh -c "for n in \$(seq 1 20); do grep -Eq 'A[[:space:]]+1\.2\.3\.4' '$T/coal'\$n || exit 1; done"
dnsd_alive
np_log "PASS"
