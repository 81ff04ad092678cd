#!/bin/sh
# dnsd-dnssec.sh: DNSSEC records through np-dnsd, with NSD serving two zones
# signed at test time (ldns-keygen, ldns-signzone): example.org with NSEC,
# example.com with NSEC3.  dig +dnssec gets the RRSIGs and the DO bit back,
# from the upstream and again from the cache; dig without DO gets no
# RRSIG/NSEC; NXDOMAIN and NODATA carry the NSEC/NSEC3 proof and its RRSIGs
# (also from the cache); AD is never set; delv, trusting the zone's key,
# validates answers, denials and a wildcard expansion obtained through
# np-dnsd.  Also: a message of an unknown opcode gets NOTIMP without RA, and
# a TSIG-signed query (np-dnsd holds no keys) gets NOTAUTH with an unsigned
# TSIG saying BADKEY.
. "$(dirname "$0")/dnsd-lib.sh"

for p in ldns-keygen ldns-signzone delv; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

dnsd_lab

# sign_zone ZONE [-n]: keys in $T/keys, the signed zone in $T/nsd/ZONE.zone.signed
sign_zone() {
	_z=$1
	shift
	mkdir -p "$T/keys" "$T/nsd"
	cat >"$T/nsd/$_z.zone" <<ZONE
\$ORIGIN $_z.
\$TTL 3600
@	IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@	IN NS ns1
ns1	IN A 10.77.1.2
www	IN A 10.77.1.80
www2	IN A 10.77.1.81
alias	IN CNAME www
*.wild	IN A 10.77.1.90
ZONE
	(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$_z" >"$_z.ksk" &&
		ldns-keygen -a ECDSAP256SHA256 "$_z" >"$_z.zsk") || np_fail "ldns-keygen $_z"
	_ksk=$T/keys/$(cat "$T/keys/$_z.ksk")
	_zsk=$T/keys/$(cat "$T/keys/$_z.zsk")
	ldns-signzone "$@" -o "$_z" -f "$T/nsd/$_z.zone.signed" "$T/nsd/$_z.zone" "$_zsk" "$_ksk" ||
		np_fail "ldns-signzone $_z"
	# delv's trust anchor: the zone's KSK (RFC 4035 §4.2 trust anchor).
	awk -v z="$_z." '$3 == "DNSKEY" && $4 == 257 {
		key = ""; for (i = 7; i <= NF && $i !~ /^;/; i++) key = key $i
		printf "trust-anchors {\n\t%s static-key %s %s %s \"%s\";\n};\n", z, $4, $5, $6, key
	}' "$_ksk.key" >"$T/anchor-$_z"
	grep -q static-key "$T/anchor-$_z" || np_fail "no trust anchor from $_ksk.key"
}

sign_zone example.org
sign_zone example.com -n -s 0011223344556677

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
zone:
	name: example.org
	zonefile: "$T/nsd/example.org.zone.signed"
zone:
	name: example.com
	zonefile: "$T/nsd/example.com.zone.signed"
CONF
np_bg up nsd -d -c "$T/nsd/nsd.conf"
np_wait 5 np_in up dig +short +time=1 +tries=1 @10.77.1.2 www.example.org A >/dev/null ||
	np_fail "NSD did not start: $(cat "$T/nsd/nsd.log" 2>/dev/null)"
np_in up dig +dnssec +time=1 +tries=1 @10.77.1.2 www.example.org A >"$T/direct"
grep -q 'RRSIG' "$T/direct" || np_fail "NSD does not serve the signed zone: $(cat "$T/direct")"

cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
edns_buffer_size = 1232;
control_socket = "$T/ctl.sock";
CONF
dnsd_start

# has FILE REGEX; flags FILE: the header flags line; section FILE NAME: its records.
has() { grep -Eq "$2" "$1"; }
flags() { grep -E '^;; flags:' "$1" | head -1; }
section() { awk -v s=";; $2 SECTION:" '$0 == s {on = 1; next} /^$/ {on = 0} on' "$1"; }
do_echoed() { grep -Eq '^; EDNS: version: 0, flags: do;' "$1"; }
no_ad() { ! flags "$1" | grep -q ' ad'; }
in_section() { section "$1" "$2" | grep -Eq "$3"; }
none_in() { ! grep -Eq '[[:space:]](RRSIG|NSEC|NSEC3)[[:space:]]' "$1"; }

