#!/usr/bin/python3
"""dnsd-responder.py: scripted broken upstreams for np-dnsd's namespace tests.

Usage: dnsd-responder.py ADDR MODE [SPOOF_ADDR]

Listens on ADDR port 53 (UDP and TCP) and answers every A query with
1.2.3.4 (TTL 300), misbehaving as MODE says:
  silent    never answers (timeout -> failover);
  tc        answers UDP with TC set and no records, TCP in full (TC -> TCP);
  servfail  answers SERVFAIL (-> next server);
  spoof     before the real answer (sent after 0.3 s), sends 6.6.6.6 answers
            that an off-path attacker could try: wrong ID, wrong question,
            from SPOOF_ADDR (wrong source address) and from another source
            port.  None may be accepted or cached.
  malformed before the real answer (0.2 s later), sends answers with the
            right ID that do not parse: a compression loop, a record cut
            short, counts far above the data.
  hostile   answers with CNAME chains that plant records for names it does
            not speak for (HOSTILE below, TTL 86400): a forward zone's,
            the local zone's, another zone's; and a CNAME loop.  Other A
            queries: 1.2.3.4, bank.example.org.: 10.77.1.77.
  lowercase answers with the question's name lowercased (a server that
            does not keep the 0x20 case).
  caseonce  answers the first query for each name with the name lowercased
            (what a spoofer who guessed ID and port but not the case sends),
            later ones as asked.
Every query received is logged to stdout as "MODE QNAME TRANSPORT".
"""
import socket
import sys
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset

addr, mode = sys.argv[1], sys.argv[2]
spoof_addr = sys.argv[3] if len(sys.argv) > 3 else None


def answer(q, ip="1.2.3.4"):
    r = dns.message.make_response(q)
    qn = q.question[0]
    if qn.rdtype == 1:
        r.answer.append(dns.rrset.from_text(qn.name, 300, "IN", "A", ip))
    return r


# qname -> the answer section after the question's own CNAME (owner, type, data).
HOSTILE = {
    "cross.example.com.": [("cross.example.com.", "CNAME", "www.corp.example."),
                           ("www.corp.example.", "A", "6.6.6.6")],
    "tolan.example.com.": [("tolan.example.com.", "CNAME", "printer.lan."),
                           ("printer.lan.", "A", "6.6.6.6")],
    "out.hostile.example.": [("out.hostile.example.", "CNAME", "bank.example.org."),
                             ("bank.example.org.", "A", "6.6.6.6")],
    "loop.example.com.": [("loop.example.com.", "CNAME", "loop2.example.com."),
                          ("loop2.example.com.", "CNAME", "loop.example.com.")],
    "bank.example.org.": [("bank.example.org.", "A", "10.77.1.77")],
}
seen = set()


def hostile(q):
    r = dns.message.make_response(q)
    qn = q.question[0]
    recs = HOSTILE.get(str(qn.name).lower())
    if recs is None:
        return answer(q)
    for i, (owner, rtype, data) in enumerate(recs):
        # The question's own records keep the case it was asked in.
        name = qn.name if i == 0 else dns.name.from_text(owner)
        r.answer.append(dns.rrset.from_text(name, 86400, "IN", rtype, data))
    return r


def lowercased(q):
    r = answer(q)
    low = dns.name.from_text(str(q.question[0].name).lower())
    r.question[0] = dns.rrset.RRset(low, q.question[0].rdclass, q.question[0].rdtype)
    for rr in r.answer:
        rr.name = low
    return r


def log(*a):
    print(mode, *a, flush=True)


def spoof(sock, q, peer):
    bad = answer(q, "6.6.6.6")
    bad.id = (q.id + 1) % 65536
    sock.sendto(bad.to_wire(), peer)                      # wrong ID
    other = dns.message.make_query("evil." + str(q.question[0].name), "A")
    other.id = q.id
    sock.sendto(answer(other, "6.6.6.6").to_wire(), peer)  # wrong question
    good_id = answer(q, "6.6.6.6").to_wire()
    if spoof_addr:                                        # wrong source address
        s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s2.bind((spoof_addr, 53))
        s2.sendto(good_id, peer)
        s2.close()
    s3 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # wrong source port
    s3.bind((addr, 0))
    s3.sendto(good_id, peer)
    s3.close()
    time.sleep(0.3)
    sock.sendto(answer(q).to_wire(), peer)


def malformed(sock, q, peer):
    good = answer(q).to_wire()
    hdr = good[:12]
    qd = good[12:good.index(b"\x00\x01\x00\x01", 12) + 4]
    loop = hdr[:6] + b"\x00\x01\x00\x00\x00\x00" + qd + b"\xc0\x0c" \
        + b"\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\x06\x06\x06\x06"
    loop = loop[:12 + len(qd)] + bytes([0xc0, 12 + len(qd)]) + loop[12 + len(qd) + 2:]
    sock.sendto(loop, peer)                               # pointer to itself
    sock.sendto(good[:-3], peer)                          # record cut short
    sock.sendto(hdr[:6] + b"\xff\xff\xff\xff\xff\xff" + good[12:], peer)  # huge counts
    time.sleep(0.2)
    sock.sendto(good, peer)


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        data, peer = s.recvfrom(65535)
        try:
            q = dns.message.from_wire(data)
        except Exception:
            continue
        log(q.question[0].name, "udp")
        if mode == "silent":
            continue
        if mode == "tc":
            r = dns.message.make_response(q)
            r.flags |= dns.flags.TC
            s.sendto(r.to_wire(), peer)
        elif mode == "servfail":
            r = dns.message.make_response(q)
            r.set_rcode(dns.rcode.SERVFAIL)
            s.sendto(r.to_wire(), peer)
        elif mode == "malformed":
            threading.Thread(target=malformed, args=(s, q, peer), daemon=True).start()
        elif mode == "spoof":
            threading.Thread(target=spoof, args=(s, q, peer), daemon=True).start()
        elif mode == "hostile":
            s.sendto(hostile(q).to_wire(), peer)
        elif mode == "lowercase":
            s.sendto(lowercased(q).to_wire(), peer)
        elif mode == "caseonce":
            key = str(q.question[0].name).lower()
            first = key not in seen
            seen.add(key)
            s.sendto((lowercased(q) if first else answer(q)).to_wire(), peer)
        else:
            s.sendto(answer(q).to_wire(), peer)


def tcp_client(c):
    try:
        while True:
            h = c.recv(2)
            if len(h) < 2:
                return
            n = int.from_bytes(h, "big")
            data = b""
            while len(data) < n:
                chunk = c.recv(n - len(data))
                if not chunk:
                    return
                data += chunk
            q = dns.message.from_wire(data)
            log(q.question[0].name, "tcp")
            if mode == "silent":
                continue
            w = answer(q).to_wire()
            c.sendall(len(w).to_bytes(2, "big") + w)
    finally:
        c.close()


def tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_client, args=(c,), daemon=True).start()


threading.Thread(target=tcp, daemon=True).start()
udp()
