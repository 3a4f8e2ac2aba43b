//go:build mutant_tls_no_client_auth || mutant_tls_any_client_cert || mutant_tls_other_cert || mutant_tls_rejects_host || mutant_tls_broker_untrusting

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"os"
	"time"
)

// Shared by the TLS mutants: they serve their own TLS configuration (instead of
// go-plugin's AutoMTLS) and announce a certificate in the handshake line themselves.

// selfSigned makes a certificate like go-plugin's: P-521, CN and SAN localhost, CA.
func selfSigned() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		panic(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"mutant"}},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-30 * time.Second),
		NotAfter:              time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func hostPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(os.Getenv("PLUGIN_CLIENT_CERT")))
	return pool
}

// useTLS serves with cert, verifying clients as clientAuth/clientCAs say, and
// announces the announced certificate in handshake field 6. rootCAs is what it
// trusts when it dials the host's broker.
func useTLS(served tls.Certificate, announced []byte, clientAuth tls.ClientAuthType, clientCAs, rootCAs *x509.CertPool) {
	mutation.tlsProvider = func() (*tls.Config, error) {
		return &tls.Config{
			Certificates: []tls.Certificate{served},
			ClientAuth:   clientAuth,
			ClientCAs:    clientCAs,
			RootCAs:      rootCAs,
			ServerName:   "localhost",
			MinVersion:   tls.VersionTLS12,
		}, nil
	}
	mutation.rewriteHandshake = func(fields []string) []string {
		for len(fields) < 6 {
			fields = append(fields, "")
		}
		fields[5] = base64.RawStdEncoding.EncodeToString(announced)
		return fields
	}
}
