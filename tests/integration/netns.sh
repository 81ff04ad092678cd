# netns.sh: network-namespace lab helper for integration tests (sourced).
#
#   . "$(dirname "$0")/netns.sh"
#   np_lab_init                     # root + namespaces or exit 77; cleanup on exit
#   np_ns_add srv; np_ns_add cli    # namespaces "$NP_LAB-srv", "$NP_LAB-cli", lo up
#   np_link srv eth0 cli eth0       # veth pair between them, both up
#   np_addr srv eth0 10.77.0.1/16
#   np_in srv ip addr               # run a command in a namespace
#   np_bg srv np-dhcpd -c conf      # start in the background; killed at cleanup
#   np_wait 5 np_in cli ping -c1 -W1 10.77.0.1   # retry for up to 5 s
#
# Every namespace is named with a per-run prefix, so tests may run in
# parallel, and everything made here is removed when the script exits,
# whether it passes, fails or is interrupted.  Set NP_REQUIRE_NETNS=1 (CI
# does) to turn "cannot create a namespace" from a skip into a failure.

NP_LAB=${NP_LAB:-np$$}
NP_LAB_NS=""
NP_LAB_PIDS=""
NP_LAB_TMP=""
NP_LAB_CLEANUPS=""

np_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
np_fail() { np_log "FAIL: $*"; exit 1; }

# np_ctl_json DAEMON SOCKET COMMAND [JSON-ARGUMENTS]: the daemon's JSON answer
# on stdout, whatever its result (np-ctl call --json).  Fails only when no
# answer came (np-ctl not built, the socket unreachable, a usage error).
np_ctl_json() {
	_npc_ctl=${NP_BUILDDIR:-.}/tools/ctl/np-ctl
	[ -x "$_npc_ctl" ] || { np_log "ERROR: $_npc_ctl not built"; return 99; }
	_npc_d=$1 _npc_s=$2
	shift 2
	"$_npc_ctl" -s "$_npc_s" -t 5 --json "$_npc_d" call "$@" 2>/dev/null
	[ $? -le 1 ]
}

np_skip_or_fail() {
	if [ "${NP_REQUIRE_NETNS:-0}" = 1 ]; then
		np_log "ERROR: $* (NP_REQUIRE_NETNS=1)"
		exit 99
	fi
	np_log "SKIP: $*"
	exit 77
}

np_lab_init() {
	[ "$(id -u)" = 0 ] || np_skip_or_fail "needs root for network namespaces"
	command -v ip >/dev/null 2>&1 || np_skip_or_fail "ip (iproute2) not installed"
	ip netns add "$NP_LAB-probe" 2>/dev/null || np_skip_or_fail "cannot create a network namespace"
	ip netns del "$NP_LAB-probe"
	NP_LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$NP_LAB.XXXXXX")
	trap np_lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# A private scratch folder for this run, removed at cleanup.
np_tmp() { printf '%s\n' "$NP_LAB_TMP"; }

np_ns() { printf '%s-%s\n' "$NP_LAB" "$1"; }

np_ns_add() {
	ip netns add "$(np_ns "$1")" || np_fail "cannot create namespace $1"
	NP_LAB_NS="$NP_LAB_NS $1"
	ip -n "$(np_ns "$1")" link set lo up
}

# np_link NS1 IF1 NS2 IF2: a veth pair made inside NS1, its peer moved to NS2
# (no name ever exists in the host namespace).
np_link() {
	ip -n "$(np_ns "$1")" link add "$2" type veth peer name "$4" netns "$(np_ns "$3")" \
		|| np_fail "cannot create veth $1:$2 <-> $3:$4"
	ip -n "$(np_ns "$1")" link set "$2" up
	ip -n "$(np_ns "$3")" link set "$4" up
}

np_addr() { ip -n "$(np_ns "$1")" addr add "$3" dev "$2" || np_fail "cannot add $3 to $1:$2"; }

np_mac() { ip -n "$(np_ns "$1")" -br link show dev "$2" | awk '{print $3}'; }

np_in() {
	_ns=$1
	shift
	ip netns exec "$(np_ns "$_ns")" "$@"
}

# np_bg NS CMD...: run in the background; its pid is in $NP_BG_PID.
np_bg() {
	_ns=$1
	shift
	ip netns exec "$(np_ns "$_ns")" "$@" &
	NP_BG_PID=$!
	NP_LAB_PIDS="$NP_LAB_PIDS $NP_BG_PID"
}

# np_on_cleanup CMD: run CMD (a string) at cleanup, before namespaces go.
np_on_cleanup() { NP_LAB_CLEANUPS="$NP_LAB_CLEANUPS
$1"; }

# np_wait SECONDS CMD...: retry CMD every 0.1 s until it succeeds or time is up.
np_wait() {
	_deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	while :; do
		"$@" && return 0
		[ $(( $(date +%s%N) / 1000000 )) -ge "$_deadline" ] && return 1
		sleep 0.1
	done
}

np_lab_cleanup() {
	_status=$?
	trap - EXIT INT TERM
	if [ -n "$NP_LAB_CLEANUPS" ]; then
		printf '%s\n' "$NP_LAB_CLEANUPS" | while IFS= read -r _c; do
			[ -n "$_c" ] && eval "$_c" >/dev/null 2>&1
		done
	fi
	for _p in $NP_LAB_PIDS; do kill "$_p" 2>/dev/null; done
	for _p in $NP_LAB_PIDS; do
		# Give each a moment to exit cleanly, then make sure.
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 20 ]; do sleep 0.1; _i=$((_i + 1)); done
		kill -9 "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	for _n in $NP_LAB_NS; do
		# Anything still inside (a daemonised client) dies with its namespace.
		ip netns pids "$(np_ns "$_n")" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$(np_ns "$_n")" 2>/dev/null
	done
	[ -n "$NP_LAB_TMP" ] && rm -rf "$NP_LAB_TMP"
	exit $_status
}
