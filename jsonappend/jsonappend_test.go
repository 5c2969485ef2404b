package jsonappend_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/jsonappend"
)

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// strangeStrings are the strings encoding/json escapes or replaces.
func strangeStrings() []string {
	var all []byte
	for c := 0; c < 128; c++ {
		all = append(all, byte(c))
	}
	return []string{"", string(all), "<b>&amp;</b> \"quoted\" back\\slash", "tab\tline\nfeed\rcr\b\f",
		"invalid \xff\xfe utf-8 \xe2\x82", "line sep \u2028 para sep \u2029", "Đurđević Šćepan ž € 😀"}
}

func TestStringIsEncodingJSON(t *testing.T) {
	for _, s := range strangeStrings() {
		if got, want := string(jsonappend.String(nil, s)), asJSON(t, s); got != want {
			t.Errorf("String(%q)\n got %s\nwant %s", s, got, want)
		}
	}
}

func FuzzStringIsEncodingJSON(f *testing.F) {
	for _, s := range strangeStrings() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(jsonappend.String([]byte("x"), s)), "x"+asJSON(t, s); got != want {
			t.Errorf("String(%q)\n got %s\nwant %s", s, got, want)
		}
	})
}

func TestValuesAreEncodingJSON(t *testing.T) {
	checks := []struct {
		got  []byte
		want any
	}{
		{jsonappend.Strings(nil, nil), []string(nil)},
		{jsonappend.Strings(nil, []string{}), []string{}},
		{jsonappend.Strings(nil, []string{"a<b", "", "c"}), []string{"a<b", "", "c"}},
		{jsonappend.Int(nil, -42), -42},
		{jsonappend.Int(nil, 0), 0},
		{jsonappend.Bool(nil, true), true},
		{jsonappend.Bool(nil, false), false},
	}
	for _, c := range checks {
		if want := asJSON(t, c.want); string(c.got) != want {
			t.Errorf("got %s, want %s", c.got, want)
		}
	}
}

func TestTimeIsTimesOwn(t *testing.T) {
	belgrade := time.FixedZone("CET", 3600)
	odd := time.FixedZone("", -(3*3600 + 30*60))
	for _, at := range []time.Time{
		{}, time.Date(2026, 12, 3, 5, 30, 0, 0, time.UTC), time.Date(2026, 12, 3, 5, 30, 0, 123456789, belgrade),
		time.Date(2026, 12, 3, 5, 30, 0, 120000000, odd), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := jsonappend.Time(nil, at)
		if err != nil {
			t.Fatalf("Time(%v): %v", at, err)
		}
		if want := asJSON(t, at); string(got) != want {
			t.Errorf("Time(%v) = %s, want %s", at, got, want)
		}
		got, err = jsonappend.OptTime(nil, &at)
		if err != nil || string(got) != asJSON(t, at) {
			t.Errorf("OptTime(%v) = %s, %v", at, got, err)
		}
	}
	if got, err := jsonappend.OptTime(nil, nil); err != nil || string(got) != "null" {
		t.Errorf("OptTime(nil) = %s, %v", got, err)
	}
	for _, at := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))} {
		if _, err := json.Marshal(at); err == nil {
			t.Fatalf("encoding/json took %v", at)
		}
		if _, err := jsonappend.Time(nil, at); err == nil {
			t.Errorf("Time(%v) took a time encoding/json refuses", at)
		}
	}
}

// rawValues are JSON texts as PostgreSQL gives a jsonb's (spaces after
// the colons and commas), with characters encoding/json escapes.
func rawValues() []string {
	return []string{`{"case": "PG-2026-00001", "stage": "plan"}`, `null`, `[1, 2.50, true, false, null]`,
		`{"a": {"b": [" <x> & y ", "\u2028", "` + "\u2028\u2029" + `"]}, "c": "Đ"}`, " \t\n{ } ", `"<>&"`}
}

func TestRawIsEncodingJSON(t *testing.T) {
	for _, s := range rawValues() {
		got, err := jsonappend.Raw([]byte("x"), json.RawMessage(s))
		if err != nil {
			t.Fatalf("Raw(%q): %v", s, err)
		}
		if want := "x" + asJSON(t, json.RawMessage(s)); string(got) != want {
			t.Errorf("Raw(%q)\n got %s\nwant %s", s, got, want)
		}
	}
	if got, err := jsonappend.Raw(nil, nil); err != nil || string(got) != "null" {
		t.Errorf("Raw(nil) = %s, %v", got, err)
	}
	for _, bad := range []string{"", `{"a":`, `{"a" 1}`, "nul"} {
		if _, err := json.Marshal(json.RawMessage(bad)); err == nil {
			t.Fatalf("encoding/json took %q", bad)
		}
		if got, err := jsonappend.Raw(nil, json.RawMessage(bad)); err == nil {
			t.Errorf("Raw(%q) = %s, no error", bad, got)
		}
	}
}

func FuzzRawIsEncodingJSON(f *testing.F) {
	for _, s := range rawValues() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := json.Marshal(json.RawMessage(s))
		got, err := jsonappend.Raw([]byte("x"), json.RawMessage(s))
		if (err == nil) != (werr == nil) {
			t.Fatalf("Raw(%q): error %v, encoding/json's %v", s, err, werr)
		}
		if err == nil && string(got) != "x"+string(want) {
			t.Errorf("Raw(%q)\n got %s\nwant x%s", s, got, want)
		}
		if err != nil && !strings.HasPrefix(string(got), "x") {
			t.Errorf("Raw(%q) lost what was before it: %q", s, got)
		}
	})
}
