//go:build mutant_tls_other_cert

package main

import "crypto/tls"

// Breaks TLS-002: announces one certificate and serves another.
func init() {
	served, announced := selfSigned(), selfSigned()
	useTLS(served, announced.Certificate[0], tls.RequireAndVerifyClientCert, hostPool(), hostPool())
}
