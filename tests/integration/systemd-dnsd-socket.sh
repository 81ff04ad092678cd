#!/bin/sh
# systemd-dnsd-socket.sh: np-dnsd takes the sockets systemd binds for it
# (socket activation, the way np-dnsd.socket passes them, named "dns"),
# here from systemd-socket-activate: dig gets answers over UDP and kdig over
# TCP on the passed sockets, np-dnsd binds none of its own `listen` ones,
# and READY=1 arrives on the test's NOTIFY_SOCKET.  It runs unprivileged
# (setpriv to nobody, no capabilities) and still serves port 53, as the
# np-dnsd.service unit with CapabilityBoundingSet= empty does.  Then a
# dual-stack [::]:53 socket with xdp_interface and the capabilities of the
# xdp.conf drop-in: the IPv4 queries come through the AF_XDP ring.
set -u
. "$(dirname "$0")/netns.sh"
DNSD=${NP_DNSD:-${NP_BUILDDIR:-.}/daemons/dnsd/np-dnsd}
ACTIVATE=/usr/bin/systemd-socket-activate
[ -x "$DNSD" ] || np_fail "no np-dnsd at $DNSD"
[ -x "$ACTIVATE" ] || np_skip_or_fail "no systemd-socket-activate"
for p in dig kdig setpriv; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done
np_lab_init
np_ns_add srv
np_ns_add cli
np_link srv eth0 cli eth0
np_addr srv eth0 10.77.0.1/16
np_addr cli eth0 10.77.0.2/16
T=$(np_tmp)
chmod 0755 "$T"; mkdir -m 1777 "$T/run"
PY=/usr/bin/python3

# `listen` names a port nothing may bind if the passed sockets are used.
cat > "$T/dnsd.conf" <<EOC
listen = [ "10.77.0.1:5399" ];
local_zone = "lan.example.net.";
records = (
  "printer.lan.example.net. 300 IN A 10.77.0.50",
  "nas.lan.example.net. 300 IN AAAA 2001:db8::5"
);
control_socket = "$T/run/dnsd.sock";
EOC
"$DNSD" -t -c "$T/dnsd.conf" >/dev/null || np_fail "config rejected: $("$DNSD" -t -c "$T/dnsd.conf" 2>&1)"

start_collector() {
	np_bg srv "$PY" -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
open(sys.argv[1] + ".up", "w").close()
while True:
    m = s.recv(4096).decode()
    with open(sys.argv[2], "a") as f:
        f.write(m + "\n")
' "$T/notify" "$T/notify.log"
	np_wait 5 test -e "$T/notify.up" || np_fail "notify collector did not start"
	: >> "$T/notify.log"
}
ready() { grep -q '^READY=1$' "$T/notify.log"; }

# $1: "udp" or "tcp".  systemd-socket-activate binds port 53 as root, then
# runs np-dnsd as nobody with no capabilities at all on the first packet.
activate() {
	: > "$T/notify.log"
	_flag=; [ "$1" = udp ] && _flag=--datagram
	np_bg srv "$ACTIVATE" $_flag -l 10.77.0.1:53 --fdname=dns -E NOTIFY_SOCKET="$T/notify" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		--bounding-set=-all -- "$DNSD" -c "$T/dnsd.conf" 2>>"$T/dnsd-$1.log"
	ACT_PID=$NP_BG_PID
	[ "$1" = udp ] && _ss=-lnu || _ss=-lnt
	bound() { np_in srv ss $_ss | grep -q '10.77.0.1:53 '; }
	np_wait 5 bound || np_fail "systemd-socket-activate is not listening on 53/$1"
}
stop_activated() {
	kill "$ACT_PID" 2>/dev/null
	gone() { ! kill -0 "$ACT_PID" 2>/dev/null; }
	np_wait 5 gone || np_fail "np-dnsd did not stop on SIGTERM"
}
expect_a() {    # TOOL ARGS... -> the first answer must be 10.77.0.50
	_got=$(np_in cli "$@" 2>&1)
	[ "$_got" = 10.77.0.50 ] || np_fail "$*: expected 10.77.0.50, got '$_got' ($(cat "$T"/dnsd-*.log))"
}

