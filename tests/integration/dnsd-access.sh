#!/bin/sh
# dnsd-access.sh: np-dnsd's client side: access control (allow, refuse,
# deny, and the default of loopback + local subnets), malformed queries
# (runts, truncated questions, compression loops, huge counts, responses,
# EDNS version 1, unknown opcodes, class CH) answered or dropped and counted
# while the daemon keeps answering, and RFC 7766 TCP: pipelined queries on one
# connection, the idle timeout and the connection limit (the oldest idle
# connection evicted for a newcomer).
. "$(dirname "$0")/dnsd-lib.sh"

dnsd_lab
np_addr cli eth0 10.99.0.2/32
ip -n "$(np_ns srv)" route add 10.99.0.0/24 dev eth0
nsd_start
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.2" ];
access_control = (
  { net = "10.77.0.0/24"; action = "allow"; },
  { net = "10.77.0.64/26"; action = "refuse"; },
  { net = "10.77.0.128/25"; action = "deny"; }
);
tcp_idle_timeout = "1s";
tcp_max_connections = 3;
control_socket = "$T/ctl.sock";
CONF
dnsd_start

from() { _src=$1; shift; np_in cli dig +time=1 +tries=1 @10.77.0.1 -b "$_src" "$@"; }

from 10.77.0.2 www.example.net A >"$T/allow"
check "ACL allow" grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/allow"
from 10.77.0.70 www.example.net A >"$T/refuse"
check "ACL refuse: REFUSED" grep -q 'status: REFUSED' "$T/refuse"
from 10.77.0.130 www.example.net A >"$T/deny"
check "ACL deny: no answer at all" grep -q 'timed out' "$T/deny"
check "ACL counters" [ "$(stat acl-refused)" -ge 1 ] && [ "$(stat acl-denied)" -ge 1 ]

