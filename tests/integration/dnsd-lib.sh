# dnsd-lib.sh: the namespace lab np-dnsd's scenarios share (sourced).
#
#   cli (10.77.0.2 ... /24) --- srv: np-dnsd on 10.77.0.1 --- up (10.77.1.2 ... /24)
#
# NSD on 10.77.1.2 serves example.net. (and the zones the broken upstreams
# share with it); dnsd-responder.py plays the broken upstreams on further
# addresses of up.  dnsd_ctl COMMAND [JSON-ARGS] talks to the control socket.
set -u
. "$(dirname "$0")/netns.sh"

dnsd=${NP_BUILDDIR:-.}/daemons/dnsd/np-dnsd
responder=$(dirname "$0")/dnsd-responder.py
[ -x "$dnsd" ] || { np_log "ERROR: $dnsd not built"; exit 99; }
for p in nsd dig kdig; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
/usr/bin/python3 -c 'import dns.message' 2>/dev/null || np_skip_or_fail "python3-dnspython not installed"

dnsd_lab() {
	np_lab_init
	T=$(np_tmp)
	np_ns_add srv
	np_ns_add cli
	np_ns_add up
	np_link srv eth0 cli eth0
	np_link srv eth1 up eth0
	np_addr srv eth0 10.77.0.1/24
	np_addr srv eth1 10.77.1.1/24
	for a in 2 3 4 70 130; do np_addr cli eth0 10.77.0.$a/24; done
	for a in 2 3 4 5 6 7 8; do np_addr up eth0 10.77.1.$a/24; done
}

# nsd_start ZONE...: NSD on 10.77.1.2 with example.net and these zones.
nsd_start() {
	mkdir -p "$T/nsd"
	cat >"$T/nsd/nsd.conf" <<CONF
server:
	ip-address: 10.77.1.2
	port: 53
	pidfile: "$T/nsd/nsd.pid"
	database: ""
	zonelistfile: "$T/nsd/zone.list"
	xfrdfile: "$T/nsd/xfrd.state"
	username: ""
	chroot: ""
	logfile: "$T/nsd/nsd.log"
	verbosity: 1
CONF
	for z in example.net "$@"; do
		cat >"$T/nsd/$z.zone" <<ZONE
\$ORIGIN $z.
\$TTL 3600
@	IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@	IN NS ns1
ns1	IN A 10.77.1.2
www	IN A 10.77.1.80
www	IN AAAA 2001:db8::80
alias	IN CNAME alias2
alias2	IN CNAME www
@	IN MX 10 mail
mail	IN A 10.77.1.25
@	IN TXT "netproto lab upstream"
_http._tcp IN SRV 0 5 80 www
short	60 IN A 10.77.1.60
ZONE
		# A name with enough records that its answer exceeds 512 octets.
		for i in $(seq 1 40); do echo "big IN A 10.77.2.$i" >>"$T/nsd/$z.zone"; done
		for i in $(seq 1 12); do echo "h$i IN A 10.77.3.$i" >>"$T/nsd/$z.zone"; done
		printf 'zone:\n\tname: %s\n\tzonefile: "%s"\n' "$z" "$T/nsd/$z.zone" >>"$T/nsd/nsd.conf"
	done
	np_bg up nsd -d -c "$T/nsd/nsd.conf"
	NSD_PID=$NP_BG_PID
	np_wait 5 np_in up dig +short +time=1 +tries=1 @10.77.1.2 www.example.net A >/dev/null ||
		np_fail "NSD did not start: $(cat "$T/nsd/nsd.log" 2>/dev/null)"
}

# responder_start ADDR MODE [SPOOF_ADDR]
responder_start() {
	np_bg up /usr/bin/python3 "$responder" "$@" >>"$T/responder-$1.log" 2>&1
	np_wait 5 np_in up sh -c "ss -lnu | grep -q '$1:53 '" ||
		np_fail "responder on $1 did not start"
}

dnsd_start() {
	"$dnsd" -t -c "$T/dnsd.conf" || np_fail "config rejected"
	np_bg srv "$dnsd" -c "$T/dnsd.conf" 2>>"$T/dnsd.log"
	DNSD_PID=$NP_BG_PID
	np_wait 5 np_in cli dig +time=1 +tries=1 @10.77.0.1 -b 10.77.0.2 . SOA >/dev/null ||
		np_fail "np-dnsd did not answer: $(cat "$T/dnsd.log")"
}

dnsd_alive() {
	kill -0 "$DNSD_PID" 2>/dev/null || np_fail "np-dnsd died: $(tail -20 "$T/dnsd.log")"
}

# dnsd_ctl COMMAND [ARGS-JSON]: the answer as JSON on stdout.
dnsd_ctl() {
	np_ctl_json dnsd "$T/ctl.sock" "$1" ${2:+"$2"}
}

# stat NAME: one counter from statistic-get-all.
stat() {
	dnsd_ctl statistic-get-all | /usr/bin/python3 -c \
		"import json,sys; print(json.load(sys.stdin)['arguments'].get('$1', 'missing'))"
}

# q ARGS...: dig from the allowed client address, short timeouts.
q() { np_in cli dig +time=2 +tries=1 @10.77.0.1 -b 10.77.0.2 "$@"; }

# What a failed check leaves in the log: np-dnsd's own messages and
# statistics, and what each scripted upstream was asked.
dnsd_diagnose() {
	np_log "--- np-dnsd log (tail)"
	tail -30 "$T/dnsd.log" >&2 2>/dev/null
	np_log "--- np-dnsd statistics"
	dnsd_ctl statistic-get-all >&2 2>/dev/null
	for _l in "$T"/responder-*.log; do
		[ -f "$_l" ] || continue
		np_log "--- ${_l##*/} (tail)"
		tail -20 "$_l" >&2
	done
}

check() {
	_what=$1
	shift
	if "$@"; then
		np_log "ok: $_what"
	else
		dnsd_diagnose
		np_fail "$_what"
	fi
}
