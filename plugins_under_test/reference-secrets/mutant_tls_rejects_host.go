//go:build mutant_tls_rejects_host

package main

import (
	"crypto/tls"
	"crypto/x509"
)

// Breaks TLS-001: trusts its own CA instead of PLUGIN_CLIENT_CERT, so it refuses the host.
func init() {
	cert := selfSigned()
	own := x509.NewCertPool()
	parsed, _ := x509.ParseCertificate(selfSigned().Certificate[0])
	own.AddCert(parsed)
	useTLS(cert, cert.Certificate[0], tls.RequireAndVerifyClientCert, own, hostPool())
}
