#!/bin/sh
# tools-linkage.sh: np-tcpprobe and np-ctl link only the small I/O library
# (daemons/common/libnpio.la), never the daemon runtime's libraries: no
# libevent, libconfig, libsystemd or libcap among their NEEDED entries, and
# none of the runtime's symbols (np_daemon_*, np_conf_*, np_notify*).
set -u
B=${NP_BUILDDIR:-.}
command -v readelf >/dev/null 2>&1 || { echo "SKIP: no readelf"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
status=0

# A libtool wrapper script stands in for a binary linked against an
# uninstalled shared library; the ELF file is then under .libs.
elf_of() {
	d=$(dirname "$1") n=$(basename "$1")
	for f in "$d/.libs/lt-$n" "$d/.libs/$n" "$1"; do
		if [ -f "$f" ] && head -c 4 "$f" | grep -q ELF; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

for tool in tools/tcpprobe/np-tcpprobe tools/ctl/np-ctl; do
	elf=$(elf_of "$B/$tool") || { echo "ERROR: $B/$tool is not built"; exit 99; }
	needed=$(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	echo "$tool needs: $(echo $needed)"
	for lib in libevent libconfig libsystemd libcap; do
		if echo "$needed" | grep -q "^$lib"; then
			echo "FAIL: $tool links $lib (the daemon runtime)"
			status=1
		fi
	done
	runtime=$(nm "$elf" 2>/dev/null | grep -E ' [TtDdBb] (np_daemon_|np_conf_|np_notify|np_ctl_new|np_metrics_)' | head -3)
	if [ -n "$runtime" ]; then
		echo "FAIL: $tool carries the daemon runtime: $runtime"
		status=1
	fi
done
exit $status
