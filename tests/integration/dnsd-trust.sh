#!/bin/sh
# dnsd-trust.sh: trust follows authority.  A hostile default upstream
# (dnsd-responder.py hostile) answers with CNAME chains that plant records
# for names it does not speak for: a name of a forward zone served by NSD,
# a name of the local zone, and (from a hostile forward zone's server) a
# name of the default upstreams.  dig through np-dnsd gets the true
# answers, looked up from the servers responsible (or the local zone), and
# the planted records are never answered later.  A CNAME loop is SERVFAIL.
# use_0x20 is on by default (the names reach the upstream in mixed case);
# a server that lowercases every answer is asked without 0x20 after three
# such answers in a row and still answers; one wrong-case answer followed
# by right ones (a spoofer who guessed ID and port) does not turn 0x20 off.
. "$(dirname "$0")/dnsd-lib.sh"

dnsd_lab
nsd_start corp.example
responder_start 10.77.1.3 hostile
responder_start 10.77.1.4 hostile
responder_start 10.77.1.5 lowercase
responder_start 10.77.1.6 caseonce
cat >"$T/dnsd.conf" <<CONF
listen = [ "10.77.0.1" ];
upstreams = [ "10.77.1.3" ];
forward_zones = (
  { zone = "corp.example"; servers = [ "10.77.1.2" ]; },
  { zone = "hostile.example"; servers = [ "10.77.1.4" ]; },
  { zone = "lower.example"; servers = [ "10.77.1.5" ]; },
  { zone = "caseonce.example"; servers = [ "10.77.1.6" ]; }
);
local_zone = "lan.";
records = ( "printer.lan. 300 IN A 10.77.0.50" );
upstream_timeout = "1s";
control_socket = "$T/ctl.sock";
CONF
dnsd_start

# has FILE REGEX; hasnt FILE REGEX
has() { grep -Eq "$2" "$1"; }
hasnt() { ! grep -Eq "$2" "$1"; }
A='[[:space:]]+IN[[:space:]]+A[[:space:]]+'
CN='[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+'

# A CNAME into a forward zone: the target comes from that zone's NSD.
q cross.example.com A >"$T/cross"
check "into a forward zone: NOERROR" has "$T/cross" 'status: NOERROR'
check "into a forward zone: the CNAME" has "$T/cross" "^cross\.example\.com\.[0-9[:space:]]+IN[[:space:]]+CNAME[[:space:]]+www\.corp\.example\."
check "into a forward zone: the target's true address (from NSD)" has "$T/cross" "^www\.corp\.example\.[0-9[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.1\.80"
check "into a forward zone: nothing planted" hasnt "$T/cross" '6\.6\.6\.6'
q www.corp.example A >"$T/corp"
check "forward zone name asked directly: NSD's address" has "$T/corp" "${A}10\.77\.1\.80"
check "forward zone name asked directly: not the planted one" hasnt "$T/corp" '6\.6\.6\.6'

# A CNAME into the local zone: the target comes from the local zone.
q tolan.example.com A >"$T/tolan"
check "into the local zone: the CNAME" has "$T/tolan" "${CN}printer\.lan\."
check "into the local zone: the local record" has "$T/tolan" "^printer\.lan\.[0-9[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.0\.50"
check "into the local zone: nothing planted" hasnt "$T/tolan" '6\.6\.6\.6'
q printer.lan A >"$T/printer"
check "local name asked directly: the local record" has "$T/printer" "${A}10\.77\.0\.50"

# A forward zone's server with a CNAME out of its zone: the target is the
# default upstreams' to tell (10.77.1.77), not the forward server's (6.6.6.6).
q out.hostile.example A >"$T/out"
check "out of the zone: the CNAME" has "$T/out" "${CN}bank\.example\.org\."
check "out of the zone: the target from its own servers" has "$T/out" "^bank\.example\.org\.[0-9[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.1\.77"
check "out of the zone: nothing planted" hasnt "$T/out" '6\.6\.6\.6'
q bank.example.org A >"$T/bank"
check "out-of-zone name asked directly: its own servers' address" has "$T/bank" "${A}10\.77\.1\.77"
check "out-of-zone name asked directly: not the planted one" hasnt "$T/bank" '6\.6\.6\.6'
check "the default upstream was asked for the target itself" grep -qi 'bank\.example\.org\. udp' "$T/responder-10.77.1.3.log"

