#!/bin/sh
# systemd-deploy.sh: README.md's "Deploying on a LAN with systemd", done for
# real on a minimal Debian 12 booted with systemd as PID 1.
#
# A debootstrapped bookworm root (built once, cached in $NP_DEPLOY_CACHE,
# default /var/cache/netproto-test, keyed by its package list) gets this
# build by `make install DESTDIR=ROOT`, with the README's configure paths.
# systemd boots it as PID 1 in its own PID, mount, UTS, IPC and cgroup
# namespaces, inside a network namespace whose eth0 (10.77.0.1/24, the
# shipped configs' LAN) is a veth to a client namespace.  No udev runs, as in
# LXC and nspawn containers.  Then every line of the README's deployment
# block runs inside, as written: `sudo` runs its command, `sudoedit FILE`
# applies this test's edit for FILE (edit_config below).  The README and this
# test are kept in step: a line the test cannot run is a failure.
#
# Checks: np-dnsd.socket, np-dnsd.service, np-dhcpd.service and
# np-arpd@eth0.service active; every service reloads; a reload of a bad
# np-dhcpd.conf fails and the running one keeps serving; udhcpc (from the
# host, in the client namespace) gets a lease and its name resolves through
# np-dnsd (dig); arping gets np-arpd's answers; np-arpd@eth1 started before
# eth1 exists waits for it and then runs, and when eth1 is removed and comes
# back, is restarted, waits and answers again.  systemd is then killed (SIGKILL;
# as PID 1 it ignores SIGTERM) and nothing of it may stay behind.
#
# It takes a minute or two: under a sanitizer build (scripts/test-all's
# build/asan) it is skipped, as the sanitizer runtime is not in the booted
# root; the -Werror build (build/ci) runs it.
set -u
srcdir=${NP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=$(cd "${NP_BUILDDIR:-.}" && pwd)
. "$srcdir/tests/integration/netns.sh"

SUITE=bookworm
CACHE=${NP_DEPLOY_CACHE:-/var/cache/netproto-test}

if [ -n "$(sed -n 's/^SAN_CFLAGS = *//p' "$builddir/Makefile" 2>/dev/null)" ]; then
	np_log "SKIP: sanitizer build: its programs need the sanitizer runtime, which the booted" \
		"Debian root does not have; this test runs in the plain (-Werror) build"
	exit 77
fi
np_lab_init
for p in debootstrap unshare nsenter chroot flock tar sha256sum udhcpc dig arping findmnt; do
	command -v "$p" >/dev/null 2>&1 || np_skip_or_fail "$p not installed (scripts/install-deps)"
done
tmp=$(np_tmp)
ROOT=$tmp/root

# ---- the README's two command blocks ------------------------------------

# readme_block N: the Nth ```sh block of the README's deployment section.
readme_block() {
	awk -v want="$1" '
		/^## / { insec = ($0 == "## Deploying on a LAN with systemd") }
		insec && /^```sh$/ { n++; inblk = 1; next }
		inblk && /^```$/ { inblk = 0; next }
		insec && inblk && n == want { print }' "$srcdir/README.md"
}
build_block=$(readme_block 1)
deploy_block=$(readme_block 2)
printf '%s\n' "$deploy_block" | grep -q 'systemctl enable --now' ||
	np_fail "README.md: no deployment block with 'systemctl enable --now' under 'Deploying on a LAN with systemd'"
configure_args=$(printf '%s\n' "$build_block" | sed -n 's|^\./configure ||p')
[ -n "$configure_args" ] || np_fail "README.md: no ./configure line in the deployment section"

# ---- a build configured as the README says ------------------------------

# The installed paths must be the README's (/etc/netproto, ...): use this
# build if it was configured with the README's paths (scripts/test-all's
# build/ci is), else build the tree again with them in a scratch folder.
makevar() { sed -n "s|^$2 = ||p" "$1/Makefile"; }
same_paths() {
	for a in $configure_args; do
		case $a in --*=*) ;; *) continue ;; esac
		v=${a#--}
		[ "$(makevar "$1" "${v%%=*}")" = "${v#*=}" ] || return 1
	done
}
instdir=$builddir
if ! same_paths "$builddir"; then
	np_log "this build is not configured as README.md says ($configure_args): building again with it"
	instdir=$tmp/build
	mkdir "$instdir"
	# shellcheck disable=SC2086
	(cd "$instdir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c \
		"'$srcdir/configure' -q --disable-lto $configure_args && make -s -j2" >"$tmp/build.log" 2>&1) ||
		{ tail -30 "$tmp/build.log" >&2; np_fail "the README's configure and make failed"; }
fi
for p in daemons/dhcpd/np-dhcpd daemons/dnsd/np-dnsd daemons/arpd/np-arpd tools/ctl/np-ctl; do
	[ -x "$instdir/$p" ] || np_fail "$p is not built in $instdir"
done

# ---- the Debian root, cached --------------------------------------------

# Base system plus whatever the programs link against (ldd), and libssl3.
mirror=$(sed -n 's|^URIs: *\(http[^ ]*/debian\)/*$|\1|p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's|^deb \(http[^ ]*/debian\)/* bookworm .*|\1|p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
libpkgs=$(for p in daemons/dhcpd/np-dhcpd daemons/dnsd/np-dnsd daemons/arpd/np-arpd tools/ctl/np-ctl; do
		ldd "$instdir/$p"; done | awk '$3 ~ /^\// { print $3 }' | sort -u |
	while read -r lib; do dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"; done |
	cut -d: -f1 | sort -u)
pkgs=$(printf '%s\n' systemd systemd-sysv dbus iproute2 libevent-2.1-7 libconfig9 libsystemd0 \
	libjansson4 libcap2 libssl3 $libpkgs | sort -u | tr '\n' ' ')
key=$(printf '%s %s %s\n' "$SUITE" "$mirror" "$pkgs" | sha256sum | cut -c1-16)
tarball=$CACHE/$SUITE-root-$key.tar
mkdir -p "$CACHE" || np_fail "cannot create $CACHE"
(
	flock -w 900 9 || exit 1
	[ -s "$tarball" ] && exit 0
	np_log "building the $SUITE root ($pkgs) from $mirror into $tarball"
	b=$CACHE/build.$$
	rm -rf "$b"
	timeout 900 debootstrap --variant=minbase --include="$(echo $pkgs | tr ' ' ,)" \
		"$SUITE" "$b" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
		{ tail -20 "$tmp/debootstrap.log" >&2; rm -rf "$b"; exit 1; }
	# No console to log in on: without these the boot waits for a tty.
	for u in serial-getty@.service getty@.service console-getty.service getty.target; do
		ln -sf /dev/null "$b/etc/systemd/system/$u"
	done
	tar -C "$b" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rc=$?
	rm -rf "$b" "$tarball.tmp"
	exit $rc
) 9>"$CACHE/.lock" || np_fail "cannot build the $SUITE root (debootstrap)"
mkdir "$ROOT" && tar -C "$ROOT" -xf "$tarball" || np_fail "cannot unpack $tarball"

# README block 1: make install, into the root.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$instdir" install DESTDIR="$ROOT" \
	>"$tmp/install.log" 2>&1 || { tail -20 "$tmp/install.log" >&2; np_fail "make install DESTDIR=ROOT failed"; }

# ---- the LAN and the boot -----------------------------------------------

np_ns_add srv
np_ns_add cli
np_link srv eth0 cli eth0
np_addr srv eth0 10.77.0.1/24
SRV_MAC=$(np_mac srv eth0)

# systemd gets a cgroup of its own (the root of its cgroup namespace), so
# everything it creates is found and removed afterwards.
cg2=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[ -n "$cg2" ] || np_skip_or_fail "no cgroup2 file system mounted"
CG=$cg2$(sed -n 's|^0::||p' /proc/self/cgroup)/$NP_LAB-deploy
CG=$(printf '%s\n' "$CG" | sed 's|//*|/|g')
BOOT_PID=""
PID1=""
deploy_cleanup() {
	[ -n "$PID1" ] && kill -9 "$PID1" 2>/dev/null
	if [ -n "$BOOT_PID" ]; then
		_i=0
		while kill -0 "$BOOT_PID" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
		kill -9 "$BOOT_PID" 2>/dev/null
		wait "$BOOT_PID" 2>/dev/null
	fi
	# Anything left in the cgroup tree dies; then the tree goes, deepest first.
	if [ -d "$CG" ]; then
		find "$CG" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
		_i=0
		while [ $_i -lt 50 ] && ! find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null; do
			sleep 0.1; _i=$((_i + 1))
		done
	fi
	BOOT_PID="" PID1=""
}
np_on_cleanup deploy_cleanup
mkdir -p "$CG" || np_fail "cannot create cgroup $CG"

cat > "$tmp/boot.sh" <<'BOOT'
#!/bin/sh
R=$1
mount --bind "$R" "$R" && mount -t proc proc "$R/proc" && mount -t sysfs sys "$R/sys" &&
	mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup" && mount -t tmpfs tmpfs "$R/run" &&
	mount -t tmpfs tmpfs "$R/tmp" && mount --bind /dev "$R/dev" || exit 1
exec chroot "$R" /lib/systemd/systemd --system
BOOT
sh -c 'echo $$ > "$1/cgroup.procs" && exec ip netns exec "$2" \
	unshare --fork --pid --mount --uts --ipc --cgroup sh "$3" "$4"' \
	boot "$CG" "$(np_ns srv)" "$tmp/boot.sh" "$ROOT" >"$tmp/boot.log" 2>&1 &
BOOT_PID=$!

# The host's pid of the PID 1: unshare's child, once it is systemd.
find_pid1() {
	_c=$(cat "/proc/$BOOT_PID/task/$BOOT_PID/children" 2>/dev/null | awk '{ print $1 }')
	[ -n "$_c" ] && [ "$(cat "/proc/$_c/comm" 2>/dev/null)" = systemd ] && PID1=$_c
}
np_wait 20 find_pid1 || { cat "$tmp/boot.log" >&2; np_fail "systemd did not start as PID 1"; }

# A command inside the booted system, as root there, with a clean
# environment and a bound time.
inside() {
	timeout "${T:-60}" nsenter -t "$PID1" -a -r -w \
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 "$@"
}
booted() {
	_s=$(T=5 inside systemctl is-system-running 2>/dev/null)
	case $_s in running|degraded) return 0 ;; *) return 1 ;; esac
}
np_wait 60 booted || { inside systemctl list-jobs --no-pager >&2; np_fail "systemd did not finish booting"; }
np_log "systemd is PID 1 (host pid $PID1): $(T=5 inside systemctl is-system-running)"
[ -e "$ROOT/run/udev/control" ] && np_fail "udev runs in the booted root; the test needs it absent"

# ---- README block 2, line by line ---------------------------------------

# sudoedit FILE: the edits a user makes for this LAN (eth0 is 10.77.0.1/24,
# the shipped configs' router address, so np-dhcpd.conf and np-dnsd.conf stay
# as shipped).  A file the README edits that is not listed here fails.
cat > "$ROOT/root/np-deploy-edit" <<'EDIT'
#!/bin/sh
f=$1
case ${f##*/} in
np-dhcpd.conf|np-dnsd.conf) ;;
np-arpd-*.conf)
	i=${f##*/np-arpd-}; i=${i%.conf}
	sed -i -e "s|^interface = .*|interface = \"$i\";|" \
		-e "s|^control_socket = .*|control_socket = \"/run/netproto/np-arpd-$i.sock\";|" "$f" ;;
*) echo "np-deploy-edit: no edit known for $f" >&2; exit 1 ;;
esac
EDIT
chmod 755 "$ROOT/root/np-deploy-edit"

