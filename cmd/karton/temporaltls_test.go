package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "karton"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestTemporalTLS: the client certificate, its key and the CA come from
// files (a mounted secret, as the Helm chart does for Temporal Cloud); a
// half-given pair, a missing file or a CA that is no certificate stop the
// start with the variable named.
func TestTemporalTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	c, err := Load(env(map[string]string{"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": key, "TEMPORAL_TLS_CA": cert,
		"TEMPORAL_TLS_SERVER_NAME": "karton.tmprl.cloud"}))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := temporalTLS(c)
	if err != nil || tc == nil || len(tc.Certificates) != 1 || tc.RootCAs == nil || tc.ServerName != "karton.tmprl.cloud" {
		t.Fatalf("temporalTLS = %+v, %v; want the client certificate, the CA and the server name", tc, err)
	}
	if tc, err := temporalTLS(Config{}); tc != nil || err != nil {
		t.Errorf("no TLS variables: %+v, %v; want plain gRPC", tc, err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{TemporalTLSCert: cert}, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together"},
		{Config{TemporalTLSCert: cert, TemporalTLSKey: filepath.Join(dir, "missing.key")}, "TEMPORAL_TLS_KEY"},
		{Config{TemporalTLSCA: filepath.Join(dir, "missing.crt")}, "TEMPORAL_TLS_CA"},
		{Config{TemporalTLSCA: garbage}, "holds no PEM certificate"},
	} {
		if _, err := temporalTLS(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want an error saying %q", c.cfg, err, c.want)
		}
	}
}