# 1. A signed answer, first from NSD, then from the cache.
c0=$(stat answers.cache)
q +dnssec www.example.org A >"$T/a1"
check "+dnssec (upstream): A with its RRSIG" in_section "$T/a1" ANSWER '^www\.example\.org\..*[[:space:]]RRSIG[[:space:]]+A 13 3 3600 '
check "+dnssec (upstream): A itself" in_section "$T/a1" ANSWER '[[:space:]]A[[:space:]]+10\.77\.1\.80'
check "+dnssec (upstream): DO echoed" do_echoed "$T/a1"
check "+dnssec (upstream): AD not set" no_ad "$T/a1"
q +dnssec www.example.org A >"$T/a2"
c1=$(stat answers.cache)
check "+dnssec (cache): answered from the cache ($c0 -> $c1)" [ "$c1" -gt "$c0" ]
check "+dnssec (cache): A with its RRSIG" in_section "$T/a2" ANSWER '^www\.example\.org\..*[[:space:]]RRSIG[[:space:]]+A 13 3 '
check "+dnssec (cache): DO echoed" do_echoed "$T/a2"
check "+dnssec (cache): AD not set" no_ad "$T/a2"
# The RRSIG's TTL is the RRset's (RFC 4034 §3).
ttls=$(section "$T/a2" ANSWER | awk '{print $2}' | sort -u | wc -l)
check "+dnssec (cache): RRSIG TTL equals the RRset's" [ "$ttls" = 1 ]

# 2. Without DO: no DNSSEC records, relayed (a fresh name) or cached.
q www2.example.org A >"$T/p1"
check "no DO (upstream): the A" in_section "$T/p1" ANSWER '10\.77\.1\.81'
check "no DO (upstream): no RRSIG" none_in "$T/p1"
q www.example.org A >"$T/p2"
check "no DO (cache): the A" in_section "$T/p2" ANSWER '10\.77\.1\.80'
check "no DO (cache): no RRSIG" none_in "$T/p2"
check "no DO (cache): DO not set in the OPT" sh -c "! grep -Eq 'flags: do;' '$T/p2'"
# A query for type RRSIG is answered as any other type, DO or not.
q www.example.org RRSIG >"$T/rrsig"
check "qtype RRSIG without DO: the RRSIGs" in_section "$T/rrsig" ANSWER 'RRSIG[[:space:]]+A '

# 3. Denials with their proofs: NSEC (example.org), NSEC3 (example.com).
deny_check() {  # deny_check LABEL FILE STATUS PROOF-TYPE
	check "$1: $3" has "$2" "status: $3"
	check "$1: the SOA" in_section "$2" AUTHORITY '[[:space:]]SOA[[:space:]]'
	check "$1: the SOA's RRSIG" in_section "$2" AUTHORITY 'RRSIG[[:space:]]+SOA '
	check "$1: $4" in_section "$2" AUTHORITY "[[:space:]]$4[[:space:]]"
	check "$1: $4's RRSIG" in_section "$2" AUTHORITY "RRSIG[[:space:]]+$4 "
	check "$1: DO echoed" do_echoed "$2"
}
for z in org com; do
	proof=NSEC
	[ $z = com ] && proof=NSEC3
	q +dnssec nosuch.example.$z A >"$T/nx1-$z"
	deny_check "NXDOMAIN example.$z (upstream)" "$T/nx1-$z" NXDOMAIN $proof
	c0=$(stat answers.cache)
	q +dnssec nosuch.example.$z A >"$T/nx2-$z"
	c1=$(stat answers.cache)
	check "NXDOMAIN example.$z: answered from the cache" [ "$c1" -gt "$c0" ]
	deny_check "NXDOMAIN example.$z (cache)" "$T/nx2-$z" NXDOMAIN $proof
	q +dnssec www.example.$z TXT >"$T/nd1-$z"
	deny_check "NODATA example.$z (upstream)" "$T/nd1-$z" NOERROR $proof
	q +dnssec www.example.$z TXT >"$T/nd2-$z"
	deny_check "NODATA example.$z (cache)" "$T/nd2-$z" NOERROR $proof
	q nosuch.example.$z A >"$T/nx3-$z"
	check "NXDOMAIN example.$z without DO (cache): NXDOMAIN" has "$T/nx3-$z" 'status: NXDOMAIN'
	check "NXDOMAIN example.$z without DO (cache): the SOA" in_section "$T/nx3-$z" AUTHORITY '[[:space:]]SOA[[:space:]]'
	check "NXDOMAIN example.$z without DO (cache): no RRSIG/NSEC/NSEC3" none_in "$T/nx3-$z"
