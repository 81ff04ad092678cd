#!/bin/sh
# arpd-ndp-malformed.sh: a flood of malformed Neighbor Solicitations from
# scapy, each asking for an address np-arpd answers for, is counted by
# reason and dropped (RFC 4861 §7.1.1: hop limit not 255, bad checksum, an
# option of length 0, a truncated message, a source link-layer address
# from the unspecified address, a fragment), none is answered, and np-arpd
# keeps answering ndisc6.
set -u
. "$(dirname "$0")/arpd-lib.sh"
arpd_lab6
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || np_skip_or_fail "python3-scapy not installed"

conf=$(np_tmp)/arpd.conf
arpd_conf "$conf" <<EOC
interface = "eth0";
entries = ( { address = "2001:db8::10"; } );
announce = { count = 0; };
control_socket = "$CTL";
EOC
arpd_start "$conf"
arpd_expect_mac6 2001:db8::10 "$SRV_MAC"
before=$(arpd_stat ndp-na-sent)

N=200
np_in cli /usr/bin/python3 - "$CLI_MAC" "$N" <<'PY' || np_fail "scapy could not send"
import sys
from scapy.all import (Ether, IPv6, IPv6ExtHdrFragment, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr,
                       Raw, sendp, conf)
conf.verb = 0
me, n = sys.argv[1], int(sys.argv[2])
tgt, snm, smac = "2001:db8::10", "ff02::1:ff00:10", "33:33:ff:00:00:10"
src = "2001:db8::2"
eth = Ether(src=me, dst=smac)

def ns(hlim=255, s=src, opt=True):
    p = IPv6(src=s, dst=snm, hlim=hlim) / ICMPv6ND_NS(tgt=tgt)
    if opt:
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=me)
    return p

good = bytes(ns())
# Option length 0 (RFC 4861 §4.6): rebuild with the length octet zeroed and the checksum fixed.
zero_len = IPv6(good)
zero_len[ICMPv6NDOptSrcLLAddr].len = 0
del zero_len[ICMPv6ND_NS].cksum
bad_csum = IPv6(good)
bad_csum[ICMPv6ND_NS].cksum ^= 0x5555
trunc = IPv6(good)
trunc.plen = 60                       # longer than the 32 bytes that follow
hop = {
    "hop-limit": ns(hlim=64),
    "bad-checksum": bad_csum,
    "bad-option": zero_len,
    "malformed": [trunc,
                  ns(s="::"),          # DAD probe with an SLLA option (§7.1.1)
                  IPv6(src=src, dst=snm, hlim=255) / IPv6ExtHdrFragment(m=1) /
                  ICMPv6ND_NS(tgt=tgt)],
}
frames = []
for kind, pkts in hop.items():
    for p in (pkts if isinstance(pkts, list) else [pkts]):
        frames.append(eth / p)
sendp(frames * n, iface="eth0")
PY
want_malformed=$((3 * N)) want_each=$N
all_counted() { [ "$(arpd_stat ndp-ignored-malformed)" -ge "$want_malformed" ]; }
np_wait 10 all_counted || np_fail "malformed frames not counted: $(arpd_ctl statistic-get-all)"
[ "$(arpd_stat pkt-kernel-dropped)" -eq 0 ] || np_fail "the kernel dropped frames: counts unreliable"
for k in hop-limit bad-checksum bad-option; do
	got=$(arpd_stat ndp-ignored-$k)
	[ "$got" -eq "$want_each" ] || np_fail "ndp-ignored-$k is $got, not $want_each"
done
got=$(arpd_stat ndp-ignored-malformed)
[ "$got" -eq "$want_malformed" ] || np_fail "ndp-ignored-malformed is $got, not $want_malformed"
[ "$(arpd_stat ndp-na-sent)" -eq "$before" ] || np_fail "a malformed solicitation was answered"
[ "$(arpd_stat ndp-dad-na-sent)" -eq 0 ] || np_fail "a malformed DAD probe was answered"
np_log "$((6 * N)) malformed solicitations counted by reason, none answered"

arpd_expect_mac6 2001:db8::10 "$SRV_MAC"
kill -0 "$ARPD_PID" || np_fail "np-arpd died"
n=$(grep -c "malformed Neighbor Discovery" "$LOG")
[ "$n" -ge 1 ] && [ "$n" -le 12 ] || np_fail "malformed frames logged $n times (want 1..12: rate-limited)"
echo "malformed NDP ignored, counted, logged $n times; np-arpd keeps answering ndisc6"
