package main

import (
	"strings"
	"testing"
)

// karton dev's development issuer grants tokens only when every service is
// karton dev's own; otherwise the refusal names what is set.
func TestDevIssuerRefusal(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want []string
	}{
		{nil, nil},
		{map[string]string{"KARTON_DEMO_HOUSEHOLDS": "10", "KARTON_HTTP_ADDR": "127.0.0.1:9090"}, nil},
		{map[string]string{"DATABASE_URL": "postgres://karton@db.example/karton"}, []string{"DATABASE_URL"}},
		{map[string]string{"TEMPORAL_ADDRESS": "temporal.example:7233"}, []string{"TEMPORAL_ADDRESS"}},
		{map[string]string{"S3_ENDPOINT": "s3.example"}, []string{"S3_ENDPOINT"}},
		{map[string]string{"KARTON_REGISTRY_URL": "https://xroad.example"}, []string{"KARTON_REGISTRY_URL"}},
		{map[string]string{"DATABASE_URL": "postgres://x", "S3_ENDPOINT": "s3.example"}, []string{"DATABASE_URL, S3_ENDPOINT", "grants no tokens"}},
	} {
		c, err := Load(env(tt.env))
		if err != nil {
			t.Fatal(err)
		}
		got := c.devIssuerRefusal()
		if (got == "") != (tt.want == nil) {
			t.Errorf("devIssuerRefusal with %v = %q; want refusal: %v", tt.env, got, tt.want != nil)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("devIssuerRefusal with %v = %q; want it to name %q", tt.env, got, w)
			}
		}
	}
}
