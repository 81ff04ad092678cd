# tcpprobe-lib.sh: shared set-up of the np-tcpprobe scenarios (sourced, not a test).
#
#   . "$(dirname "$0")/tcpprobe-lib.sh"
#   tp_lab                    # namespaces prb (10.77.6.2) and tgt (10.77.6.1) on eth0
#   tp_listen PORT [MSS]      # a kernel listener in tgt (python3), accepting and closing
#   tp_listen_noaccept PORT   # a listener that never accepts (connections stay queued)
#   tp_probe ARGS...          # np-tcpprobe in prb; output in $TP_OUT, status in $TP_RC
#   tp_json_field SEQ FIELD   # a field of probe SEQ in $TP_OUT (--json), dotted path
#   tp_tables                 # np_tcpprobe tables left in prb
. "$(dirname "$0")/netns.sh"

TCPPROBE=${NP_TCPPROBE:-${NP_BUILDDIR:-.}/tools/tcpprobe/np-tcpprobe}
PY=/usr/bin/python3
PRB=10.77.6.2
TGT=10.77.6.1

tp_lab() {
	np_lab_init
	[ -x "$TCPPROBE" ] || np_fail "no np-tcpprobe at $TCPPROBE"
	command -v nft >/dev/null 2>&1 || np_skip_or_fail "nft (nftables) not installed"
	np_ns_add prb
	np_ns_add tgt
	np_link prb eth0 tgt eth0
	np_addr prb eth0 $PRB/24
	np_addr tgt eth0 $TGT/24
	PRB_MAC=$(np_mac prb eth0)
	TGT_MAC=$(np_mac tgt eth0)
}

# tp_listen PORT [MSS]: accept and close at once (a server that says nothing).
tp_listen() {
	np_bg tgt $PY -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if len(sys.argv) > 2:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, int(sys.argv[2]))
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1024)
while True:
    c, _ = s.accept()
    c.close()
' "$@"
	np_wait 5 tp_listening "$1" || np_fail "listener on port $1 did not start"
}

tp_listen_noaccept() {
	np_bg tgt $PY -c '
import socket, sys, time
s = socket.socket()
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
time.sleep(3600)
' "$1"
	np_wait 5 tp_listening "$1" || np_fail "listener on port $1 did not start"
}

tp_listening() { np_in tgt ss -Htln "sport = :$1" | grep -q LISTEN; }

tp_probe() {
	TP_OUT=$(np_in prb timeout 60 "$TCPPROBE" "$@" 2>"$(np_tmp)/stderr")
	TP_RC=$?
	TP_ERR=$(cat "$(np_tmp)/stderr")
}

# tp_json_field SEQ PATH: e.g. tp_json_field 0 options.mss ("" when absent).
tp_json_field() {
	printf '%s\n' "$TP_OUT" | $PY -c '
import json, sys
seq, path = int(sys.argv[1]), sys.argv[2].split(".")
for line in sys.stdin:
    o = json.loads(line)
    if o.get("seq") != seq:
        continue
    for p in path:
        o = o.get(p) if isinstance(o, dict) else None
    print("" if o is None else (str(o).lower() if isinstance(o, bool) else o))
' "$1" "$2"
}

tp_tables() { np_in prb nft list tables 2>/dev/null | grep np_tcpprobe_; }

# tp_expect NAME GOT WANT
tp_expect() {
	[ "$2" = "$3" ] || np_fail "$1: got '$2', want '$3'
$TP_OUT
$TP_ERR"
}
