#!/bin/sh
# arpd-malformed.sh: malformed and hostile ARP frames from scapy are
# ignored and counted (control socket statistics), and np-arpd keeps
# answering; the frames it must not answer get no reply on the wire.
set -u
. "$(dirname "$0")/arpd-lib.sh"
arpd_lab
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || np_skip_or_fail "python3-scapy not installed"

conf=$(np_tmp)/arpd.conf
arpd_conf "$conf" <<EOC
interface = "eth0";
entries = ( { address = "10.77.1.1"; } );
announce = { count = 0; };
control_socket = "$CTL";
EOC
arpd_start "$conf"
arpd_expect_mac 10.77.1.1 "$SRV_MAC"

# Each frame asks for 10.77.1.1, so any reply would be a bug.  Counts:
# 6 malformed kinds x 50 and 4 bad senders x 50.
np_in cli /usr/bin/python3 - "$CLI_MAC" <<'PY' || np_fail "scapy could not send"
import sys
from scapy.all import Ether, ARP, Raw, sendp, conf
conf.verb = 0
me = sys.argv[1]
bc = "ff:ff:ff:ff:ff:ff"
good = dict(op=1, hwsrc=me, psrc="10.77.0.2", pdst="10.77.1.1")
eth = Ether(src=me, dst=bc, type=0x0806)
malformed = [
    eth / ARP(hwtype=6, **good),                        # IEEE 802 hardware
    eth / ARP(ptype=0x86dd, **good),                    # IPv6 protocol type
    eth / Raw(bytes(ARP(**good))[:4] + b"\x08\x06" + bytes(ARP(**good))[6:]),  # hlen 8
    eth / Raw(bytes(ARP(**good))[:5] + b"\x10" + bytes(ARP(**good))[6:]),      # plen 16
    eth / Raw(bytes(ARP(**good))[:20]),                 # truncated message
    eth / Raw(b"\x00\x01\x08"),                         # not even the fixed part
]
bad_sender = [
    Ether(src=me, dst=bc) / ARP(op=1, hwsrc=bc, psrc="10.77.0.2", pdst="10.77.1.1"),
    Ether(src=me, dst=bc) / ARP(op=1, hwsrc="01:00:5e:00:00:01", psrc="10.77.0.2", pdst="10.77.1.1"),
    Ether(src=me, dst=bc) / ARP(op=1, hwsrc=me, psrc="127.0.0.1", pdst="10.77.1.1"),
    Ether(src=me, dst=bc) / ARP(op=1, hwsrc=me, psrc="224.0.0.5", pdst="10.77.1.1"),
]
sendp(malformed * 50 + bad_sender * 50, iface="eth0")
PY
all_counted() { [ "$(arpd_stat pkt-received)" -ge 501 ]; }
np_wait 3 all_counted ||
	np_fail "malformed frames not counted: $(arpd_ctl statistic-get-all)"
[ "$(arpd_stat ignored-malformed)" -eq 300 ] || np_fail "ignored-malformed is not 300"
[ "$(arpd_stat ignored-bad-sender)" -eq 200 ] || np_fail "ignored-bad-sender is not 200"
[ "$(arpd_stat arp-reply-sent)" -eq 1 ] || np_fail "a malformed frame was answered"
np_log "300 malformed and 200 bad-sender frames ignored and counted"

# Still answering, and still only what it should.
arpd_expect_mac 10.77.1.1 "$SRV_MAC"
kill -0 "$ARPD_PID" || np_fail "np-arpd died"
grep -q "malformed" "$LOG" || np_fail "no log line about malformed frames"
n=$(grep -c "malformed" "$LOG")
[ "$n" -le 12 ] || np_fail "malformed frames logged $n times: not rate-limited"
echo "malformed ARP ignored, counted, logged at most $n times; np-arpd keeps answering"
