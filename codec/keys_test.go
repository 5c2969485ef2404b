package codec_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"

	"github.com/karton-social/karton/codec"
)

func TestKeyFileLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "payload.json")
	r, created, err := codec.EnsureKeyFile(path)
	if err != nil || !created || r.Active() != "k1" {
		t.Fatalf("EnsureKeyFile(new) = %v, %v, %v; want a fresh ring with k1, created", r, created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v; want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("key folder mode = %v; want 0700", st.Mode().Perm())
	}
	enc, _ := codec.New(r).Encode([]*commonpb.Payload{mustPayload(t, ana)})

	again, created, err := codec.EnsureKeyFile(path)
	if err != nil || created {
		t.Fatalf("EnsureKeyFile(existing) = %v, %v; want the file's ring, not created", created, err)
	}
	if _, err := codec.New(again).Decode(enc); err != nil {
		t.Errorf("the ring read back does not decode: %v", err)
	}

	rotated, id, err := codec.RotateKeyFile(path)
	if err != nil || id != "k2" || rotated.Active() != "k2" {
		t.Fatalf("RotateKeyFile = %v, %q, %v; want k2 active", rotated, id, err)
	}
	loaded, err := codec.LoadKeyFile(path)
	if err != nil || loaded.Active() != "k2" || strings.Join(loaded.IDs(), ",") != "k1,k2" {
		t.Fatalf("LoadKeyFile after rotation = %v, %v; want k1 and k2, k2 active", loaded, err)
	}
	if _, err := codec.New(loaded).Decode(enc); err != nil {
		t.Errorf("after rotation the old payload does not decode: %v", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("rotated key file mode = %v; want 0600", st.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".payload-keys-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if _, _, err := codec.RotateKeyFile(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("RotateKeyFile(missing file) succeeded; want an error")
	}
}

func TestParseKeyRing(t *testing.T) {
	k := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	good := `{"active":"k2","keys":{"k1":"` + k(32) + `","k2":"` + k(32) + `"}}`
	r, err := codec.ParseKeyRing([]byte(good))
	if err != nil || r.Active() != "k2" || strings.Join(r.IDs(), ",") != "k1,k2" {
		t.Fatalf("ParseKeyRing(%s) = %v, %v", good, r, err)
	}
	if strings.Contains(r.String(), k(32)) {
		t.Errorf("KeyRing.String() = %q shows a key", r.String())
	}
	back, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if r2, err := codec.ParseKeyRing(back); err != nil || r2.String() != r.String() {
		t.Errorf("ParseKeyRing(MarshalJSON()) = %v, %v; want %v", r2, err, r)
	}
	for name, bad := range map[string]string{
		"not json":          `keys`,
		"no keys":           `{"active":"k1","keys":{}}`,
		"active missing":    `{"active":"k3","keys":{"k1":"` + k(32) + `"}}`,
		"short key":         `{"active":"k1","keys":{"k1":"` + k(16) + `"}}`,
		"not base64":        `{"active":"k1","keys":{"k1":"%%%"}}`,
		"bad id":            `{"active":"k 1","keys":{"k 1":"` + k(32) + `"}}`,
		"unknown field":     `{"active":"k1","keys":{"k1":"` + k(32) + `"},"note":"x"}`,
		"no active key set": `{"keys":{"k1":"` + k(32) + `"}}`,
	} {
		if _, err := codec.ParseKeyRing([]byte(bad)); err == nil {
			t.Errorf("ParseKeyRing(%s: %s) succeeded; want an error", name, bad)
		}
	}
}
