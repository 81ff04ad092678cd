#!/bin/sh
# dhcpd-translog.sh: np-dhcpd's transaction log with real clients.  One
# line per completed exchange in the daemon's log ("transaction DHCPACK
# address=... hw-address=..."), and the same as JSON lines in
# transaction_log: dhcpcd's DHCPDECLINE (a squatter holds the address it is
# offered) and its ACK, udhcpc's ACK and RELEASE with a host name
# sanitised to one RFC 1123 label, dhclient's INIT-REBOOT for an address of
# another network (DHCPNAK), and the expiry of a lease nobody renews.  A
# reload reopens the file (rotation), np-ctl counts the entries, and
# --dump-leases prints the store offline as Kea's CSV and as JSON that
# agree with np-ctl's list.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
NPCTL=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
for p in dhcpcd udhcpc dhclient; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
np_ns_add srv
for h in sq c2 c3; do
	np_ns_add $h
	np_link srv p-$h $h eth0
done
# dhcpcd keeps its last lease per interface name (and would ask for it
# again): its interface has this test's own name, whose lease is cleared.
np_ns_add cli
np_link srv p-cli cli nptl0
rm -f /var/lib/dhcpcd/nptl0.lease
np_on_cleanup "rm -f /var/lib/dhcpcd/nptl0.lease"
ip -n "$(np_ns srv)" link add br0 type bridge || np_skip_or_fail "no bridge support"
for h in cli sq c2 c3; do
	ip -n "$(np_ns srv)" link set p-$h master br0
done
ip -n "$(np_ns srv)" link set br0 up
np_addr srv br0 10.77.0.1/24
ip -n "$(np_ns cli)" link set nptl0 address 02:00:5e:00:0e:01
ip -n "$(np_ns c2)" link set eth0 address 02:00:5e:00:0e:02
ip -n "$(np_ns c3)" link set eth0 address 02:00:5e:00:0e:03
np_addr sq eth0 10.77.0.100/24      # the squatter, on the first pool's two addresses
np_addr sq eth0 10.77.0.101/24

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "br0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
transaction_log = "$T/translog.jsonl";
ping_check = false;
authoritative = true;
subnets = (
  { subnet = "10.77.0.0/24"; lease_time = "1m";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.101"; },
              { first = "10.77.0.110"; last = "10.77.0.130"; } );
    options = { routers = [ "10.77.0.1" ]; }; }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >"$T/t.out" 2>&1 || np_fail "config rejected: $(cat "$T/t.out")"
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
DHCPD_PID=$NP_BG_PID
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "np-dhcpd not listening: $(cat "$T/dhcpd.log")"

# A JSON line of the file with these fields, checked by python.
jline() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
path, want = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
for line in open(path):
    o = json.loads(line)          # every line is one JSON object
    if all(str(o.get(k)) == v for k, v in want.items()):
        for k in ("timestamp", "type", "address", "hw-address", "client-id", "hostname",
                  "lease-time", "relay"):
            assert k in o, "%s lacks %s" % (line, k)
        sys.exit(0)
sys.exit(1)
PY
}
expect_line() {   # expect_line FILE WHAT key=value...
	f=$1; what=$2; shift 2
	np_wait 10 jline "$f" "$@" \
		|| np_fail "$what: no such line in $f: $(cat "$f" 2>/dev/null); log: $(grep transaction "$T/dhcpd.log")"
	np_log "$what: JSON line $*"
}
expect_log() {    # expect_log WHAT REGEX
	np_wait 10 grep -Eq "$2" "$T/dhcpd.log" \
		|| np_fail "$1: no log line /$2/: $(grep transaction "$T/dhcpd.log")"
	np_log "$1: $(grep -E -m1 "$2" "$T/dhcpd.log" | sed 's/.*transaction/transaction/')"
}

# 1. DECLINE: dhcpcd finds the offered address (.100 or .101) in use, declines it, binds another.
cat >"$T/hook" <<HOOK
#!/bin/sh
case "\${reason:-}" in
BOUND|REBOOT) echo "\$reason \$new_ip_address" >>"$T/dhcpcd.out" ;;
esac
exit 0
HOOK
chmod +x "$T/hook"
np_in cli dhcpcd -4 -1 -B -L -d -t 60 -f /dev/null -c "$T/hook" nptl0 >"$T/dhcpcd.log" 2>&1 &
DC_PID=$!
np_on_cleanup "kill $DC_PID"
np_wait 60 grep -q "^BOUND" "$T/dhcpcd.out" 2>/dev/null \
	|| np_fail "dhcpcd got no lease: $(tail -20 "$T/dhcpcd.log")"
