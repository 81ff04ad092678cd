#!/bin/sh
# ctl-commands.sh: the requests np-ctl sends for each daemon's commands and
# how it prints and exits on the answers, against a stand-in control socket
# (python3) that records each request and answers as the daemon would.
# Needs no root and no namespace.
set -u
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
PY=/usr/bin/python3
[ -x "$NPCTL" ] || { echo "ERROR: no np-ctl at $NPCTL"; exit 99; }
[ -x "$PY" ] || { echo "SKIP: no $PY"; exit 77; }
T=$(mktemp -d /tmp/np-ctl-commands.XXXXXX) || exit 1
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# Answers by command; the request of each call goes to $T/request.
cat > "$T/server.py" <<'PY'
import json, os, socket, sys
path, log = sys.argv[1], sys.argv[2]
answers = {
    "lease4-get-all": {"result": 0, "text": "2 IPv4 lease(s) found.", "arguments": {"leases": [
        {"ip-address": "10.77.0.100", "hw-address": "02:00:00:77:00:01", "hostname": "c1",
         "valid-lft": 600, "state": 0},
        {"ip-address": "10.77.0.101", "hw-address": "02:00:00:77:00:02", "hostname": "",
         "valid-lft": 600, "state": 0}]}},
    "lease4-get": {"result": 3, "text": "Lease not found."},
    "lease4-del": {"result": 0, "text": "IPv4 lease deleted."},
    "cache-flush": {"result": 0, "text": "3 entries removed", "arguments": {"removed": 3}},
    "cache-dump": {"result": 3, "text": "cache entries", "arguments": []},
    "config-reload": {"result": 1, "text": "/etc/netproto/np-dhcpd.conf:7: lease_time: not a duration"},
    "list-commands": {"result": 0, "arguments": ["config-reload", "lease4-get-all", "list-commands"]},
    "status-get": {"result": 0, "arguments": {"pid": 4242, "uptime": 3725, "reload": 65}},
    "statistic-get-all": {"result": 0, "arguments": {
        "pkt4-received": [[10, "2026-11-22 02:30:00.000001"], [9, "2026-11-22 02:29:00.000001"]],
        "subnet[1].assigned-addresses": [[2, "2026-11-22 02:30:00.000001"]]}},
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
while True:
    c, _ = s.accept()
    data = b""
    while True:
        try:
            req = json.loads(data.decode())
            break
        except ValueError:
            b = c.recv(65536)
            if not b:
                req = None
                break
            data += b
    with open(log, "a") as f:
        f.write(json.dumps(req, sort_keys=True) + "\n")
    ans = answers.get(req["command"], {"result": 2, "text": "'%s' command not supported" % req["command"]})
    c.sendall(json.dumps(ans).encode())
    c.close()
PY
"$PY" "$T/server.py" "$T/sock" "$T/request" &
SRV_PID=$!
i=0; while [ ! -S "$T/sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$T/sock" ] || fail "stand-in server did not start"

# run ARGS...: np-ctl -s SOCK ARGS; sets rc, leaves stdout, stderr, requests in $T.
run() { : > "$T/request"; "$NPCTL" -s "$T/sock" -t 5 "$@" > "$T/out" 2> "$T/err"; rc=$?; }
# The first request of the last run (an unsupported command adds list-commands).
req_is() { [ "$(head -n 1 "$T/request")" = "$1" ] || fail "request: $(cat "$T/request"), expected $1"; }

run dhcpd leases
[ $rc -eq 0 ] && [ "$(head -n 1 "$T/out")" = "leases:" ] || fail "leases: exit $rc"
# lease-get-all (both families, np-dhcpd's), then Kea's lease4-get-all when unsupported.
req_is '{"command": "lease-get-all"}'
sed -n 2p "$T/request" | grep -qx '{"command": "lease4-get-all"}' || fail "no lease4-get-all fallback: $(cat "$T/request")"
sed -n 2p "$T/out" | grep -Eq '^ip-address +hw-address +hostname +valid-lft +state$' || fail "leases header: $(cat "$T/out")"
grep -Eq '^10\.77\.0\.100 +02:00:00:77:00:01 +c1 +600 +0$' "$T/out" || fail "leases row: $(cat "$T/out")"

run dhcpd leases 02:00:00:77:00:09
req_is '{"arguments": {"hw-address": "02:00:00:77:00:09"}, "command": "lease4-get"}'
[ $rc -eq 1 ] && grep -q "Lease not found" "$T/err" || fail "lease by MAC, not found: exit $rc $(cat "$T/err")"
run dhcpd leases 10.77.0.5
req_is '{"arguments": {"ip-address": "10.77.0.5"}, "command": "lease4-get"}'

run dhcpd release 10.77.0.100
[ $rc -eq 0 ] && grep -q "IPv4 lease deleted" "$T/out" || fail "release: exit $rc"
req_is '{"arguments": {"ip-address": "10.77.0.100"}, "command": "lease4-del"}'

run dnsd cache flush www.example.net
req_is '{"arguments": {"name": "www.example.net"}, "command": "cache-flush"}'
[ $rc -eq 0 ] && grep -Eq '^removed +3$' "$T/out" || fail "cache flush: exit $rc: $(cat "$T/out")"
run dnsd cache flush
req_is '{"command": "cache-flush"}'
run dnsd cache dump
req_is '{"command": "cache-dump"}'
[ $rc -eq 0 ] || fail "an empty cache dump (result 3) is not an error: exit $rc"

run dhcpd reload
req_is '{"command": "config-reload"}'
[ $rc -eq 1 ] || fail "refused reload: exit $rc"
grep -q "np-dhcpd refused the new configuration and keeps the running one: /etc/netproto/np-dhcpd.conf:7: lease_time" "$T/err" ||
	fail "refused reload message: $(cat "$T/err")"

run --json dhcpd reload
[ $rc -eq 1 ] && "$PY" -m json.tool "$T/out" >/dev/null || fail "--json reload: exit $rc, $(cat "$T/out")"

run dhcpd status
[ "$(cat "$T/out")" = "np-dhcpd is running, pid 4242, up 1h 2m 5s, configuration reloaded 1m 5s ago" ] ||
	fail "status: $(cat "$T/out")"

# Kea's statistics shape: the newest value of each.
run dhcpd stats
req_is '{"command": "statistic-get-all"}'
[ $rc -eq 0 ] && [ "$(cat "$T/out")" = "pkt4-received                 10
subnet[1].assigned-addresses  2" ] || fail "stats in Kea's shape: $(cat "$T/out")"

run dnsd call frobnicate '{"x": 1}'
req_is '{"arguments": {"x": 1}, "command": "frobnicate"}'
[ $rc -eq 1 ] && grep -q 'np-dnsd does not support the command "frobnicate"; it supports: config-reload lease4-get-all list-commands' "$T/err" ||
	fail "unsupported: exit $rc $(cat "$T/err")"

# Usage errors never reach the daemon.
for args in "dhcpd table" "arpd leases" "dnsd cache" "dhcpd release" "bogus stats" "dnsd call x {bad"; do
	run $args
	[ $rc -eq 2 ] || fail "np-ctl $args: exit $rc, not 2"
	[ ! -s "$T/request" ] || fail "np-ctl $args sent a request"
done
"$NPCTL" -s "$T/none.sock" dnsd stats 2> "$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q "np-dnsd is not running (no $T/none.sock)" "$T/err" || fail "not running: $rc $(cat "$T/err")"
echo "np-ctl: requests, tables, exit codes"
