#!/usr/bin/python3
"""dhcpd-ra.py: Router Solicitations for dhcpd-ra.sh, sent from a host on
the router's link.  Runs only under /usr/bin/python3 (python3-scapy).

    dhcpd-ra.py IFACE KIND
        KIND hoplimit: a well-formed RS with hop limit 64 (RFC 4861 §6.1.1
                       wants 255: it crossed a router)
        KIND badopt:   an RS with hop limit 255 whose option has length 0
        KIND good:     a well-formed RS, hop limit 255, with the source
                       link-layer address option
    Each from IFACE's link-local address to ff02::2; prints "sent KIND".
"""
import sys

from scapy.all import (Ether, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, IPv6, Raw,
                       get_if_hwaddr, in6_getifaddr, sendp)


def link_local(iface):
    for addr, scope, name in in6_getifaddr():
        if name == iface and addr.startswith("fe80"):
            return addr
    raise SystemExit("no link-local address on " + iface)


def main():
    iface, kind = sys.argv[1], sys.argv[2]
    mac = get_if_hwaddr(iface)
    ip = IPv6(src=link_local(iface), dst="ff02::2", hlim=255)
    eth = Ether(src=mac, dst="33:33:00:00:00:02")
    if kind == "hoplimit":
        ip.hlim = 64
        pkt = eth / ip / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=mac)
    elif kind == "badopt":
        # Type 1 (SLLA), length 0: invalid by RFC 4861 §4.6.
        pkt = eth / ip / ICMPv6ND_RS() / Raw(b"\x01\x00" + bytes(6))
    elif kind == "good":
        pkt = eth / ip / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=mac)
    else:
        raise SystemExit("unknown kind " + kind)
    sendp(pkt, iface=iface, verbose=False)
    print("sent " + kind)


if __name__ == "__main__":
    main()
