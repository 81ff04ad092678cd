#!/bin/sh
# dnssec-make-fixtures.sh: regenerate the DNSSEC fixtures of tests/data
# (dnssec-*.hex and dnssec-anchors.txt) used by test-dnsd-validator.
#
#   tests/data/dnssec-make-fixtures.sh [OUTDIR]     (as root: NSD binds a port on 127.0.0.1)
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
		echo "zone:"
		echo "	name: ${z%.signed}"
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