# Malformed queries, by a Python client (bytes built by hand).
np_in cli /usr/bin/python3 - >"$T/malformed" <<'PY'
import socket, struct
def ask(data, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.77.0.2", 0))
    s.settimeout(timeout)
    s.sendto(data, ("10.77.0.1", 53))
    try:
        r = s.recv(4096)
    except socket.timeout:
        return "none"
    return "rcode=%d qr=%d id=%d" % (r[3] & 15 | ((r[-6] << 4) if len(r) > 20 and r[-11] == 0 and r[-10:-8] == b"\x00\x29" else 0), r[2] >> 7, struct.unpack(">H", r[:2])[0])
q = lambda idn, flags, counts, body: struct.pack(">HHHHHH", idn, flags, *counts) + body
www = b"\x03www\x07example\x03net\x00"
print("runt", ask(b"\x12\x34\x01"))
print("truncated-question", ask(q(1, 0x0100, (1, 0, 0, 0), b"\x03www\x07exa")))
print("compression-loop", ask(q(2, 0x0100, (1, 0, 0, 0), b"\xc0\x0c\x00\x01\x00\x01")))
print("huge-counts", ask(q(3, 0x0100, (65535, 65535, 65535, 65535), www + b"\x00\x01\x00\x01")))
print("no-question", ask(q(4, 0x0100, (0, 0, 0, 0), b"")))
print("response", ask(q(5, 0x8180, (1, 0, 0, 0), www + b"\x00\x01\x00\x01")))
opt_v1 = b"\x00\x00\x29\x04\xd0\x00\x01\x00\x00\x00\x00"
print("edns-version-1", ask(q(6, 0x0100, (1, 0, 0, 1), www + b"\x00\x01\x00\x01" + opt_v1)))
print("opcode-status", ask(q(7, 0x1100, (1, 0, 0, 0), www + b"\x00\x01\x00\x01")))
print("class-chaos", ask(q(8, 0x0100, (1, 0, 0, 0), b"\x07version\x04bind\x00\x00\x10\x00\x03")))
print("two-questions", ask(q(9, 0x0100, (2, 0, 0, 0), www + b"\x00\x01\x00\x01" + www + b"\x00\x1c\x00\x01")))
PY
cat "$T/malformed" >&2
check "runt dropped" grep -q '^runt none' "$T/malformed"
check "truncated question: FORMERR" grep -q '^truncated-question rcode=1 qr=1 id=1$' "$T/malformed"
check "compression loop: FORMERR" grep -q '^compression-loop rcode=1 qr=1 id=2$' "$T/malformed"
check "huge counts: FORMERR" grep -q '^huge-counts rcode=1 qr=1 id=3$' "$T/malformed"
check "no question: FORMERR" grep -q '^no-question rcode=1 qr=1 id=4$' "$T/malformed"
check "response dropped" grep -q '^response none' "$T/malformed"
check "EDNS version 1: BADVERS (16)" grep -q '^edns-version-1 rcode=16 qr=1 id=6$' "$T/malformed"
check "opcode STATUS: NOTIMP" grep -q '^opcode-status rcode=4 qr=1 id=7$' "$T/malformed"
check "class CH: REFUSED" grep -q '^class-chaos rcode=5 qr=1 id=8$' "$T/malformed"
check "two questions: FORMERR" grep -q '^two-questions rcode=1 qr=1 id=9$' "$T/malformed"
check "malformed counted" [ "$(stat malformed-dropped)" -ge 2 ] && [ "$(stat formerr-answered)" -ge 5 ]
from 10.77.0.2 www.example.net AAAA >"$T/still"
check "daemon still answers after malformed input" grep -q '2001:db8::80' "$T/still"

# TCP: three pipelined queries in one write, answers matched by ID; idle
# timeout; a fourth connection beyond tcp_max_connections = 3 takes the
# place of the oldest idle one.
np_in cli /usr/bin/python3 - >"$T/tcp" <<'PY'
import socket, struct, time
import dns.message
def conn():
    s = socket.create_connection(("10.77.0.1", 53), timeout=3, source_address=("10.77.0.2", 0))
    return s
def recv_msg(s):
    h = b""
    while len(h) < 2:
        c = s.recv(2 - len(h))
        if not c:
            return None
        h += c
    n = struct.unpack(">H", h)[0]
    d = b""
    while len(d) < n:
        d += s.recv(n - len(d))
    return dns.message.from_wire(d)
s = conn()
out = b""
names = {}
for i, (name, t) in enumerate([("www.example.net", "A"), ("nosuch.example.net", "A"), ("www.example.net", "AAAA")]):
    m = dns.message.make_query(name, t)
    m.id = 100 + i
    names[m.id] = name
    w = m.to_wire()
    out += struct.pack(">H", len(w)) + w
s.sendall(out)
got = sorted(recv_msg(s).id for _ in range(3))
print("pipelined", got)
t0 = time.time()
s.settimeout(5)
closed = s.recv(10) == b""
print("idle-closed", closed, round(time.time() - t0))
import select
socks = [conn() for _ in range(3)]
time.sleep(0.3)
extra = conn()
# The oldest idle connection makes room for the newcomer, at once (long
# before the idle timeout would close all three).
ready, _, _ = select.select(socks, [], [], 5)
print("evicted", sorted(socks.index(r) for r in ready))
m = dns.message.make_query("www.example.net", "A")
w = m.to_wire()
extra.sendall(struct.pack(">H", len(w)) + w)
r = recv_msg(extra)
print("newcomer", "answered" if r is not None and r.id == m.id else "nothing")
PY
cat "$T/tcp" >&2
check "TCP pipelining: three answers on one connection" grep -q '^pipelined \[100, 101, 102\]' "$T/tcp"
check "TCP idle timeout (1 s)" grep -Eq '^idle-closed True [12]$' "$T/tcp"
check "TCP connection limit: the oldest idle connection is evicted" grep -q '^evicted \[0\]$' "$T/tcp"
check "TCP connection limit: the newcomer is served" grep -q '^newcomer answered$' "$T/tcp"
check "TCP eviction counted" [ "$(stat tcp.evicted)" -ge 1 ]

# A TCP client that sends 8000 pipelined queries and reads nothing for a
# second: np-dnsd stops reading it while 256 KiB of answers wait, then
# answers every query once the client reads.
np_in cli /usr/bin/python3 - >"$T/flood" <<'PY'
import socket, struct, threading, time
import dns.message
s = socket.create_connection(("10.77.0.1", 53), timeout=10, source_address=("10.77.0.2", 0))
w = dns.message.make_query("www.example.net", "A").to_wire()[2:]
N = 8000
data = b"".join(struct.pack(">HH", len(w) + 2, i) + w for i in range(N))
threading.Thread(target=s.sendall, args=(data,), daemon=True).start()
time.sleep(1)
buf, got = b"", 0
while got < N:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
    while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
        n = struct.unpack(">H", buf[:2])[0]
        buf = buf[2 + n:]
        got += 1
print("answers", got)
PY
check "TCP client reading late gets all 8000 answers" grep -q '^answers 8000$' "$T/flood"

# Default access control (no access_control): loopback and local subnets.
kill "$DNSD_PID"
np_wait 5 sh -c "! kill -0 $DNSD_PID 2>/dev/null"
sed -i '/access_control/,/^);/d' "$T/dnsd.conf"
dnsd_start
from 10.77.0.130 www.example.net A >"$T/def-local"
check "default ACL: local subnet allowed" grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/def-local"
from 10.99.0.2 www.example.net A >"$T/def-far"
check "default ACL: other subnets get nothing" grep -q 'timed out' "$T/def-far"
np_in srv dig +time=1 +tries=1 @10.77.0.1 -b 127.0.0.1 www.example.net A >"$T/def-lo"
check "default ACL: loopback allowed" grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/def-lo"
dnsd_alive
np_log "PASS"
