#!/bin/sh
# dhcpd-control.sh: np-dhcpd's control socket (Kea's command names and
# answer shapes) after real traffic: two udhcpc clients on two links get
# leases, a garbage datagram and a RENEWING request for a foreign address
# are sent, then
#   statistic-get-all  counts exactly those packets (pkt4-*), the addresses
#                      per subnet and pool (total/assigned/declined);
#   lease4-get-all     lists both leases with MAC, hostname, subnet;
#   lease4-get         finds one by ip-address, by hw-address, by Kea's
#                      identifier-type, and answers 3 for an unknown one;
#   lease4-del         releases a lease, journaled (still released after
#                      a restart), the address counted free again;
#   config-reload      applies a new lease time keeping every lease and
#                      counter, and refuses a broken file (FILE:LINE) or a
#                      restart-only change, the old config still serving;
#   status-get         pid, uptime, leases;
# and -t refuses bad probe and DNS update settings, naming FILE:LINE.
# The client is np-ctl (np_ctl_json for the JSON answers).
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
npctl=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
command -v udhcpc >/dev/null 2>&1 || np_skip_or_fail "udhcpc not installed"
PY=/usr/bin/python3

np_lab_init
T=$(np_tmp)
np_ns_add srv
for i in 1 2; do
	np_ns_add c$i
	np_link srv eth$i c$i eth0
	ip -n "$(np_ns c$i)" link set eth0 address 02:00:5e:00:0c:0$i
	np_addr srv eth$i 10.77.$i.1/24
done

write_conf() {  # write_conf LEASE_TIME_2 [EXTRA]
	cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth1", "eth2" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
authoritative = true;
ping_check = false;
subnets = (
  { subnet = "10.77.1.0/24"; lease_time = "10m";
    pools = ( { first = "10.77.1.100"; last = "10.77.1.104"; },
              { first = "10.77.1.200"; last = "10.77.1.204"; } ); },
  { subnet = "10.77.2.0/24"; lease_time = "$1";
    pools = ( { first = "10.77.2.100"; last = "10.77.2.109"; } ); }
);
${2:-}
CONF
}
# The settings of probing and DNS updates are checked with FILE:LINE.
bad() {  # bad SETTINGS WHAT: -t must refuse it, naming the line it is on (the last)
	write_conf 10m "$1"
	_line=$(wc -l <"$T/dhcpd.conf")
	if "$dhcpd" -t -c "$T/dhcpd.conf" >"$T/t.out" 2>&1; then
		np_fail "accepted: $1"
	fi
	grep -q "dhcpd.conf:$_line: .*$2" "$T/t.out" || np_fail "for $1: $(cat "$T/t.out")"
}
bad 'probe_timeout = "20ms";' "probe_timeout"
bad 'probe_timeout = "11s";' "probe_timeout"
bad 'dns_update = { server = "10.77.1.1"; zone = "a..b"; };' "not a domain name"
bad 'dns_update = { server = "10.77.1.1"; zone = "lan"; retries = 11; };' "retries"
bad 'dns_update = { server = "10.77.1.1"; zone = "lan"; reverse_zone = ".x"; };' "reverse_zone"
bad 'dns_update = { server = "10.77.1.1"; zone = "lan"; timeout = "5ms"; };' "timeout"
write_conf 10m 'dns_update = { server = "10.77.1.1:5353"; zone = "lan."; reverse_zone = "77.10.in-addr.arpa"; ttl = 60; timeout = "2s"; retries = 0; };'
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null || np_fail "a valid dns_update was rejected"

write_conf 10m
"$dhcpd" -t -c "$T/dhcpd.conf" >/dev/null || np_fail "config rejected"

start_dhcpd() {
	np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
	DHCPD_PID=$NP_BG_PID
	np_wait 5 test -S "$T/ctl.sock" || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"
}
start_dhcpd

# ctl COMMAND [JSON-ARGS] > answer on stdout (JSON).
ctl() { np_ctl_json dhcpd "$T/ctl.sock" "$@"; }
# check ANSWER-FILE PYTHON-EXPR...: each expression over `a` (the answer) must hold.
check() {
	_f=$1
	shift
	$PY - "$_f" "$@" <<'PYEOF' || np_fail "check failed on $(cat "$_f")"
import json, sys
a = json.load(open(sys.argv[1]))
st = a.get("arguments") or {}
def v(name): return st[name][0][0]
for expr in sys.argv[2:]:
    if not eval(expr):
        print("FAILED:", expr, file=sys.stderr)
        sys.exit(1)
PYEOF
}

cat >"$T/hook" <<HOOK
#!/bin/sh
case "\$1" in
bound|renew)
	echo "\$1 ip=\$ip lease=\$lease" >>"$T/udhcpc.out"
	ip addr add "\$ip/\${mask:-24}" dev "\$interface" 2>/dev/null ;;
