package codec_test

import (
	"bytes"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/karton-social/karton/codec"
)

func mustRing(t *testing.T) *codec.KeyRing {
	t.Helper()
	r, err := codec.NewKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type person struct {
	JMBG       string
	GivenName  string
	FamilyName string
}

var ana = person{JMBG: "0101990215003", GivenName: "Ana", FamilyName: "Anđelić"}

func TestRoundTrip(t *testing.T) {
	c := codec.New(mustRing(t)).Scoped("claim/Z-2026-000001")
	orig := []*commonpb.Payload{mustPayload(t, ana), mustPayload(t, nil), mustPayload(t, []byte("raw bytes"))}
	enc, err := c.Encode(orig)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range enc {
		if !codec.IsEncrypted(p) || codec.KeyIDOf(p) != "k1" || codec.ScopeOf(p) != "claim/Z-2026-000001" {
			t.Errorf("Encode()[%d].Metadata = %q; want binary/encrypted, key k1, scope claim/Z-2026-000001", i, p.Metadata)
		}
		if len(p.Metadata) != 3 {
			t.Errorf("Encode()[%d] has metadata %q; want only encoding, key id and scope", i, p.Metadata)
		}
		for _, secret := range []string{ana.JMBG, ana.GivenName, "json/plain"} {
			if bytes.Contains(p.Data, []byte(secret)) {
				t.Errorf("Encode()[%d] holds %q in clear", i, secret)
			}
		}
	}
	dec, err := c.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range orig {
		if !proto.Equal(dec[i], orig[i]) {
			t.Errorf("Decode(Encode(p))[%d] = %v; want %v", i, dec[i], orig[i])
		}
	}
	// Two encodings of the same payload differ (a fresh nonce each time).
	again, _ := c.Encode(orig[:1])
	if bytes.Equal(again[0].Data, enc[0].Data) {
		t.Error("two encodings of one payload are identical; want a fresh nonce each")
	}
	// An encrypted payload is not encrypted twice.
	twice, _ := c.Encode(enc[:1])
	if twice[0] != enc[0] {
		t.Error("Encode encrypted an encrypted payload again")
	}
}

func TestUnscopedPayloadHasNoScope(t *testing.T) {
	enc, err := codec.New(mustRing(t)).Encode([]*commonpb.Payload{mustPayload(t, ana)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := enc[0].Metadata[codec.MetadataScope]; ok {
		t.Errorf("unscoped Encode() metadata = %q; want no %s", enc[0].Metadata, codec.MetadataScope)
	}
}

func TestDecodePassesPlainPayloadsThrough(t *testing.T) {
	c := codec.New(mustRing(t))
	plain := mustPayload(t, ana)
	enc, _ := c.Scoped("case/S-2026-000003").Encode([]*commonpb.Payload{mustPayload(t, "x")})
	dec, err := c.Decode([]*commonpb.Payload{plain, enc[0], nil})
	if err != nil {
		t.Fatalf("Decode(plain, encrypted, nil) = %v", err)
	}
	if dec[0] != plain || dec[2] != nil {
		t.Errorf("Decode changed a payload written without the codec: %v", dec[0])
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(dec[1], &s); err != nil || s != "x" {
		t.Errorf("Decode(encrypted) = %q, %v; want x", s, err)
	}
}

func TestRotation(t *testing.T) {
	old := mustRing(t)
	rotated, id, err := old.Rotated()
	if err != nil {
		t.Fatal(err)
	}
	if id != "k2" || rotated.Active() != "k2" || strings.Join(rotated.IDs(), ",") != "k1,k2" {
		t.Fatalf("Rotated() = %s, %q; want k1 and k2 with k2 active", rotated, id)
	}
	before, _ := codec.New(old).Scoped("payroll/2026-11").Encode([]*commonpb.Payload{mustPayload(t, ana)})
	after, _ := codec.New(rotated).Scoped("payroll/2026-11").Encode([]*commonpb.Payload{mustPayload(t, ana)})
	if codec.KeyIDOf(before[0]) != "k1" || codec.KeyIDOf(after[0]) != "k2" {
		t.Fatalf("key ids = %s, %s; want k1 before the rotation, k2 after", codec.KeyIDOf(before[0]), codec.KeyIDOf(after[0]))
	}
	if _, err := codec.New(rotated).Decode(before); err != nil {
		t.Errorf("the rotated ring does not decode what the old key wrote: %v", err)
	}
	// A process that still has the old ring cannot read the new key's
	// payloads, and says which key it lacks.
	if _, err := codec.New(old).Decode(after); err == nil || !strings.Contains(err.Error(), `"k2"`) {
		t.Errorf("old ring Decode(k2 payload) = %v; want an error naming key k2", err)
	}
	// The third rotation numbers past the highest key.
	third, id, _ := rotated.Rotated()
	if id != "k3" || len(third.IDs()) != 3 {
		t.Errorf("second rotation = %s, %q; want k3 added", third, id)
	}
}

func TestUnknownKeyID(t *testing.T) {
	enc, _ := codec.New(mustRing(t)).Encode([]*commonpb.Payload{mustPayload(t, ana)})
	enc[0].Metadata[codec.MetadataKeyID] = []byte("k9")
	_, err := codec.New(mustRing(t)).Decode(enc)
	if err == nil || !strings.Contains(err.Error(), `key "k9"`) || !strings.Contains(err.Error(), "k1") {
		t.Fatalf("Decode(payload of key k9) = %v; want an error naming k9 and the ring's keys", err)
	}
}

func TestTamperingIsDetected(t *testing.T) {
	ring := mustRing(t)
	rotated, _, _ := ring.Rotated()
	c := codec.New(rotated).Scoped("dv/NAS-2026-000001")
	fresh := func() *commonpb.Payload {
		enc, err := c.Encode([]*commonpb.Payload{mustPayload(t, ana)})
		if err != nil {
			t.Fatal(err)
		}
		return enc[0]
	}
	for name, tamper := range map[string]func(p *commonpb.Payload){
		"a flipped bit":          func(p *commonpb.Payload) { p.Data[len(p.Data)/2] ^= 1 },
		"a changed nonce":        func(p *commonpb.Payload) { p.Data[0] ^= 0x80 },
		"truncated":              func(p *commonpb.Payload) { p.Data = p.Data[:10] },
		"another scope":          func(p *commonpb.Payload) { p.Metadata[codec.MetadataScope] = []byte("claim/Z-2026-000001") },
		"the scope removed":      func(p *commonpb.Payload) { delete(p.Metadata, codec.MetadataScope) },
		"the other key's id":     func(p *commonpb.Payload) { p.Metadata[codec.MetadataKeyID] = []byte("k1") },
		"a byte appended":        func(p *commonpb.Payload) { p.Data = append(p.Data, 0) },
		"another payload's data": func(p *commonpb.Payload) { p.Data = fresh().Data[:len(p.Data)-1] },
	} {
		p := fresh()
		tamper(p)
		if _, err := c.Decode([]*commonpb.Payload{p}); err == nil {
			t.Errorf("Decode(payload with %s) succeeded; want an error", name)
		}
	}
}

func TestSerializationContextScopes(t *testing.T) {
	c := codec.New(mustRing(t))
	for _, tt := range []struct {
		sc   converter.SerializationContext
		want string
	}{
		{converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: "claim/Z-2026-000001"}, "claim/Z-2026-000001"},
		{converter.ActivitySerializationContext{Namespace: "default", WorkflowID: "evidence/4f6c", ActivityType: "FetchAllEvidence"}, "evidence/4f6c"},
		{converter.ActivitySerializationContext{Namespace: "default", ActivityType: "Standalone"}, ""},
		{converter.NexusSerializationContext{Endpoint: "e", Service: "s", Operation: "o"}, ""},
	} {
		scoped := c.Scoped("stale").WithSerializationContext(tt.sc)
		enc, err := scoped.Encode([]*commonpb.Payload{mustPayload(t, ana)})
		if err != nil {
			t.Fatal(err)
		}
		if got := codec.ScopeOf(enc[0]); got != tt.want {
			t.Errorf("WithSerializationContext(%#v) scope = %q; want %q", tt.sc, got, tt.want)
		}
	}
}
