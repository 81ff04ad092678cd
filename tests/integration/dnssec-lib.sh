# dnssec-lib.sh: a signed DNS hierarchy, built at test time, for validating
# resolvers (sourced after netns.sh).
#
#   . "$(dirname "$0")/netns.sh"; . "$(dirname "$0")/dnssec-lib.sh"
#   dnssec_build DIR            # keys, signed zones, anchors, the names list
#   dnssec_nsd_start NS ADDR    # NSD in namespace NS serving every zone on ADDR
#   dnssec_unbound_start NS ADDR   # the reference: a validating Unbound on ADDR
#   DNSSEC_CLIENT=cli dnssec_verdicts ADDR   # "NAME TYPE VERDICT RCODE AD CD-RCODE"
#
# The hierarchy: the root "." (ECDSAP256SHA256, KSK + ZSK, NSEC) delegates
# net., which delegates these (each zone: an SOA, an NS, www A):
#   example.net.      secure: A, AAAA, TXT, MX, a wildcard *.wild, a CNAME
#                     inside the zone and one to insecure.net; with
#                     DNSSEC_BULK=N also c1..cN A (the cold-cache benchmark)
#   expired.net.      signatures expired a year ago                bogus
#   notyet.net.       signatures whose inception is a month ahead  bogus
#   badsig.net.       www's A RRSIG has one bit flipped            bogus
#                     (ok.badsig.net. A is intact: secure)
#   nokey.net.        signed, DS at the parent, no DNSKEY RRset    bogus
#   wrongds.net.      the parent's DS matches no key of the zone   bogus
#   unsupported.net.  keys and signatures of algorithm 253 (PRIVATEDNS),
#                     DS of algorithm 253: no validator implements it,
#                     so insecure (RFC 4035 §5.2, RFC 6840 §5.2)
#   nsec3.net.        NSEC3 with opt-out, delegating unsigned.nsec3.net.
#                     without a DS (insecure under an opt-out span)
#   insecure.net.     delegated without a DS (net.'s NSEC proves it)  insecure
#   ed25519.net., rsa.net. (RSASHA256), p384.net. (ECDSAP384SHA384)  secure
#   keytrap.net.      RSASHA256; its DNSKEY RRset holds DNSSEC_KEYTRAP_KEYS
#                     (default 100) more keys sharing the ZSK's key tag, and
#                     trap.keytrap.net. A carries DNSSEC_KEYTRAP_SIGS (100)
#                     RRSIGs claiming that tag with random signature bits:
#                     a validator that tries every key for every signature
#                     does keys x signatures RSA operations (CVE-2023-50387)
#                     and the answer is bogus.  So does *.trap.keytrap.net.,
#                     a wildcard: every name under it is a fresh validation.
#
# How the bad material is made (dnssec-craft.py, dnspython): every valid
# signature comes from ldns-signzone; the craft then flips a bit of one
# signature, removes the DNSKEY RRset, relabels keys and signatures as
# algorithm 253 with their key tags recomputed, writes a DS for a key that
# is not in the zone, or adds RSA keys whose modulus differs in two bytes of
# the same parity (+d and -d), which leaves the key tag, a 16-bit sum of the
# RDATA's words (RFC 4034 App. B), unchanged; no key search is needed.
#
# The upstream: one NSD serving every zone.  A forwarding validator sends
# every question (DS, DNSKEY, the data) to its upstream with RD and expects
# the final answer, never a referral.  NSD authoritative for a parent and
# its child answers each from the right side of the cut: DS (and the
# NSEC/NSEC3 proving there is none) from the parent (RFC 4035 §3.1.4.1),
# DNSKEY and the data from the child, so every answer is authoritative and
# complete.  NSD per zone level behind an Unbound iterator (validation off)
# would give the same answers through one more cache, with more moving
# parts; the delegations (NS, glue, DS) are in the parents all the same, so
# delv and drill -S, which ask one server for each link, walk the same chain.
#
# After dnssec_build:
#   DNSSEC_ANCHOR_DS      the root's DS line (". 3600 IN DS ...")
#   DNSSEC_ANCHOR_DNSKEY  the root's KSK line (". 3600 IN DNSKEY 257 ...")
#   $DNSSEC_DIR/root.ds, root.dnskey, root.delv (delv -a), names
# names: "NAME TYPE EXPECTED-VERDICT EXPECTED-RCODE [NOTE]" per line, the
# rcode the data has (for a bogus name: what +cd gets).  Notes: delv=VERDICT
# where delv judges otherwise: it does not chase a CNAME out of the zone so
# judges only the CNAME, and it calls an NXDOMAIN proven by an opt-out
# NSEC3 secure where Unbound does not (the next closer name may be an
# unsigned delegation, RFC 5155 §9.2); nodrill where drill -S cannot judge (it tries one key per
# key tag, so colliding tags fail it).
# After dnssec_nsd_start: DNSSEC_UPSTREAM (its address), DNSSEC_NSD_PID.

