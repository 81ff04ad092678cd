#!/bin/sh
# dnsd-forward.sh: dig and kdig against np-dnsd forwarding to NSD: A, AAAA,
# a CNAME chain, MX, TXT, SRV, NXDOMAIN and NODATA with the SOA, TCP, EDNS
# sizes, TC to a 512-octet client and the TCP retry, the second answer from
# the cache with a lower TTL (and still answered with NSD stopped), cache
# flush and dump, and a reload that keeps the cache.  A forged ICMP
# "fragmentation needed" does not make np-dnsd fragment its answers.
. "$(dirname "$0")/dnsd-lib.sh"

dnsd_lab
nsd_start
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
edns_buffer_size = 1232;
control_socket = "$T/ctl.sock";
CONF
dnsd_start

# has OUTPUT-FILE REGEX
has() { grep -Eq "$2" "$1"; }

q www.example.net A >"$T/a"
check "A" has "$T/a" 'www\.example\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.1\.80'
check "A: NOERROR" has "$T/a" 'status: NOERROR'
check "A: RA set, AA clear" sh -c "grep -E '^;; flags:' '$T/a' | grep -q ' ra' && ! grep -E '^;; flags:' '$T/a' | grep -q ' aa'"
q www.example.net AAAA >"$T/aaaa"
check "AAAA" has "$T/aaaa" 'IN[[:space:]]+AAAA[[:space:]]+2001:db8::80'
q alias.example.net A >"$T/cname"
check "CNAME chain" sh -c "grep -Eq 'alias\.example\.net\..*CNAME.*alias2\.example\.net\.' '$T/cname' &&
	grep -Eq 'alias2\.example\.net\..*CNAME.*www\.example\.net\.' '$T/cname' &&
	grep -Eq '^www\.example\.net\..*A[[:space:]]+10\.77\.1\.80' '$T/cname'"
q example.net MX >"$T/mx"
check "MX" has "$T/mx" 'MX[[:space:]]+10 mail\.example\.net\.'
q example.net TXT >"$T/txt"
check "TXT" has "$T/txt" 'TXT[[:space:]]+"netproto lab upstream"'
q _http._tcp.example.net SRV >"$T/srv"
check "SRV" has "$T/srv" 'SRV[[:space:]]+0 5 80 www\.example\.net\.'
q nosuch.example.net A >"$T/nx"
check "NXDOMAIN" has "$T/nx" 'status: NXDOMAIN'
check "NXDOMAIN with the SOA" has "$T/nx" '^example\.net\..*SOA'
q mail.example.net TXT >"$T/nodata"
check "NODATA: NOERROR, no answer" sh -c "grep -q 'status: NOERROR' '$T/nodata' && grep -q 'ANSWER: 0,' '$T/nodata'"
check "NODATA with the SOA" has "$T/nodata" '^example\.net\..*SOA'

# TCP, with kdig too.
q +tcp www.example.net A >"$T/tcp"
check "TCP (dig)" has "$T/tcp" 'IN[[:space:]]+A[[:space:]]+10\.77\.1\.80'
np_in cli kdig +tcp +time=2 +retry=0 @10.77.0.1 -b 10.77.0.2 www.example.net AAAA >"$T/ktcp"
check "TCP (kdig)" has "$T/ktcp" 'AAAA[[:space:]]+2001:db8::80'