C_IP=$(awk '/^BOUND/ { print $2; exit }' "$T/dhcpcd.out")
expect_line "$T/translog.jsonl" DECLINE type=DHCPDECLINE address=10.77.0.100 hw-address=02:00:5e:00:0e:01
expect_log DECLINE "transaction DHCPDECLINE address=10\.77\.0\.100 hw-address=02:00:5e:00:0e:01"
expect_line "$T/translog.jsonl" "dhcpcd ACK" type=DHCPACK address="$C_IP" hw-address=02:00:5e:00:0e:01 lease-time=60
kill "$DC_PID" 2>/dev/null

# 2. ACK and RELEASE: udhcpc sends "My_Laptop!.Example" as its name (its
# script puts the address on eth0: the RELEASE is sent from it).
cat >"$T/udhcpc.hook" <<'HOOK'
#!/bin/sh
case "$1" in
bound|renew) ip addr add "$ip/${mask:-24}" dev "$interface" 2>/dev/null ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
HOOK
chmod +x "$T/udhcpc.hook"
np_bg c2 udhcpc -f -i eth0 -s "$T/udhcpc.hook" -x hostname:'My_Laptop!.Example' -t 5 -T 1 -A 1 \
	2>"$T/udhcpc.log"
UC_PID=$NP_BG_PID
np_wait 10 grep -q "lease of .* obtained" "$T/udhcpc.log" || np_fail "udhcpc got no lease: $(cat "$T/udhcpc.log")"
U_IP=$(sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p' "$T/udhcpc.log" | head -1)
[ -n "$U_IP" ] || np_fail "udhcpc: no address in $(cat "$T/udhcpc.log")"
expect_line "$T/translog.jsonl" "udhcpc ACK" type=DHCPACK address="$U_IP" hw-address=02:00:5e:00:0e:02 client-id=01:02:00:5e:00:0e:02 hostname=my-laptop lease-time=60 relay=
expect_log "udhcpc ACK" "transaction DHCPACK address=$U_IP hw-address=02:00:5e:00:0e:02 client-id=01:02:00:5e:00:0e:02 hostname=my-laptop lease-time=60"
kill -USR2 "$UC_PID"          # udhcpc releases on SIGUSR2
expect_line "$T/translog.jsonl" "udhcpc RELEASE" type=DHCPRELEASE address="$U_IP" hw-address=02:00:5e:00:0e:02 hostname=my-laptop
kill "$UC_PID" 2>/dev/null
expect_log "udhcpc RELEASE" "transaction DHCPRELEASE address=$U_IP hw-address=02:00:5e:00:0e:02"

# 3. Rotation: the file moved away, a reload, and the next line starts a new file.
mv "$T/translog.jsonl" "$T/translog.jsonl.1"
kill -HUP "$DHCPD_PID"
np_wait 10 test -e "$T/translog.jsonl" || np_fail "reload did not reopen transaction_log"

# 4. NAK: dhclient reboots with a lease of another network (INIT-REBOOT, RFC 2131 §4.3.2).
cat >"$T/dhclient.leases" <<LEASE
lease {
  interface "eth0";
  fixed-address 10.99.0.5;
  option subnet-mask 255.255.255.0;
  option dhcp-lease-time 600;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
LEASE
printf '#!/bin/sh\nexit 0\n' >"$T/dhclient.hook"
chmod +x "$T/dhclient.hook"
np_in c3 dhclient -4 -1 -v -sf "$T/dhclient.hook" -lf "$T/dhclient.leases" -pf "$T/dhclient.pid" \
	eth0 >"$T/dhclient.log" 2>&1 || np_fail "dhclient got no lease: $(cat "$T/dhclient.log")"
np_on_cleanup "kill \$(cat '$T/dhclient.pid')"
grep -q "DHCPNAK" "$T/dhclient.log" || np_fail "dhclient saw no DHCPNAK: $(cat "$T/dhclient.log")"
expect_line "$T/translog.jsonl" NAK type=DHCPNAK address=10.99.0.5 hw-address=02:00:5e:00:0e:03
expect_log NAK "transaction DHCPNAK address=10\.99\.0\.5 hw-address=02:00:5e:00:0e:03"
kill "$(cat "$T/dhclient.pid")" 2>/dev/null

# 5. Expiry: udhcpc takes a lease and leaves without renewing or releasing it.
np_in c2 udhcpc -f -q -n -i eth0 -s /bin/true -t 5 -T 1 -A 1 >"$T/udhcpc2.log" 2>&1 \
	|| np_fail "udhcpc got no lease: $(cat "$T/udhcpc2.log")"
U2_IP=$(sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p' "$T/udhcpc2.log" | head -1)
np_wait 90 jline "$T/translog.jsonl" type=EXPIRED address="$U2_IP" hw-address=02:00:5e:00:0e:02 \
	|| np_fail "no EXPIRED line for $U2_IP: $(cat "$T/translog.jsonl")"
np_log "expiry of $U2_IP logged"
expect_log EXPIRED "transaction EXPIRED address=$U2_IP hw-address=02:00:5e:00:0e:02"
# Nothing of before the rotation went to the new file.
! grep -q DHCPDECLINE "$T/translog.jsonl" || np_fail "the reopened file holds old lines"

# 6. Counted: every exchange above is an entry.
n=$("$NPCTL" -s "$T/ctl.sock" -t 5 dhcpd stats 2>&1 | awk '$1 == "transaction-log-entries" { print $2 }')
[ "${n:-0}" -ge 7 ] || np_fail "transaction-log-entries ${n:-none}, want >= 7"
np_log "transaction-log-entries $n"

# 7. --dump-leases: the store offline, as np-ctl lists it.
"$NPCTL" -s "$T/ctl.sock" -t 5 --json dhcpd leases >"$T/ctl.json" 2>&1 || np_fail "np-ctl leases: $(cat "$T/ctl.json")"
kill "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null
"$dhcpd" --dump-leases "$T/leases" -c "$T/dhcpd.conf" >"$T/dump.csv" 2>"$T/dump.err" || np_fail "dump: $(cat "$T/dump.err")"
"$dhcpd" --dump-leases "$T/leases" --format json -c "$T/dhcpd.conf" >"$T/dump.json" 2>"$T/dump.err" || np_fail "dump: $(cat "$T/dump.err")"
/usr/bin/python3 -m json.tool "$T/dump.json" >/dev/null || np_fail "--format json is not JSON: $(cat "$T/dump.json")"
/usr/bin/python3 - "$T/ctl.json" "$T/dump.json" "$T/dump.csv" >"$T/cmp" 2>&1 <<'PY' || np_fail "$(cat "$T/cmp")"
import csv, json, sys
def leases(o):
    if isinstance(o, dict):
        if "ip-address" in o:
            yield o
        for v in o.values():
            yield from leases(v)
    elif isinstance(o, list):
        for v in o:
            yield from leases(v)
keys = ("ip-address", "hw-address", "subnet-id", "cltt", "valid-lft", "expire", "state", "hostname")
ctl = {l["ip-address"]: tuple(l[k] for k in keys) for l in leases(json.load(open(sys.argv[1])))}
dump = {l["ip-address"]: tuple(l[k] for k in keys) for l in json.load(open(sys.argv[2]))["leases"]}
assert ctl and ctl == dump, "np-ctl %s\n--dump-leases %s" % (ctl, dump)
rows = list(csv.DictReader(open(sys.argv[3])))
assert rows and list(rows[0].keys())[:10] == ["address", "hwaddr", "client_id", "valid_lifetime",
    "expire", "subnet_id", "fqdn_fwd", "fqdn_rev", "hostname", "state"], rows[0].keys()
csvd = {r["address"]: (r["address"], r["hwaddr"], int(r["subnet_id"]), int(r["expire"]) - int(r["valid_lifetime"]),
        int(r["valid_lifetime"]), int(r["expire"]), int(r["state"]), r["hostname"]) for r in rows}
# Kea's CSV has no "released" (Kea deletes those): state 3 here.
norm = {a: v[:6] + ((3 if v[6] == 3 else v[6]),) + v[7:] for a, v in dump.items()}
assert csvd == norm, "csv %s\njson %s" % (csvd, norm)
print(len(rows))
PY
np_log "--dump-leases: $(cat "$T/cmp") leases, CSV and JSON agree with np-ctl"
np_log "PASS"
exit 0
