package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// temporalTLS is the TLS (with a client certificate: mTLS) Karton dials
// Temporal with, from TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA
// and TEMPORAL_TLS_SERVER_NAME (files mounted from a secret, as Temporal
// Cloud and a cluster with internode TLS ask); nil when none is set.
func temporalTLS(cfg Config) (*tls.Config, error) {
	if cfg.TemporalTLSCert == "" && cfg.TemporalTLSKey == "" && cfg.TemporalTLSCA == "" {
		if cfg.TemporalTLSServerName != "" {
			return &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TemporalTLSServerName}, nil
		}
		return nil, nil
	}
	if (cfg.TemporalTLSCert == "") != (cfg.TemporalTLSKey == "") {
		return nil, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both (a client certificate and its key) or neither")
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TemporalTLSServerName}
	if cfg.TemporalTLSCert != "" {
		pair, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	if cfg.TemporalTLSCA != "" {
		pem, err := os.ReadFile(cfg.TemporalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: %s holds no PEM certificate", cfg.TemporalTLSCA)
		}
	}
	return c, nil
}
