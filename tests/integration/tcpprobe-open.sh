#!/bin/sh
# tcpprobe-open.sh: np-tcpprobe against the kernel's own listener reports
# "open" with exactly the options the kernel's SYN-ACK carried, as tshark
# decodes the same capture: MSS (also a listener's TCP_MAXSEG), window
# scale, SACK-permitted and timestamps, each switched off in turn with
# net.ipv4.tcp_window_scaling / tcp_sack / tcp_timestamps in the target;
# window, TTL and ISN too.  Our own SYN carries the options asked for
# (--mss, --no-sack, --no-timestamps, --no-wscale), and every handshake is
# completed (our ACK acknowledges the peer's ISN) and closed by FINs.
# The reported RTT is never shorter than the capture's SYN -> SYN-ACK time.
set -u
. "$(dirname "$0")/tcpprobe-lib.sh"
tp_lab
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"
command -v tshark >/dev/null 2>&1 || np_skip_or_fail "tshark not installed"

cap=$(np_tmp)/open.pcap
json=$(np_tmp)/open.json
: > "$json"
np_bg prb tcpdump --immediate-mode -Z root -U -i eth0 -w "$cap" tcp 2>/dev/null
TCPDUMP=$NP_BG_PID
np_wait 5 test -s "$cap" || np_fail "tcpdump did not start"
sleep 0.5

sysctl_tgt() { np_in tgt sysctl -q -w "net.ipv4.$1=$2" || np_fail "sysctl $1"; }

# variant NAME PORT LISTENER-MSS SYSCTL=VALUE... -- PROBER-ARGS...
variant() {
	_name=$1 _port=$2 _mss=$3
	shift 3
	while [ "$1" != "--" ]; do sysctl_tgt "${1%=*}" "${1#*=}"; shift; done
	shift
	if [ -n "$_mss" ]; then tp_listen "$_port" "$_mss"; else tp_listen "$_port"; fi
	tp_probe --json "$@" $TGT "$_port"
	[ "$TP_RC" = 0 ] || np_fail "$_name: exit $TP_RC, want 0: $TP_OUT $TP_ERR"
	tp_expect "$_name result" "$(tp_json_field 0 result)" open
	printf '%s\n' "$TP_OUT" | sed -n 1p | sed "s/^{/{\"variant\":\"$_name\",/" >> "$json"
	for _s in tcp_window_scaling tcp_sack tcp_timestamps; do sysctl_tgt $_s 1; done
	np_log "$_name: $(printf '%s\n' "$TP_OUT" | sed -n 1p | cut -c1-160)"
}

variant default 9001 "" -- 
variant maxseg-1000 9002 1000 --
variant no-window-scaling 9003 "" tcp_window_scaling=0 --
variant no-sack 9004 "" tcp_sack=0 --
variant no-timestamps 9005 "" tcp_timestamps=0 --
variant all-off 9006 "" tcp_window_scaling=0 tcp_sack=0 tcp_timestamps=0 --
variant prober-bare 9007 "" -- --mss 536 --no-sack --no-timestamps --no-wscale
variant close-rst 9008 "" -- --close rst

sleep 0.5
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null

# Compare each probe's report with tshark's decode of the segments on the wire.
tshark -r "$cap" -T fields -E separator=';' -e tcp.srcport -e tcp.dstport -e tcp.flags \
	-e tcp.options.mss_val -e tcp.options.wscale.shift -e tcp.options.sack_perm \
	-e tcp.options.timestamp.tsval -e tcp.window_size_value -e ip.ttl -e tcp.seq_raw \
	-e tcp.ack_raw -e tcp.options -e frame.time_epoch 2>/dev/null > "$(np_tmp)/decode.txt" ||
	np_fail "tshark cannot read the capture"

$PY - "$json" "$(np_tmp)/decode.txt" <<'PY' || np_fail "report and capture disagree"
import json, sys
probes = [json.loads(l) for l in open(sys.argv[1])]
rows = []
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split(";")
    rows.append(dict(sport=int(f[0]), dport=int(f[1]), flags=int(f[2], 16), mss=f[3],
                     ws=f[4], sack=f[5], tsval=f[6], win=f[7], ttl=f[8], seq=f[9],
                     ack=f[10], raw=f[11].replace(":", ""), t=float(f[12])))
