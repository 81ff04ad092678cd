#!/bin/sh
# dnssec-hierarchy.sh: the signed hierarchy of dnssec-lib.sh (a root, net.,
# example.net. and the broken zones, signed at test time, served by NSD) is
# what it claims to be, judged by three validators nobody on this project
# wrote, and np-dnsd passes its DNSSEC records through to validating stubs.
#
#   cli 10.77.0.2, .3 --- srv: np-dnsd 10.77.0.1, Unbound 10.77.0.53 --- up: NSD 10.77.1.2
#
# 1. Unbound (validator + iterator, the local root's DS as its trust anchor,
#    forwarding to NSD, one thread): every name's verdict, rcode and AD are
#    the ones the names list expects (secure: AD; insecure: no AD; bogus:
#    SERVFAIL, and the data with +cd).
# 2. delv (the root's DS in its anchor file), asking NSD: the same verdict
#    for every name; drill -S (the root's KSK), asking NSD over TCP: the
#    chase succeeds for secure names and fails for bogus ones.
# 3. np-dnsd as a forwarder to NSD: dig +dnssec gets the RRSIGs; delv
#    through np-dnsd gives every name the verdict it gets asking NSD; no
#    answer carries AD and no bogus name is refused (pass-through).
# 4. KeyTrap (many keys sharing one tag, many signatures claiming it): the
#    resolver's CPU per question stays under DNSSEC_KEYTRAP_MAX_MS (50 ms)
#    and another client keeps getting answers, for Unbound and np-dnsd.
#    Each question is a new name under the KeyTrap wildcard: 101 keys share
#    the tag its 100 signatures claim, so a validator that tries them all
#    does 10,100 RSA-2048 verifications, about 200 ms of CPU at the 21 us
#    each `openssl speed rsa2048` gives here; Unbound takes about 3 ms.
# 5. When np-dnsd accepts dnssec = "validate" (np-dnsd -t), a second np-dnsd
#    validating against the same anchor gives every name Unbound's verdict
#    (compare_verdicts), and passes the KeyTrap check too.
. "$(dirname "$0")/dnsd-lib.sh"
. "$(dirname "$0")/dnssec-lib.sh"

dnssec_need_tools
for p in unbound unbound-checkconf delv drill; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

dnsd_lab
np_addr srv eth0 10.77.0.53/24
np_addr srv eth0 10.77.0.54/24
# delv and drill in cli ask NSD directly too: srv routes between the links.
np_in srv sysctl -qw net.ipv4.ip_forward=1
np_in cli ip route add 10.77.1.0/24 via 10.77.0.1
np_in up ip route add 10.77.0.0/24 via 10.77.1.1
DNSSEC_CLIENT=cli
DNSSEC_CLIENT_SRC=10.77.0.2
DNSSEC_OTHER_SRC=10.77.0.3
KEYTRAP_MAX_MS=${DNSSEC_KEYTRAP_MAX_MS:-50}

dnssec_build "$T/h"
names=$T/h/names
dnssec_nsd_start up 10.77.1.2
dnssec_unbound_start srv 10.77.0.53
UNBOUND_PID=$DNSSEC_UNBOUND_PID
np_log "root trust anchor: $DNSSEC_ANCHOR_DS"

# compare_verdicts ADDR: the resolver's "NAME TYPE VERDICT RCODE AD CD-RCODE"
# lines, diffed against Unbound's (taken once, below).
compare_verdicts() {
	dnssec_verdicts "$1" >"$T/verdicts-$1"
	if ! diff -u "$T/verdicts-unbound" "$T/verdicts-$1" >"$T/diff-$1"; then
		np_log "verdicts differ, Unbound (-) and $1 (+):"
		cat "$T/diff-$1" >&2
		return 1
	fi
}

# 1. Unbound's verdicts are the ones the hierarchy was built to get.
dnssec_verdicts 10.77.0.53 >"$T/verdicts-unbound"
dnssec_expected >"$T/expected"
if ! diff -u "$T/expected" "$T/verdicts-unbound" >&2; then
	tail -30 "$T/h/unbound-10.77.0.53.conf.log" >&2
	np_fail "Unbound's verdicts differ from the hierarchy's (expected -, Unbound +)"
fi
np_log "ok: Unbound: $(wc -l <"$T/verdicts-unbound") names, each with the verdict expected" \
	"($(awk '{print $3}' "$T/verdicts-unbound" | sort | uniq -c | tr -s ' ' | tr '\n' ','))"

