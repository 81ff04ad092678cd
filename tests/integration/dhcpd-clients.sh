#!/bin/sh
# dhcpd-clients.sh: udhcpc, dhclient and dhcpcd each get a lease from
# np-dhcpd over a veth, with the configured options, as their hook scripts
# see them; each on its own link and subnet (three interfaces served by one
# daemon).  Each renews (T1 is 3 s) and releases; dhclient's INIT-REBOOT
# with a wrong address is NAKed, and a restart and kill -9 keep every lease
# (the journal replays).
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
ctl=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
[ -x "$dhcpd" ] && [ -x "$ctl" ] || { np_log "ERROR: $dhcpd or $ctl not built"; exit 99; }
for p in udhcpc dhclient dhcpcd; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
np_ns_add srv
for i in 1 2 3; do
	np_ns_add c$i
	np_link srv eth$i c$i eth0
	ip -n "$(np_ns c$i)" link set eth0 address 02:00:5e:00:01:0$i
	np_addr srv eth$i 10.77.$i.1/24
done

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth1", "eth2", "eth3" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
subnets = (
CONF
for i in 1 2 3; do
	[ $i = 1 ] || printf ',\n' >>"$T/dhcpd.conf"
	cat >>"$T/dhcpd.conf" <<CONF
  { subnet = "10.77.$i.0/24"; lease_time = "10m"; renew_time = "3s"; rebind_time = "8m";
    pools = ( { first = "10.77.$i.100"; last = "10.77.$i.199"; } );
    options = { routers = [ "10.77.$i.1" ]; dns_servers = [ "10.77.$i.53", "10.77.0.54" ];
                domain_name = "lab$i.example.net"; }; }
CONF
done
printf ');\n' >>"$T/dhcpd.conf"
"$dhcpd" -t -c "$T/dhcpd.conf" || np_fail "config rejected"

start_dhcpd() {
	np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
	DHCPD_PID=$NP_BG_PID
	sleep 0.5
	kill -0 "$DHCPD_PID" 2>/dev/null || np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"
}
start_dhcpd

# One hook for all three clients: it appends what it was told to $T/NAME.out
# (dhclient runs its script with a clean environment, so the file is baked in).
cat >"$T/hook.in" <<'HOOK'
#!/bin/sh
out=@OUT@
# udhcpc and dhclient leave the address to their script; renewals and
# releases are unicast from it, so it goes on the interface.
case "$1" in
bound|renew) ip addr replace "$ip/$mask" dev "$interface"
	echo "$1 ip=$ip router=$router dns=$dns domain=$domain lease=$lease" >>"$out" ;;
esac
case "${reason:-}" in
BOUND|RENEW|REBOOT) [ -z "${ifcarrier:-}" ] && ip addr replace "$new_ip_address/24" dev "$interface"
	echo "$reason ip=$new_ip_address router=$new_routers dns=$new_domain_name_servers domain=$new_domain_name lease=$new_dhcp_lease_time" >>"$out" ;;
NAK|FAIL|EXPIRE) echo "$reason" >>"$out" ;;
esac
case "${reason:-}" in
BOUND|REBOOT|RENEW|BOUND4|REBOOT4|RENEW4)
	[ -n "${new_ip_address:-}" ] && echo "dhcpcd $reason ip=$new_ip_address router=$new_routers dns=$new_domain_name_servers domain=$new_domain_name lease=$new_dhcp_lease_time" >>"$out" ;;
esac
exit 0
HOOK
for c in udhcpc dhclient dhcpcd; do
	sed "s|@OUT@|$T/$c.out|" "$T/hook.in" >"$T/$c.hook"
	chmod +x "$T/$c.hook"
done

expect() {  # expect FILE PATTERN WHAT
	grep -q -- "$2" "$1" || np_fail "$3: $(cat "$1" 2>/dev/null); daemon: $(tail -5 "$T/dhcpd.log")"
}

# udhcpc on link 1.
np_in c1 udhcpc -f -q -n -i eth0 -s "$T/udhcpc.hook" -t 5 -T 1 -A 1 >"$T/udhcpc.log" 2>&1 \
	|| np_fail "udhcpc got no lease: $(cat "$T/udhcpc.log")"
expect "$T/udhcpc.out" "bound ip=10.77.1.1[0-9][0-9] router=10.77.1.1 dns=10.77.1.53 10.77.0.54 domain=lab1.example.net lease=600" "udhcpc lease"
U_IP=$(sed -n 's/^bound ip=\([0-9.]*\).*/\1/p' "$T/udhcpc.out" | head -1)
np_log "udhcpc: $U_IP"

# dhclient on link 2 (-1: one try; it backgrounds after BOUND).
np_in c2 dhclient -4 -1 -v -sf "$T/dhclient.hook" \
	-lf "$T/dhclient.leases" -pf "$T/dhclient.pid" eth0 >"$T/dhclient.log" 2>&1 \
	|| np_fail "dhclient got no lease: $(cat "$T/dhclient.log")"
np_on_cleanup "kill \$(cat '$T/dhclient.pid')"
expect "$T/dhclient.out" "BOUND ip=10.77.2.1[0-9][0-9] router=10.77.2.1 dns=10.77.2.53 10.77.0.54 domain=lab2.example.net lease=600" "dhclient lease"
D_IP=$(sed -n 's/^BOUND ip=\([0-9.]*\).*/\1/p' "$T/dhclient.out" | head -1)
np_log "dhclient: $D_IP"
np_wait 10 grep -q "^RENEW ip=$D_IP " "$T/dhclient.out" \
	|| np_fail "dhclient did not renew at T1: $(cat "$T/dhclient.out")"
