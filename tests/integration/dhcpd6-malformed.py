#!/usr/bin/python3
"""dhcpd6-malformed.py IFACE SRC ROUNDS: malformed DHCPv6 to ff02::1:2 from IFACE (source SRC).

Each round sends three messages np-dhcpd must count (pkt6-parse-failed) and
drop: a SOLICIT whose IA_NA option is longer than the message (truncated
option), a SOLICIT whose IA_NA holds an IAADDR claiming more octets than
the IA_NA has (an IA length lie), and a SOLICIT inside 10 nested
RELAY-FORWs (beyond HOP_COUNT_LIMIT 8, RFC 8415 §7.6).
"""
import struct
import sys

from scapy.all import Ether, IPv6, UDP, Raw, sendp  # noqa: E402


def opt(code, data, length=None):
    return struct.pack("!HH", code, len(data) if length is None else length) + data


def messages():
    duid = opt(1, bytes.fromhex("00030001") + bytes.fromhex("02005e000701"))
    solicit = bytes([1, 0x12, 0x34, 0x56]) + duid
    truncated = solicit + struct.pack("!HH", 3, 100) + bytes(4)
    iaaddr = opt(5, bytes.fromhex("20010db8000100000000000000001234") + bytes(8), length=60)
    ia_lie = solicit + opt(3, struct.pack("!III", 1, 0, 0) + iaaddr)
    nested = solicit + opt(3, struct.pack("!III", 2, 0, 0))
    for hop in range(10):
        nested = bytes([12, hop]) + bytes(32) + opt(9, nested)
    return [truncated, ia_lie, nested]


def main():
    iface, src, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # At link level: the multicast group's MAC (RFC 2464 §7), our link-local source.
    pkts = [Ether(dst="33:33:00:01:00:02") / IPv6(src=src, dst="ff02::1:2", hlim=1) /
            UDP(sport=546, dport=547) / Raw(m) for m in messages()]
    sendp(pkts * rounds, iface=iface, verbose=False)
    print(len(pkts) * rounds)


if __name__ == "__main__":
    main()