esac
exit 0
HOOK
chmod +x "$T/hook"
np_in c1 udhcpc -f -q -n -i eth0 -s "$T/hook" -x hostname:alpha -t 5 -T 1 -A 1 \
	>"$T/u1.log" 2>&1 || np_fail "udhcpc 1: $(cat "$T/u1.log")"
np_in c2 udhcpc -f -q -n -i eth0 -s "$T/hook" -t 5 -T 1 -A 1 \
	>"$T/u2.log" 2>&1 || np_fail "udhcpc 2: $(cat "$T/u2.log")"
IP1=$(np_in c1 ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
IP2=$(np_in c2 ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
case "$IP1" in 10.77.1.1[0-9][0-9]|10.77.1.20[0-4]) ;; *) np_fail "client 1 address: $IP1" ;; esac
case "$IP2" in 10.77.2.1[0-9][0-9]) ;; *) np_fail "client 2 address: $IP2" ;; esac
np_log "leases: $IP1 (alpha), $IP2"

# A garbage datagram, and a RENEWING request (ciaddr 10.77.1.50, outside
# the pools, unknown) from client 1: parse failure, and a NAK (authoritative).
np_in c1 $PY - "$IP1" <<'PYEOF' || np_fail "could not send the test datagrams"
import socket, struct, sys
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, 68))
s.sendto(b"this is not DHCP", ("10.77.1.1", 67))
hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0x5eed, 0, 0,
                  socket.inet_aton("10.77.1.50"), bytes(4), bytes(4), bytes(4),
                  bytes.fromhex("02005e000c01") + bytes(10), bytes(64), bytes(128))
opts = bytes([99, 130, 83, 99, 53, 1, 3, 255])
s.sendto(hdr + opts, ("10.77.1.1", 67))
PYEOF
sleep 0.5

ctl statistic-get-all >"$T/stats.json"
check "$T/stats.json" 'a["result"] == 0' \
	'v("pkt4-received") == 6' 'v("pkt4-discover-received") == 2' \
	'v("pkt4-request-received") == 3' 'v("pkt4-offer-sent") == 2' \
	'v("pkt4-ack-sent") == 2' 'v("pkt4-nak-sent") == 1' 'v("pkt4-parse-failed") == 1' \
	'v("pkt4-receive-drop") >= 1' \
	'v("total-addresses") == 20' 'v("assigned-addresses") == 2' 'v("declined-addresses") == 0' \
	'v("subnet[1].total-addresses") == 10' 'v("subnet[1].assigned-addresses") == 1' \
	'v("subnet[1].pool[0].total-addresses") == 5' 'v("subnet[1].pool[1].total-addresses") == 5' \
	'v("subnet[2].total-addresses") == 10' 'v("subnet[2].assigned-addresses") == 1' \
	'isinstance(st["pkt4-received"][0][1], str)'
np_log "statistic-get-all: packets and addresses as sent"

ctl lease4-get-all >"$T/all.json"
check "$T/all.json" 'a["result"] == 0' 'len(st["leases"]) == 2' \
	"{(l['ip-address'], l['hw-address'], l['hostname'], l['subnet-id'], l['state']) for l in st['leases']} == {('$IP1', '02:00:5e:00:0c:01', 'alpha', 1, 0), ('$IP2', '02:00:5e:00:0c:02', '', 2, 0)}" \
	"all(l['valid-lft'] == 600 and l['expire'] == l['cltt'] + 600 for l in st['leases'])"

ctl lease4-get "{\"ip-address\": \"$IP1\"}" >"$T/get1.json"
check "$T/get1.json" 'a["result"] == 0' "st['hw-address'] == '02:00:5e:00:0c:01'" "st['hostname'] == 'alpha'"
ctl lease4-get '{"hw-address": "02:00:5e:00:0c:02"}' >"$T/get2.json"
check "$T/get2.json" 'a["result"] == 0' "st['ip-address'] == '$IP2'"
ctl lease4-get '{"identifier-type": "hw-address", "identifier": "02005e000c02", "subnet-id": 2}' >"$T/get3.json"
check "$T/get3.json" 'a["result"] == 0' "st['ip-address'] == '$IP2'"
# udhcpc sends a client identifier (option 61): type 1 and its MAC.
ctl lease4-get '{"identifier-type": "client-id", "identifier": "01:02:00:5e:00:0c:02"}' >"$T/get3b.json"
check "$T/get3b.json" 'a["result"] == 0' "st['ip-address'] == '$IP2'" "st['client-id'] == '01:02:00:5e:00:0c:02'"
ctl lease4-get '{"identifier-type": "client-id", "identifier": "01:02:00:5e:00:0c:09"}' >"$T/get3c.json"
check "$T/get3c.json" 'a["result"] == 3'
ctl lease4-get '{"ip-address": "10.77.2.250"}' >"$T/get4.json"
check "$T/get4.json" 'a["result"] == 3' '"arguments" not in a'
ctl lease4-get '{"ip-address": "10.77.2"}' >"$T/get5.json"
check "$T/get5.json" 'a["result"] == 1'
ctl lease4-get >"$T/get6.json"
check "$T/get6.json" 'a["result"] == 1'
np_log "lease4-get-all and lease4-get: both leases, by address and by MAC"

