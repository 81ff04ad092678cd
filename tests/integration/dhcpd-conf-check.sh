#!/bin/sh
# dhcpd-conf-check.sh: `np-dhcpd -t` refuses, with FILE:LINE, what the start
# would refuse or silently ignore, and accepts what the manual documents:
#   - two reservations of one address; one client with two reservations;
#   - user = "root", an unknown user;
#   - a directory, or a file in a missing directory, as lease_file;
#   - a relative path, a file in a missing directory, or a directory as
#     transaction_log;
#   - a custom option 51 (the server sets the lease time itself: a
#     reservation's lease_time is accepted instead);
#   - client classes: an unknown class in a pool's allow, a class defined
#     twice, a bad client_arch, a match that is not a group;
#   - a shared_network spanning two interfaces; a circuit_id reservation
#     inside a pool; a reservation with two keys;
#   - and accepts two subnets on one interface (a shared network), a
#     reservation without an address, classes with boot fields.
#   - control_socket = "" opens none (np-dhcpd, np-dnsd, np-arpd).
# Then a real client: a custom option of type "ips" reaches udhcpc.
set -u
. "$(dirname "$0")/netns.sh"
DHCPD=${NP_DHCPD:-${NP_BUILDDIR:-.}/daemons/dhcpd/np-dhcpd}
DNSD=${NP_BUILDDIR:-.}/daemons/dnsd/np-dnsd
ARPD=${NP_BUILDDIR:-.}/daemons/arpd/np-arpd
[ -x "$DHCPD" ] || np_fail "no np-dhcpd at $DHCPD"
command -v udhcpc >/dev/null 2>&1 || np_skip_or_fail "udhcpc not installed"
np_lab_init
T=$(np_tmp)

# conf NAME ROOT-SETTINGS SUBNETS: a config file $T/NAME.conf
conf() {
	cat >"$T/$1.conf" <<EOC
interfaces = [ "eth0" ];
lease_file = "$T/leases";
control_socket = "$T/ctl.sock";
$2
subnets = (
$3
);
EOC
}
SUB='  { subnet = "10.77.0.0/24"; interface = "eth0";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.110"; } ); }'

# refused NAME LINE WHAT: -t exits 1 with "NAME.conf:LINE: ...WHAT"
refused() {
	"$DHCPD" -t -c "$T/$1.conf" >"$T/$1.out" 2>&1; rc=$?
	[ $rc -eq 1 ] || np_fail "$1: -t exit $rc, not 1: $(cat "$T/$1.out")"
	grep -q "$1.conf:$2: .*$3" "$T/$1.out" || np_fail "$1: no '$1.conf:$2: ...$3' in: $(cat "$T/$1.out")"
	np_log "$1 refused: $(head -1 "$T/$1.out")"
}
accepted() {
	"$2" -t -c "$T/$1.conf" >"$T/$1.out" 2>&1 || np_fail "$1: -t refused: $(cat "$T/$1.out")"
}

conf ok "" "$SUB"
accepted ok "$DHCPD"

conf dupaddr "" '  { subnet = "10.77.0.0/24"; interface = "eth0";
    reservations = (
      { mac = "02:00:5e:00:0c:01"; address = "10.77.0.50"; },
      { mac = "02:00:5e:00:0c:02"; address = "10.77.0.50"; } ); }'
refused dupaddr 9 "10.77.0.50 is reserved already at .*dupaddr.conf:8"

conf dupclient "" '  { subnet = "10.77.0.0/24"; interface = "eth0";
    reservations = (
      { mac = "02:00:5e:00:0c:01"; address = "10.77.0.50"; },
      { mac = "02:00:5e:00:0c:01"; address = "10.77.0.51"; } ); }'
refused dupclient 9 "reservation already at .*dupclient.conf:8"

conf root 'user = "root";' "$SUB"
refused root 4 "is root"
conf nouser 'user = "np-no-such-user-x";' "$SUB"
refused nouser 4 "no such user"

mkdir "$T/leasedir"
conf leasedir "lease_file = \"$T/leasedir\";" "$SUB"
sed -i '2d' "$T/leasedir.conf"            # the default lease_file line
refused leasedir 3 "is a directory"
conf leasenodir "lease_file = \"$T/missing/leases\";" "$SUB"
sed -i '2d' "$T/leasenodir.conf"
refused leasenodir 3 "directory .*missing"

# transaction_log: an absolute file name in a directory that exists.
conf logrel 'transaction_log = "dhcpd-transactions.log";' "$SUB"
refused logrel 4 "transaction_log \"dhcpd-transactions.log\" is not an absolute path"
conf lognodir "transaction_log = \"$T/missing/transactions.log\";" "$SUB"
refused lognodir 4 "transaction_log .*directory $T/missing does not exist"
conf logdir "transaction_log = \"$T/leasedir\";" "$SUB"
refused logdir 4 "transaction_log \"$T/leasedir\" is a directory"
conf logslash "transaction_log = \"$T/\";" "$SUB"
refused logslash 4 "transaction_log .*names a directory"
conf logok "transaction_log = \"$T/transactions.log\";" "$SUB"
accepted logok "$DHCPD"

conf twosubnets "" "$SUB,
  { subnet = \"10.78.0.0/24\"; interface = \"eth0\"; }"
accepted twosubnets "$DHCPD"

CLASSES='client_classes = (
  { name = "ipxe"; match = { user_class = "iPXE"; }; boot_file = "http://10.77.0.1/boot.ipxe"; },
  { name = "uefi"; match = { any = ( { client_arch = 7; }, { client_arch = 9; } ); }; boot_file = "ipxe.efi"; } );'