np_log "dhclient renewed $D_IP"

# dhcpcd on link 3.  -L: no IPv4LL, which would otherwise race the ARP probe
# of the offered address and end the one-shot run on a 169.254 address.
np_in c3 dhcpcd -4 -B -L -d -t 15 -f /dev/null -o domain_name_servers -o domain_name \
	-c "$T/dhcpcd.hook" eth0 \
	>"$T/dhcpcd.log" 2>&1 &
DC_PID=$!
np_on_cleanup "kill $DC_PID"
np_wait 15 grep -q "^dhcpcd BOUND" "$T/dhcpcd.out" 2>/dev/null \
	|| np_fail "dhcpcd got no lease: $(tail -20 "$T/dhcpcd.log")"
expect "$T/dhcpcd.out" "dhcpcd BOUND ip=10.77.3.1[0-9][0-9] router=10.77.3.1 dns=10.77.3.53 10.77.0.54 domain=lab3.example.net lease=600" "dhcpcd lease"
C_IP=$(sed -n 's/^dhcpcd BOUND ip=\([0-9.]*\).*/\1/p' "$T/dhcpcd.out" | head -1)
np_log "dhcpcd: $C_IP"
np_wait 10 grep -q "^dhcpcd RENEW4\{0,1\} ip=$C_IP " "$T/dhcpcd.out" \
	|| np_fail "dhcpcd did not renew at T1: $(cat "$T/dhcpcd.out")"
np_log "dhcpcd renewed $C_IP"

# INIT-REBOOT with an address we did not give: DHCPNAK (dhclient reports
# it, then starts over and is bound again).
kill "$(cat "$T/dhclient.pid")" 2>/dev/null
sleep 0.2
sed -i "s/fixed-address $D_IP/fixed-address 10.77.2.150/" "$T/dhclient.leases"
[ "$D_IP" = 10.77.2.150 ] && sed -i "s/fixed-address 10.77.2.150/fixed-address 10.77.2.151/" "$T/dhclient.leases"
np_in c2 ip addr flush dev eth0
: >"$T/dhclient.out"
np_in c2 dhclient -4 -1 -v -sf "$T/dhclient.hook" \
	-lf "$T/dhclient.leases" -pf "$T/dhclient.pid" eth0 >"$T/dhclient2.log" 2>&1 \
	|| np_fail "dhclient reboot failed: $(cat "$T/dhclient2.log")"
grep -q "DHCPNAK" "$T/dhclient2.log" || np_fail "no DHCPNAK for a wrong INIT-REBOOT address: $(cat "$T/dhclient2.log")"
expect "$T/dhclient.out" "BOUND ip=$D_IP " "dhclient rebound to its own lease after the NAK"

# A restart replays the journal: udhcpc, asking again, gets the same address.
kill "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null
start_dhcpd
: >"$T/udhcpc.out"
np_in c1 udhcpc -f -q -n -i eth0 -s "$T/udhcpc.hook" -t 5 -T 1 -A 1 >"$T/udhcpc2.log" 2>&1 \
	|| np_fail "udhcpc got no lease after restart: $(cat "$T/udhcpc2.log")"
expect "$T/udhcpc.out" "bound ip=$U_IP " "udhcpc's address after a restart"

# kill -9 keeps it too.
kill -9 "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null
start_dhcpd
: >"$T/udhcpc.out"
np_in c1 udhcpc -f -q -n -i eth0 -s "$T/udhcpc.hook" -t 5 -T 1 -A 1 >"$T/udhcpc3.log" 2>&1 \
	|| np_fail "udhcpc got no lease after kill -9: $(cat "$T/udhcpc3.log")"
expect "$T/udhcpc.out" "bound ip=$U_IP " "udhcpc's address after kill -9"

# udhcpc renews on SIGUSR1 and releases on SIGUSR2; dhclient -r and
# dhcpcd -k release theirs: the server counts three DHCPRELEASEs.
: >"$T/udhcpc.out"
np_bg c1 udhcpc -f -i eth0 -s "$T/udhcpc.hook" -t 5 -T 1 -A 1 2>"$T/udhcpc4.log"
UC_PID=$NP_BG_PID
np_wait 10 grep -q "^bound ip=$U_IP " "$T/udhcpc.out" || np_fail "udhcpc: $(cat "$T/udhcpc4.log")"
kill -USR1 "$UC_PID"
np_wait 10 grep -q "^renew ip=$U_IP " "$T/udhcpc.out" \
	|| np_fail "udhcpc did not renew: $(cat "$T/udhcpc4.log")"
np_log "udhcpc renewed $U_IP"
kill -USR2 "$UC_PID"
np_in c2 dhclient -4 -r -sf "$T/dhclient.hook" -lf "$T/dhclient.leases" -pf "$T/dhclient.pid" eth0 \
	>"$T/dhclient3.log" 2>&1 || np_fail "dhclient -r failed: $(cat "$T/dhclient3.log")"
np_in c3 dhcpcd -4 -k eth0 >/dev/null 2>&1
released() {
	"$ctl" -s "$T/ctl.sock" --json dhcpd stats |
		/usr/bin/python3 -c 'import json,sys; v=json.load(sys.stdin)["arguments"]["pkt4-release-received"]; print(v[0][0] if isinstance(v, list) else v)'
}
n=0
for i in $(seq 50); do
	n=$(released)
	[ "$n" = 3 ] && break
	sleep 0.1
done
[ "$n" = 3 ] || np_fail "DHCPRELEASE counted $n times, expected 3 (udhcpc, dhclient, dhcpcd)"
np_log "three releases counted"
np_log "PASS"
exit 0
