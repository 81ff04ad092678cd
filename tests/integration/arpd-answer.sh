#!/bin/sh
# arpd-answer.sh: Habets' arping in another namespace gets the configured
# MAC for single, CIDR and range entries and nothing outside them; tcpdump
# shows the reply is unicast with exactly RFC 826's bytes, padded to 60; an
# RFC 5227 probe (arping -0) gets the kernel's answer (address taken), and
# iputils' arping -D finds the address in use.
set -u
. "$(dirname "$0")/arpd-lib.sh"
arpd_lab
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"

conf=$(np_tmp)/arpd.conf
arpd_conf "$conf" <<EOC
interface = "eth0";
entries = (
	{ address = "10.77.1.1"; },
	{ address = "10.77.2.0/24"; mac = "02:00:5e:00:00:01"; },
	{ address = "10.77.3.10-10.77.3.20"; mac = "02:00:5e:00:00:02"; }
);
announce = { count = 0; };
control_socket = "$CTL";
EOC
"$ARPD" -t -c "$conf" >/dev/null || np_fail "np-arpd -t rejects a valid config"
arpd_start "$conf"

pcap=$(np_tmp)/reply.pcap
np_bg cli tcpdump -i eth0 -w "$pcap" -U -n arp 2>/dev/null
TCPDUMP=$NP_BG_PID
sleep 1

arpd_expect_mac 10.77.1.1 "$SRV_MAC"
arpd_expect_mac 10.77.2.0 02:00:5e:00:00:01
arpd_expect_mac 10.77.2.77 02:00:5e:00:00:01
arpd_expect_mac 10.77.2.255 02:00:5e:00:00:01
arpd_expect_mac 10.77.3.10 02:00:5e:00:00:02
arpd_expect_mac 10.77.3.20 02:00:5e:00:00:02
arpd_expect_silence 10.77.1.2
arpd_expect_silence 10.77.3.9
arpd_expect_silence 10.77.3.21
arpd_expect_silence 10.77.4.1

# RFC 5227 probe: the prober must learn the address is taken.
probe=$(np_in cli arping -0 -i eth0 -c 1 -w 1000000 10.77.1.1 2>/dev/null)
echo "$probe" | grep -q "bytes from $SRV_MAC (10.77.1.1)" ||
	np_fail "no answer to an RFC 5227 probe: $probe"
np_log "probe for 10.77.1.1 answered: address taken"

# iputils' RFC 5227 duplicate address detection (arping -D exits 1 when
# someone answers): our address is taken, one outside the table is free.
IARPING=${NP_IPUTILS_ARPING:-/usr/local/libexec/netproto-peers/iputils-arping}
[ -x "$IARPING" ] || np_skip_or_fail "iputils' arping not installed (scripts/install-deps)"
np_in cli "$IARPING" -D -I eth0 -c 2 -w 3 10.77.1.1 >"$(np_tmp)/dad.txt" 2>&1 &&
	np_fail "iputils arping -D sees 10.77.1.1 as free: $(cat "$(np_tmp)/dad.txt")"
np_in cli "$IARPING" -D -I eth0 -c 1 -w 2 10.77.1.2 >/dev/null 2>&1 ||
	np_fail "iputils arping -D sees the unconfigured 10.77.1.2 as taken"
np_log "iputils arping -D: 10.77.1.1 taken, 10.77.1.2 free"

sleep 0.5
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null

# The reply to the first request, for 10.77.1.1, byte for byte:
# Ethernet to the requester only; ARP reply (op 2) with our MAC/IP as sender
# and the requester's as target (RFC 826), then zero padding to 60 bytes.
hex() { echo "$1" | tr -d ':'; }
want="$(hex "$CLI_MAC")$(hex "$SRV_MAC")0806000108000604"
want="${want}0002$(hex "$SRV_MAC")0a4d0101$(hex "$CLI_MAC")0a4d0002"
want="${want}000000000000000000000000000000000000"
got=$(tcpdump -r "$pcap" -n -x -e "arp[6:2] == 2 and arp[14:4] == 0x0a4d0101" 2>/dev/null |
	awk '/^[0-9]/ { n++ } n == 1 && /^[ \t]+0x[0-9a-f]+:/ { for (i = 2; i <= NF; i++) printf "%s", $i }')
link=$(tcpdump -r "$pcap" -n -e "arp[6:2] == 2 and arp[14:4] == 0x0a4d0101" 2>/dev/null | head -n 1)
# tcpdump -x starts at the network layer: prepend the link header it printed.
got="$(hex "$CLI_MAC")$(hex "$SRV_MAC")0806${got}"
[ "$got" = "$want" ] || np_fail "reply bytes differ:
 want $want
 got  $got"
echo "$link" | grep -q "$SRV_MAC > $CLI_MAC" || np_fail "reply is not unicast to the requester: $link"
echo "$link" | grep -q "length 60" || np_fail "reply is not padded to 60 bytes: $link"
np_log "reply on the wire: $link"

[ "$(arpd_stat arp-reply-sent)" -ge 6 ] || np_fail "arp-reply-sent below 6"
[ "$(arpd_stat ignored-not-ours)" -ge 4 ] || np_fail "ignored-not-ours below 4"
[ "$(arpd_stat arp-probe-reply-sent)" -ge 1 ] || np_fail "no probe reply counted"
echo "np-arpd answers single, CIDR and range entries with their MACs, unicast, 60 bytes"