# The same questions again (now from the cache): still the true answers.
q cross.example.com A >"$T/cross2"
check "cached: forward zone target still true" sh -c "grep -Eq '${A}10\.77\.1\.80' '$T/cross2' && ! grep -q '6\.6\.6\.6' '$T/cross2'"
q out.hostile.example A >"$T/out2"
check "cached: out-of-zone target still true" sh -c "grep -Eq '${A}10\.77\.1\.77' '$T/out2' && ! grep -q '6\.6\.6\.6' '$T/out2'"
dnsd_ctl cache-dump >"$T/dump"
check "the local zone's name is not in the cache" hasnt "$T/dump" '"printer\.lan\."'
check "records dropped are counted" [ "$(stat upstream.records-scrubbed)" -ge 3 ]
check "CNAME targets looked up on their own are counted" [ "$(stat upstream.cname-restarts)" -ge 3 ]

# A CNAME loop is SERVFAIL (as Unbound answers it).
q loop.example.com A >"$T/loop"
check "CNAME loop: SERVFAIL" has "$T/loop" 'status: SERVFAIL'
check "CNAME loop: counted" [ "$(stat answers.cname-loop)" -ge 1 ]

# use_0x20 is on without being configured: mixed case reached the upstream.
check "use_0x20 by default: mixed-case names sent upstream" grep -q 'hostile [a-zA-Z.]*[A-Z]' "$T/responder-10.77.1.3.log"

# A server that lowercases every answer: after three mismatches in a row to
# fresh tries, it is asked without 0x20, and answers.
q www.lower.example A >"$T/lower"
check "case-breaking server: answered" has "$T/lower" "${A}1\.2\.3\.4"
check "case-breaking server: fallback counted once" [ "$(stat upstream.0x20-fallbacks)" = 1 ]
check "case-breaking server: 0x20 tried first (mixed case), then lowercase" sh -c "
	head -1 '$T/responder-10.77.1.5.log' | grep -q '[A-Z]' &&
	sed -n 4p '$T/responder-10.77.1.5.log' | grep -q '^lowercase www\.lower\.example\. udp'"
check "case-breaking server: the fallback is logged" grep -q '10\.77\.1\.5:53 changed the letter case' "$T/dnsd.log"
q mail.lower.example A >"$T/lower2"
check "case-breaking server: next name asked without 0x20 at once" sh -c "
	grep -Eq '${A}1\.2\.3\.4' '$T/lower2' &&
	tail -1 '$T/responder-10.77.1.5.log' | grep -q '^lowercase mail\.lower\.example\. udp'"
check "case-breaking server: logged once" [ "$(grep -c 'changed the letter case' "$T/dnsd.log")" = 1 ]

# One wrong-case answer (a spoofer's guess of ID and port): a fresh try, the
# right answer, and 0x20 stays on for that server.
q www.caseonce.example A >"$T/once"
check "one wrong-case answer: answered" has "$T/once" "${A}1\.2\.3\.4"
check "one wrong-case answer: mismatch counted" [ "$(stat upstream.0x20-mismatch)" -ge 4 ]
check "one wrong-case answer: no fallback" [ "$(stat upstream.0x20-fallbacks)" = 1 ]
q mail.caseonce.example A >"$T/once2"
check "one wrong-case answer: 0x20 still used for that server" sh -c "
	grep -i 'mail\.caseonce' '$T/responder-10.77.1.6.log' | tail -1 | grep -q '[A-Z]'"
dnsd_alive
np_log "PASS"
