#!/bin/sh
# dhcpd6-clients.sh: np-dhcpd serves DHCPv6 (RFC 8415) to real clients, each
# on its own link: dhclient -6 (IA_NA) gets an address from the pool and puts
# it on its interface, dhclient -6 -P (IA_PD) gets a /56 from the delegated-
# prefix pool, dhcpcd -6 gets an address and a prefix (ia_na, ia_pd);
# `np-ctl dhcpd leases` lists them beside a DHCPv4 lease; dhclient -6 -r
# releases its address (the lease shows released).  The server DUID is kept
# in LEASE_FILE.duid and is the same after a restart.  A kill -9 right after
# a REPLY loses nothing: after the restart the lease is listed and the same
# client renews to the same address.
set -u
. "$(dirname "$0")/netns.sh"

dhcpd=${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd
ctl=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
[ -x "$dhcpd" ] && [ -x "$ctl" ] || { np_log "ERROR: $dhcpd or $ctl not built"; exit 99; }
for p in dhclient dhcpcd; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed"
done

np_lab_init
T=$(np_tmp)
for n in srv c1 c2 c3; do
	np_ns_add $n
	# No duplicate address detection: addresses are usable at once.
	np_in $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
done
for i in 1 2 3; do
	np_link srv eth$i c$i eth0
	ip -n "$(np_ns c$i)" link set eth0 address 02:00:5e:00:06:0$i
done
np_addr srv eth1 10.77.1.1/24
ip -n "$(np_ns srv)" addr add 2001:db8:1::1/64 dev eth1 nodad

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "eth1" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
ping_check = false;
subnets = ( { subnet = "10.77.1.0/24"; interface = "eth1";
              pools = ( { first = "10.77.1.100"; last = "10.77.1.199"; } ); } );
subnets6 = (
  { subnet = "2001:db8:1::/64"; interface = "eth1";
    pools = ( { first = "2001:db8:1::1000"; last = "2001:db8:1::1fff"; } );
    options = { dns_servers = [ "2001:db8:1::53" ]; domain_search = [ "lab.example.net" ]; };
    preferred_lifetime = "10m"; valid_lifetime = "20m"; renew_timer = "3s"; rebind_timer = "8m"; },
  { subnet = "2001:db8:2::/64"; interface = "eth2";
    pd_pools = ( { prefix = "2001:db8:100::/40"; delegated_length = 56; } ); },
  { subnet = "2001:db8:3::/64"; interface = "eth3";
    pools = ( { first = "2001:db8:3::1000"; last = "2001:db8:3::1fff"; } );
    pd_pools = ( { prefix = "2001:db8:200::/40"; delegated_length = 60; } ); }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" || np_fail "config rejected"

start_dhcpd() {
	np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
	DHCPD_PID=$NP_BG_PID
	np_wait 5 "$ctl" -s "$T/ctl.sock" dhcpd status >/dev/null 2>&1 ||
		np_fail "np-dhcpd did not start: $(cat "$T/dhcpd.log")"
}
ctl() { "$ctl" -s "$T/ctl.sock" "$@"; }
start_dhcpd

# dhclient runs its script with a clean environment: the output file is baked in.
cat >"$T/hook.in" <<'HOOK'
#!/bin/sh
out=@OUT@
case "$reason" in
BOUND6|RENEW6|REBIND6|REBOOT6)
	[ -n "${new_ip6_address:-}" ] && ip -6 addr replace "$new_ip6_address/128" dev "$interface" nodad
	echo "$reason addr=${new_ip6_address:-} prefix=${new_ip6_prefix:-} dns=${new_dhcp6_name_servers:-} search=${new_dhcp6_domain_search:-}" >>"$out" ;;
RELEASE6|EXPIRE6|STOP6)
	[ -n "${old_ip6_address:-}" ] && ip -6 addr del "$old_ip6_address/128" dev "$interface"
	echo "$reason" >>"$out" ;;
esac
exit 0
HOOK
for c in na pd; do
	sed "s|@OUT@|$T/$c.out|" "$T/hook.in" >"$T/$c.hook"
	chmod +x "$T/$c.hook"
done

