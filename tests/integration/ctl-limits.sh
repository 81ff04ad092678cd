#!/bin/sh
# ctl-limits.sh: the control socket and the Prometheus endpoint under
# connection exhaustion, on a running np-arpd.
#   - 24 connections trickle HTTP header lines to metrics_listen, one octet
#     a second, never ending the header section: curl still scrapes (the
#     oldest trickling connections make room), and the server closes every
#     one of them (the request deadline ends those not evicted).
#   - 300 half-open connections to the control socket that send nothing (and
#     reconnect when closed): np-ctl still gets answers.
# The daemon counts what it evicted and timed out (np-ctl arpd stats).
set -u
. "$(dirname "$0")/arpd-lib.sh"
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
[ -x "$NPCTL" ] || np_fail "no np-ctl at $NPCTL"
command -v curl >/dev/null 2>&1 || np_skip_or_fail "curl not installed"
trickle=$(dirname "$0")/trickle.py
arpd_lab

T=$(np_tmp)
cat >"$T/arpd.conf" <<EOC
interface = "eth0";
entries = ( { address = "10.77.1.1"; } );
announce = { count = 0; };
control_socket = "$CTL";
metrics_listen = "127.0.0.1:9432";
EOC
arpd_start "$T/arpd.conf"
ctl() { "$NPCTL" -s "$CTL" -t 3 "$@"; }
scrape() { np_in srv curl -sS --max-time 3 -o "$1" -w '%{http_code}' http://127.0.0.1:9432/metrics; }
check() {
	_what=$1
	shift
	if "$@"; then
		np_log "ok: $_what"
	else
		np_log "--- np-arpd log (tail)"
		tail -20 "$LOG" >&2
		np_fail "$_what"
	fi
}

# ---- metrics_listen: header trickling ----
headers=$(printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n' | od -An -tx1 | tr -d ' \n')
np_bg srv /usr/bin/python3 "$trickle" --tcp 127.0.0.1:9432 --src 127.0.0.1:24 --once \
	--payload "$headers" --interval 1 --duration 14 --stale 8 --ready "$T/ready-http" \
	>"$T/trickle-http.out"
HTTP_PID=$NP_BG_PID
np_wait 10 test -e "$T/ready-http" || np_fail "the HTTP trickler did not start"
sleep 2
for i in 1 2 3; do
	code=$(scrape "$T/scrape-$i")
	check "curl scrapes during the attack ($i): $code" [ "$code" = 200 ]
	check "the scrape has the counters ($i)" grep -q '^np_arpd_pkt_received ' "$T/scrape-$i"
	sleep 1
done
wait "$HTTP_PID"
cat "$T/trickle-http.out" >&2
check "the server closed the trickling HTTP connections" \
	[ "$(awk '/^server-closed/ {print $2}' "$T/trickle-http.out")" -ge 24 ]
check "no trickling HTTP connection outlived the deadline" grep -q '^stale-open 0$' "$T/trickle-http.out"

# ---- control socket: half-open connections ----
np_bg srv /usr/bin/python3 "$trickle" --unix "$CTL" --count 300 --hold --interval 1 \
	--duration 12 --stale 11 --ready "$T/ready-ctl" >"$T/trickle-ctl.out"
CTL_PID=$NP_BG_PID
np_wait 20 test -e "$T/ready-ctl" || np_fail "the control-socket client did not start"
sleep 1
for i in 1 2 3; do
	ctl arpd status >"$T/status-$i" 2>&1
	check "np-ctl answered during the attack ($i)" grep -q '^np-arpd is running' "$T/status-$i"
done
ctl arpd stats >"$T/stats-during" 2>&1
check "np-ctl stats answered during the attack" grep -q '^control-evicted ' "$T/stats-during"
wait "$CTL_PID"
cat "$T/trickle-ctl.out" >&2
check "no idle control connection outlived the deadline" grep -q '^stale-open 0$' "$T/trickle-ctl.out"

ctl arpd stats >"$T/stats" 2>&1
grep -E '^(control|metrics)-' "$T/stats" >&2
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$T/stats"; }
check "control evictions counted" [ "$(stat_of control-evicted)" -ge 1 ]
check "metrics evictions counted" [ "$(stat_of metrics-evicted)" -ge 1 ]
check "metrics request deadlines counted" [ "$(stat_of metrics-timed-out)" -ge 1 ]
code=$(scrape "$T/scrape-metrics")
check "metrics shows the counters too" grep -q '^np_arpd_metrics_evicted [1-9]' "$T/scrape-metrics"
kill -0 "$ARPD_PID" || np_fail "np-arpd died"
np_log "PASS"