conf classes "$CLASSES" '  { subnet = "10.77.0.0/24"; interface = "eth0"; next_server = "10.77.0.1";
    server_name = "boot"; boot_file = "undionly.kpxe";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.110"; deny = [ "uefi" ]; } );
    reservations = ( { mac = "02:00:5e:00:0c:01"; hostname = "nas"; lease_time = "10m"; },
                     { circuit_id = "port7"; address = "10.77.0.7"; } ); }'
accepted classes "$DHCPD"

conf noclass "$CLASSES" '  { subnet = "10.77.0.0/24"; interface = "eth0";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.110"; allow = [ "bios" ]; } ); }'
refused noclass 9 "allow: no client class \"bios\""
conf twiceclass 'client_classes = ( { name = "a"; match = { known = true; }; },
  { name = "a"; match = { known = false; }; } );' "$SUB"
refused twiceclass 5 "client class \"a\" is defined twice"
conf badarch 'client_classes = ( { name = "a";
  match = { client_arch = 70000; }; } );' "$SUB"
refused badarch 5 "client_arch must be an integer"
conf badnot 'client_classes = ( { name = "a"; match = { not = ( { known = true; } ); }; } );' "$SUB"
refused badnot 4 "not must be a group"
conf snspan "" '  { subnet = "10.77.0.0/24"; interface = "eth0"; shared_network = "lab"; },
  { subnet = "10.78.0.0/24"; interface = "eth1"; shared_network = "lab"; }'
refused snspan 7 "shared_network \"lab\" is on interface eth1 here, on eth0 at .*snspan.conf:6"
conf circuitpool "" '  { subnet = "10.77.0.0/24"; interface = "eth0";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.110"; } );
    reservations = ( { circuit_id = "port7"; address = "10.77.0.105"; } ); }'
refused circuitpool 8 "circuit_id reservation's address must lie outside the pools"
conf twokeys "" '  { subnet = "10.77.0.0/24"; interface = "eth0";
    reservations = ( { mac = "02:00:5e:00:0c:01"; circuit_id = "port7"; } ); }'
refused twokeys 7 "exactly one of mac, client_id, duid and circuit_id"

conf opt51 "" '  { subnet = "10.77.0.0/24"; interface = "eth0";
    reservations = ( { mac = "02:00:5e:00:0c:01"; address = "10.77.0.50";
      options = { custom = ( { code = 51; type = "u32"; value = 600; } ); }; } ); }'
refused opt51 8 "option 51 .*lease_time"

conf ddnsconflict 'dns_update = { server = "10.77.0.1:53"; zone = "lan";
  conflict = "rename"; };' "$SUB"
refused ddnsconflict 5 "dns_update.conflict: \"rename\" is not one of: no-name, suffix"
conf ddnssuffix 'dns_update = { server = "10.77.0.1:53"; zone = "lan"; conflict = "suffix"; };' "$SUB"
accepted ddnssuffix "$DHCPD"

# control_socket = "" opens none, in every daemon.
conf nosock "" "$SUB"
sed -i 's|^control_socket = .*|control_socket = "";|' "$T/nosock.conf"
accepted nosock "$DHCPD"
if [ -x "$DNSD" ]; then
	printf 'listen = [ "127.0.0.1:5353" ];\ncontrol_socket = "";\n' >"$T/dnsd.conf"
	"$DNSD" -t -c "$T/dnsd.conf" >"$T/dnsd.out" 2>&1 || np_fail "np-dnsd: control_socket = \"\": $(cat "$T/dnsd.out")"
fi
if [ -x "$ARPD" ]; then
	printf 'interface = "eth0";\nentries = ( { address = "10.77.1.1"; } );\ncontrol_socket = "";\n' >"$T/arpd.conf"
	"$ARPD" -t -c "$T/arpd.conf" >"$T/arpd.out" 2>&1 || np_fail "np-arpd: control_socket = \"\": $(cat "$T/arpd.out")"
fi
np_log "control_socket = \"\" accepted"

# A custom option of type "ips" reaches a real client.
np_ns_add srv
np_ns_add cli
np_link srv eth0 cli eth0
np_addr srv eth0 10.77.0.1/24
conf ips "" '  { subnet = "10.77.0.0/24"; interface = "eth0";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.110"; } );
    options = { custom = ( { code = 150; type = "ips"; value = [ "10.77.0.5", "10.77.0.6" ]; } ); }; }'
sed -i 's|^control_socket = .*|control_socket = "";|' "$T/ips.conf"
accepted ips "$DHCPD"
np_bg srv "$DHCPD" -c "$T/ips.conf" 2>>"$T/dhcpd.log"
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 '" || np_fail "np-dhcpd not listening: $(cat "$T/dhcpd.log")"
printf '#!/bin/sh\n[ "$1" = bound ] && env >"%s/env"\nexit 0\n' "$T" >"$T/hook"
chmod +x "$T/hook"
np_in cli udhcpc -f -q -n -i eth0 -t 3 -T 1 -A 1 -O 150 -s "$T/hook" >"$T/udhcpc.log" 2>&1 \
	|| np_fail "udhcpc got no lease: $(cat "$T/udhcpc.log"); daemon: $(tail -5 "$T/dhcpd.log")"
grep -q '^opt150=0a4d00050a4d0006$' "$T/env" \
	|| np_fail "option 150 not received as 10.77.0.5 10.77.0.6: $(grep -i 'opt\|ip=' "$T/env")"
np_log "udhcpc received option 150 = 10.77.0.5, 10.77.0.6"
np_log "PASS"
exit 0
