#!/bin/sh
# dnsd-activation.sh: np-dnsd serves the UDP and TCP sockets passed by
# systemd socket activation (systemd-socket-activate, names "dns") instead
# of binding `listen`: queries on the passed port are answered over both
# transports, the configured port stays closed.
. "$(dirname "$0")/dnsd-lib.sh"
command -v systemd-socket-activate >/dev/null 2>&1 || np_skip_or_fail "systemd-socket-activate not installed"

dnsd_lab
nsd_start
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1:5300" ];
upstreams = [ "10.77.1.2" ];
control_socket = "$T/ctl.sock";
CONF
"$dnsd" -t -c "$T/dnsd.conf" >/dev/null || np_fail "config rejected"
# The outer one passes the TCP socket through the inner one, which adds UDP.
np_bg srv systemd-socket-activate -l 10.77.0.1:53 --fdname=dns \
	systemd-socket-activate -d -l 10.77.0.1:53 --fdname=dns \
	"$dnsd" -c "$T/dnsd.conf" 2>"$T/dnsd.log"
np_wait 5 np_in srv sh -c "ss -lnt | grep -q '10.77.0.1:53 '" || np_fail "no socket: $(cat "$T/dnsd.log")"

# The first connection starts the chain (systemd-socket-activate launches
# its child when a socket becomes readable).
np_in cli dig +tcp +time=5 +tries=1 @10.77.0.1 -b 10.77.0.2 www.example.net AAAA >"$T/tcp" || true
check "activated TCP socket answered" grep -q '2001:db8::80' "$T/tcp"
q www.example.net A >"$T/udp" || true
check "activated UDP socket answered" grep -Eq 'A[[:space:]]+10\.77\.1\.80' "$T/udp"
check "the daemon said it uses them" grep -q 'socket-activated' "$T/dnsd.log"
check "listen not bound" sh -c "! ip netns exec $(np_ns srv) ss -lnu | grep -q ':5300 '"
np_log "PASS"