n=0
printf '%s\n' "$deploy_block" > "$tmp/deploy.sh"
while IFS= read -r line; do
	case $line in ''|'#'*) continue ;; esac
	n=$((n + 1))
	np_log "README line $n: $line"
	T=180 inside sh -c 'sudo() { "$@"; }; sudoedit() { /root/np-deploy-edit "$@"; }
		eval "$1"' readme "$line" </dev/null >"$tmp/line.out" 2>&1
	rc=$?
	sed 's/^/    /' "$tmp/line.out" >&2
	if [ $rc -ne 0 ]; then
		T=10 inside systemctl --no-pager status 'np-*' >&2
		T=10 inside journalctl --no-pager -n 40 >&2
		np_fail "README line failed (exit $rc): $line"
	fi
done < "$tmp/deploy.sh"
[ $n -ge 5 ] || np_fail "ran only $n lines of the README's deployment block"

# ---- checks -------------------------------------------------------------

UNITS="np-dnsd.socket np-dnsd.service np-dhcpd.service np-arpd@eth0.service"
for u in $UNITS; do
	s=$(inside systemctl is-active "$u")
	[ "$s" = active ] || { inside systemctl --no-pager status "$u" >&2; np_fail "$u is $s, not active"; }
	e=$(inside systemctl is-enabled "$u")
	[ "$e" = enabled ] || np_fail "$u is $e, not enabled"
