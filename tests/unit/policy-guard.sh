#!/bin/sh
# policy-guard.sh: the codec and policy layers cannot include the I/O
# layer's libraries.  (1) Each guarded header (libevent, libconfig,
# libsystemd, jansson, libcap), included through the policy include path,
# stops the compiler.  (2) Every source of libnetproto and of each daemon's
# policy library (POLICY_CHECK_FILES) compiles on that path.
set -u
S=${NP_SRCDIR:?} B=${NP_BUILDDIR:?}
CC=${NP_CC:-cc}
G="$S/daemons/common/policy-guard"
T=$(mktemp -d /tmp/np-policy-guard.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
status=0
[ -n "${NP_POLICY_SOURCES:-}" ] || { echo "ERROR: NP_POLICY_SOURCES is empty"; exit 99; }

for h in event2/event.h event2/bufferevent.h event.h libconfig.h systemd/sd-daemon.h \
	 jansson.h sys/capability.h; do
	printf '#include <%s>\n' "$h" > "$T/probe.c"
	if $CC -I"$G" -fsyntax-only "$T/probe.c" 2>"$T/err"; then
		echo "FAIL: <$h> compiles through the policy include path"
		status=1
	elif ! grep -q "policy or codec file" "$T/err"; then
		echo "FAIL: <$h> fails for another reason: $(head -3 "$T/err")"
		status=1
	fi
done

n=0
for f in $NP_POLICY_SOURCES; do
	case $f in *.c) ;; *) continue ;; esac
	n=$((n + 1))
	if ! $CC -I"$G" -I"$S/libnetproto" -I"$S/daemons/common" -I"$B" -I"$S/$(dirname "$f")" \
		-fsyntax-only "$S/$f" 2>"$T/err"; then
		echo "FAIL: $f: $(grep -m1 error "$T/err")"
		status=1
	fi
done
echo "$n policy and codec sources compile without the I/O libraries"
[ "$n" -gt 0 ] || status=99
exit $status
