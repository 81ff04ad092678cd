#!/bin/sh
# dhcpd-netboot.sh: real boot firmware netboots from np-dhcpd.  QEMU (TCG,
# no KVM) with its e1000 boot ROM (iPXE, from ipxe-qemu) on a tap device in
# a namespace, with np-dhcpd, a TFTP server (tftpd-hpa) and an HTTP server
# (python3 -m http.server) there:
#   1. the ROM's DHCP carries user class "iPXE": the ipxe class gives it the
#      HTTP script URL as its boot file; the script is fetched over HTTP;
#   2. the script sets another user class and DHCPs again, as a legacy PXE
#      ROM would: the subnet's next_server and boot_file (undionly.kpxe,
#      Debian's iPXE binary) send it to TFTP, and it loads that binary;
#   3. that iPXE binary, user class "iPXE" again, gets the script URL and
#      fetches the script a second time (the chain-load is complete).
# The capture, decoded by tshark, shows siaddr, sname and file of the
# OFFERs and the TFTP read request.  Bounded by a 120 s deadline; QEMU is
# killed as soon as the second fetch is seen.
#
# It takes up to a minute or two: under a sanitizer build (scripts/test-all's
# build/asan) it is skipped; the -Werror build (build/ci) runs it.
set -u
srcdir=${NP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=$(cd "${NP_BUILDDIR:-.}" && pwd)
. "$srcdir/tests/integration/netns.sh"

if [ -n "$(sed -n 's/^SAN_CFLAGS = *//p' "$builddir/Makefile" 2>/dev/null)" ]; then
	np_log "SKIP: sanitizer build: the QEMU netboot runs once, in the plain (-Werror) build"
	exit 77
fi
dhcpd=${NP_DHCPD:-$builddir/daemons/dhcpd/np-dhcpd}
[ -x "$dhcpd" ] || { np_log "ERROR: $dhcpd not built"; exit 99; }
np_lab_init
for p in qemu-system-x86_64 in.tftpd tshark tcpdump; do
	command -v $p >/dev/null 2>&1 || np_skip_or_fail "$p not installed (scripts/install-deps)"
done
[ -f /usr/lib/ipxe/undionly.kpxe ] || np_skip_or_fail "/usr/lib/ipxe/undionly.kpxe missing (package ipxe)"
[ -f /usr/share/qemu/pxe-e1000.rom ] || [ -f /usr/lib/ipxe/qemu/pxe-e1000.rom ] \
	|| np_skip_or_fail "QEMU's e1000 boot ROM missing (package ipxe-qemu)"

T=$(np_tmp)
np_ns_add srv
np_in srv ip tuntap add dev tap0 mode tap || np_fail "cannot create tap0"
np_in srv ip link set tap0 up
np_addr srv tap0 10.77.0.1/24
np_in srv ip link set lo up

mkdir -p "$T/tftp" "$T/http"
cp /usr/lib/ipxe/undionly.kpxe "$T/tftp/"
cat >"$T/http/boot.ipxe" <<'SCRIPT'
#!ipxe
echo NP-SCRIPT-RAN
set user-class legacy-pxe
dhcp
echo NP-DHCP next-server=${next-server} filename=${filename}
chain tftp://${next-server}/${filename}
SCRIPT

cat >"$T/dhcpd.conf" <<CONF
interfaces = [ "tap0" ];
lease_file = "$T/leases";
control_socket = "";
ping_check = false;
client_classes = (
  { name = "ipxe"; match = { user_class = "iPXE"; }; boot_file = "http://10.77.0.1:8080/boot.ipxe"; }
);
subnets = (
  { subnet = "10.77.0.0/24"; interface = "tap0"; lease_time = "10m";
    next_server = "10.77.0.1"; server_name = "boot"; boot_file = "undionly.kpxe";
    pools = ( { first = "10.77.0.100"; last = "10.77.0.120"; } );
    options = { routers = [ "10.77.0.1" ]; }; }
);
CONF
"$dhcpd" -t -c "$T/dhcpd.conf" >"$T/t.out" 2>&1 || np_fail "config rejected: $(cat "$T/t.out")"

np_bg srv tcpdump -i tap0 -U -w "$T/cap.pcap" udp 2>"$T/tcpdump.log"
TD_PID=$NP_BG_PID
np_bg srv "$dhcpd" -c "$T/dhcpd.conf" 2>>"$T/dhcpd.log"
np_bg srv in.tftpd -L -a 10.77.0.1:69 -s "$T/tftp" 2>"$T/tftpd.log"
np_bg srv /usr/bin/python3 -m http.server 8080 --bind 10.77.0.1 --directory "$T/http" 2>"$T/http.log"
np_wait 5 np_in srv sh -c "ss -lun | grep -q ':67 ' && ss -ltn | grep -q ':8080 '" \
	|| np_fail "servers not listening: $(cat "$T/dhcpd.log" "$T/http.log")"

np_bg srv timeout 120 qemu-system-x86_64 -accel tcg -m 128 -nographic -no-reboot -boot n \
	-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
	-device e1000,netdev=n0,mac=52:54:00:12:34:56 >"$T/serial.log" 2>&1
QEMU_PID=$NP_BG_PID
fetches() { grep -c '"GET /boot.ipxe' "$T/http.log" 2>/dev/null; }
i=0
while [ $i -lt 120 ] && [ "$(fetches)" -lt 2 ] && kill -0 "$QEMU_PID" 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
kill "$QEMU_PID" 2>/dev/null
sleep 0.5
kill "$TD_PID" 2>/dev/null
wait "$TD_PID" 2>/dev/null
np_log "HTTP log: $(cat "$T/http.log")"
np_log "serial (iPXE messages): $(tr -d '\r' <"$T/serial.log" | grep -a -E 'iPXE|NP-|tftp|http' | tail -20)"

tshark -r "$T/cap.pcap" -Y "dhcp.option.dhcp == 2 || dhcp.option.dhcp == 5" -T fields -E occurrence=f \
	-e dhcp.option.dhcp -e dhcp.ip.your -e dhcp.ip.server -e dhcp.server -e dhcp.file \
	>"$T/replies.txt" 2>"$T/tshark.log" || np_fail "tshark: $(cat "$T/tshark.log")"
tshark -r "$T/cap.pcap" -Y "dhcp.option.dhcp == 1" -T fields -E occurrence=f \
	-e dhcp.option.vendor_class_id >"$T/discovers.txt" 2>>"$T/tshark.log"
tshark -r "$T/cap.pcap" -Y "tftp.opcode == 1" -T fields -e ip.src -e tftp.source_file \
	>"$T/tftp.txt" 2>>"$T/tshark.log"
np_log "DISCOVERs (vendor class):"; cat "$T/discovers.txt" >&2
np_log "OFFERs/ACKs (type yiaddr siaddr sname file):"; cat "$T/replies.txt" >&2
np_log "TFTP read requests:"; cat "$T/tftp.txt" >&2

grep -q "^2	10.77.0.1[0-2][0-9]	10.77.0.1	boot	http://10.77.0.1:8080/boot.ipxe$" "$T/replies.txt" \
	|| np_fail "no OFFER with the iPXE script URL to the boot ROM"
grep -q "^2	10.77.0.1[0-2][0-9]	10.77.0.1	boot	undionly.kpxe$" "$T/replies.txt" \
	|| np_fail "no OFFER with next_server and undionly.kpxe to the non-iPXE request"
grep -q "undionly.kpxe" "$T/tftp.txt" || np_fail "the firmware did not fetch undionly.kpxe by TFTP"
[ "$(fetches)" -ge 2 ] || np_fail "the script was fetched $(fetches) times, not twice (ROM, then the TFTP-loaded iPXE)"
np_log "PASS: ROM -> HTTP script -> TFTP undionly.kpxe -> HTTP script again"
exit 0