done
np_log "ok: $UNITS active and enabled"
for u in np-dnsd.service np-dhcpd.service np-arpd@eth0.service; do
	inside systemctl reload "$u" || np_fail "systemctl reload $u failed"
	[ "$(inside systemctl is-active "$u")" = active ] || np_fail "$u not active after reload"
done
np_log "ok: every service reloads"

# A real client's lease (udhcpc, from the host, in the client namespace).
cat > "$tmp/hook" <<HOOK
#!/bin/sh
case \$1 in bound|renew) ;; *) exit 0 ;; esac
ip addr flush dev "\$interface"
ip addr add "\$ip/\$mask" dev "\$interface"
echo "\$ip" > "$tmp/lease"
HOOK
chmod 755 "$tmp/hook"
lease() {
	rm -f "$tmp/lease"
	np_in cli timeout 60 udhcpc -f -q -n -i eth0 -s "$tmp/hook" -t 5 -T 2 -A 1 \
		-x hostname:laptop >"$tmp/udhcpc.log" 2>&1 && [ -s "$tmp/lease" ]
}
lease || { cat "$tmp/udhcpc.log" >&2; inside journalctl --no-pager -u np-dhcpd -n 30 >&2
	np_fail "udhcpc got no lease from np-dhcpd"; }
IP=$(cat "$tmp/lease")
case $IP in 10.77.0.*) ;; *) np_fail "lease $IP is not from the 10.77.0.0/24 pool" ;; esac
np_log "ok: udhcpc leased $IP"
inside np-ctl dhcpd leases | grep -q "$IP" || np_fail "np-ctl dhcpd leases does not list $IP"

