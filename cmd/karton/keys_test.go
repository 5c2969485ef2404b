package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/karton-social/karton/codec"
)

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	e := env(map[string]string{"KARTON_DATA_DIR": dir})
	file := filepath.Join(dir, "keys", "payload.json")
	var out strings.Builder
	if err := run([]string{"keys", "rotate"}, e, &out); err != nil || !strings.Contains(out.String(), "created with key k1") {
		t.Fatalf("keys rotate without a file = %v, %q; want the file created with k1", err, out.String())
	}
	out.Reset()
	if err := run([]string{"keys", "rotate"}, e, &out); err != nil || !strings.Contains(out.String(), "added key k2") {
		t.Fatalf("keys rotate = %v, %q; want k2 added", err, out.String())
	}
	r, err := codec.LoadKeyFile(file)
	if err != nil || r.Active() != "k2" || strings.Join(r.IDs(), ",") != "k1,k2" {
		t.Fatalf("key file after two rotations = %v, %v; want k1 and k2, k2 active", r, err)
	}
	out.Reset()
	if err := run([]string{"keys", "list"}, e, &out); err != nil || !strings.Contains(out.String(), "k1, k2 (active k2)") {
		t.Errorf("keys list = %v, %q", err, out.String())
	}
	b, _ := os.ReadFile(file)
	inline := env(map[string]string{"KARTON_DATA_DIR": dir, "KARTON_PAYLOAD_KEYS": string(b)})
	if err := run([]string{"keys", "rotate"}, inline, &out); err == nil {
		t.Error("keys rotate with KARTON_PAYLOAD_KEYS succeeded; want an error: that secret is rotated where it is kept")
	}
	if err := run([]string{"keys", "burn"}, e, &out); err == nil {
		t.Error("keys burn succeeded; want the usage")
	}
}

func TestPlatformConfigNeedsPayloadKeys(t *testing.T) {
	dir := t.TempDir()
	base := map[string]string{"KARTON_DATA_DIR": dir, "DATABASE_URL": "postgres://db/k", "TEMPORAL_ADDRESS": "t:7233", "S3_ENDPOINT": "s3:9000", "KARTON_OIDC_ISSUER": "https://id"}
	c, err := Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := platformConfig(c); err == nil || !strings.Contains(err.Error(), "payload keys") {
		t.Fatalf("platformConfig without keys = %v; want an error about payload keys", err)
	}
	r, _ := codec.NewKeyRing()
	if err := codec.WriteKeyFile(filepath.Join(dir, "keys", "payload.json"), r, false); err != nil {
		t.Fatal(err)
	}
	c, _ = Load(env(base))
	if pc, err := platformConfig(c); err != nil || pc.PayloadKeys == nil || pc.PayloadKeys.Active() != "k1" || len(pc.CodecOrigins) != 2 {
		t.Fatalf("platformConfig with the key file = %+v, %v; want its keys and the default origins", pc, err)
	}
	b, _ := r.MarshalJSON()
	base["KARTON_PAYLOAD_KEYS"] = string(b)
	base["KARTON_PAYLOAD_KEYS_FILE"] = filepath.Join(dir, "nowhere.json")
	base["KARTON_CODEC_ORIGINS"] = "https://temporal-ui.example"
	c, err = Load(env(base))
	if err != nil || c.PayloadKeys == nil || strings.Join(c.CodecOrigins, ",") != "https://temporal-ui.example" {
		t.Fatalf("Load with KARTON_PAYLOAD_KEYS = %v, %v", c, err)
	}
	var kf struct{ Keys map[string]string }
	_ = json.Unmarshal(b, &kf)
	if kf.Keys["k1"] == "" || strings.Contains(c.String(), kf.Keys["k1"]) {
		t.Errorf("Config.String() = %q shows the keys", c.String())
	}
	if _, err := platformConfig(c); err != nil {
		t.Errorf("platformConfig with KARTON_PAYLOAD_KEYS and no key file = %v; want the inline keys", err)
	}
	base["KARTON_PAYLOAD_KEYS"] = `{"active":"k1","keys":{"k1":"c2hvcnQ="}}`
	if _, err := Load(env(base)); err == nil {
		t.Error("Load with a short key in KARTON_PAYLOAD_KEYS succeeded; want an error")
	}
}
