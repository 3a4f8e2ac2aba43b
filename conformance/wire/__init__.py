"""The plugin wire protocol as Python modules, generated from proto/.

Importing this package generates the modules on first use (or after a .proto
changed), so a fresh checkout works whether or not generated files exist.

Why two gRPC stacks: grpcio (BoringSSL) cannot complete a TLS handshake with
ECDSA P-521 certificates, which is what every real host and every go-plugin
plugin uses for AutoMTLS. Measured with grpcio 1.85.3 against the Go reference
plugin: "Tls handshake failed (TSI_PROTOCOL_FAILURE) ...
SSLV3_ALERT_HANDSHAKE_FAILURE", where grpclib over Python's ssl succeeds.
Traffic to real plugins therefore goes through grpclib over Python's ssl
module (the _grpc modules); the grpcio stubs (_pb2_grpc) serve benchmarks and
plaintext use.
"""

from conformance.wire.generate import ensure_generated

_extra_dir = ensure_generated()
if _extra_dir is not None:  # package dir not writable: generated into a cache dir
    __path__.append(str(_extra_dir))  # noqa: F821 - __path__ is set for packages