start_collector

# UDP: the first query starts np-dnsd, which answers it on the passed socket.
activate udp
expect_a dig @10.77.0.1 -p 53 +short +tries=3 +time=2 printer.lan.example.net A
np_wait 5 ready || np_fail "np-dnsd (UDP activated): no READY=1: $(cat "$T/notify.log")"
grep -q "socket activation: 1 descriptor passed" "$T/dnsd-udp.log" ||
	np_fail "np-dnsd did not report the passed socket: $(cat "$T/dnsd-udp.log")"
_got=$(np_in cli dig @10.77.0.1 -p 53 +short nas.lan.example.net AAAA)
[ "$_got" = 2001:db8::5 ] || np_fail "AAAA over the activated socket: '$_got'"
np_in srv ss -lnu | grep -q ':5399 ' && np_fail "np-dnsd bound its own listen address anyway"
np_log "UDP: dig answered on the passed socket, READY=1, own listen address unbound"
stop_activated

# TCP: a listening stream socket, the way ListenStream=53 passes it.
activate tcp
expect_a kdig @10.77.0.1 -p 53 +tcp +short +retry=2 +timeout=2 printer.lan.example.net A
np_wait 5 ready || np_fail "np-dnsd (TCP activated): no READY=1"
expect_a kdig @10.77.0.1 -p 53 +tcp +short +timeout=2 printer.lan.example.net A
np_in srv ss -lnt | grep -q ':5399 ' && np_fail "np-dnsd bound its own TCP listen address anyway"
np_log "TCP: kdig answered twice on the passed listening socket"
stop_activated
# A dual-stack UDP socket on [::]:53 (np-dnsd.socket's ListenDatagram=53)
# with xdp_interface, unprivileged but for the four capabilities of the
# xdp.conf drop-in: queries to srv's address come through the ring, and the
# answers reach the client from 10.77.0.1:53.
"$PY" -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null ||
	np_skip_or_fail "UDP and TCP passed; this kernel has no AF_XDP sockets for the last part"
sed 's|^control_socket|xdp_interface = "eth0";\ncontrol_socket|' "$T/dnsd.conf" >"$T/dnsd-xdp.conf"
: > "$T/notify.log"
caps=+bpf,+net_admin,+net_raw,+ipc_lock
np_bg srv "$ACTIVATE" --datagram -l 53 --fdname=dns -E NOTIFY_SOCKET="$T/notify" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,$caps \
	--ambient-caps=-all,$caps --bounding-set=-all,$caps -- \
	"$DNSD" -c "$T/dnsd-xdp.conf" 2>>"$T/dnsd-xdp.log"
ACT_PID=$NP_BG_PID
np_wait 5 sh -c "ip netns exec $(np_ns srv) ss -lnu | grep -q ':53 '" ||
	np_fail "systemd-socket-activate is not listening on [::]:53/udp"
expect_a dig @10.77.0.1 -p 53 +short +tries=3 +time=2 printer.lan.example.net A
np_wait 5 ready || np_fail "np-dnsd (dual stack, XDP): no READY=1: $(cat "$T/dnsd-xdp.log")"
grep -q 'through AF_XDP' "$T/dnsd-xdp.log" || np_fail "no AF_XDP: $(cat "$T/dnsd-xdp.log")"
for i in 1 2 3; do expect_a dig @10.77.0.1 -p 53 +short +tries=1 +time=2 printer.lan.example.net A; done
CTL=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
rx=$(np_in srv "$CTL" -s "$T/run/dnsd.sock" --json dnsd stats |
	"$PY" -c 'import json, sys; print(json.load(sys.stdin)["arguments"].get("xdp.received", 0))')
[ "${rx:-0}" -ge 3 ] || np_fail "dual-stack socket with XDP: $rx queries through the ring, expected 3 ($(cat "$T/dnsd-xdp.log"))"
np_log "UDP [::]:53 with xdp_interface: $rx queries through the ring, answered from 10.77.0.1"
stop_activated
echo "np-dnsd serves the sockets systemd passes it, unprivileged"