# EDNS: our OPT says 1232; a 40-record answer (> 512) fits with EDNS...
q +bufsize=4096 big.example.net A >"$T/big"
check "EDNS: server size 1232 advertised" has "$T/big" 'udp: 1232'
check "EDNS 4096: 40 records, no TC" sh -c "grep -Eq 'ANSWER: 40' '$T/big' && ! grep -E '^;; flags:' '$T/big' | grep -q ' tc'"
# ... but a client without EDNS gets TC within 512 octets, and dig retries over TCP.
q +noedns +ignore big.example.net A >"$T/tc"
check "no EDNS: TC set" sh -c "grep -E '^;; flags:' '$T/tc' | grep -q ' tc'"
check "no EDNS: answer within 512 octets" sh -c "grep -E 'MSG SIZE.*rcvd: ' '$T/tc' | awk '{print \$NF}' | { read n; [ \$n -le 512 ]; }"
q +noedns big.example.net A >"$T/tcretry"
check "TC -> dig retries over TCP and gets all 40" has "$T/tcretry" 'ANSWER: 40'
q +bufsize=512 big.example.net A >"$T/tc512"
check "EDNS 512: TC set" sh -c "grep -E '^;; flags:' '$T/tc512' | grep -q ' tc' || grep -q 'ANSWER: 40' '$T/tc512'"

# A forged ICMP "fragmentation needed" (next-hop MTU 552) cannot make
# np-dnsd fragment its answers (IP_PMTUDISC_OMIT).  The same ICMP, quoting a
# default UDP socket's port, lowers the path MTU to the client: that
# socket's 700-octet datagram leaves in fragments, np-dnsd's does not.
forge_frag_needed() {  # forge_frag_needed SRV-PORT: from cli, about srv:PORT -> cli:40000
	np_in cli /usr/bin/python3 - "$1" <<'PY'
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
sport = int(sys.argv[1])
quoted_ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 728, 1, 0x4000, 64, 17, 0,
                        socket.inet_aton("10.77.0.1"), socket.inet_aton("10.77.0.2"))
quoted_ip = quoted_ip[:10] + struct.pack("!H", csum(quoted_ip)) + quoted_ip[12:]
quoted_udp = struct.pack("!HHHH", sport, 40000, 708, 0)
body = struct.pack("!BBHHH", 3, 4, 0, 0, 552) + quoted_ip + quoted_udp
body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.bind(("10.77.0.2", 0))
s.sendto(body, ("10.77.0.1", 0))
PY
}
frags=$T/frags.pcap
np_bg cli tcpdump --immediate-mode -Z root -U -i eth0 -w "$frags" "src host 10.77.0.1 and (udp or ip[6:2] & 0x1fff != 0)" 2>/dev/null
TD=$NP_BG_PID
np_wait 5 test -s "$frags" || np_fail "tcpdump did not start"
sleep 0.5
np_bg srv /usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 5300))
for _ in range(100):
    if os.path.exists(sys.argv[1]):
        break
    time.sleep(0.05)
s.sendto(b"x" * 700, ("10.77.0.2", 40000))
' "$T/go"
CTL=$NP_BG_PID
np_wait 5 sh -c "ip netns exec $(np_ns srv) ss -Hlun 'sport = :5300' | grep -q 5300" ||
	np_fail "the control socket did not bind"
forge_frag_needed 5300
forge_frag_needed 53
touch "$T/go"
wait "$CTL"
q +bufsize=4096 big.example.net A >"$T/pmtu"
sleep 0.5
kill "$TD"
wait "$TD" 2>/dev/null
np_log "route to the client: $(np_in srv ip route get 10.77.0.2 | tr -s ' \n' ' ')"
# First fragments (MF set) still carry the UDP header and so the port.
first_frags() { tcpdump -nr "$frags" "ip[6:2] & 0x2000 != 0 and udp src port $1" 2>/dev/null | wc -l; }
ctl_frags=$(first_frags 5300)
dns_frags=$(first_frags 53)
dns_big=$(tcpdump -nr "$frags" 'udp src port 53 and greater 600' 2>/dev/null | wc -l)
check "forged ICMP took effect: a default socket's 700 octets left fragmented ($ctl_frags)" [ "$ctl_frags" -ge 1 ]
check "np-dnsd ignores the forged path MTU: its answer left whole ($dns_frags fragmented, $dns_big whole)" \
	sh -c "[ $dns_frags = 0 ] && [ $dns_big -ge 1 ]"