DNSSEC_LIB_DIR=${DNSSEC_LIB_DIR:-$(dirname "$0")}
DNSSEC_CRAFT="/usr/bin/python3 $DNSSEC_LIB_DIR/dnssec-craft.py"
DNSSEC_KEYTRAP_KEYS=${DNSSEC_KEYTRAP_KEYS:-100}
DNSSEC_KEYTRAP_SIGS=${DNSSEC_KEYTRAP_SIGS:-100}
DNSSEC_BULK=${DNSSEC_BULK:-0}
# Every zone's NS, and its glue: the address NSD will answer on.
DNSSEC_NS_ADDR=${DNSSEC_NS_ADDR:-10.77.1.2}

dnssec_need_tools() {
	for _p in ldns-keygen ldns-signzone ldns-key2ds nsd dig; do
		command -v $_p >/dev/null 2>&1 || np_skip_or_fail "$_p not installed"
	done
	/usr/bin/python3 -c 'import dns.dnssec' 2>/dev/null || np_skip_or_fail "python3-dnspython not installed"
}

# _dz_head ZONE: a zone's SOA, NS and the name server's address.
_dz_head() {
	printf '$ORIGIN %s\n$TTL 3600\n' "$1"
	printf '@\tIN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@\tIN NS ns1\nns1\tIN A %s\n' "$DNSSEC_NS_ADDR"
	printf 'www\tIN A 10.77.9.%d\n' "$(printf '%s' "$1" | cksum | awk '{print $1 % 250 + 1}')"
}

# _dz_delegate PARENT CHILD [DS-FILE]: NS, glue and DS lines for the parent.
_dz_delegate() {
	printf '%s\tIN NS ns1.%s\nns1.%s\tIN A %s\n' "$2" "$2" "$2" "$DNSSEC_NS_ADDR" >>"$DNSSEC_DIR/$1.zone"
	[ -n "${3:-}" ] && cat "$3" >>"$DNSSEC_DIR/$1.zone"
	DNSSEC_ZONES="$DNSSEC_ZONES ${2%.}"
}

# _dz_keys ZONE ALG [BITS]: a KSK and a ZSK; their base names in KSK, ZSK.
_dz_keys() {
	_b=""
	[ -n "${3:-}" ] && _b="-b $3"
	KSK=$DNSSEC_DIR/keys/$(cd "$DNSSEC_DIR/keys" && ldns-keygen -a "$2" $_b -k "$1") || np_fail "ldns-keygen $1"
	ZSK=$DNSSEC_DIR/keys/$(cd "$DNSSEC_DIR/keys" && ldns-keygen -a "$2" $_b "$1") || np_fail "ldns-keygen $1"
}

# _dz_sign ZONE [ldns-signzone options]: $ZONE.zone -> $ZONE.signed with KSK, ZSK;
# the DS for the parent in $ZONE.ds.
_dz_sign() {
	_z=$1
	shift
	ldns-signzone "$@" -o "$_z" -f "$DNSSEC_DIR/$_z.signed" "$DNSSEC_DIR/$_z.zone" "$ZSK" "$KSK" ||
		np_fail "ldns-signzone $_z"
	ldns-key2ds -n -2 "$KSK.key" >"$DNSSEC_DIR/$_z.ds" || np_fail "ldns-key2ds $_z"
}

