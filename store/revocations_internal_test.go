package store

import (
	"crypto/sha256"
	"testing"
	"time"
)

func TestRevocationsInMemoryAreTrustedWhileFresh(t *testing.T) {
	now := time.Now()
	h := sha256.Sum256([]byte("t"))
	r := &revocations{}
	r.replace(map[[sha256.Size]byte]time.Time{h: now.Add(time.Hour)}, now)
	if rev, ok := r.revoked(h[:], now); !ok || !rev {
		t.Errorf("fresh: %v, %v; want revoked", rev, ok)
	}
	if _, ok := r.revoked(h[:], now.Add(revocationStale+time.Second)); ok {
		t.Error("trusted although not read for longer than revocationStale")
	}
	old := &revocations{}
	old.replace(map[[sha256.Size]byte]time.Time{h: now.Add(-2 * time.Hour)}, now)
	if rev, ok := old.revoked(h[:], now); !ok || rev {
		t.Errorf("a token expired two hours ago: %v, %v; want not revoked (refused for its age)", rev, ok)
	}
	// A logout added while the table was read is kept by the reading
	// that did not see it; a token long expired goes.
	added, gone := sha256.Sum256([]byte("added")), sha256.Sum256([]byte("gone"))
	r.add(added[:], now.Add(time.Hour))
	r.add(gone[:], now.Add(-2*time.Hour))
	r.replace(map[[sha256.Size]byte]time.Time{}, now)
	if rev, ok := r.revoked(added[:], now); !ok || !rev {
		t.Errorf("a logout added during the reading: %v, %v; want kept", rev, ok)
	}
	if _, kept := r.tokens[gone]; kept {
		t.Error("a token expired two hours ago kept by a new reading")
	}
	r.lost()
	if _, ok := r.revoked(h[:], now); ok {
		t.Error("trusted after the watch's connection was lost")
	}
	if _, _, ok := parseRevocation("zz 12"); ok {
		t.Error("a payload that is not a hash was read")
	}
	got, exp, ok := parseRevocation(revocationPayload(h[:], now))
	if !ok || string(got) != string(h[:]) || exp.Unix() != now.Unix() {
		t.Errorf("payload round trip = %x, %v, %v", got, exp, ok)
	}
}
