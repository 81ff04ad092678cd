#!/usr/bin/python3
"""trickle.py: a slow-loris client for the connection-limit scenarios.

Keeps COUNT connections open from each given source address (TCP) or to a
Unix socket, and sends each one octet of PAYLOAD every INTERVAL seconds, so
that no request is ever complete.  A connection the server closes is opened
again at the next tick (the attack goes on), unless --once.  Runs for DURATION seconds,
then prints:

    opened N           connections made (accepted by the kernel)
    server-closed N    of them closed by the server (EOF or reset)
    stale-open N       still open at the end and opened more than
                       STALE seconds before it (the server never closed them)

With --hold the connections send nothing at all (half-open / idle clients).
"""
import argparse
import errno
import os
import selectors
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", help="HOST:PORT")
    ap.add_argument("--unix", help="socket path")
    ap.add_argument("--src", action="append", default=[], help="ADDR:COUNT (TCP)")
    ap.add_argument("--count", type=int, default=0, help="connections (Unix)")
    ap.add_argument("--payload", default="", help="hex octets to trickle")
    ap.add_argument("--hold", action="store_true", help="send nothing")
    ap.add_argument("--once", action="store_true", help="never reconnect")
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--stale", type=float, default=8.0)
    ap.add_argument("--ready", help="file created once the first round is open")
    a = ap.parse_args()
    payload = bytes.fromhex(a.payload)
    slots = []                     # [factory, sock or None, opened_at, sent, tries]
    if a.tcp:
        host, port = a.tcp.rsplit(":", 1)
        for spec in a.src:
            addr, n = spec.rsplit(":", 1)
            for _ in range(int(n)):
                slots.append([("tcp", (host, int(port)), addr), None, 0.0, 0, 0])
    else:
        for _ in range(a.count):
            slots.append([("unix", a.unix, None), None, 0.0, 0, 0])

    sel = selectors.DefaultSelector()
    opened = closed = 0
    start = time.monotonic()
    end = start + min(a.duration, 120.0)

    def connect(slot):
        nonlocal opened
        kind, dst, src = slot[0]
        if a.once and slot[4]:
            return
        slot[4] += 1
        try:
            if kind == "tcp":
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind((src, 0))
            else:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(2)
            s.connect(dst)
            s.setblocking(False)
        except OSError:
            return
        slot[1], slot[2], slot[3] = s, time.monotonic(), 0
        sel.register(s, selectors.EVENT_READ, slot)
        opened += 1

    def drop(slot):
        nonlocal closed
        sel.unregister(slot[1])
        slot[1].close()
        slot[1] = None
        closed += 1

    next_tick = time.monotonic()
    first = True
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_tick:
            for slot in slots:
                if slot[1] is None:
                    connect(slot)
                elif not a.hold and payload:
                    i = slot[3] % len(payload)
                    try:
                        slot[1].send(payload[i:i + 1])
                        slot[3] += 1
                    except OSError:
                        drop(slot)
            if first and a.ready:
                open(a.ready, "w").close()
                first = False
            next_tick = now + a.interval
        for key, _ in sel.select(timeout=max(0.0, min(next_tick, end) - time.monotonic())):
            slot = key.data
            try:
                data = slot[1].recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                drop(slot)
    now = time.monotonic()
    stale = sum(1 for s in slots if s[1] is not None and now - s[2] > a.stale)
    print("opened", opened)
    print("server-closed", closed)
    print("stale-open", stale)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
