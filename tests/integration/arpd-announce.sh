#!/bin/sh
# arpd-announce.sh: gratuitous announcements at start with RFC 5227 timings
# (ANNOUNCE_WAIT 2 s, ANNOUNCE_NUM 2, ANNOUNCE_INTERVAL 2 s), for claimed
# addresses only; a second host claiming one of our addresses (arping -U)
# is logged and counted, and with defend = true answered by one
# announcement per DEFEND_INTERVAL (RFC 5227 §2.4 (b)).
set -u
. "$(dirname "$0")/arpd-lib.sh"
arpd_lab
command -v tcpdump >/dev/null 2>&1 || np_skip_or_fail "tcpdump not installed"

conf=$(np_tmp)/arpd.conf
arpd_conf "$conf" <<EOC
interface = "eth0";
entries = (
	{ address = "10.77.1.1"; },
	{ address = "10.77.2.0/30"; mac = "02:00:5e:00:00:01"; },
	{ address = "10.77.3.1"; unused_only = true; }
);
defend = true;
control_socket = "$CTL";
EOC
pcap=$(np_tmp)/ann.pcap
np_bg cli tcpdump -i eth0 -w "$pcap" -U -n arp 2>/dev/null
TCPDUMP=$NP_BG_PID
sleep 1
t0=$(date +%s.%N)
arpd_start "$conf"
sleep 5.5

# A second host claims 10.77.1.1 twice within DEFEND_INTERVAL.
np_in cli arping -U -S 10.77.1.1 -i eth0 -c 1 -w 100000 10.77.1.1 >/dev/null 2>&1
sleep 0.5
np_in cli arping -U -S 10.77.1.1 -i eth0 -c 1 -w 100000 10.77.1.1 >/dev/null 2>&1
sleep 0.5
kill "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null

# Announcements: requests from np-arpd's MACs with sender IP = target IP.
tcpdump -r "$pcap" -tt -n -e "arp[6:2] == 1 and arp[14:4] == arp[24:4]" 2>/dev/null > "$(np_tmp)/ann.txt"
cat "$(np_tmp)/ann.txt" >&2
ours=$(grep -v "^[0-9.]* $CLI_MAC" "$(np_tmp)/ann.txt")
for ip in 10.77.1.1 10.77.2.0 10.77.2.1 10.77.2.2 10.77.2.3; do
	n=$(echo "$ours" | grep -c "tell $ip,")
	# 10.77.1.1 is announced a third time: the defence.
	want=2
	[ "$ip" = 10.77.1.1 ] && want=3
	[ "$n" -eq "$want" ] || np_fail "$ip announced $n times, expected $want"
done
echo "$ours" | grep -q "tell 10.77.3.1," && np_fail "an unused_only address was announced"
echo "$ours" | grep "tell 10.77.2.1," | grep -q "02:00:5e:00:00:01 > ff:ff:ff:ff:ff:ff" ||
	np_fail "announcement of 10.77.2.1 not broadcast from its entry MAC"
echo "$ours" | grep "tell 10.77.1.1," | head -n 1 | grep -q "length 60" ||
	np_fail "announcement not padded to 60 bytes"

# Timings, from tcpdump's timestamps.
/usr/bin/python3 - "$t0" "$(np_tmp)/ann.txt" "$CLI_MAC" <<'PY' || np_fail "announcement timings"
import sys
t0 = float(sys.argv[1])
times = [float(l.split()[0]) for l in open(sys.argv[2]) if " " + sys.argv[3] + " " not in l[:40]]
first, second = min(times[:5]), min(times[5:10])
wait, interval = first - t0, second - first
print("ANNOUNCE_WAIT measured %.2f s, ANNOUNCE_INTERVAL %.2f s" % (wait, interval), file=sys.stderr)
# ANNOUNCE_WAIT is counted from start-up, which takes some of the time.
ok = 1.9 <= wait <= 2.8 and 1.9 <= interval <= 2.2 and max(times[:5]) - first < 0.1
sys.exit(0 if ok else 1)
PY

# The conflicts: both counted, the first defended, the second not (10 s).
[ "$(arpd_stat conflicts)" -eq 2 ] || np_fail "conflicts: $(arpd_stat conflicts), expected 2"
[ "$(arpd_stat conflict-defended)" -eq 1 ] || np_fail "conflict-defended is not 1"
[ "$(arpd_stat conflict-not-defended)" -eq 1 ] || np_fail "conflict-not-defended is not 1"
[ "$(arpd_stat announcements-sent)" -eq 10 ] || np_fail "announcements-sent is not 10"
grep -q "conflict: 10.77.1.1 is claimed by $CLI_MAC, defending it" "$LOG" ||
	np_fail "the conflict was not logged"
echo "announcements at RFC 5227 timings; conflicts logged, counted and defended once per 10 s"
