# arpd-lib.sh: shared set-up of the np-arpd scenarios (sourced, not a test).
#
#   . "$(dirname "$0")/arpd-lib.sh"
#   arpd_lab                 # namespaces srv and cli joined by a veth (eth0)
#   arpd_conf FILE <<EOF ... # write a config
#   arpd_start FILE          # np-arpd in srv, waits until it is up
#   arpd_ctl COMMAND [ARGS]  # control socket answer (JSON) on stdout
#   arpd_stat NAME           # one statistic
#   arpd_mac_of IP           # the MAC Habets' arping in cli gets for IP, or ""
. "$(dirname "$0")/netns.sh"

ARPD=${NP_ARPD:-${NP_BUILDDIR:-.}/daemons/arpd/np-arpd}

arpd_lab() {
	np_lab_init
	[ -x "$ARPD" ] || np_fail "no np-arpd at $ARPD"
	command -v arping >/dev/null 2>&1 || np_skip_or_fail "arping (Habets) not installed"
	np_ns_add srv
	np_ns_add cli
	np_link srv eth0 cli eth0
	np_addr cli eth0 10.77.0.2/16
	SRV_MAC=$(np_mac srv eth0)
	CLI_MAC=$(np_mac cli eth0)
	CTL=$(np_tmp)/arpd.sock
	LOG=$(np_tmp)/arpd.log
}

arpd_conf() { cat > "$1"; }

arpd_up() { [ -S "$CTL" ] && arpd_ctl status-get >/dev/null 2>&1; }

arpd_start() {
	np_bg srv "$ARPD" -c "$1" 2>>"$LOG"
	ARPD_PID=$NP_BG_PID
	np_wait 5 arpd_up || { cat "$LOG" >&2; np_fail "np-arpd did not start"; }
}

# arpd_ctl COMMAND [JSON-ARGUMENTS]
arpd_ctl() {
	np_ctl_json arpd "$CTL" "$1" ${2:+"$2"}
}

arpd_stat() {
	arpd_ctl statistic-get-all | /usr/bin/python3 -c \
		"import json,sys; print(json.load(sys.stdin)['arguments']['$1'])"
}

# The MAC in the first reply arping (Habets) gets for $1 within 1 s.
arpd_mac_of() {
	np_in cli arping -i eth0 -c 1 -w 1000000 "$1" 2>/dev/null |
		sed -n 's/^[0-9]* bytes from \([0-9a-f:]*\) (.*/\1/p' | head -n 1
}

arpd_expect_mac() {
	_got=$(arpd_mac_of "$1")
	[ "$_got" = "$2" ] || np_fail "$1: expected $2, got '${_got}'"
	np_log "$1 is-at $_got"
}

arpd_expect_silence() {
	_got=$(arpd_mac_of "$1")
	[ -z "$_got" ] || np_fail "$1: expected no answer, got $_got"
	np_log "$1: no answer, as expected"
}

# ---- IPv6 (Neighbor Discovery) ----------------------------------------

# arpd_lab6: arpd_lab, plus 2001:db8::2/64 on cli (nodad) and its
# link-local address out of DAD, so cli can solicit at once.
arpd_lab6() {
	arpd_lab
	command -v ndisc6 >/dev/null 2>&1 || np_skip_or_fail "ndisc6 not installed"
	np_in cli sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
	ip -n "$(np_ns cli)" -6 addr add 2001:db8::2/64 dev eth0 nodad ||
		np_fail "cannot add 2001:db8::2 to cli"
	_no_tentative() { [ -z "$(ip -n "$(np_ns "$1")" -6 addr show dev eth0 tentative)" ]; }
	np_wait 5 _no_tentative cli || np_fail "cli's link-local address stays tentative"
}

# The MAC ndisc6 in cli gets for $1 (one solicitation, 1 s), lowercase, or "".
arpd_mac6_of() {
	np_in cli ndisc6 -1 -n -r 1 -w 1000 "$1" eth0 2>/dev/null |
		sed -n 's/^ *Target link-layer address: *\([0-9A-Fa-f:]*\).*/\1/p' |
		tr 'A-F' 'a-f' | head -n 1
}

arpd_expect_mac6() {
	_got=$(arpd_mac6_of "$1")
	[ "$_got" = "$2" ] || np_fail "$1: ndisc6 expected $2, got '${_got}'"
	np_log "ndisc6: $1 is-at $_got"
}

arpd_expect_silence6() {
	_got=$(arpd_mac6_of "$1")
	[ -z "$_got" ] || np_fail "$1: ndisc6 expected no answer, got $_got"
	np_log "ndisc6: $1: no answer, as expected"
}
