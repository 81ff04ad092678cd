#!/usr/bin/python3
# tcpprobe-responder.py IFACE LOG: a hostile TCP "server" for np-tcpprobe,
# built with scapy and run in the target namespace (whose kernel must be
# kept from resetting the ports, by an nftables rule of the caller).
#
# It answers a SYN to these ports with a SYN-ACK, then:
#   9201  options: MSS 1400, timestamps of length 0
#   9202  options: MSS 1400, SACK-permitted of length 1
#   9203  options: MSS 1400, NOP, window scale of 8 in the 3 octets left
#         (for these three the prober's FIN gets our FIN+ACK: a 3-way close)
#   9204  well-formed options; once the prober's ACK is in, the same SYN-ACK
#         again 10,000 times at once, and the prober's FIN is never
#         answered (its close times out)
# Every segment of the prober is logged as "PORT EVENT" (ack, fin,
# last-ack, rst); for 9204 also "9204 flood SENT SECONDS" then
# "9204 answers N" (the prober's non-RST segments after the flood began,
# counted until its RST or 10 s).
import socket
import struct
import sys
import time

from scapy.all import IP, TCP, Ether, Raw

ETH_P_IP = 0x0800
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
SO_RCVBUFFORCE = 33
ISN = 1000000
FLOOD = 10000
BAD_OPTS = {
    9201: b"\x02\x04\x05\x78\x08\x00\x00\x00",
    9202: b"\x02\x04\x05\x78\x04\x01\x00\x00",
    9203: b"\x02\x04\x05\x78\x01\x03\x08\x07",
}
GOOD_OPTS = b"\x02\x04\x05\x78\x01\x01\x04\x02"   # MSS 1400, NOP, NOP, SACK-permitted

iface, logpath = sys.argv[1], sys.argv[2]
log = open(logpath, "a", buffering=1)
rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
rx.bind((iface, 0))
rx.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
tx.bind((iface, 0))
log.write("ready\n")


def reply(frame, flags, seq, ack, opts=b""):
    """A segment back to frame's sender; opts are raw option octets (a multiple of 4)."""
    ip, tcp = frame[IP], frame[TCP]
    seg = TCP(sport=tcp.dport, dport=tcp.sport, seq=seq, ack=ack, flags=flags, window=65160,
              dataofs=5 + len(opts) // 4)
    # Options as the segment's first octets: scapy sums them into the checksum as it
    # would payload, and the data offset makes them options on the wire.
    pkt = Ether(src=frame.dst, dst=frame.src) / IP(src=ip.dst, dst=ip.src, ttl=64) / seg
    if opts:
        pkt = pkt / Raw(opts)
    return bytes(pkt)


def flood(frame_bytes):
    start = time.monotonic()
    for _ in range(FLOOD):
        tx.send(frame_bytes)
    return time.monotonic() - start


def count_answers(port, deadline):
    """The prober's segments from port's connection until its RST: non-RST ones."""
    n = 0
    rx.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            data = rx.recv(2048)
        except socket.timeout:
            continue
        f = Ether(data)
        if TCP not in f or f[TCP].dport != port:
            continue
        if f[TCP].flags.R:
            log.write("%d rst\n" % port)
            break
        n += 1
    return n


synacks = {}
while True:
    f = Ether(rx.recv(2048))
    if TCP not in f:
        continue
    t = f[TCP]
    port = t.dport
    if port not in BAD_OPTS and port != 9204:
        continue
    if t.flags.S and not t.flags.A:
        opts = BAD_OPTS.get(port, GOOD_OPTS)
        synacks[port] = reply(f, "SA", ISN, t.seq + 1, opts)
        tx.send(synacks[port])
        log.write("%d syn\n" % port)
        continue
    if t.flags.R:
        log.write("%d rst\n" % port)
        continue
    if t.flags.F:
        log.write("%d fin\n" % port)
        if port in BAD_OPTS:
            tx.send(reply(f, "FA", ISN + 1, t.seq + 1))
        continue
    if t.flags.A and t.ack == ISN + 1:
        log.write("%d ack\n" % port)
        if port == 9204 and port in synacks:
            frame = synacks.pop(port)
            took = flood(frame)
            log.write("%d flood %d %.3f\n" % (port, FLOOD, took))
            log.write("%d answers %d\n" % (port, count_answers(port, time.monotonic() + 10)))
    elif t.flags.A and t.ack == ISN + 2:
        log.write("%d last-ack\n" % port)
