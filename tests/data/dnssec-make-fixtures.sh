#!/bin/sh
# dnssec-make-fixtures.sh: regenerate the DNSSEC fixtures of tests/data
# (dnssec-*.hex and dnssec-anchors.txt) used by test-dnsd-validator, and the
# signed hierarchy (dnssec-hier-*.hex, dnssec-hier-root.ds) used by
# test-dnsd-valchain.
#
#   tests/data/dnssec-make-fixtures.sh [OUTDIR [zones|hierarchy|all]]
#                                      (as root: NSD binds a port on 127.0.0.1)
#
# The hierarchy: a root "." delegating net., which delegates example.net.
# (secure: A, TXT, a wildcard, CNAMEs inside the zone and to insecure.net.),
# insecure.net. (no DS: unsigned), and broken children, each with a DS at
# net.: badsig.net. (www's A RRSIG has a bit flipped), expired.net.
# (signatures valid 2020 only), nokey.net. (no DNSKEY RRset), wrongds.net.
# (the DS names a key the zone does not publish), unsupported.net. (keys,
# signatures and DS relabelled algorithm 253).  The broken zones are made by
# tests/integration/dnssec-craft.py, as in dnssec-lib.sh.  Each answer a
# validating forwarder needs is captured as dnssec-hier-NAME-TYPE.hex (NAME
# without its final dot, "root" for the root), so a test answers a driver's
# DS/DNSKEY requests from files.
#
# Zones are signed by ldns-signzone (ldnsutils) with keys from ldns-keygen,
# with a fixed inception/expiration window (INCEPTION..EXPIRATION below) so
# the fixtures stay valid for the "now" the unit tests pass in; NSD serves
# them on 127.0.0.1 and each answer is captured as the raw DNS message NSD
# sent (dnsquery.py below: a UDP query with EDNS0 and DO, RD clear).  The DS
# records of the trust anchors come from ldns-key2ds.  Every run makes new
# keys, so every fixture changes together; the tests depend only on names.
set -eu

OUT=$(cd "${1:-$(dirname "$0")}" && pwd)
WHAT=${2:-all}
CRAFT="/usr/bin/python3 $(cd "$(dirname "$0")/../integration" && pwd)/dnssec-craft.py"
INCEPTION=20250101000000
EXPIRATION=20350101000000
PORT=53853
WORK=$(mktemp -d)
trap 'kill $NSDPID 2>/dev/null && wait $NSDPID; rm -rf "$WORK"' EXIT
NSDPID=
cd "$WORK"

zone_body() {   # zone-name
	cat <<ZONE
\$ORIGIN $1.
\$TTL 3600
@	IN SOA ns1 hostmaster 1 7200 3600 1209600 300
	IN NS ns1
	IN MX 10 MAIL.$1.
ns1	IN A 192.0.2.53
www	IN A 192.0.2.80
	IN AAAA 2001:db8::80
mail	IN A 192.0.2.25
alias	IN CNAME www
*.wild	IN A 192.0.2.99
unsigned IN NS ns.unsigned
ns.unsigned IN A 192.0.2.54
ZONE
}

# sign ZONE ALG [ldns-signzone NSEC3 options]: KSK + ZSK, signed zone in ZONE.signed
sign() {
	z=$1 alg=$2
	shift 2
	zone_body "$z" >"$z.zone"
	ksk=$(ldns-keygen -a "$alg" -k "$z")
	zsk=$(ldns-keygen -a "$alg" "$z")
	ldns-signzone -i $INCEPTION -e $EXPIRATION "$@" -f "$z.signed" "$z.zone" "$ksk" "$zsk"
	echo "$ksk" >"$z.ksk"
}

if [ "$WHAT" != hierarchy ]; then
sign rsasha256.test RSASHA256
sign rsasha512.test RSASHA512
sign ecdsap256.test ECDSAP256SHA256
sign ecdsap384.test ECDSAP384SHA384
sign ed25519.test ED25519
sign ed448.test ED448
sign nsec3.test ECDSAP256SHA256 -n -t 1 -s 1a2b3c4d
sign optout.test ECDSAP256SHA256 -n -p -t 0
sign iter.test ECDSAP256SHA256 -n -t 151 -s 0f0f

