#!/bin/sh
# metrics-listen.sh: every daemon serves its counters on metrics_listen
# (np-common.conf(5)).  np-arpd, np-dhcpd and np-dnsd run side by side in one
# namespace, each with metrics_listen on loopback; curl scrapes each and
# finds that daemon's counters, the same ones its control socket's
# statistic-get-all reports.  A reload that changes metrics_listen is
# refused with FILE:LINE in each (one reload rule).
set -u
. "$(dirname "$0")/dnsd-lib.sh"
arpd=${NP_BUILDDIR:-.}/daemons/arpd/np-arpd
dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
command -v curl >/dev/null 2>&1 || np_skip_or_fail "curl not installed"
dnsd_lab

cat >"$T/arpd.conf" <<CONF
interface = "eth0";
entries = ( { address = "10.77.0.50"; } );
announce = { count = 0; };
control_socket = "$T/arpd.sock";
metrics_listen = "127.0.0.1:9401";
CONF
cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth1" ];
lease_file = "$T/leases";
control_socket = "$T/dhcpd.sock";
ping_check = false;
subnets = ( { subnet = "10.77.1.0/24"; pools = ( { first = "10.77.1.100"; last = "10.77.1.104"; } ); } );
metrics_listen = "127.0.0.1:9402";
CONF
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1:53" ];
upstreams = [ "10.77.1.2" ];
control_socket = "$T/dnsd.sock";
metrics_listen = "127.0.0.1:9403";
CONF
np_bg srv "$arpd" -c "$T/arpd.conf" 2>"$T/arpd.log"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>"$T/dhcpd.log"
np_bg srv "$dnsd" -c "$T/dnsd.conf" 2>"$T/dnsd.log"
for d in arpd dhcpd dnsd; do
	np_wait 5 test -S "$T/$d.sock" || np_fail "np-$d did not start: $(cat "$T/$d.log")"
done

# One query so np-dnsd's counters move (no upstream answers: SERVFAIL is fine).
np_in cli dig +time=2 +tries=1 @10.77.0.1 -b 10.77.0.2 www.example.net A >/dev/null 2>&1 || true

scrape() {  # scrape PORT FILE: HTTP status
	np_in srv curl -sS --max-time 3 -o "$2" -w '%{http_code}' "http://127.0.0.1:$1/metrics"
}
expect() {  # expect PORT NAME SAMPLE-REGEX
	code=$(scrape "$1" "$T/$2.prom")
	[ "$code" = 200 ] || np_fail "$2: metrics_listen answered $code: $(cat "$T/$2.log")"
	grep -Eq "$3" "$T/$2.prom" || np_fail "$2: no '$3' in the scrape: $(head -20 "$T/$2.prom")"
	np_log "ok: $2 metrics has $3"
}
expect 9401 arpd '^np_arpd_pkt_received [0-9]+$'
expect 9402 dhcpd '^np_dhcpd_pkt4_received [0-9]+$'
expect 9403 dnsd '^np_dnsd_num_query_type_A [1-9][0-9]*$'
# The scrape counts itself among the endpoint's connections in every daemon.
for d in arpd dhcpd dnsd; do
	grep -Eq "^np_${d}_(control|metrics)_accepted [0-9]+$" "$T/$d.prom" ||
		np_fail "$d: no connection counters in the scrape"
done

# The same counters on the control socket.
"$NPCTL" -s "$T/dnsd.sock" -t 3 dnsd stats >"$T/dnsd.stats" 2>&1 || np_fail "np-ctl dnsd stats: $(cat "$T/dnsd.stats")"
grep -q "num.query.type.A" "$T/dnsd.stats" || np_fail "np-ctl stats lacks num.query.type.A: $(cat "$T/dnsd.stats")"

# One reload rule: metrics_listen takes effect on restart only, FILE:LINE named.
for d in arpd dhcpd dnsd; do
	sed -i 's/127.0.0.1:94\(0[123]\)/127.0.0.1:95\1/' "$T/$d.conf"
	line=$(grep -n metrics_listen "$T/$d.conf" | cut -d: -f1)
	"$NPCTL" -s "$T/$d.sock" -t 5 "$d" reload >"$T/$d.reload" 2>&1 && np_fail "$d: reload accepted a new metrics_listen"
	grep -q "$d.conf:$line: metrics_listen takes effect on restart only" "$T/$d.reload" ||
		np_fail "$d: reload refusal: $(cat "$T/$d.reload")"
	code=$(scrape "$(grep -o '9[45]0[123]' "$T/$d.conf" | sed 's/^95/94/')" "$T/$d.after.prom")
	[ "$code" = 200 ] || np_fail "$d: the old endpoint stopped after a refused reload"
	np_log "ok: $d refuses a metrics_listen change on reload, keeps serving"
done
np_log "PASS"
