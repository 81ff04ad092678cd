#!/bin/sh
# dnsd-tcp-limits.sh: np-dnsd under a TCP slow-loris attack.  110
# connections trickle one octet of a query each second (and reconnect when
# closed) for 16 s: 100 from one address (beyond its tcp_per_client share of
# 40, so its oldest are evicted) and 10 from another (within every limit, so
# only the query deadline ends them).  Meanwhile dig and kdig over TCP, from
# the attacking addresses and from another one, still get answers, and so
# does a UDP query answered with TC that dig retries over TCP.  The server
# closes every trickling connection before the run ends, and counts it.
. "$(dirname "$0")/dnsd-lib.sh"

trickle=$(dirname "$0")/trickle.py
dnsd_lab
nsd_start
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
access_control = ( { net = "10.77.0.0/24"; action = "allow"; } );
tcp_idle_timeout = "5s";
tcp_query_timeout = "2s";
tcp_max_connections = 64;
tcp_per_client = 40;
control_socket = "$T/ctl.sock";
CONF
dnsd_start
# Warm the cache: the answers below come from np-dnsd itself.
q +tcp www.example.net A >/dev/null
q +tcp mail.example.net A >/dev/null

# A length-prefixed query for www.example.net A, one octet at a time.
query=$(/usr/bin/python3 -c '
import struct
q = bytes.fromhex("123401000001000000000000") + b"\x03www\x07example\x03net\x00\x00\x01\x00\x01"
print((struct.pack(">H", len(q)) + q).hex())')
np_bg cli /usr/bin/python3 "$trickle" --tcp 10.77.0.1:53 --src 10.77.0.3:100 --src 10.77.0.4:10 \
	--payload "$query" --interval 1 --duration 16 --stale 6 --ready "$T/ready" >"$T/trickle.out"
TRICKLE_PID=$NP_BG_PID
np_wait 10 test -e "$T/ready" || np_fail "the trickler did not start"
sleep 3                                 # the attack is in full swing

for i in 1 2 3; do
	np_in cli dig +tcp +tries=1 +time=3 @10.77.0.1 -b 10.77.0.2 www.example.net A >"$T/dig-other-$i"
	check "dig +tcp from another address answered during the attack ($i)" \
		grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/dig-other-$i"
	np_in cli dig +tcp +tries=1 +time=3 @10.77.0.1 -b 10.77.0.3 mail.example.net A >"$T/dig-same-$i"
	check "dig +tcp from an attacking address answered during the attack ($i)" \
		grep -Eq 'A[[:space:]]+10\.77\.1\.25' "$T/dig-same-$i"
done
np_in cli kdig +tcp +retry=0 +time=3 @10.77.0.1 -b 10.77.0.2 www.example.net A >"$T/kdig-other"
check "kdig +tcp from another address answered" grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/kdig-other"
np_in cli kdig +tcp +retry=0 +time=3 @10.77.0.1 -b 10.77.0.4 www.example.net A >"$T/kdig-same"
check "kdig +tcp from an attacking address answered" grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/kdig-same"
# 40 A records do not fit 512 octets: TC over UDP, then dig asks again over TCP.
np_in cli dig +noedns +tries=1 +time=3 @10.77.0.1 -b 10.77.0.2 big.example.net A >"$T/dig-tc"
check "TC then TCP fallback answered in full" grep -q 'ANSWER: 40,' "$T/dig-tc"
check "the fallback was a truncated UDP answer first" grep -q 'Truncated, retrying in TCP mode' "$T/dig-tc"

wait "$TRICKLE_PID"
cat "$T/trickle.out" >&2
check "the server closed trickling connections" \
	[ "$(awk "/^server-closed/ {print \$2}" "$T/trickle.out")" -ge 110 ]
check "no trickling connection outlived the deadline" grep -q '^stale-open 0$' "$T/trickle.out"
check "query deadline counted" [ "$(stat tcp.query-timeout)" -ge 1 ]
check "evictions counted" [ "$(stat tcp.evicted)" -ge 1 ]
dnsd_ctl statistic-get-all | grep -o '"tcp[^,]*' >&2
dnsd_alive
np_log "PASS"
