#!/bin/sh
# ctl-arpd.sh: np-ctl against a running np-arpd in a namespace: status,
# stats and table as tables and as JSON, a good reload, a broken reload that
# fails with FILE:LINE while the daemon keeps running the old table, an
# unknown command, and the "not running" error.  The Prometheus endpoint
# (metrics_listen) serves the same counters as `np-ctl arpd stats`.
set -u
. "$(dirname "$0")/arpd-lib.sh"
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
[ -x "$NPCTL" ] || np_fail "no np-ctl at $NPCTL"
arpd_lab

conf=$(np_tmp)/arpd.conf
write_conf() {
	arpd_conf "$conf" <<EOC
interface = "eth0";
entries = ( $1 );
announce = { count = 0; };
control_socket = "$CTL";
metrics_listen = "127.0.0.1:9431";
EOC
}
ctl() { "$NPCTL" -s "$CTL" -t 5 "$@"; }
out=$(np_tmp)/out
T_M=$(np_tmp)/metrics
err=$(np_tmp)/err
PY=/usr/bin/python3

write_conf '{ address = "10.77.1.1"; }, { address = "10.77.2.0/24"; mac = "02:00:00:00:00:09"; }'
arpd_start "$conf"

# status: a human line with the daemon's pid.
ctl arpd status > "$out" || np_fail "status failed: $(cat "$out")"
grep -q "^np-arpd is running, pid $ARPD_PID, up " "$out" || np_fail "status: $(cat "$out")"

# stats after one answered request: the counter in the table is the daemon's.
arpd_expect_mac 10.77.2.7 02:00:00:00:00:09
ctl arpd stats > "$out" || np_fail "stats failed"
sent=$(awk '$1 == "arp-reply-sent" { print $2 }' "$out")
[ "$sent" = "$(arpd_stat arp-reply-sent)" ] && [ "$sent" -ge 1 ] ||
	np_fail "stats table says arp-reply-sent '$sent': $(cat "$out")"

# --json is the daemon's answer, valid JSON, same numbers.
ctl --json arpd stats > "$out" || np_fail "stats --json failed"
$PY -m json.tool "$out" >/dev/null || np_fail "stats --json is not JSON: $(cat "$out")"
[ "$($PY -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a["result"], a["arguments"]["arp-request-received"] >= 1)' "$out")" = "0 True" ] ||
	np_fail "stats --json: $(cat "$out")"

# table: the entries as rows, and one address.
ctl arpd table > "$out" || np_fail "table failed"
grep -Eq '^10\.77\.2\.0 +10\.77\.2\.255 +02:00:00:00:00:09 +256 +no$' "$out" ||
	np_fail "table has no row for 10.77.2.0/24: $(cat "$out")"
grep -Eq '^addresses +257$' "$out" || np_fail "table: no 'addresses 257': $(cat "$out")"
ctl --json arpd table 10.77.1.1 > "$out" || np_fail "table 10.77.1.1 failed"
$PY -m json.tool "$out" >/dev/null || np_fail "table --json is not JSON"
grep -q "\"mac\": \"$SRV_MAC\"" "$out" || np_fail "table 10.77.1.1: $(cat "$out")"
ctl arpd table 10.77.9.9 > "$out" 2> "$err" && np_fail "table of an unknown address succeeded"
grep -q "not in the table" "$err" || np_fail "table 10.77.9.9: $(cat "$err")"
np_log "status, stats, table, --json: ok"

