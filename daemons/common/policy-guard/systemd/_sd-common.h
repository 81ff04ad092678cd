/* Policy-layer guard (daemons/common/policy-guard/README). */
#error "<systemd/_sd-common.h> (libsystemd) in a policy or codec file: those layers are pure; the I/O layer passes time, input and results in (ARCHITECTURE.md)"
