#!/usr/bin/python3
"""dhcpd-hostile.py: malformed and hostile DHCP messages for dhcpd-hostile.sh.

    dhcpd-hostile.py list
        one line per case: "XID NAME"
    HOSTILE_ONLY=NAME,NAME... in the environment limits both to those cases.
    dhcpd-hostile.py send IFACE SERVER_ADDR
        sends every case: as an Ethernet broadcast (the server's AF_PACKET
        path, like a client without an address) and, for the cases marked
        "udp", also unicast to SERVER_ADDR:67 from port 68 (the UDP path);
        prints "sent N" (the number of DHCP messages the server can receive)

Each case carries its own transaction id (0x4e500000 + index) so the
scenario can tell, from a capture, that none of them was answered.  The
messages are hand-made here with struct, byte by byte, so that every field
is exactly as wrong as intended; scapy only frames and sends them.
Runs only under /usr/bin/python3 (python3-scapy).
"""
import os
import socket
import struct
import sys

XID0 = 0x4E500000
COOKIE = b"\x63\x82\x53\x63"
MAC = bytes.fromhex("020000ba0001")


def bootp(xid, op=1, htype=1, hlen=6, chaddr=MAC, ciaddr=0, giaddr=0, sname=b"", file=b""):
    """The 236-octet BOOTP header (RFC 951, RFC 2131 §2)."""
    return (struct.pack("!BBBBIHHIIII", op, htype, hlen, 0, xid, 0, 0x8000, ciaddr, 0, 0, giaddr)
            + chaddr.ljust(16, b"\0")[:16] + sname.ljust(64, b"\0")[:64] + file.ljust(128, b"\0")[:128])


def opt(code, data):
    return bytes([code, len(data)]) + data


DISCOVER = opt(53, b"\x01")
END = b"\xff"


def cases():
    """(name, payload, also_udp) for every hostile message."""
    out = []

    def add(name, payload, udp=False):
        out.append((name, payload, udp))

    x = lambda: XID0 + len(out)  # noqa: E731 - the xid of the case being added
    # Truncated: inside the fixed header, and right after it (no cookie).
    add("truncated-header", bootp(x())[:100], udp=True)
    add("header-without-cookie", bootp(x()))
    add("cookie-cut", bootp(x()) + COOKIE[:2])
    # Wrong magic cookie (RFC 2131 §3: 99.130.83.99).
    add("wrong-cookie", bootp(x()) + b"\x63\x82\x53\x64" + DISCOVER + END, udp=True)
    add("bootp-vendor-cookie", bootp(x()) + b"\0\0\0\0" + DISCOVER + END)
    # Bad lengths: an option running past the end of the message.
    add("option-past-end", bootp(x()) + COOKIE + DISCOVER + b"\x0c\xc8hostname", udp=True)
    add("length-octet-missing", bootp(x()) + COOKIE + DISCOVER + b"\x0c")
    add("msgtype-length-0", bootp(x()) + COOKIE + b"\x35\x00" + END)
    add("msgtype-length-2", bootp(x()) + COOKIE + b"\x35\x02\x01\x01" + END)
    add("requested-ip-length-3", bootp(x()) + COOKIE + DISCOVER + b"\x32\x03\x0a\x4d\x00" + END)
    add("hlen-200", bootp(x(), hlen=200) + COOKIE + DISCOVER + END, udp=True)
    # No end option and no room: options simply stop mid-option after padding.
    add("pad-then-cut", bootp(x()) + COOKIE + DISCOVER + b"\0" * 40 + b"\x37")
    # Not a request at all / no message type / unknown message type.
    add("bootreply-to-server", bootp(x(), op=2) + COOKIE + opt(53, b"\x02") + END)
    add("no-message-type", bootp(x()) + COOKIE + opt(12, b"nomsgtype") + END)
    add("message-type-0", bootp(x()) + COOKIE + opt(53, b"\x00") + END)
    add("message-type-200", bootp(x()) + COOKIE + opt(53, b"\xc8") + END, udp=True)
    add("server-message-types", bootp(x()) + COOKIE + opt(53, b"\x05") + END)
    # Huge option counts: 550 empty options, 350 one-octet ones, 400 hostnames.
    add("550-empty-options", bootp(x()) + COOKIE + DISCOVER + b"\xe0\x00" * 550 + END, udp=True)
    add("350-tiny-options", bootp(x()) + COOKIE + DISCOVER + b"\xe1\x01\x00" * 350 + END)
    add("400-split-hostnames", bootp(x()) + COOKIE + DISCOVER + opt(12, b"a") * 400 + END)
    # Overload (option 52) abuse: loops, bad values, garbage in the fields.
    loop_file = opt(52, b"\x03") + opt(52, b"\x03") + END
    add("overload-loop", bootp(x(), file=loop_file, sname=loop_file) + COOKIE + opt(52, b"\x03") + END,
        udp=True)
    add("overload-bad-value", bootp(x()) + COOKIE + DISCOVER + opt(52, b"\x07") + END)
    add("overload-length-2", bootp(x()) + COOKIE + DISCOVER + b"\x34\x02\x01\x01" + END)
    add("overload-file-past-end", bootp(x(), file=b"\x0c\xfe" + b"x" * 126) + COOKIE + DISCOVER
        + opt(52, b"\x01") + END)
    add("overload-msgtype-in-file-only-bad",
        bootp(x(), file=b"\x35\x05\x01" + b"\0" * 125) + COOKIE + opt(52, b"\x01") + END)
    add("overload-sname-without-end", bootp(x(), sname=b"\xe0\x3f" + b"y" * 62) + COOKIE + DISCOVER
        + opt(52, b"\x02") + END)
    # Parameter request list and client id that are empty (RFC 2132 §9.8: >= 1).
    add("empty-client-id", bootp(x()) + COOKIE + DISCOVER + b"\x3d\x00" + END)
    add("relay-info-broken", bootp(x(), giaddr=0x0A4D0042) + COOKIE + DISCOVER
        + b"\x52\x05\x01\x09abc" + END, udp=True)
    # Giant: 1,400 octets of hostname pieces (RFC 3396 concatenation) whose
    # last piece runs past the end, and a datagram too large for the link
    # (8 kB, IPv4 fragments).
    add("giant-cut-concatenation", bootp(x()) + COOKIE + DISCOVER + opt(12, b"h" * 255) * 4
        + b"\x0c\xff" + b"h" * 100)
    add("giant-fragmented", bootp(x()) + COOKIE + DISCOVER + opt(224, b"g" * 255) * 32 + END,
        udp=True)
    only = os.environ.get("HOSTILE_ONLY")
    return [c for c in out if only is None or c[0] in only.split(",")]


def main():
    if sys.argv[1] == "list":
        for name, payload, _ in cases():
            print("%08x %s" % (struct.unpack("!I", payload[4:8])[0], name))
        return 0
    from scapy.all import Ether, IP, UDP, Raw, fragment, sendp, conf  # noqa: E402
    conf.verb = 0
    iface, server = sys.argv[2], sys.argv[3]
    n = 0
    frames = []
    for name, payload, udp in cases():
        pkt = IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) / Raw(payload)
        for f in (fragment(pkt, fragsize=1400) if len(payload) > 1472 else [pkt]):
            frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC) / f)
        n += 1
    sendp(frames, iface=iface, inter=0.01)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 68))
    for name, payload, udp in cases():
        if udp:
            s.sendto(payload, (server, 67))
            n += 1
    print("sent %d" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
