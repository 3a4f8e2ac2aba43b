"""The wire-level host: the suite plays the server's side of the plugin protocol.

It does what Vault and OpenBao do when they run a plugin (launch, handshake,
mutual TLS, broker, Setup/Type/SpecialPaths/Initialize, requests, Cleanup,
Shutdown), records every RPC, and can inject faults a real server never would.
gRPC goes through grpclib over Python's ssl module: grpcio's BoringSSL refuses
the P-521 signatures every real host and go-plugin plugin uses (spec 5.2).
"""