# _dz_secure ZONE ALG [BITS [ldns-signzone options]]: a plain signed child of net.
_dz_secure() {
	_zz=$1 _alg=$2 _bits=${3:-}
	shift 2
	[ $# -ge 1 ] && shift
	_dz_head "$_zz." >"$DNSSEC_DIR/$_zz.zone"
	_dz_keys "$_zz." "$_alg" "$_bits"
	_dz_sign "$_zz" "$@"
}

dnssec_build() {
	DNSSEC_DIR=$1
	DNSSEC_ZONES=""
	mkdir -p "$DNSSEC_DIR/keys" || np_fail "mkdir $DNSSEC_DIR"
	_d=$DNSSEC_DIR
	_now=$(date -u +%s)
	_day=86400

	# --- the children of net. ---------------------------------------------
	_dz_head example.net. >"$_d/example.net.zone"
	cat >>"$_d/example.net.zone" <<'ZONE'
www	IN AAAA 2001:db8::80
@	IN TXT "netproto dnssec lab"
@	IN MX 10 mail
mail	IN A 10.77.9.25
*.wild	IN A 10.77.9.90
alias	IN CNAME www
toinsecure	IN CNAME www.insecure.net.
ZONE
	_i=1
	while [ "$_i" -le "$DNSSEC_BULK" ]; do
		printf 'c%d\tIN A 10.78.%d.%d\n' "$_i" $((_i / 250)) $((_i % 250 + 1))
		_i=$((_i + 1))
	done >>"$_d/example.net.zone"
	_dz_keys example.net. ECDSAP256SHA256
	_dz_sign example.net

	# Signatures valid only in the past, and only in the future.
	_zn=expired.net
	_dz_secure $_zn ECDSAP256SHA256 "" -i $((_now - 400 * _day)) -e $((_now - 365 * _day))
	_zn=notyet.net
	_dz_secure $_zn ECDSAP256SHA256 "" -i $((_now + 30 * _day)) -e $((_now + 60 * _day))

	_zn=badsig.net
	_dz_head badsig.net. >"$_d/$_zn.zone"
	printf 'ok\tIN A 10.77.9.200\n' >>"$_d/$_zn.zone"
	_dz_keys $_zn. ECDSAP256SHA256
	_dz_sign $_zn
	$DNSSEC_CRAFT flip "$_d/$_zn.signed" www.badsig.net. A || np_fail "flip badsig"

	_zn=nokey.net
	_dz_secure $_zn ECDSAP256SHA256
	$DNSSEC_CRAFT strip "$_d/$_zn.signed" nokey.net. || np_fail "strip nokey"

	# A DS for a key the zone never published.
	_zn=wrongds.net
	_dz_secure $_zn ECDSAP256SHA256
	_other=$(cd "$_d/keys" && ldns-keygen -a ECDSAP256SHA256 -k wrongds.net.) || np_fail "ldns-keygen"
	ldns-key2ds -n -2 "$_d/keys/$_other.key" >"$_d/$_zn.ds" || np_fail "ldns-key2ds"

	_zn=unsupported.net
	_dz_secure $_zn ECDSAP256SHA256
	$DNSSEC_CRAFT realg "$_d/$_zn.signed" unsupported.net. 253 || np_fail "realg"
	$DNSSEC_CRAFT ds unsupported.net. "$_d/$_zn.signed" >"$_d/$_zn.ds" || np_fail "ds unsupported"

	# NSEC3 with opt-out over an unsigned delegation (RFC 5155 §6).
	_zn=nsec3.net
	_dz_head nsec3.net. >"$_d/$_zn.zone"
	printf 'unsigned\tIN NS ns1.unsigned\nns1.unsigned\tIN A %s\n' "$DNSSEC_NS_ADDR" >>"$_d/$_zn.zone"
	_dz_keys $_zn. ECDSAP256SHA256
	_dz_sign $_zn -n -p -t 0 -s 00ff
	_dz_head unsigned.nsec3.net. >"$_d/unsigned.nsec3.net.signed"
	DNSSEC_ZONES="$DNSSEC_ZONES unsigned.nsec3.net"

	_dz_head insecure.net. >"$_d/insecure.net.signed"

	_zn=ed25519.net
	_dz_secure $_zn ED25519
	_zn=rsa.net
	_dz_secure $_zn RSASHA256 2048
	_zn=p384.net
	_dz_secure $_zn ECDSAP384SHA384

	# KeyTrap: keys colliding with the ZSK's tag, in the signed DNSKEY RRset.
	_zn=keytrap.net
	_dz_head keytrap.net. >"$_d/$_zn.zone"
	printf 'trap\tIN A 10.77.9.66\n*.trap\tIN A 10.77.9.67\n' >>"$_d/$_zn.zone"
	_dz_keys $_zn. RSASHA256 2048
	cat "$ZSK.key" >>"$_d/$_zn.zone"
	$DNSSEC_CRAFT collide "$ZSK.key" "$DNSSEC_KEYTRAP_KEYS" >>"$_d/$_zn.zone" || np_fail "collide"
	_dz_sign $_zn
	_tag=$($DNSSEC_CRAFT keytag "$ZSK.key")
	for _o in trap.keytrap.net. '*.trap.keytrap.net.'; do
		$DNSSEC_CRAFT forge "$_d/$_zn.signed" "$_o" A "$_tag" "$DNSSEC_KEYTRAP_SIGS" || np_fail "forge"
	done

	# --- net. and the root -----------------------------------------------------
	_dz_head net. >"$_d/net.zone"
	for _c in example expired notyet badsig nokey wrongds unsupported nsec3 ed25519 rsa p384 keytrap; do
		_dz_delegate net "$_c.net." "$_d/$_c.net.ds"
	done
	_dz_delegate net insecure.net.
	_dz_keys net. ECDSAP256SHA256
	_dz_sign net

	_dz_head . >"$_d/root.zone"
	_dz_delegate root net. "$_d/net.ds"
	_dz_keys . ECDSAP256SHA256
	ldns-signzone -o . -f "$_d/root.signed" "$_d/root.zone" "$ZSK" "$KSK" || np_fail "ldns-signzone ."
	ldns-key2ds -n -2 "$KSK.key" >"$_d/root.ds" || np_fail "ldns-key2ds ."
	DNSSEC_ZONES="$DNSSEC_ZONES ."
	awk '{print $1, 3600, "IN", "DNSKEY", $4, $5, $6, $7}' "$KSK.key" | sed 's/;.*//' >"$_d/root.dnskey"
	DNSSEC_ANCHOR_DS=$(awk '{print $1, $2, $3, $4, $5, $6, $7, $8}' "$_d/root.ds")
	DNSSEC_ANCHOR_DNSKEY=$(cat "$_d/root.dnskey")
	awk '{printf "trust-anchors {\n\t\".\" static-ds %s %s %s \"%s\";\n};\n", $5, $6, $7, $8}' \
		"$_d/root.ds" >"$_d/root.delv"
	[ -n "$DNSSEC_ANCHOR_DS" ] || np_fail "no root DS"

	cat >"$_d/names" <<'NAMES'
. SOA secure NOERROR
. DNSKEY secure NOERROR
nosuch. A secure NXDOMAIN
net. DNSKEY secure NOERROR
example.net. DS secure NOERROR
www.example.net. A secure NOERROR
www.example.net. AAAA secure NOERROR
example.net. TXT secure NOERROR
example.net. MX secure NOERROR
www.example.net. TXT secure NOERROR
nosuch.example.net. A secure NXDOMAIN
a.wild.example.net. A secure NOERROR
alias.example.net. A secure NOERROR
toinsecure.example.net. A insecure NOERROR delv=secure
www.insecure.net. A insecure NOERROR
insecure.net. DS secure NOERROR
www.expired.net. A bogus NOERROR
www.notyet.net. A bogus NOERROR
www.badsig.net. A bogus NOERROR
ok.badsig.net. A secure NOERROR
www.nokey.net. A bogus NOERROR
www.wrongds.net. A bogus NOERROR
www.unsupported.net. A insecure NOERROR
www.nsec3.net. A secure NOERROR
www.nsec3.net. TXT secure NOERROR
nosuch.nsec3.net. A insecure NXDOMAIN delv=secure
www.unsigned.nsec3.net. A insecure NOERROR
www.ed25519.net. A secure NOERROR
www.rsa.net. A secure NOERROR
www.p384.net. A secure NOERROR
www.keytrap.net. A secure NOERROR nodrill
trap.keytrap.net. A bogus NOERROR nodrill
x.trap.keytrap.net. A bogus NOERROR nodrill
NAMES
}

# dnssec_nsd_start NS ADDR: NSD in namespace NS on ADDR with every zone.
dnssec_nsd_start() {
	_d=$DNSSEC_DIR
	cat >"$_d/nsd.conf" <<CONF
server:
	ip-address: $2
	port: 53
	server-count: 1
	# Debian builds NSD with response rate limiting: off, the resolvers
	# under test ask from one address.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	pidfile: "$_d/nsd.pid"
	database: ""
	zonelistfile: "$_d/zone.list"
	xfrdfile: "$_d/xfrd.state"
	username: ""
	chroot: ""
	logfile: "$_d/nsd.log"
	verbosity: 1
CONF
	for _z in $DNSSEC_ZONES; do
		_f=$_z.signed
		[ "$_z" = . ] && _f=root.signed
		_z=${_z%.}
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "${_z:-.}" "$_d/$_f" >>"$_d/nsd.conf"
	done
	np_bg "$1" nsd -d -c "$_d/nsd.conf"
	DNSSEC_NSD_PID=$NP_BG_PID
	DNSSEC_UPSTREAM=$2
	np_wait 10 np_in "$1" dig +short +time=1 +tries=1 @"$2" www.example.net A >/dev/null ||
		np_fail "NSD did not start: $(cat "$_d/nsd.log" 2>/dev/null)"
	# Every zone loaded: its SOA answered with authority.
	for _z in $DNSSEC_ZONES; do
		np_in "$1" dig +norec +time=2 +tries=1 @"$2" "$_z" SOA | grep -q 'flags: qr aa' ||
			np_fail "NSD does not serve $_z: $(tail -5 "$_d/nsd.log")"
	done
}

# dnssec_unbound_conf FILE ADDR [VALIDATE]: Unbound on ADDR forwarding to
# the upstream, one thread; validating against the root's DS unless
# VALIDATE is "off".
dnssec_unbound_conf() {
	_mods='"validator iterator"'
	_ta="trust-anchor: \"$DNSSEC_ANCHOR_DS\""
	if [ "${3:-on}" = off ]; then
		_mods='"iterator"'
		_ta=""
	fi
	cat >"$1" <<CONF
server:
	interface: $2
	port: 53
	num-threads: 1
	module-config: $_mods
	$_ta
	access-control: 0.0.0.0/0 allow
	username: ""
	chroot: ""
	directory: "$DNSSEC_DIR"
	pidfile: "$1.pid"
	logfile: "$1.log"
	use-syslog: no
	verbosity: 1
	val-log-level: 2
	do-not-query-localhost: no
	qname-minimisation: no
	msg-cache-size: 64m
	rrset-cache-size: 128m
	key-cache-size: 16m
remote-control:
	control-enable: no
forward-zone:
	name: "."
	forward-addr: $DNSSEC_UPSTREAM
CONF
}

# dnssec_unbound_start NS ADDR: the reference validator; pid in DNSSEC_UNBOUND_PID.
dnssec_unbound_start() {
	dnssec_unbound_conf "$DNSSEC_DIR/unbound-$2.conf" "$2"
	unbound-checkconf "$DNSSEC_DIR/unbound-$2.conf" >/dev/null || np_fail "unbound config rejected"
	np_bg "$1" unbound -d -c "$DNSSEC_DIR/unbound-$2.conf"
	DNSSEC_UNBOUND_PID=$NP_BG_PID
	np_wait 10 np_in "${DNSSEC_CLIENT:-$1}" dig +time=1 +tries=1 @"$2" . SOA >/dev/null ||
		np_fail "Unbound did not answer on $2: $(tail -5 "$DNSSEC_DIR/unbound-$2.conf.log")"
}

# dnssec_verdicts ADDR [NAMES-FILE]: ask the resolver at ADDR (from namespace
# $DNSSEC_CLIENT, source $DNSSEC_CLIENT_SRC if set) each name with DO, and
# with CD too when it fails, and print "NAME TYPE VERDICT RCODE AD CD-RCODE":
# secure (AD set), insecure (an answer, no AD), bogus (SERVFAIL, and the
# data with CD: RFC 4035 §3.2.2), servfail (SERVFAIL with CD too) or
# timeout.  Two resolvers agree when these lines are equal.
dnssec_verdicts() {
	np_in "${DNSSEC_CLIENT:-cli}" /usr/bin/python3 - "$1" "${2:-$DNSSEC_DIR/names}" "${DNSSEC_CLIENT_SRC:-}" <<'PY'
import sys
import dns.exception, dns.flags, dns.message, dns.query, dns.rcode
addr, names, src = sys.argv[1], sys.argv[2], sys.argv[3] or None

def ask(name, rtype, cd):
    q = dns.message.make_query(name, rtype, want_dnssec=True, payload=1232)
    if cd:
        q.flags |= dns.flags.CD
    try:
        r, _ = dns.query.udp_with_fallback(q, addr, timeout=8, source=src)
        return r
    except (dns.exception.Timeout, OSError):
        return None

for line in open(names):
    f = line.split()
    if len(f) < 2:
        continue
    r = ask(f[0], f[1], False)
    if r is None:
        print(f[0], f[1], "timeout", "-", "-", "-")
        continue
    rc, ad, cdrc = dns.rcode.to_text(r.rcode()), int(bool(r.flags & dns.flags.AD)), "-"
    if r.rcode() == dns.rcode.SERVFAIL:
        c = ask(f[0], f[1], True)
        cdrc = dns.rcode.to_text(c.rcode()) if c is not None else "timeout"
        verdict = "servfail" if c is None or c.rcode() == dns.rcode.SERVFAIL else "bogus"
    else:
        verdict = "secure" if ad else "insecure"
    print(f[0], f[1], verdict, rc, ad, cdrc, flush=True)
PY
}

# dnssec_expected: the names file as the lines dnssec_verdicts prints for a
# resolver that validates as the hierarchy was built to be judged.
dnssec_expected() {
	awk '{ if ($3 == "bogus") print $1, $2, "bogus", "SERVFAIL", 0, $4
	       else print $1, $2, $3, $4, ($3 == "secure"), "-" }' "${1:-$DNSSEC_DIR/names}"
}