{
	echo "; trust anchors of the test zones, from ldns-key2ds (-2 SHA-256, -4 SHA-384)"
	for z in rsasha256.test rsasha512.test ecdsap256.test ed25519.test ed448.test nsec3.test optout.test iter.test; do
		ldns-key2ds -n -2 "$(cat $z.ksk).key"
	done
	ldns-key2ds -n -4 "$(cat ecdsap384.test.ksk).key"
} | sed 's/\t/ /g' >"$OUT/dnssec-anchors.txt"
fi

# ---- the hierarchy --------------------------------------------------------
hier_head() {   # zone (with final dot)
	printf '$ORIGIN %s\n$TTL 3600\n' "$1"
	printf '@\tIN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@\tIN NS ns1\nns1\tIN A 192.0.2.53\n'
	printf 'www\tIN A 192.0.2.80\n'
}
# hier_sign ZONE-FILE-BASE ORIGIN [ldns-signzone options]: KSK + ZSK, DS in BASE.ds
hier_sign() {
	b=$1 o=$2
	shift 2
	hksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$o")
	hzsk=$(ldns-keygen -a ECDSAP256SHA256 "$o")
	ldns-signzone "$@" -o "$o" -f "$b.signed" "$b.zone" "$hksk" "$hzsk"
	ldns-key2ds -n -2 "$hksk.key" >"$b.ds"
}
hier_delegate() {       # parent-base child [ds-file]
	printf '%s\tIN NS ns1.%s\nns1.%s\tIN A 192.0.2.53\n' "$2" "$2" "$2" >>"$1.zone"
	[ -z "${3:-}" ] || cat "$3" >>"$1.zone"
}
if [ "$WHAT" != zones ]; then
W="-i $INCEPTION -e $EXPIRATION"
hier_head example.net. >h-example.net.zone
cat >>h-example.net.zone <<'ZONE'
@	IN TXT "netproto dnssec fixtures"
*.wild	IN A 192.0.2.99
alias	IN CNAME www
toinsecure	IN CNAME www.insecure.net.
ZONE
hier_sign h-example.net example.net. $W
hier_head badsig.net. >h-badsig.net.zone
hier_sign h-badsig.net badsig.net. $W
$CRAFT flip h-badsig.net.signed www.badsig.net. A
hier_head expired.net. >h-expired.net.zone
hier_sign h-expired.net expired.net. -i 20200101000000 -e 20210101000000
hier_head nokey.net. >h-nokey.net.zone
hier_sign h-nokey.net nokey.net. $W
$CRAFT strip h-nokey.net.signed nokey.net.
hier_head wrongds.net. >h-wrongds.net.zone
hier_sign h-wrongds.net wrongds.net. $W
ldns-key2ds -n -2 "$(ldns-keygen -a ECDSAP256SHA256 -k wrongds.net.).key" >h-wrongds.net.ds
hier_head unsupported.net. >h-unsupported.net.zone
hier_sign h-unsupported.net unsupported.net. $W
$CRAFT realg h-unsupported.net.signed unsupported.net. 253
$CRAFT ds unsupported.net. h-unsupported.net.signed >h-unsupported.net.ds
hier_head insecure.net. >h-insecure.net.signed
hier_head net. >h-net.zone
for c in example badsig expired nokey wrongds unsupported; do
	hier_delegate h-net "$c.net." "h-$c.net.ds"
done
hier_delegate h-net insecure.net.
hier_sign h-net net. $W
hier_head . >h-root.zone
hier_delegate h-root net. h-net.ds
hier_sign h-root . $W
sed 's/\t/ /g' h-root.ds >"$OUT/dnssec-hier-root.ds"
fi