bad, diffs = [], []
def check(v, what, got, want):
    if str(got) != str(want):
        bad.append(f"{v}: {what}: report {got!r}, tshark {want!r}")
expect = {  # what the kernel's SYN-ACK must (not) carry in each variant
    "default": dict(ws=True, sack=True, ts=True),
    "maxseg-1000": dict(ws=True, sack=True, ts=True, mss=1000),
    "no-window-scaling": dict(ws=False, sack=True, ts=True),
    "no-sack": dict(ws=True, sack=False, ts=True),
    "no-timestamps": dict(ws=True, sack=True, ts=False),
    "all-off": dict(ws=False, sack=False, ts=False),
    "prober-bare": dict(ws=False, sack=False, ts=False, mss=1460),
    "close-rst": dict(ws=True, sack=True, ts=True),
}
for p in probes:
    v, sp, o = p["variant"], p["sport"], p["options"]
    mine = [r for r in rows if r["sport"] == sp]
    theirs = [r for r in rows if r["dport"] == sp]
    syn = [r for r in mine if r["flags"] == 0x02]
    sa = [r for r in theirs if r["flags"] == 0x12]
    if len(syn) != 1 or len(sa) != 1:
        bad.append(f"{v}: {len(syn)} SYNs and {len(sa)} SYN-ACKs on the wire")
        continue
    sa = sa[0]
    # The RTT runs from the SYN entering the device queue to the SYN-ACK's
    # arrival: never shorter than the capture's SYN -> SYN-ACK (1 us stamps).
    wire_us, rtt_us = (sa["t"] - syn[0]["t"]) * 1e6, p["rtt_ms"] * 1e3
    diffs.append(rtt_us - wire_us)
    if rtt_us < wire_us - 2:
        bad.append(f"{v}: rtt {rtt_us:.1f} us shorter than on the wire ({wire_us:.1f} us)")
    check(v, "mss", o.get("mss", ""), sa["mss"])
    check(v, "wscale", o.get("wscale", ""), sa["ws"])
    check(v, "sack_permitted", o["sack_permitted"], sa["sack"] != "")
    check(v, "tsval", o.get("timestamps", {}).get("val", ""), sa["tsval"])
    check(v, "window", p["window"], sa["win"])
    check(v, "ttl", p["ttl"], sa["ttl"])
    check(v, "isn", p["isn"], sa["seq"])
    check(v, "raw options", o["raw"], sa["raw"])
    e = expect[v]
    check(v, "expected wscale", "wscale" in o, e["ws"])
    check(v, "expected sack", o["sack_permitted"], e["sack"])
    check(v, "expected timestamps", "timestamps" in o, e["ts"])
    if "mss" in e:
        check(v, "expected mss", o.get("mss"), e["mss"])
    # Our SYN as tshark reads it.
    s = syn[0]
    if v == "prober-bare":
        check(v, "our SYN options", (s["mss"], s["ws"], s["sack"], s["tsval"]), ("536", "", "", ""))
    else:
        check(v, "our SYN options", (s["mss"], s["ws"], s["sack"] != "", s["tsval"] != ""),
              ("1460", "7", True, True))
    # The handshake completed: an ACK of the peer's ISN + 1, then the close.
    acks = [r for r in mine if r["flags"] == 0x10 and int(r["ack"]) == (p["isn"] + 1) % 2**32]
    if not acks:
        bad.append(f"{v}: no ACK of the SYN-ACK on the wire")
    if v == "close-rst":
        check(v, "close", p["close"], "rst")
        if not [r for r in mine if r["flags"] & 0x04]:
            bad.append(f"{v}: no RST from the prober")
    else:
        if p["close"] not in ("fin3", "fin4", "fin-simultaneous"):
            bad.append(f"{v}: close {p['close']}")
        if not [r for r in mine if r["flags"] & 0x01] or not [r for r in theirs if r["flags"] & 0x01]:
            bad.append(f"{v}: FIN exchange missing on the wire")
        if [r for r in rows if r["flags"] & 0x04 and (r["sport"] == sp or r["dport"] == sp)]:
            bad.append(f"{v}: a RST on the wire")
for b in bad:
    print(b, file=sys.stderr)
print(f"{len(probes)} probes checked against tshark; reported RTT - wire RTT, us: "
      + " ".join(f"{d:.1f}" for d in diffs), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "np-tcpprobe reports the kernel's SYN-ACK options exactly as tshark decodes them"