# Its name, published by np-dhcpd into np-dnsd's local zone.
resolves() { [ "$(np_in cli dig +short +time=1 +tries=1 @10.77.0.1 laptop.lan A)" = "$IP" ]; }
np_wait 10 resolves || { np_in cli dig +time=1 +tries=1 @10.77.0.1 laptop.lan A >&2
	np_fail "laptop.lan does not resolve to $IP through np-dnsd"; }
np_log "ok: laptop.lan resolves to $IP through np-dnsd"

# np-arpd answers for the shipped config's 192.0.2.10 with eth0's MAC.
np_in cli timeout 20 arping -i eth0 -c 3 -w 5 192.0.2.10 >"$tmp/arping.log" 2>&1
grep -qi "from $SRV_MAC" "$tmp/arping.log" || { cat "$tmp/arping.log" >&2
	np_fail "arping got no answer for 192.0.2.10 from $SRV_MAC (np-arpd)"; }
np_log "ok: arping 192.0.2.10 answered by $SRV_MAC"

# A bad config is refused by reload and the running one keeps serving.
pid_before=$(inside systemctl show -p MainPID --value np-dhcpd.service)
cp "$ROOT/etc/netproto/np-dhcpd.conf" "$tmp/np-dhcpd.conf.good"
echo 'no_such_setting = 1;' >> "$ROOT/etc/netproto/np-dhcpd.conf"
if inside systemctl reload np-dhcpd >"$tmp/reload.out" 2>&1; then
	np_fail "systemctl reload np-dhcpd succeeded with a bad config"
fi
[ "$(inside systemctl is-active np-dhcpd.service)" = active ] || np_fail "np-dhcpd not active after a refused reload"
[ "$(inside systemctl show -p MainPID --value np-dhcpd.service)" = "$pid_before" ] ||
	np_fail "np-dhcpd was restarted by a refused reload"
# The reason, with file:line, in the journal (STATUS= is soon overwritten
# by the periodic statistics).
logged() { T=10 inside journalctl -u np-dhcpd.service --no-pager -o cat | grep -q 'reload failed.*np-dhcpd.conf:[0-9]'; }
np_wait 10 logged || { inside journalctl -u np-dhcpd.service --no-pager -n 20 >&2
	np_fail "np-dhcpd's journal does not name the bad file:line of the refused reload"; }