dhclient_na() {
	np_in c1 dhclient -6 -1 -v -sf "$T/na.hook" -lf "$T/na.leases" -pf "$T/na.pid" \
		"$@" eth0 >>"$T/na.log" 2>&1
}

# ---- dhclient -6: IA_NA --------------------------------------------------------
dhclient_na || np_fail "dhclient -6 got no address: $(cat "$T/na.log"; cat "$T/dhcpd.log")"
np_on_cleanup "kill \$(cat '$T/na.pid')"
NA=$(sed -n 's/^BOUND6 addr=\([0-9a-f:]*\) .*/\1/p' "$T/na.out" | head -1)
case "$NA" in
2001:db8:1::1[0-9a-f][0-9a-f][0-9a-f]) ;;
*) np_fail "dhclient -6: no address from the pool: $(cat "$T/na.out")" ;;
esac
grep -q "dns=2001:db8:1::53 search=lab.example.net" "$T/na.out" ||
	np_fail "dhclient -6: options missing: $(cat "$T/na.out")"
np_in c1 ip -6 addr show dev eth0 | grep -q "inet6 $NA/128" ||
	np_fail "$NA is not on c1's eth0"
grep -q "iaaddr $NA" "$T/na.leases" || np_fail "dhclient's lease file lacks $NA: $(cat "$T/na.leases")"
np_log "dhclient -6 (IA_NA): $NA"
np_wait 10 grep -q "^RENEW6 addr=$NA " "$T/na.out" ||
	np_fail "dhclient -6 did not renew at T1 (3 s): $(cat "$T/na.out")"
np_log "dhclient -6 renewed $NA"

# ---- dhclient -6 -P: IA_PD ------------------------------------------------------
np_in c2 dhclient -6 -P -1 -v -sf "$T/pd.hook" -lf "$T/pd.leases" -pf "$T/pd.pid" eth0 \
	>"$T/pd.log" 2>&1 || np_fail "dhclient -6 -P got no prefix: $(cat "$T/pd.log")"
np_on_cleanup "kill \$(cat '$T/pd.pid')"
PD=$(sed -n 's/^BOUND6 addr= prefix=\([0-9a-f:]*\/56\) .*/\1/p' "$T/pd.out" | head -1)
case "$PD" in
2001:db8:1[0-9a-f][0-9a-f]:*/56) ;;
*) np_fail "dhclient -6 -P: no /56 from 2001:db8:100::/40: $(cat "$T/pd.out")" ;;
esac
np_log "dhclient -6 -P (IA_PD): $PD"

# ---- dhcpcd -6: IA_NA and IA_PD ---------------------------------------------------
cat >"$T/dhcpcd.conf" <<CONF
ipv6only
noipv6rs
nohook resolv.conf
script $T/dhcpcd.hook
interface eth0
  ia_na 1
  ia_pd 2 -
CONF
cat >"$T/dhcpcd.hook" <<HOOK
#!/bin/sh
case "\$reason" in
BOUND6|RENEW6|REBIND6) echo "\$reason na=\${new_dhcp6_ia_na1_ia_addr1:-} pd=\${new_dhcp6_ia_pd1_prefix1:-}/\${new_dhcp6_ia_pd1_prefix1_length:-}" >>"$T/dhcpcd.out" ;;
esac
exit 0
HOOK
chmod +x "$T/dhcpcd.hook"
np_in c3 dhcpcd -6 -B -d -t 15 -f "$T/dhcpcd.conf" eth0 >"$T/dhcpcd.log" 2>&1 &
DHCPCD_PID=$!
NP_LAB_PIDS="$NP_LAB_PIDS $DHCPCD_PID"
np_wait 15 grep -q "^BOUND6" "$T/dhcpcd.out" 2>/dev/null ||
	np_fail "dhcpcd -6 got nothing: $(tail -30 "$T/dhcpcd.log")"
grep -Eq "^BOUND6 na=2001:db8:3::1[0-9a-f]{3} pd=2001:db8:2[0-9a-f]{2}(:[0-9a-f]+)?::/60" "$T/dhcpcd.out" ||
	np_fail "dhcpcd -6: not an address and a /60 from subnet 3: $(cat "$T/dhcpcd.out")"
