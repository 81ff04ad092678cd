#!/bin/sh
# dnsd-local.sh: np-dnsd's local zone: static records answered
# authoritatively (A, AAAA, CNAME, MX, TXT, SRV, automatic PTRs),
# NXDOMAIN/NODATA with the zone's SOA, never forwarded (NSD holds a decoy
# "lan." zone); RFC 2136 updates with nsupdate from an update_acl address
# (added and deleted live, forward and reverse) and refused from another.
. "$(dirname "$0")/dnsd-lib.sh"
command -v nsupdate >/dev/null 2>&1 || np_skip_or_fail "nsupdate not installed"

dnsd_lab
nsd_start lan
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
local_zone = "lan.";
records = (
  "printer.lan. 300 IN A 10.77.0.50",
  "nas.lan. IN AAAA 2001:db8::50",
  "files.lan. IN CNAME printer.lan.",
  "lan. IN MX 10 printer.lan.",
  "lan. IN TXT \"netproto office\"",
  "_ipp._tcp.lan. IN SRV 0 0 631 printer.lan."
);
update_acl = [ "10.77.0.2" ];
control_socket = "$T/ctl.sock";
CONF
dnsd_start
sent0=$(stat upstream.sent)

has() { grep -Eq "$2" "$1"; }
aa() { grep -E '^;; flags:' "$1" | grep -q ' aa'; }

q printer.lan A >"$T/a"
check "local A" has "$T/a" 'printer\.lan\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.0\.50'
check "local A: authoritative (AA)" aa "$T/a"
q nas.lan AAAA >"$T/aaaa"
check "local AAAA" has "$T/aaaa" 'AAAA[[:space:]]+2001:db8::50'
q files.lan A >"$T/cname"
check "local CNAME followed" sh -c "grep -Eq 'CNAME[[:space:]]+printer\.lan\.' '$T/cname' && grep -Eq 'A[[:space:]]+10\.77\.0\.50' '$T/cname'"
q lan MX >"$T/mx"
check "local MX" has "$T/mx" 'MX[[:space:]]+10 printer\.lan\.'
q lan TXT >"$T/txt"
check "local TXT" has "$T/txt" '"netproto office"'
q _ipp._tcp.lan SRV >"$T/srv"
check "local SRV" has "$T/srv" 'SRV[[:space:]]+0 0 631 printer\.lan\.'
q -x 10.77.0.50 >"$T/ptr"
check "automatic PTR" has "$T/ptr" 'PTR[[:space:]]+printer\.lan\.'
q www.lan A >"$T/nx"
check "local NXDOMAIN (not forwarded to NSD's decoy lan.)" sh -c "grep -q 'status: NXDOMAIN' '$T/nx' && grep -Eq '^lan\..*SOA' '$T/nx'"
check "local NXDOMAIN: authoritative" aa "$T/nx"
q printer.lan MX >"$T/nodata"
check "local NODATA with SOA" sh -c "grep -q 'status: NOERROR' '$T/nodata' && grep -q 'ANSWER: 0,' '$T/nodata' && grep -Eq '^lan\..*SOA' '$T/nodata'"
check "nothing of lan. or its reverse zone forwarded" [ "$(stat upstream.sent)" = "$sent0" ]

# RFC 2136 with nsupdate ("local" picks the source address).
upd() {
	_src=$1
	shift
	{
		echo "server 10.77.0.1"
		echo "local $_src"
		echo "zone lan."
		for _l in "$@"; do echo "$_l"; done
		echo "send"
	} >"$T/upd"
	np_in cli timeout 10 nsupdate -t 3 "$T/upd" >"$T/upd.out" 2>&1
}
check "nsupdate add from the allowed address" upd 10.77.0.2 "update add laptop.lan. 300 A 10.77.0.61"
q laptop.lan A >"$T/laptop"
check "added name resolves at once" has "$T/laptop" 'A[[:space:]]+10\.77\.0\.61'
q -x 10.77.0.61 >"$T/laptop-ptr"
check "added name resolves in reverse" has "$T/laptop-ptr" 'PTR[[:space:]]+laptop\.lan\.'
dnsd_ctl local-zone-dump >"$T/zone"
check "local-zone-dump shows it as dynamic" /usr/bin/python3 -c "
import json, sys
a = json.load(open('$T/zone'))['arguments']
sys.exit(0 if any(r['name'] == 'laptop.lan.' and r['dynamic'] for r in a) else 1)"
# A reload (with one more static record) keeps the published name.
sed -i 's|^records = (|records = (\n  "scanner.lan. IN A 10.77.0.51",|' "$T/dnsd.conf"
dnsd_ctl config-reload >"$T/reload"
check "reload accepted" grep -q '"result": *0' "$T/reload"
q scanner.lan A >"$T/scanner"
check "reload: new static record" has "$T/scanner" 'A[[:space:]]+10\.77\.0\.51'
q laptop.lan A >"$T/laptop2"
check "reload keeps names added by UPDATE" has "$T/laptop2" 'A[[:space:]]+10\.77\.0\.61'
q -x 10.77.0.61 >"$T/laptop-ptr2"
check "reload keeps their PTR" has "$T/laptop-ptr2" 'PTR[[:space:]]+laptop\.lan\.'
if upd 10.77.0.3 "update add evil.lan. 300 A 10.77.0.66"; then
	np_fail "nsupdate from a refused address succeeded"
fi
check "nsupdate from another address: REFUSED" grep -q 'REFUSED' "$T/upd.out"
q evil.lan A >"$T/evil"
check "refused update not applied" grep -q 'status: NXDOMAIN' "$T/evil"
check "refused update counted" [ "$(stat updates.refused)" -ge 1 ]
if upd 10.77.0.2 "prereq nxdomain laptop.lan." "update add laptop.lan. 300 A 10.77.0.62"; then
	np_fail "prerequisite 'name not in use' passed for an existing name"
fi
check "nsupdate: prerequisite 'name not in use' fails (YXDOMAIN)" grep -q 'YXDOMAIN' "$T/upd.out"
upd 10.77.0.2 "update delete laptop.lan. A" || cat "$T/upd.out" >&2
check "nsupdate delete" upd 10.77.0.2 "update delete laptop.lan. A"
q laptop.lan A >"$T/gone"
check "deleted name is NXDOMAIN" grep -q 'status: NXDOMAIN' "$T/gone"
q -x 10.77.0.61 >"$T/gone-ptr"
check "deleted name's PTR gone" sh -c "! grep -q 'PTR[[:space:]]*laptop' '$T/gone-ptr'"
dnsd_alive
np_log "PASS"
