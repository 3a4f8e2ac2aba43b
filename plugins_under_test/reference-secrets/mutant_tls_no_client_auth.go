//go:build mutant_tls_no_client_auth

package main

import "crypto/tls"

// Breaks TLS-003 (and so TLS-004): asks no client certificate at all.
func init() {
	cert := selfSigned()
	useTLS(cert, cert.Certificate[0], tls.NoClientCert, nil, hostPool())
}