# 2. delv and drill, each asking NSD for every link of the chain.
# delv_verdict ADDR NAME TYPE: secure, insecure or bogus as delv reports it.
delv_verdict() {
	np_in cli timeout 20 delv -a "$T/h/root.delv" @"$1" -b 10.77.0.2 "$2" "$3" >"$T/delv.out" 2>&1
	if grep -q '^; \(negative response, \)\?fully validated' "$T/delv.out"; then echo secure
	elif grep -q '^; \(negative response, \)\?unsigned answer' "$T/delv.out"; then echo insecure
	elif grep -q 'resolution failed\|validation failed\|no valid' "$T/delv.out"; then echo bogus
	else echo "unknown: $(head -3 "$T/delv.out" | tr '\n' ' ')"
	fi
}
delv_all() {  # delv_all ADDR LABEL
	_bad=0
	while read -r n t v _rc note; do
		case "${note:-}" in delv=*) v=${note#delv=} ;; esac
		got=$(delv_verdict "$1" "$n" "$t")
		if [ "$got" != "$v" ]; then
			np_log "delv via $2: $n $t: $got, expected $v"
			sed 's/^/    /' "$T/delv.out" | head -8 >&2
			_bad=$((_bad + 1))
		fi
	done <"$names"
	return $_bad
}
check "delv asking NSD: every name's verdict as expected" delv_all 10.77.1.2 NSD
drill_all() {
	_bad=0 _n=0
	while read -r n t v _rc note; do
		[ "${note:-}" = nodrill ] && continue
		case $v in secure) want='Chase successful' ;; bogus) want='Chase failed' ;; *) continue ;; esac
		_n=$((_n + 1))
		np_in cli timeout 20 drill -t -S -k "$T/h/root.dnskey" @10.77.1.2 "$n" "$t" >"$T/drill.out" 2>&1
		if ! grep -q "$want" "$T/drill.out"; then
			np_log "drill -S: $n $t: expected '$want'"
			tail -4 "$T/drill.out" >&2
			_bad=$((_bad + 1))
		fi
	done <"$names"
	np_log "drill -S judged $_n names"
	return $_bad
}
check "drill -S asking NSD: chase succeeds for secure names, fails for bogus ones" drill_all

# 3. np-dnsd passing DNSSEC records through.
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
edns_buffer_size = 1232;
control_socket = "$T/ctl.sock";
CONF
# Once np-dnsd has a validator, this instance is the pass-through one.
cp "$T/dnsd.conf" "$T/dnsd-off.conf"
echo 'dnssec = "off";' >>"$T/dnsd-off.conf"
"$dnsd" -t -c "$T/dnsd-off.conf" >/dev/null 2>&1 && cp "$T/dnsd-off.conf" "$T/dnsd.conf"
dnsd_start
q +dnssec www.example.net A >"$T/dig-www"
check "dig +dnssec via np-dnsd: the A's RRSIG" grep -Eq '^www\.example\.net\..*RRSIG[[:space:]]+A 13 3 ' "$T/dig-www"
q +dnssec example.net DNSKEY >"$T/dig-dnskey"
check "dig +dnssec via np-dnsd: the DNSKEY RRset's RRSIG" grep -Eq 'RRSIG[[:space:]]+DNSKEY 13 2 ' "$T/dig-dnskey"
q +dnssec example.net DS >"$T/dig-ds"
check "dig +dnssec via np-dnsd: the DS (from net.) and its RRSIG" grep -Eq 'RRSIG[[:space:]]+DS 13 2 .* net\. ' "$T/dig-ds"
check "delv via np-dnsd: every name's verdict as asking NSD" delv_all 10.77.0.1 np-dnsd
dnssec_verdicts 10.77.0.1 >"$T/verdicts-passthrough"
# Pass-through: never AD, never SERVFAIL; each name's own rcode.
awk '{ print $1, $2, "insecure", $4, 0, "-" }' "$names" >"$T/expected-passthrough"
check "np-dnsd pass-through: no AD, bogus data relayed, rcodes as NSD's" \
	diff -u "$T/expected-passthrough" "$T/verdicts-passthrough"

# 4. KeyTrap: bounded CPU, other clients answered.
contains() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
keytrap_check() {  # keytrap_check LABEL ADDR PID
	_k=$(dnssec_keytrap_load "$2" "$3" 20)
	np_log "KeyTrap load on $1: $_k"
	_ms=$(echo "$_k" | sed 's/.*cpu_ms_per_query=\([0-9.]*\).*/\1/')
	check "KeyTrap on $1: the other client answered every time" contains "$_k" 'other_answered=20/20'
	check "KeyTrap on $1: every KeyTrap question answered" contains "$_k" 'trap_answered=20/20'
	check "KeyTrap on $1: $_ms ms CPU per question (bound $KEYTRAP_MAX_MS ms)" \
		awk -v m="$_ms" -v b="$KEYTRAP_MAX_MS" 'BEGIN { exit !(m <= b) }'
}
keytrap_check Unbound 10.77.0.53 "$UNBOUND_PID"
keytrap_check np-dnsd 10.77.0.1 "$DNSD_PID"
dnsd_alive

# 5. np-dnsd validating, when it can: name by name against Unbound.
{
	sed 's/10\.77\.0\.1"/10.77.0.54"/; s/ctl\.sock/ctl-v.sock/; /^dnssec = /d' "$T/dnsd.conf"
	echo 'dnssec = "validate";'
	echo "trust_anchors = [ \"$DNSSEC_ANCHOR_DS\" ];"
} >"$T/dnsd-validate.conf"
if "$dnsd" -t -c "$T/dnsd-validate.conf" >"$T/validate-t.log" 2>&1; then
	np_bg srv "$dnsd" -c "$T/dnsd-validate.conf" 2>>"$T/dnsd-v.log"
	VPID=$NP_BG_PID
	np_wait 5 np_in cli dig +time=1 +tries=1 @10.77.0.54 -b 10.77.0.2 . SOA >/dev/null ||
		np_fail "validating np-dnsd did not answer: $(cat "$T/dnsd-v.log")"
	check "np-dnsd validating: every name's verdict, rcode and AD as Unbound's" compare_verdicts 10.77.0.54
	keytrap_check "np-dnsd validating" 10.77.0.54 "$VPID"
	kill -0 "$VPID" || np_fail "validating np-dnsd died: $(tail -20 "$T/dnsd-v.log")"
else
	np_log "np-dnsd -t refuses dnssec = \"validate\" ($(head -1 "$T/validate-t.log")): verdict comparison with Unbound not run"
fi

np_log "PASS"