done

# 4. delv, trusting the zone's key, validates what np-dnsd hands it.
dv() {  # dv ZONE NAME TYPE
	np_in cli timeout 20 delv @10.77.0.1 -b 10.77.0.2 -a "$T/anchor-$1" +root="$1" "$2" "$3" 2>&1
}
for z in example.org example.com; do
	dv $z www.$z A >"$T/delv-a-$z"
	check "delv $z A (cache): fully validated" grep -q '^; fully validated' "$T/delv-a-$z"
	dv $z nosuch.$z A >"$T/delv-nx-$z"
	check "delv $z NXDOMAIN (cache): validated denial" grep -Eq '^; negative response, fully validated' "$T/delv-nx-$z"
	dv $z www.$z TXT >"$T/delv-nd-$z"
	check "delv $z NODATA (cache): validated denial" grep -Eq '^; negative response, fully validated' "$T/delv-nd-$z"
	# A wildcard expansion needs the NSEC/NSEC3 proving no closer name (RFC 4035 §5.3.4).
	dv $z a.wild.$z A >"$T/delv-w1-$z"
	check "delv $z wildcard (upstream): fully validated" grep -q '^; fully validated' "$T/delv-w1-$z"
	dv $z a.wild.$z A >"$T/delv-w2-$z"
	check "delv $z wildcard (cache): fully validated" grep -q '^; fully validated' "$T/delv-w2-$z"
	dv $z alias.$z A >"$T/delv-cname-$z"
	check "delv $z CNAME chain: fully validated" grep -q '^; fully validated' "$T/delv-cname-$z"
done

# 5. An unknown opcode (2, STATUS): NOTIMP, RA clear (RA belongs to QUERY).
np_in cli /usr/bin/python3 - >"$T/notimp" <<'PY'
import dns.message, dns.opcode, dns.query, dns.flags
q = dns.message.make_query("www.example.org", "A")
q.set_opcode(dns.opcode.STATUS)
r = dns.query.udp(q, "10.77.0.1", timeout=3, source="10.77.0.2")
print(dns.rcode.to_text(r.rcode()), "RA" if r.flags & dns.flags.RA else "noRA")
PY
check "unknown opcode: NOTIMP without RA ($(cat "$T/notimp"))" grep -qx 'NOTIMP noRA' "$T/notimp"

# 6. TSIG with a key np-dnsd does not have: NOTAUTH, TSIG error BADKEY, unsigned.
b0=$(stat tsig-badkey-answered)
q -y hmac-sha256:nokey.example.:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0 www.example.org A >"$T/tsig" 2>&1
check "TSIG unknown key (dig): NOTAUTH" has "$T/tsig" 'status: NOTAUTH'
# Time signed, fudge, then MAC size 0 (unsigned, RFC 8945 §5.3.2), the original ID, BADKEY.
check "TSIG unknown key (dig): unsigned TSIG, error BADKEY" has "$T/tsig" \
	'^nokey\.example\.[[:space:]]+0[[:space:]]+ANY[[:space:]]+TSIG[[:space:]]+hmac-sha256\. [0-9]+ 300 0 [0-9]+ BADKEY 0'
check "TSIG unknown key (dig): no answer" has "$T/tsig" 'ANSWER: 0,'
np_in cli kdig +time=2 +retry=0 @10.77.0.1 -b 10.77.0.2 -y hmac-sha256:nokey.example.:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0 www.example.org A >"$T/ktsig" 2>&1
# kdig shows the TSIG error in place of NOTAUTH.
check "TSIG unknown key (kdig): BADKEY" has "$T/ktsig" 'status: BADKEY'
check "TSIG unknown key (kdig): unsigned TSIG" has "$T/ktsig" 'TSIG[[:space:]]+hmac-sha256\. [0-9]+ 300 0 [0-9]+ BADKEY 0'
b1=$(stat tsig-badkey-answered)
check "TSIG unknown key: counted ($b0 -> $b1)" [ "$b1" -ge $((b0 + 2)) ]

dnsd_alive
np_log "PASS"
