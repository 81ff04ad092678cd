#!/bin/sh
# dhcpd-classes.sh: client classes and a shared network with real clients.
# Four clients on one bridged link served by two subnets (a shared network):
#   - udhcpc sending vendor class "PXEClient:..." (a PXE ROM's option 60)
#     gets the subnet's next_server, server_name and boot_file in siaddr,
#     sname and file, and the pxe class's domain name over the subnet's;
#   - udhcpc sending user class "iPXE" (option 77, -x 0x4d) gets the ipxe
#     class's boot_file, an HTTP URL;
#   - dhclient with `send user-class "iPXE"` gets the same URL (new_filename);
#   - these three fill the first subnet's pool (three addresses); the fourth
#     client (dhcpcd) is served from the second subnet, with its router.
#   - the statistics, by np-ctl and on metrics_listen (curl): the first
#     subnet's cumulative-assigned-addresses and assigned-addresses are 3 of
#     its 3, its pools' exhaustion warned of once (pool-exhaustion-warnings
#     and one line in the daemon's log), 4 assignments in all.
# The capture, decoded by tshark, shows the fields of the OFFERs.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_DHCPD:-${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd}
npctl=${NP_CTL:-${NP_BUILDDIR:-.}/tools/ctl/np-ctl}
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
[ -x "$npctl" ] || { np_log "ERROR: $npctl not built"; exit 99; }
for p in udhcpc dhclient dhcpcd tshark curl; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
np_ns_add srv
ip -n "$(np_ns srv)" link add br0 type bridge || np_fail "no bridge"
ip -n "$(np_ns srv)" link set br0 up
for i in 1 2 3 4; do
	np_ns_add c$i
	np_link srv p$i c$i eth0
	ip -n "$(np_ns srv)" link set p$i master br0
	ip -n "$(np_ns c$i)" link set eth0 address 02:00:5e:00:02:0$i
done
np_addr srv br0 10.77.0.1/24

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "br0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
metrics_listen = "127.0.0.1:9433";
ping_check = false;
client_classes = (
  { name = "ipxe"; match = { user_class = "iPXE"; }; boot_file = "http://10.77.0.1/boot.ipxe"; },
  { name = "pxe"; match = { vendor_class = "PXEClient"; not = { user_class = "iPXE"; }; };
    options = { domain_name = "pxe.example"; }; }
);
subnets = (
  { subnet = "10.77.0.0/24"; interface = "br0"; lease_time = "10m";
    next_server = "10.77.0.1"; server_name = "boot"; boot_file = "undionly.kpxe";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.102"; } );
    options = { routers = [ "10.77.0.1" ]; domain_name = "lab.example"; }; },
  { subnet = "10.80.0.0/24"; interface = "br0"; lease_time = "10m";
    pools = ( { first = "10.80.0.10"; last = "10.80.0.20"; } );
    options = { routers = [ "10.80.0.1" ]; domain_name = "second.example"; }; }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >"$T/t.out" 2>&1 || np_fail "config rejected: $(cat "$T/t.out")"

np_bg srv tcpdump -i br0 -U -w "$T/cap.pcap" udp port 67 or udp port 68 2>"$T/tcpdump.log"
TD_PID=$NP_BG_PID
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "np-dhcpd not listening: $(cat "$T/dhcpd.log")"

cat >"$T/hook" <<HOOK
#!/bin/sh
[ "\$1" = bound ] && echo "ip=\$ip siaddr=\$siaddr sname=\$sname boot_file=\$boot_file domain=\$domain router=\$router" >>"$T/\$interface-\$(ip netns identify).out"
case "\${reason:-}" in
BOUND|REBOOT) echo "ip=\$new_ip_address sname=\$new_server_name boot_file=\$new_filename domain=\$new_domain_name router=\$new_routers" >>"$T/dhclient.out" ;;
esac
case "\${reason:-}" in
BOUND4|BOUND) [ -n "\${ifcarrier:-}" ] && echo "ip=\$new_ip_address domain=\$new_domain_name router=\$new_routers" >>"$T/dhcpcd.out" ;;
esac
exit 0
HOOK
chmod +x "$T/hook"
expect() {  # expect FILE PATTERN WHAT
	grep -q -- "$2" "$1" 2>/dev/null || np_fail "$3: $(cat "$1" 2>/dev/null); daemon: $(tail -5 "$T/dhcpd.log")"
	np_log "$3: $(cat "$1")"
}

# A PXE ROM's vendor class.
np_in c1 udhcpc -f -q -n -i eth0 -s "$T/hook" -t 5 -T 1 -A 1 \
	-V "PXEClient:Arch:00000:UNDI:002001" >"$T/u1.log" 2>&1 || np_fail "udhcpc (PXEClient) got no lease: $(cat "$T/u1.log")"
expect "$T/eth0-$(np_ns c1).out" \
	"ip=10.77.0.10[0-2] siaddr=10.77.0.1 sname=boot boot_file=undionly.kpxe domain=pxe.example router=10.77.0.1" \
	"udhcpc, vendor class PXEClient"

# User class iPXE (option 77), as iPXE sends it.
np_in c2 udhcpc -f -q -n -i eth0 -s "$T/hook" -t 5 -T 1 -A 1 \
	-x 0x4d:69505845 >"$T/u2.log" 2>&1 || np_fail "udhcpc (iPXE) got no lease: $(cat "$T/u2.log")"
expect "$T/eth0-$(np_ns c2).out" \
	"ip=10.77.0.10[0-2] siaddr=10.77.0.1 sname=boot boot_file=http://10.77.0.1/boot.ipxe domain=lab.example" \
	"udhcpc, user class iPXE"

