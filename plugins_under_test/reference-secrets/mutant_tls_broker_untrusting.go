//go:build mutant_tls_broker_untrusting

package main

import (
	"crypto/tls"
	"crypto/x509"
)

// Breaks TLS-005: serves mutual TLS correctly, but trusts nobody when it dials the host's broker.
func init() {
	cert := selfSigned()
	useTLS(cert, cert.Certificate[0], tls.RequireAndVerifyClientCert, hostPool(), x509.NewCertPool())
}