lease && [ "$(cat "$tmp/lease")" = "$IP" ] || np_fail "after a refused reload np-dhcpd no longer renews $IP"
cp "$tmp/np-dhcpd.conf.good" "$ROOT/etc/netproto/np-dhcpd.conf"
np_log "ok: a bad np-dhcpd.conf is refused by reload, the running config keeps serving"

# np-arpd@ on an interface that does not exist yet waits for it (no udev
# device unit to wait on here), then runs.
cat > "$ROOT/etc/netproto/np-arpd-eth1.conf" <<'CONF'
interface = "eth1";
entries = ( { address = "198.51.100.10"; } );
control_socket = "/run/netproto/np-arpd-eth1.sock";
CONF
inside np-arpd -t -c /etc/netproto/np-arpd-eth1.conf || np_fail "np-arpd-eth1.conf does not check"
inside systemctl start --no-block np-arpd@eth1.service || np_fail "cannot queue np-arpd@eth1"
activating() { [ "$(T=5 inside systemctl is-active np-arpd@eth1.service)" = activating ]; }
np_wait 10 activating || np_fail "np-arpd@eth1 is $(inside systemctl is-active np-arpd@eth1.service) without eth1, not activating (waiting)"
np_link srv eth1 cli eth1
active1() { [ "$(T=5 inside systemctl is-active np-arpd@eth1.service)" = active ]; }
np_wait 30 active1 || { inside systemctl --no-pager status np-arpd@eth1.service >&2
	np_fail "np-arpd@eth1 did not start once eth1 appeared"; }
np_in cli timeout 20 arping -i eth1 -S 198.51.100.99 -c 3 -w 5 198.51.100.10 >"$tmp/arping1.log" 2>&1
grep -qi "from $(np_mac srv eth1)" "$tmp/arping1.log" || { cat "$tmp/arping1.log" >&2
	np_fail "np-arpd@eth1 does not answer ARP on eth1"; }
np_log "ok: np-arpd@eth1 waited for eth1, then answered on it"

# eth1 removed: np-arpd stops with failure (its socket is deaf from then on),
# the unit restarts it and it waits for eth1 again; eth1 back: it answers.
ip -n "$(np_ns srv)" link del eth1 || np_fail "cannot remove eth1"
waiting1() {
	[ "$(T=5 inside systemctl show -p SubState --value np-arpd@eth1.service)" = start-pre ] &&
		[ "$(T=5 inside systemctl show -p NRestarts --value np-arpd@eth1.service)" -ge 1 ]
}
np_wait 20 waiting1 || { inside systemctl --no-pager status np-arpd@eth1.service >&2
	np_fail "np-arpd@eth1 is not restarted and waiting after eth1 was removed"; }
np_link srv eth1 cli eth1
np_wait 30 active1 || { inside systemctl --no-pager status np-arpd@eth1.service >&2
	np_fail "np-arpd@eth1 did not start again once eth1 was back"; }
np_in cli timeout 20 arping -i eth1 -S 198.51.100.99 -c 3 -w 5 198.51.100.10 >"$tmp/arping1.log" 2>&1
grep -qi "from $(np_mac srv eth1)" "$tmp/arping1.log" || { cat "$tmp/arping1.log" >&2
	np_fail "np-arpd@eth1 does not answer ARP on eth1 after it came back"; }
np_log "ok: eth1 removed: np-arpd@eth1 restarted and waited; eth1 back: answered again"

failed=$(inside systemctl list-units --failed --no-legend --plain | awk '{ print $1 }')
[ -z "$failed" ] || np_fail "failed units: $failed"

# ---- stop: nothing may stay behind --------------------------------------

pid1=$PID1
deploy_cleanup
kill -0 "$pid1" 2>/dev/null && np_fail "systemd ($pid1) survived SIGKILL"
[ -d "$CG" ] && np_fail "cgroup $CG left behind"
[ -z "$(ip netns pids "$(np_ns srv)")" ] || np_fail "processes left in the server namespace"
grep -q " $ROOT" /proc/self/mountinfo && np_fail "mounts of the root left on the host"
np_log "ok: systemd killed; no process, cgroup or mount left"
echo "README deployment works under systemd as PID 1 without udev"