# dhclient: send user-class.
printf 'send user-class "iPXE";\nrequest subnet-mask, routers, domain-name;\n' >"$T/dhclient.conf"
np_in c3 dhclient -4 -1 -v -cf "$T/dhclient.conf" -sf "$T/hook" \
	-lf "$T/dhclient.leases" -pf "$T/dhclient.pid" eth0 >"$T/dhclient.log" 2>&1 \
	|| np_fail "dhclient got no lease: $(cat "$T/dhclient.log")"
np_on_cleanup "kill \$(cat '$T/dhclient.pid')"
expect "$T/dhclient.out" "ip=10.77.0.10[0-2] sname=boot boot_file=http://10.77.0.1/boot.ipxe domain=lab.example" \
	"dhclient, user class iPXE"

# The first subnet's pool is full: the next client gets the second subnet.
np_in c4 dhcpcd -4 -B -L -d -t 15 -f /dev/null -o domain_name -c "$T/hook" eth0 >"$T/dhcpcd.log" 2>&1 &
DC_PID=$!
np_on_cleanup "kill $DC_PID"
np_wait 15 grep -q "^ip=" "$T/dhcpcd.out" 2>/dev/null \
	|| np_fail "dhcpcd got no lease (first subnet full): $(tail -20 "$T/dhcpcd.log"); daemon: $(tail -5 "$T/dhcpd.log")"
expect "$T/dhcpcd.out" "ip=10.80.0.1[0-9] domain=second.example router=10.80.0.1" "dhcpcd, from the second subnet"

# Statistics with Kea's names: np-ctl's table and the Prometheus samples.
"$npctl" -s "$T/ctl.sock" -t 5 dhcpd stats >"$T/stats.txt" || np_fail "np-ctl dhcpd stats: $(cat "$T/stats.txt")"
stat_is() {  # stat_is NAME VALUE
	v=$(awk -v k="$1" '$1 == k { print $2 }' "$T/stats.txt")
	[ "$v" = "$2" ] || np_fail "np-ctl dhcpd stats: $1 is '$v', not $2: $(grep -e addresses -e warnings "$T/stats.txt")"
}
stat_is "subnet[1].total-addresses" 3
stat_is "subnet[1].assigned-addresses" 3
stat_is "subnet[1].cumulative-assigned-addresses" 3
stat_is "subnet[1].pool-exhaustion-warnings" 1
stat_is "subnet[2].cumulative-assigned-addresses" 1
stat_is "subnet[2].pool-exhaustion-warnings" 0
stat_is "cumulative-assigned-addresses" 4
stat_is "pool-exhaustion-warnings" 1
np_log "np-ctl: $(grep -e cumulative -e warnings "$T/stats.txt" | tr -s ' \n' ' ')"
np_in srv curl -sS -m 5 http://127.0.0.1:9433/metrics >"$T/metrics.txt" 2>&1 || np_fail "curl metrics: $(cat "$T/metrics.txt")"
for want in 'np_dhcpd_cumulative_assigned_addresses{subnet="1"} 3' \
	'np_dhcpd_cumulative_assigned_addresses{subnet="2"} 1' \
	'np_dhcpd_cumulative_assigned_addresses 4' \
	'np_dhcpd_pool_exhaustion_warnings{subnet="1"} 1' \
	'np_dhcpd_pool_exhaustion_warnings 1'; do
	grep -qxF "$want" "$T/metrics.txt" || np_fail "metrics: no '$want': $(grep -e cumulative -e exhaustion "$T/metrics.txt")"
done
np_log "metrics: cumulative-assigned-addresses and pool-exhaustion-warnings as np_dhcpd_*"
# One warning line for the full pools of the first subnet, none for the second.
[ "$(grep -c "subnet 10.77.0.0/24: its pools are full" "$T/dhcpd.log")" = 1 ] \
	|| np_fail "no single pool-full warning in the daemon's log: $(cat "$T/dhcpd.log")"
grep -q "subnet 10.80.0.0/24: its pools" "$T/dhcpd.log" && np_fail "warning for the second subnet: $(cat "$T/dhcpd.log")"
np_log "log: $(grep "its pools are" "$T/dhcpd.log")"

# The capture: the fixed fields as a decoder reads them.
sleep 0.3
kill "$TD_PID" 2>/dev/null
wait "$TD_PID" 2>/dev/null
tshark -r "$T/cap.pcap" -Y "dhcp.option.dhcp == 2" -T fields -E occurrence=f -e dhcp.hw.mac_addr \
	-e dhcp.ip.your -e dhcp.ip.server -e dhcp.server -e dhcp.file >"$T/offers.txt" 2>"$T/tshark.log" \
	|| np_fail "tshark: $(cat "$T/tshark.log")"
np_log "OFFERs (chaddr yiaddr siaddr sname file):"
cat "$T/offers.txt" >&2
grep -q "^02:00:5e:00:02:01	10.77.0.10[0-2]	10.77.0.1	boot	undionly.kpxe$" "$T/offers.txt" \
	|| np_fail "PXEClient's OFFER fields in the capture"
grep -q "^02:00:5e:00:02:02	10.77.0.10[0-2]	10.77.0.1	boot	http://10.77.0.1/boot.ipxe$" "$T/offers.txt" \
	|| np_fail "iPXE's OFFER fields in the capture"
grep -q "^02:00:5e:00:02:04	10.80.0.1[0-9]	" "$T/offers.txt" \
	|| np_fail "no OFFER from the second subnet in the capture"
np_log "PASS"
exit 0