check "np-dnsd ignores the forged path MTU: 40 records" has "$T/pmtu" 'ANSWER: 40'

# The second answer comes from the cache with a lower TTL.
q short.example.net A >"$T/s1"
sleep 2
q short.example.net A >"$T/s2"
ttl1=$(awk '/^short\.example\.net\./ {print $2}' "$T/s1")
ttl2=$(awk '/^short\.example\.net\./ {print $2}' "$T/s2")
check "cache: TTL counts down ($ttl1 -> $ttl2)" [ -n "$ttl1" ] && [ -n "$ttl2" ] && [ "$ttl2" -lt "$ttl1" ]
hits=$(stat cache.hits)
check "cache: hits counted ($hits)" [ "$hits" -ge 1 ]

# With NSD stopped, cached names are still answered; others fail.
kill "$NSD_PID"
np_wait 5 sh -c "! kill -0 $NSD_PID 2>/dev/null"
q www.example.net A >"$T/down"
check "NSD stopped: cached A still answered" has "$T/down" 'A[[:space:]]+10\.77\.1\.80'
q alias.example.net A >"$T/down2"
check "NSD stopped: cached CNAME chain still answered" has "$T/down2" 'www\.example\.net\..*A[[:space:]]+10\.77\.1\.80'
q nosuch.example.net A >"$T/down3"
check "NSD stopped: cached NXDOMAIN" has "$T/down3" 'status: NXDOMAIN'
q h1.example.net A >"$T/down4"
check "NSD stopped: uncached name gets SERVFAIL" has "$T/down4" 'status: SERVFAIL'

# Control: dump, reload keeps the cache, flush one name, flush all.
dnsd_ctl cache-dump >"$T/dump"
check "cache-dump lists www.example.net" grep -q '"www.example.net."' "$T/dump"
ctl=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
if [ -x "$ctl" ]; then
	np_in srv "$ctl" -s "$T/ctl.sock" dnsd cache dump >"$T/npctl-dump" 2>&1
	check "np-ctl dnsd cache dump" grep -q 'www.example.net.' "$T/npctl-dump"
	np_in srv "$ctl" -s "$T/ctl.sock" dnsd stats >"$T/npctl-stats" 2>&1
	check "np-ctl dnsd stats" grep -Eq '^num\.query\.type\.A +[1-9]' "$T/npctl-stats"
fi
dnsd_ctl config-reload >"$T/reload"
check "config-reload" grep -q '"result": *0' "$T/reload"
q www.example.net A >"$T/after"
check "reload keeps the cache" has "$T/after" 'A[[:space:]]+10\.77\.1\.80'
echo 'cache_size = "many";' >>"$T/dnsd.conf"
dnsd_ctl config-reload >"$T/badreload"
check "bad reload refused with file:line" grep -q 'dnsd.conf:[0-9]*: ' "$T/badreload"
dnsd_ctl cache-flush '{"name": "www.example.net."}' >"$T/flush1"
check "cache-flush one name" grep -q '"result": *0' "$T/flush1"
q www.example.net A >"$T/flushed"
check "flushed name no longer answered (NSD down)" has "$T/flushed" 'status: SERVFAIL'
q example.net MX >"$T/kept"
check "other names kept" has "$T/kept" 'MX[[:space:]]+10 mail'
dnsd_ctl cache-flush >/dev/null
q example.net MX >"$T/allflushed"
check "cache-flush all" has "$T/allflushed" 'status: SERVFAIL'
dnsd_ctl statistic-get-all >"$T/stats"
check "statistics: queries by type" grep -q '"num.query.type.A": *[1-9]' "$T/stats"
check "statistics: rcodes" grep -q '"num.answer.rcode.NXDOMAIN": *[1-9]' "$T/stats"
check "statistics: upstream RTT" grep -q '"srtt-ms"' "$T/stats"
dnsd_alive
np_log "PASS"