# Release client 2's lease.
ctl lease4-del "{\"ip-address\": \"$IP2\"}" >"$T/del.json"
check "$T/del.json" 'a["result"] == 0'
ctl lease4-del "{\"ip-address\": \"$IP2\"}" >"$T/del2.json"
check "$T/del2.json" 'a["result"] == 0'   # the released record itself is freed
ctl lease4-del '{"ip-address": "10.77.2.250"}' >"$T/del3.json"
check "$T/del3.json" 'a["result"] == 3'
ctl statistic-get-all >"$T/stats2.json"
check "$T/stats2.json" 'v("assigned-addresses") == 1' 'v("subnet[2].assigned-addresses") == 0'
np_log "lease4-del: released, counted free"

# status-get
ctl status-get >"$T/status.json"
check "$T/status.json" 'a["result"] == 0' "st['pid'] == $DHCPD_PID" 'st["leases"] == 1' \
	'st["uptime"] >= 0' 'st["lease-file-ok"] is True'

# config-reload: subnet 2's lease time becomes 20m; leases and counters stay.
write_conf 20m
ctl config-reload >"$T/reload.json"
check "$T/reload.json" 'a["result"] == 0'
ctl lease4-get "{\"ip-address\": \"$IP1\"}" >"$T/get7.json"
check "$T/get7.json" 'a["result"] == 0' "st['hostname'] == 'alpha'" 'st["state"] == 0'
ctl statistic-get-all >"$T/stats3.json"
check "$T/stats3.json" 'v("pkt4-ack-sent") == 2' 'v("assigned-addresses") == 1'
np_in c2 ip addr flush dev eth0
np_in c2 udhcpc -f -q -n -i eth0 -s "$T/hook" -t 5 -T 1 -A 1 \
	>"$T/u3.log" 2>&1 || np_fail "udhcpc after reload: $(cat "$T/u3.log")"
grep -q "lease=1200" "$T/udhcpc.out" || np_fail "new lease time not applied: $(cat "$T/udhcpc.out")"
ctl status-get >"$T/status2.json"
check "$T/status2.json" 'st["reload"] <= st["uptime"]'
np_log "config-reload: new lease time, old leases and counters kept"

# A broken file: refused with FILE:LINE, the running config stays.
write_conf 20m 'bogus_setting = 1;'
ctl config-reload >"$T/reload2.json"
check "$T/reload2.json" 'a["result"] == 1' "'dhcpd.conf:' in a['text']"
# A restart-only change: refused with the reason.
write_conf 20m
sed -i 's/"eth1", "eth2"/"eth1"/' "$T/dhcpd.conf"
ctl config-reload >"$T/reload3.json"
check "$T/reload3.json" 'a["result"] == 1' "'restart' in a['text']"
write_conf 20m
kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd died: $(cat "$T/dhcpd.log")"

# The release is on disk: after a restart the lease is still released.
kill "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null
start_dhcpd
ctl lease4-get "{\"ip-address\": \"$IP1\"}" >"$T/get8.json"
check "$T/get8.json" 'a["result"] == 0' 'st["state"] == 0'
ctl lease4-get '{"hw-address": "02:00:5e:00:0c:02"}' >"$T/get9.json"
check "$T/get9.json" 'a["result"] == 0' 'st["state-name"] == "assigned"'  # its new lease

if [ -x "$npctl" ]; then
	"$npctl" -s "$T/ctl.sock" --json dhcpd leases "$IP1" >"$T/npctl.json" \
		|| np_fail "np-ctl leases: $(cat "$T/npctl.json")"
	check "$T/npctl.json" "a['result'] == 0" "st['ip-address'] == '$IP1'"
	"$npctl" -s "$T/ctl.sock" --json dhcpd stats >"$T/npctl2.json" || np_fail "np-ctl stats"
	check "$T/npctl2.json" 'v("pkt4-received") >= 0'
	np_log "np-ctl: the same answers"
else
	np_log "np-ctl not built: python client only"
fi
np_log "PASS"
exit 0
