#!/bin/sh
# dhcpd-ddns.sh: client names published by RFC 2136 UPDATE.  udhcpc sends
# a hostname (option 12), another udhcpc a client FQDN (option 81).  On
# each ACK np-dhcpd sends to the configured server the forward zone's
# UPDATE of RFC 4703 §5.3.1 (prerequisite "name not in use", add the A
# record and the client's DHCID) and, once that succeeded, the reverse
# zone's (delete the PTR RRset, add the PTR); on DHCPRELEASE and on
# lease4-del, with the client's DHCID as prerequisite, exactly its A record
# is deleted (class NONE), then the DHCID when no address record is left,
# and the PTR record of the lease.  The messages are captured with
# tcpdump and decoded by tshark.  The server is a scripted responder (the
# way ldns-testns is used): it ignores the first UPDATE, so np-dhcpd has to
# send it again, answers NOERROR for the forward zone and NOTAUTH for the
# reverse one; the statistics count exactly that.  While the updates are
# under way the DHCP exchange is not delayed.  After a reload with
# update_ptr = false only the A record is updated.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
for p in udhcpc tcpdump tshark; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
PY=/usr/bin/python3

np_lab_init
T=$(np_tmp)
np_ns_add srv
for i in 1 2; do
	np_ns_add c$i
	np_link srv eth$i c$i eth0
	ip -n "$(np_ns c$i)" link set eth0 address 02:00:5e:00:0d:0$i
	np_addr srv eth$i 10.77.$i.1/24
done

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth1", "eth2" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
ping_check = false;
subnets = (
  { subnet = "10.77.1.0/24"; pools = ( { first = "10.77.1.100"; last = "10.77.1.109"; } ); },
  { subnet = "10.77.2.0/24"; pools = ( { first = "10.77.2.100"; last = "10.77.2.109"; } ); }
);
dns_update = {
  server = "10.77.1.1:53";
  zone = "lan.example.net";
  ttl = "10m";
  timeout = "300ms";
  retries = 2;
};
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null || np_fail "config rejected"

# The scripted DNS server: logs each UPDATE (hex), drops the first one,
# NOERROR for lan.example.net, NOTAUTH (9) for any other zone.
cat >"$T/dns.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.1.1", 53))
log = open(sys.argv[1], "a", buffering=1)
n = 0
while True:
    q, peer = s.recvfrom(4096)
    n += 1
    log.write(q.hex() + "\n")
    if n == 1:
        continue                      # lost: the sender must try again
    # the zone name (uncompressed, first after the 12-octet header)
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    zone = ".".join(labels).lower()
    rcode = 0 if zone == "lan.example.net" else 9
    flags = 0x8000 | (q[2] & 0x78) << 8 | rcode
    # answer: header with QR, the same opcode, the zone section echoed
    s.sendto(q[:2] + flags.to_bytes(2, "big") + b"\x00\x01" + b"\x00" * 6 + q[12:i + 5], peer)
PYEOF
np_bg srv $PY "$T/dns.py" "$T/updates.hex"
np_bg srv tcpdump -i lo -nn -U -w "$T/dns.pcap" udp port 53 2>"$T/tcpdump.log"
TCPDUMP_PID=$NP_BG_PID
np_wait 5 grep -q "listening" "$T/tcpdump.log" || np_fail "tcpdump did not start"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 test -S "$T/ctl.sock" || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"

cat >"$T/hook" <<HOOK
#!/bin/sh
case "\$1" in
bound) echo "bound ip=\$ip" >>"$T/udhcpc.out"; ip addr add "\$ip/24" dev "\$interface" ;;
esac
exit 0
HOOK
chmod +x "$T/hook"

# Client 1: hostname "laptop"; it stays bound, and -R releases the lease
# when it is stopped (with -q it would quit before binding).
start=$(date +%s%N)
np_bg c1 udhcpc -f -R -n -i eth0 -s "$T/hook" -x hostname:laptop -t 5 -T 1 -A 1 \
	>"$T/u1.log" 2>&1
U1_PID=$NP_BG_PID
np_wait 5 grep -q "bound ip=10.77.1.100" "$T/udhcpc.out" 2>/dev/null \
	|| np_fail "client 1: $(cat "$T/u1.log")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 1500 ] || np_fail "the lease took $ms ms: the ACK waited for DNS?"
