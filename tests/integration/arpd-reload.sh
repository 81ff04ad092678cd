#!/bin/sh
# arpd-reload.sh: SIGHUP with a broken config keeps np-arpd answering with
# the old table (and says why, with file:line); a good one swaps the table;
# the control socket's config-reload does the same.
set -u
. "$(dirname "$0")/arpd-lib.sh"
arpd_lab

conf=$(np_tmp)/arpd.conf
write_conf() {
	arpd_conf "$conf" <<EOC
interface = "eth0";
entries = ( $1 );
announce = { count = 0; };
control_socket = "$CTL";
EOC
}
write_conf '{ address = "10.77.1.1"; }'
arpd_start "$conf"
arpd_expect_mac 10.77.1.1 "$SRV_MAC"

# Broken: overlapping entries (line 3 of the file).
write_conf '{ address = "10.77.5.0/24"; }, { address = "10.77.5.9"; }'
kill -HUP "$ARPD_PID"
reload_failed() { grep -q "reload failed" "$LOG"; }
np_wait 3 reload_failed || np_fail "no 'reload failed' after a broken config"
grep "reload failed" "$LOG" | grep -q "$conf:2: entries: this entry overlaps" ||
	np_fail "the reason does not name file:line: $(grep 'reload failed' "$LOG")"
kill -0 "$ARPD_PID" || np_fail "np-arpd died on a broken reload"
arpd_expect_mac 10.77.1.1 "$SRV_MAC"
arpd_expect_silence 10.77.5.9
np_log "broken config refused, old table still answering"

# Broken again, through the control socket: result 1 and the reason.
write_conf '{ address = "10.77.5.0/24"; mac = "nonsense"; }'
ans=$(arpd_ctl config-reload)
echo "$ans" | grep -q '"result": *1' || np_fail "config-reload accepted a broken config: $ans"
echo "$ans" | grep -q "$conf:2: mac" || np_fail "config-reload answer has no file:line: $ans"
arpd_expect_mac 10.77.1.1 "$SRV_MAC"

# Good: the new table replaces the old one.
write_conf '{ address = "10.77.5.0/24"; }'
kill -HUP "$ARPD_PID"
reloaded() { grep -q "configuration reloaded" "$LOG"; }
np_wait 3 reloaded || np_fail "good config not reloaded"
arpd_expect_mac 10.77.5.9 "$SRV_MAC"
arpd_expect_silence 10.77.1.1
ans=$(arpd_ctl table)
echo "$ans" | grep -q '"addresses": *256' || np_fail "table after reload: $ans"
echo "a broken reload keeps the old table; a good one replaces it"
