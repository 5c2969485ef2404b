package objects_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/objects"
)

func TestPutGetAgainstRealMinIO(t *testing.T) {
	ctx := context.Background()
	m := &devstack.MinIO{Dir: t.TempDir(), AccessKey: "karton", SecretKey: "karton-test-secret"}
	if err := m.Start(ctx); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	defer m.Stop()
	s, err := objects.Open(objects.Config{Endpoint: m.Endpoint(), AccessKey: "karton", SecretKey: "karton-test-secret", Bucket: "docs"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping before the bucket exists succeeded; want an error")
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("second EnsureBucket: %v", err)
	}
	data := []byte("%PDF-1.7 decision")
	sum, err := s.Put(ctx, "decisions/1.pdf", "application/pdf", data)
	want := sha256.Sum256(data)
	if err != nil || sum != hex.EncodeToString(want[:]) {
		t.Fatalf("Put = %s, %v; want the SHA-256 of the data", sum, err)
	}
	got, err := s.Get(ctx, "decisions/1.pdf")
	if err != nil || string(got) != string(data) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	// The store checks signatures: a wrong secret is refused.
	bad, _ := objects.Open(objects.Config{Endpoint: m.Endpoint(), AccessKey: "karton", SecretKey: "wrong-secret", Bucket: "docs"})
	if _, err := bad.Get(ctx, "decisions/1.pdf"); err == nil {
		t.Fatal("Get with a wrong secret succeeded; want access denied")
	}
}