C_NA=$(sed -n 's/^BOUND6 na=\([0-9a-f:]*\) .*/\1/p' "$T/dhcpcd.out" | head -1)
np_log "dhcpcd -6: $(head -1 "$T/dhcpcd.out")"

# ---- np-ctl dhcpd leases: both families ------------------------------------------------
printf '#!/bin/sh\nexit 0\n' >"$T/hook4"; chmod +x "$T/hook4"
np_in c1 udhcpc -f -q -n -i eth0 -t 3 -T 1 -A 1 -s "$T/hook4" >/dev/null 2>&1 ||
	np_fail "udhcpc got no DHCPv4 lease on link 1"
ctl dhcpd leases >"$T/leases.txt" 2>&1 || np_fail "np-ctl dhcpd leases: $(cat "$T/leases.txt")"
grep -Eq "^10\.77\.1\.1[0-9][0-9] " "$T/leases.txt" || np_fail "no v4 lease listed: $(cat "$T/leases.txt")"
grep -Eq "^$NA +128 +IA_NA " "$T/leases.txt" || np_fail "$NA not listed: $(cat "$T/leases.txt")"
grep -Eq "^${PD%/56} +56 +IA_PD " "$T/leases.txt" || np_fail "$PD not listed: $(cat "$T/leases.txt")"
grep -Eq "^$C_NA +128 +IA_NA " "$T/leases.txt" || np_fail "$C_NA not listed: $(cat "$T/leases.txt")"
np_log "np-ctl dhcpd leases lists both families"

# ---- the server DUID is kept ------------------------------------------------------------
[ -s "$T/leases.duid" ] || np_fail "no $T/leases.duid"
DUID=$(cat "$T/leases.duid")
case "$DUID" in 00:01:00:01:*) ;; *) np_fail "server DUID is not a DUID-LLT: $DUID" ;; esac
grep -q "server-id" "$T/na.leases" || np_fail "dhclient lease has no server-id"

# ---- kill -9 right after a REPLY: the lease stays, the client renews to it -----------------
kill "$(cat "$T/na.pid")" 2>/dev/null
np_wait 5 sh -c "! kill -0 $(cat "$T/na.pid") 2>/dev/null"
kill -9 "$DHCPD_PID"
wait "$DHCPD_PID" 2>/dev/null
# A different MAC on the server's first interface: the DUID must not change with it.
ip -n "$(np_ns srv)" link set eth1 address 02:00:5e:00:06:99
start_dhcpd
[ "$(cat "$T/leases.duid")" = "$DUID" ] || np_fail "server DUID changed across a restart"
ctl dhcpd leases >"$T/leases.txt" 2>&1
grep -Eq "^$NA +128 +IA_NA .* assigned" "$T/leases.txt" ||
	np_fail "$NA lost by kill -9: $(cat "$T/leases.txt")"
: >"$T/na.out"
dhclient_na || np_fail "dhclient -6 restart failed: $(cat "$T/na.log")"
grep -Eq "^(BOUND6|REBOOT6|RENEW6) addr=$NA " "$T/na.out" ||
	np_fail "dhclient -6 did not get $NA back after the restart: $(cat "$T/na.out")"
sed -n 's/.*\(server-id\).*/\1/p' "$T/na.leases" >/dev/null
np_log "after kill -9 and restart, $NA is still leased and the client has it again"

# ---- RELEASE ----------------------------------------------------------------------------------
dhclient_na -r || np_fail "dhclient -6 -r failed: $(tail -5 "$T/na.log")"
np_wait 5 sh -c "'$ctl' -s '$T/ctl.sock' dhcpd leases | grep -Eq '^$NA +128 +IA_NA .* released'" ||
	np_fail "RELEASE did not free $NA: $(ctl dhcpd leases)"
np_log "dhclient -6 -r released $NA"

ctl dhcpd stats >"$T/stats.txt"
awk '$1 == "pkt6-release-received" { r = $2 } $1 == "pkt6-reply-sent" { s = $2 }
     END { exit !(r >= 1 && s >= 2) }' "$T/stats.txt" ||
	np_fail "stats: $(grep pkt6 "$T/stats.txt")"
echo "np-dhcpd serves DHCPv6: dhclient IA_NA and IA_PD, dhcpcd, release, kill -9"