{
	echo "server:"
	echo "	ip-address: 127.0.0.1@$PORT"
	echo "	database: \"\""
	echo "	zonelistfile: \"$WORK/zone.list\""
	echo "	xfrdfile: \"$WORK/xfrd.state\""
	echo "	pidfile: \"$WORK/nsd.pid\""
	echo "	username: \"\""
	echo "	chroot: \"\""
	echo "	zonesdir: \"$WORK\""
	echo "remote-control:"
	echo "	control-enable: no"
	for z in *.signed; do
		n=${z%.signed}
		n=${n#h-}
		[ "$n" = root ] && n=.
		echo "zone:"
		echo "	name: \"$n\""
		echo "	zonefile: $WORK/$z"
	done
} >nsd.conf
nsd -d -c nsd.conf >nsd.log 2>&1 &
NSDPID=$!
NSDVER=$(nsd -v 2>&1 | head -1)
LDNSVER=$(ldns-signzone -v 2>&1 | head -1)

cat >dnsquery.py <<'PY'
import socket, sys, time
import dns.message
name, qtype, port, out, origin = sys.argv[1:6]
q = dns.message.make_query(name, qtype, want_dnssec=True, payload=4096)
q.flags &= ~dns.flags.RD
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for attempt in range(20):          # NSD may still be loading the zones
    s.sendto(q.to_wire(), ("127.0.0.1", int(port)))
    try:
        wire = s.recv(65535)
        break
    except socket.timeout:
        time.sleep(0.5)
else:
    sys.exit("no answer from NSD for %s %s" % (name, qtype))
with open(out, "w") as f:
    f.write("# %s\n" % origin)
    f.write("# answer to '%s %s' (EDNS0 DO, RD clear), %d octets:\n" % (name, qtype, len(wire)))
    for line in dns.message.from_wire(wire).to_text().splitlines():
        f.write("#   %s\n" % line)
    for i in range(0, len(wire), 16):
        f.write(" ".join("%02x" % b for b in wire[i:i + 16]) + "\n")
PY

ORIGIN="made by tests/data/dnssec-make-fixtures.sh: $LDNSVER signed, $NSDVER answered"
fixture() {     # file name type
	/usr/bin/python3 dnsquery.py "$2" "$3" $PORT "$OUT/dnssec-$1.hex" "$ORIGIN"
}

hier() {        # name type: dnssec-hier-NAME-TYPE.hex
	f=$(echo "${1%.}-$2" | tr 'A-Z' 'a-z')
	case $1 in .) f=root-$(echo "$2" | tr 'A-Z' 'a-z') ;; esac
	/usr/bin/python3 dnsquery.py "$1" "$2" $PORT "$OUT/dnssec-hier-$f.hex" "$ORIGIN"
}
if [ "$WHAT" != zones ]; then
	hier . DNSKEY
	hier net. DS
	hier net. DNSKEY
	for c in example badsig expired nokey wrongds unsupported insecure; do
		hier $c.net. DS
		hier $c.net. DNSKEY
		hier www.$c.net. A
	done
	hier www.example.net. TXT
	hier www.example.net. DS
	hier nosuch.example.net. A
	hier a.wild.example.net. A
	hier alias.example.net. A
	hier toinsecure.example.net. A
	hier nosuch.net. A
fi
[ "$WHAT" != hierarchy ] || { echo "dnssec-make-fixtures: wrote the hierarchy to $OUT"; exit 0; }

for z in rsasha256 rsasha512 ecdsap256 ecdsap384 ed25519 ed448; do
	fixture "$z-dnskey" $z.test DNSKEY
	fixture "$z-www-a" www.$z.test A
done
# NSEC proofs (ECDSA P-256 zone) and answers with names inside rdata.
fixture ecdsap256-nxdomain nothere.ecdsap256.test A
fixture ecdsap256-nodata www.ecdsap256.test TXT
fixture ecdsap256-wildcard host.wild.ecdsap256.test A
fixture ecdsap256-wildcard-nodata host.wild.ecdsap256.test TXT
fixture ecdsap256-nods unsigned.ecdsap256.test DS
fixture ecdsap256-mx ecdsap256.test MX
fixture ecdsap256-cname alias.ecdsap256.test A
# NSEC3 proofs.
for z in nsec3 optout iter; do
	fixture "$z-dnskey" $z.test DNSKEY
done
fixture nsec3-nxdomain nothere.nsec3.test A
fixture nsec3-nodata www.nsec3.test TXT
fixture nsec3-wildcard host.wild.nsec3.test A
fixture nsec3-wildcard-nodata host.wild.nsec3.test TXT
fixture nsec3-nods unsigned.nsec3.test DS
fixture optout-nods unsigned.optout.test DS
fixture optout-referral host.unsigned.optout.test A
fixture optout-nxdomain nothere.optout.test A
fixture iter-nxdomain nothere.iter.test A
echo "dnssec-make-fixtures: wrote $(ls "$OUT"/dnssec-*.hex | wc -l) fixtures to $OUT"