kill "$U1_PID"
wait "$U1_PID" 2>/dev/null
grep -q "unicasting a release" "$T/u1.log" || np_fail "udhcpc did not release: $(cat "$T/u1.log")"
# Client 2: client FQDN (option 81) "desk.example.org": its first label is the host.
np_in c2 udhcpc -f -q -n -i eth0 -s "$T/hook" -F desk.example.org -t 5 -T 1 -A 1 \
	>"$T/u2.log" 2>&1 || np_fail "udhcpc 2: $(cat "$T/u2.log")"
grep -q "bound ip=10.77.2.100" "$T/udhcpc.out" || np_fail "client 2: $(cat "$T/udhcpc.out")"

ctl() { np_ctl_json dhcpd "$T/ctl.sock" "$@"; }
ctl lease4-del '{"ip-address": "10.77.2.100"}' >"$T/del.json"
grep -q "\"result\": *0," "$T/del.json" || np_fail "lease4-del: $(cat "$T/del.json")"

# 10 UPDATEs (per client: A, PTR; A, DHCID, PTR deleted) + 1 resent.
np_wait 5 sh -c "[ \$(wc -l <'$T/updates.hex') -ge 11 ]" \
	|| np_fail "UPDATEs seen: $(wc -l <"$T/updates.hex"); daemon: $(cat "$T/dhcpd.log")"
sleep 0.5
kill "$TCPDUMP_PID" 2>/dev/null
wait "$TCPDUMP_PID" 2>/dev/null

# What tshark makes of them.
tshark -r "$T/dns.pcap" -V -Y "dns.flags.response == 0" >"$T/dns.txt" 2>"$T/tshark.err" || np_fail "tshark: $(cat "$T/tshark.err")"
n=$(grep -c "Opcode: Dynamic update (5)" "$T/dns.txt")
[ "$n" -eq 11 ] || np_fail "$n UPDATE datagrams decoded, 11 expected: $(tcpdump -nr "$T/dns.pcap" 2>&1 | tail -12)"
expect() {  # expect PATTERN WHAT
	grep -q -- "$1" "$T/dns.txt" || np_fail "$2 not on the wire: $(cat "$T/dns.txt")"
}
expect "lan.example.net: type SOA, class IN" "forward zone section"
expect "1.77.10.in-addr.arpa: type SOA, class IN" "reverse zone section (the /24)"
expect "laptop.lan.example.net: type ANY, class NONE$" "prerequisite: the name is not in use"
expect "laptop.lan.example.net: type A, class IN, addr 10.77.1.100" "A record added"
expect "laptop.lan.example.net: type DHCID, class IN" "the client's DHCID added"
expect "laptop.lan.example.net: type DHCID, class ANY$" "the DHCID deleted after the release"
expect "laptop.lan.example.net: type AAAA, class NONE$" "prerequisite: no address record left"
expect "Time to live: 600" "ttl 10m"
expect "100.1.77.10.in-addr.arpa: type PTR, class ANY$" "PTR RRset deletion"
expect "100.1.77.10.in-addr.arpa: type PTR, class IN, laptop.lan.example.net" "PTR added"
expect "laptop.lan.example.net: type A, class NONE, addr 10.77.1.100" "A deleted on DHCPRELEASE"
expect "100.1.77.10.in-addr.arpa: type PTR, class NONE, laptop.lan.example.net" "PTR deleted on DHCPRELEASE"
expect "desk.lan.example.net: type A, class IN, addr 10.77.2.100" "the FQDN client's A record"
expect "desk.lan.example.net: type A, class NONE, addr 10.77.2.100" "the FQDN client's A deleted by lease4-del"
expect "100.2.77.10.in-addr.arpa: type PTR, class NONE, desk.lan.example.net" "its PTR deleted"
# The first datagram was resent with the same ID.
first=$(head -1 "$T/updates.hex")
[ "$(grep -c "^$first\$" "$T/updates.hex")" = 2 ] || np_fail "the unanswered UPDATE was not sent again as it was"

ctl statistic-get-all >"$T/stats.json"
$PY - "$T/stats.json" <<'PYEOF' || np_fail "statistics: $(cat "$T/stats.json")"
import json, sys
a = json.load(open(sys.argv[1]))
st = a["arguments"]
def v(name): return st[name][0][0]
assert v("ddns-updates-queued") == 10, v("ddns-updates-queued")
assert v("ddns-updates-sent") == 11, v("ddns-updates-sent")
assert v("ddns-retries") == 1, v("ddns-retries")
assert v("ddns-noerror") == 6, v("ddns-noerror")
assert v("ddns-failed") == 4, v("ddns-failed")       # NOTAUTH for the reverse zone
assert v("ddns-conflicts") == 0
assert v("ddns-timeouts") == 0
assert v("pkt4-ack-sent") == 2
PYEOF
grep -q "refused: rcode 9" "$T/dhcpd.log" || np_fail "a refused update is not logged: $(cat "$T/dhcpd.log")"

