//go:build mutant_tls_any_client_cert

package main

import "crypto/tls"

// Breaks TLS-004: requires a client certificate but accepts any, not only PLUGIN_CLIENT_CERT.
func init() {
	cert := selfSigned()
	useTLS(cert, cert.Certificate[0], tls.RequireAnyClientCert, nil, hostPool())
}
