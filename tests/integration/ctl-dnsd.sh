#!/bin/sh
# ctl-dnsd.sh: np-ctl against a running np-dnsd in a namespace: stats count
# dig's queries, `local` lists the local zone, `cache dump` and `cache flush`
# work on an empty cache, a broken reload fails with FILE:LINE and the old
# local zone keeps answering, a good one replaces it.
set -u
. "$(dirname "$0")/netns.sh"
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
DNSD=${NP_DNSD:-${NP_BUILDDIR:-.}/daemons/dnsd/np-dnsd}
PY=/usr/bin/python3
[ -x "$NPCTL" ] || np_fail "no np-ctl at $NPCTL"
[ -x "$DNSD" ] || np_fail "no np-dnsd at $DNSD"
command -v dig >/dev/null 2>&1 || np_skip_or_fail "dig not installed"
np_lab_init
T=$(np_tmp)
np_ns_add srv
CTL=$T/dnsd.sock
conf=$T/dnsd.conf
write_conf() {
	cat > "$conf" <<EOC
listen = [ "${2:-127.0.0.1:5353}" ];
local_zone = "lan.example.net.";
records = ( "$1" );
control_socket = "$CTL";
EOC
}
write_conf "printer.lan.example.net. 300 IN A 10.77.0.50"
np_bg srv "$DNSD" -c "$conf" 2>>"$T/dnsd.log"
DNSD_PID=$NP_BG_PID
ctl() { "$NPCTL" -s "$CTL" -t 5 "$@"; }
up() { ctl dnsd status >/dev/null 2>&1; }
np_wait 5 up || np_fail "np-dnsd did not start: $(cat "$T/dnsd.log")"
out=$T/out
err=$T/err
q() { np_in srv dig @127.0.0.1 -p 5353 +short +time=2 +tries=1 "$@"; }

[ "$(q printer.lan.example.net A)" = 10.77.0.50 ] || np_fail "local name not answered"
ctl dnsd stats > "$out" || np_fail "stats failed"
[ "$(awk '$1 == "num.queries" { print $2 }' "$out")" = 1 ] || np_fail "stats: $(cat "$out")"
ctl --json dnsd stats | $PY -m json.tool >/dev/null || np_fail "stats --json is not JSON"
ctl dnsd local > "$out" || np_fail "local failed"
grep -Eq '^printer\.lan\.example\.net\. +1 +300 ' "$out" || np_fail "local: $(cat "$out")"
ctl dnsd cache dump > "$out" || np_fail "empty cache dump failed"
ctl dnsd cache flush www.example.net > "$out" || np_fail "cache flush NAME failed"
grep -Eq '^removed +0$' "$out" || np_fail "cache flush: $(cat "$out")"
ctl dnsd cache flush 'bad..name' > "$out" 2> "$err" && np_fail "cache flush of a bad name succeeded"
np_log "stats, local, cache dump/flush: ok"

write_conf "printer.lan.example.net. 300 IN A not-an-address"
ctl dnsd reload > "$out" 2> "$err"; rc=$?
[ $rc -eq 1 ] && grep -q "refused the new configuration.*$conf:3: " "$err" ||
	np_fail "broken reload: exit $rc: $(cat "$err")"
kill -0 "$DNSD_PID" || np_fail "np-dnsd died on a broken reload"
[ "$(q printer.lan.example.net A)" = 10.77.0.50 ] || np_fail "old zone gone after a broken reload"
# The listeners are bound once: a changed listen is refused, FILE:LINE named,
# and nothing of the new file (its record included) takes effect.
write_conf "printer.lan.example.net. 300 IN A 10.77.0.51" "127.0.0.1:5354"
ctl dnsd reload > "$out" 2> "$err"; rc=$?
[ $rc -eq 1 ] && grep -q "refused the new configuration.*$conf:1: listen takes effect on restart only" "$err" ||
	np_fail "listen change on reload: exit $rc: $(cat "$err")"
[ "$(q printer.lan.example.net A)" = 10.77.0.50 ] || np_fail "old config gone after a refused listen change"
write_conf "printer.lan.example.net. 300 IN A 10.77.0.51"
ctl dnsd reload > "$out" 2> "$err" || np_fail "good reload failed: $(cat "$err")"
[ "$(q printer.lan.example.net A)" = 10.77.0.51 ] || np_fail "new zone not served after a reload"
echo "np-ctl drives np-dnsd: stats, local, cache, reloads"