# update_ptr = false (a server that keeps PTRs itself), applied by a
# reload: client 2's next lease makes one UPDATE, for the A record only.
sed -i 's/retries = 2;/retries = 2; update_ptr = false;/' "$T/dhcpd.conf"
ctl config-reload >"$T/reload.json"
grep -q '"result": *0' "$T/reload.json" || np_fail "reload: $(cat "$T/reload.json")"
before=$(wc -l <"$T/updates.hex")
np_in c2 ip addr flush dev eth0
np_in c2 udhcpc -f -q -n -i eth0 -s "$T/hook" -F desk.example.org -t 5 -T 1 -A 1 \
	>"$T/u3.log" 2>&1 || np_fail "udhcpc 2 again: $(cat "$T/u3.log")"
sleep 0.5
after=$(wc -l <"$T/updates.hex")
[ $((after - before)) -eq 1 ] || np_fail "$((after - before)) UPDATEs with update_ptr = false"
tail -1 "$T/updates.hex" | grep -q "036c616e076578616d706c65036e657400" \
	|| np_fail "the one UPDATE is not for lan.example.net"

# With np-dnsd built: the names reach the suite's resolver.  np-dnsd keeps
# PTRs in step with its A records, so update_ptr stays false; the server
# moves to np-dnsd by a reload.
np_dnsd=${NP_BUILDDIR:-.}/daemons/dnsd/np-dnsd
command -v dig >/dev/null 2>&1 || np_dnsd=/nonexistent
if [ -x "$np_dnsd" ]; then
	np_addr srv eth1 10.77.1.2/24
	cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.1.2:53" ];
upstreams = [ "10.77.1.2:5399" ];
local_zone = "lan.example.net";
update_acl = [ "10.77.1.0/24" ];
control_socket = "$T/dnsd.sock";
CONF
	if "$np_dnsd" -t -c "$T/dnsd.conf" >"$T/dnsd-t.log" 2>&1; then
		np_bg srv "$np_dnsd" -c "$T/dnsd.conf" 2>"$T/dnsd.log"
		np_wait 5 test -S "$T/dnsd.sock" || np_fail "np-dnsd did not start: $(cat "$T/dnsd.log")"
		sed -i 's/server = "10.77.1.1:53";/server = "10.77.1.2:53";/' "$T/dhcpd.conf"
		ctl config-reload >"$T/reload2.json"
		grep -q '"result": *0' "$T/reload2.json" || np_fail "reload: $(cat "$T/reload2.json")"
		np_in c1 ip addr flush dev eth0
		np_in c1 udhcpc -f -q -n -i eth0 -s "$T/hook" -x hostname:laptop -t 5 -T 1 -A 1 \
			>"$T/u4.log" 2>&1 || np_fail "udhcpc 1 again: $(cat "$T/u4.log")"
		np_wait 3 sh -c "np_in() { ip netns exec \"$(np_ns c1)\" \"\$@\"; }; \
			[ \"\$(np_in dig +short +time=1 +tries=1 @10.77.1.2 laptop.lan.example.net A)\" = 10.77.1.100 ]" \
			|| np_fail "np-dnsd does not answer laptop.lan.example.net: $(np_in c1 dig +time=1 +tries=1 @10.77.1.2 laptop.lan.example.net A); $(grep -v '^<6>' "$T/dhcpd.log" | tail -3)"
		[ "$(np_in c1 dig +short +time=1 +tries=1 @10.77.1.2 -x 10.77.1.100)" = laptop.lan.example.net. ] \
			|| np_fail "np-dnsd has no PTR for 10.77.1.100"
		ctl lease4-del '{"ip-address": "10.77.1.100"}' >/dev/null
		np_wait 3 sh -c "ip netns exec '$(np_ns c1)' dig +time=1 +tries=1 @10.77.1.2 laptop.lan.example.net A | grep -q NXDOMAIN" \
			|| np_fail "the name stayed in np-dnsd after lease4-del"
		np_log "np-dnsd: dig finds laptop.lan.example.net and its PTR, then NXDOMAIN after lease4-del"
	else
		np_log "np-dnsd rejects this scenario's config ($(head -1 "$T/dnsd-t.log")): not run against it"
	fi
else
	np_log "np-dnsd not built: checked against the scripted server only"
fi
kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd died: $(cat "$T/dhcpd.log")"
np_log "PASS"
exit 0