# dnssec_keytrap_load ADDR PID [N]: from $DNSSEC_CLIENT, N (default 20)
# questions for distinct names under the KeyTrap wildcard (source
# $DNSSEC_CLIENT_SRC) while a second client (source $DNSSEC_OTHER_SRC) asks
# www.example.net. A N times, one after another.  Prints "cpu_ms_per_query=X
# trap_answered=A/N other_answered=B/N": the resolver's CPU (utime + stime
# of PID) over the run, per KeyTrap question, and how many questions each
# client got answered within 5 s.
dnssec_keytrap_load() {
	_hz=$(getconf CLK_TCK)
	_c0=$(awk '{print $14 + $15}' "/proc/$2/stat")
	_r=$(np_in "${DNSSEC_CLIENT:-cli}" /usr/bin/python3 - "$1" "${3:-20}" "${DNSSEC_CLIENT_SRC:-}" "${DNSSEC_OTHER_SRC:-}" <<'PY'
import sys, threading, os
import dns.exception, dns.message, dns.query, dns.rcode
addr, n, src, other = sys.argv[1], int(sys.argv[2]), sys.argv[3] or None, sys.argv[4] or None
tag = os.urandom(4).hex()
res = {"trap": 0, "other": 0}
lock = threading.Lock()

def ask(name, source):
    q = dns.message.make_query(name, "A", want_dnssec=True, payload=1232)
    try:
        r, _ = dns.query.udp_with_fallback(q, addr, timeout=5, source=source)
        return r.rcode() in (dns.rcode.NOERROR, dns.rcode.SERVFAIL, dns.rcode.NXDOMAIN)
    except (dns.exception.Timeout, OSError):
        return False

def trap(i):
    if ask("k%s-%d.trap.keytrap.net" % (tag, i), src):
        with lock:
            res["trap"] += 1

ts = [threading.Thread(target=trap, args=(i,)) for i in range(n)]
for t in ts:
    t.start()
for i in range(n):
    q = dns.message.make_query("www.example.net", "A", want_dnssec=True)
    try:
        r, _ = dns.query.udp_with_fallback(q, addr, timeout=5, source=other)
        if r.rcode() == dns.rcode.NOERROR and r.answer:
            res["other"] += 1
    except (dns.exception.Timeout, OSError):
        pass
for t in ts:
    t.join()
print("%d %d" % (res["trap"], res["other"]))
PY
)
	_c1=$(awk '{print $14 + $15}' "/proc/$2/stat")
	echo "$_c0 $_c1 $_hz ${3:-20} $_r" | awk '{printf "cpu_ms_per_query=%.1f trap_answered=%d/%d other_answered=%d/%d\n",
		($2 - $1) * 1000 / $3 / $4, $5, $4, $6, $4}'
}
