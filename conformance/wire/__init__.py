"""The plugin wire protocol as Python modules, generated from proto/ at build time.

`pip install .` (or `-e .`) runs protoc through setup.py; after a .proto changed,
`python -m conformance.wire.generate` regenerates them by hand. Importing this
package never writes anything.

Why two gRPC stacks: grpcio (BoringSSL) cannot complete a TLS handshake with
ECDSA P-521 certificates, which is what every real host and every go-plugin
plugin uses for AutoMTLS. Measured with grpcio 1.85.3 against the Go reference
plugin: "Tls handshake failed (TSI_PROTOCOL_FAILURE) ...
SSLV3_ALERT_HANDSHAKE_FAILURE", where grpclib over Python's ssl succeeds.
Traffic to real plugins therefore goes through grpclib over Python's ssl
module (the _grpc modules); the grpcio stubs (_pb2_grpc) serve benchmarks and
plaintext use.
"""

from pathlib import Path

if not (Path(__file__).parent / "_generated_from").exists():  # a checkout that was never installed
    raise ImportError("conformance.wire: the protocol modules were not generated; install the package "
                      "(pip install -e .) or run: python -m conformance.wire.generate")