# Metrics: every counter of the stats, same values, Prometheus names.
scrape() {
	np_in srv "$PY" -c 'import urllib.request as u, sys
r = u.urlopen("http://127.0.0.1:9431" + sys.argv[1], timeout=5)
print(r.headers["Content-Type"]); sys.stdout.write(r.read().decode())' "$1"
}
scrape /metrics > "$T_M" || np_fail "no metrics on 127.0.0.1:9431"
head -n 1 "$T_M" | grep -q '^text/plain; version=0.0.4' || np_fail "metrics content type: $(head -n 1 "$T_M")"
ctl --json arpd stats > "$out"
$PY - "$out" "$T_M" <<'PY' || np_fail "metrics differ from stats"
import json, sys
stats = json.load(open(sys.argv[1]))["arguments"]
lines = open(sys.argv[2]).read().splitlines()[1:]
samples = {l.split()[0]: int(l.split()[1]) for l in lines if not l.startswith("#")}
types = {l.split()[2]: l.split()[3] for l in lines if l.startswith("# TYPE ")}
want = {"np_arpd_" + k.replace("-", "_"): v for k, v in stats.items()}
# receive counters may have moved between the two reads; the rest may not
for k, v in want.items():
    assert k in samples, "missing " + k
    assert types[k] == "counter", k
assert set(samples) == set(want), set(samples) ^ set(want)
assert samples["np_arpd_arp_reply_sent"] == want["np_arpd_arp_reply_sent"] >= 1
PY
np_in srv "$PY" -c 'import urllib.request as u, urllib.error as e
try:
    u.urlopen("http://127.0.0.1:9431/nothing", timeout=5)
except e.HTTPError as x:
    raise SystemExit(0 if x.code == 404 else 1)
raise SystemExit(1)' || np_fail "metrics: /nothing is not 404"
np_log "metrics: the stats' counters as np_arpd_* on 127.0.0.1:9431"

# A good reload swaps the table; status then shows the reload.
write_conf '{ address = "10.77.1.1"; }, { address = "10.77.3.0/24"; }'
ctl arpd reload > "$out" 2> "$err" || np_fail "good reload failed: $(cat "$err")"
grep -q "configuration reloaded" "$out" || np_fail "reload: $(cat "$out")"
arpd_expect_mac 10.77.3.3 "$SRV_MAC"
arpd_expect_silence 10.77.2.7

# A broken reload: exit 1, the daemon's error with FILE:LINE, old table kept.
write_conf '{ address = "10.77.1.1"; }, { address = "10.77.4.0/24"; mac = "nonsense"; }'
ctl arpd reload > "$out" 2> "$err"; rc=$?
[ $rc -eq 1 ] || np_fail "broken reload exited $rc, not 1: $(cat "$out" "$err")"
grep -q "refused the new configuration" "$err" && grep -q "$conf:2: mac" "$err" ||
	np_fail "broken reload does not print the config error with file:line: $(cat "$err")"
kill -0 "$ARPD_PID" 2>/dev/null || np_fail "np-arpd died on a broken reload"
arpd_expect_mac 10.77.3.3 "$SRV_MAC"
arpd_expect_silence 10.77.4.4
np_log "reload: good one applied, broken one refused with file:line, old table kept"

# Unknown commands: np-ctl's own (usage, 2) and the daemon's (list, 1).
ctl arpd leases > "$out" 2> "$err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown command for np-arpd: leases" "$err" ||
	np_fail "leases on np-arpd: exit $rc: $(cat "$err")"
ctl arpd call lease4-get-all > "$out" 2> "$err"; rc=$?
[ $rc -eq 1 ] && grep -q 'does not support the command "lease4-get-all"; it supports:.* table' "$err" ||
	np_fail "unsupported command: exit $rc: $(cat "$err")"

# Not running: the socket gone, then a socket nobody listens on.
kill "$ARPD_PID"
gone() { ! kill -0 "$ARPD_PID" 2>/dev/null; }
np_wait 5 gone || np_fail "np-arpd did not stop"
ctl arpd stats > "$out" 2> "$err"; rc=$?
[ $rc -eq 3 ] && grep -q "np-arpd is not running (no $CTL)" "$err" ||
	np_fail "not running: exit $rc: $(cat "$err")"
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$CTL"
ctl arpd stats > "$out" 2> "$err"; rc=$?
[ $rc -eq 3 ] && grep -q "np-arpd is not running (nothing listens on $CTL)" "$err" ||
	np_fail "stale socket: exit $rc: $(cat "$err")"
echo "np-ctl drives np-arpd: tables, JSON, reloads, errors"
