/* Policy-layer guard (daemons/common/policy-guard/README). */
#error "<systemd/sd-id128.h> (libsystemd) in a policy or codec file: those layers are pure; the I/O layer passes time, input and results in (ARCHITECTURE.md)"
