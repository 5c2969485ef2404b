package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const officer = "goran.ministry"

// TestProviderRegister records a provider and its licences as a ministry
// officer, refuses each bad input with every fault named, refuses a
// caseworker, and reads the public register without a token.
func TestProviderRegister(t *testing.T) {
	ts, _ := newServerWith(t, nil)
	const good = `{"name":"Dnevni centar Sunce","pib":"02655284","address":{"street":"Njegoševa 1","municipality":"Podgorica"},"founded_on":"2020-02-01"}`
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/providers", good); code != http.StatusForbidden {
		t.Fatalf("a caseworker records a provider: %d %s", code, b)
	}
	code, b := doAs(t, ts, officer, "POST", "/api/v1/providers", `{"name":"","pib":"02655285","address":{"street":"","municipality":"Atlantis"},"founded_on":"2020-13-01"}`)
	if code != http.StatusBadRequest {
		t.Fatalf("a bad provider: %d %s", code, b)
	}
	for _, f := range []string{`"name"`, `"pib"`, `"address.street"`, `"address.municipality"`, `"founded_on"`} {
		if !strings.Contains(string(b), `"field":`+f) {
			t.Errorf("a bad provider: no fault on %s in %s", f, b)
		}
	}
	code, b = doAs(t, ts, officer, "POST", "/api/v1/providers", good)
	if code != http.StatusCreated {
		t.Fatalf("record a provider: %d %s", code, b)
	}
	var p struct {
		ID      int64
		Address struct{ Municipality string }
	}
	if err := json.Unmarshal(b, &p); err != nil || p.Address.Municipality != "ME-16" {
		t.Fatalf("the provider: %v %s", err, b)
	}
	if code, b := doAs(t, ts, officer, "POST", "/api/v1/providers", good); code != http.StatusConflict {
		t.Errorf("the same PIB again: %d %s", code, b)
	}
	base := fmt.Sprintf("/api/v1/providers/%d", p.ID)
	bad := []struct{ body, fields string }{
		{`{"number":"L-1","service":"juggling","valid_from":"2019-01-01"}`, "service valid_from"},
		{`{"number":"","service":"counselling","valid_from":"2026-01-01","valid_until":"2025-12-01"}`, "number valid_until"},
		{`{"number":"L-1","service":"counselling","valid_from":"2026-01-01","valid_until":"2034-01-01"}`, "valid_until"},
		{`{"number":"L-1","service":"counselling","valid_from":"1.1.2026"}`, "valid_from"},
	}
	for _, c := range bad {
		code, b := doAs(t, ts, officer, "POST", base+"/licences", c.body)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d %s; want 400", c.body, code, b)
			continue
		}
		for _, f := range strings.Fields(c.fields) {
			if !strings.Contains(string(b), `"field":"`+f+`"`) {
				t.Errorf("%s: no fault on %s in %s", c.body, f, b)
			}
		}
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/licences", `{"number":"L-2026-001","service":"day_care_disability","valid_from":"2026-01-01"}`); code != http.StatusCreated ||
		!strings.Contains(string(b), `"valid_until":"2031-12-31"`) || !strings.Contains(string(b), `"state":"active"`) {
		t.Fatalf("a licence: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/licences", `{"number":"L-2026-001","service":"counselling","valid_from":"2026-01-01"}`); code != http.StatusConflict {
		t.Errorf("a duplicate licence number: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/licences", `{"number":"L-2020-007","service":"counselling","valid_from":"2020-03-01"}`); code != http.StatusCreated {
		t.Fatalf("a second licence: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", base+"/licences/L-2020-007/withdraw", `{"reason":"x"}`); code != http.StatusForbidden {
		t.Errorf("a caseworker withdraws: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/licences/L-2020-007/withdraw", `{"reason":""}`); code != http.StatusBadRequest {
		t.Errorf("a withdrawal without a reason: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/licences/L-2020-007/withdraw", `{"reason":"the inspection found no qualified staff"}`); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"withdrawn"`) {
		t.Fatalf("withdraw: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/licences/L-2020-007/withdraw", `{"reason":"again"}`); code != http.StatusConflict {
		t.Errorf("withdraw a withdrawn licence: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "GET", base, ""); code != http.StatusOK || !strings.Contains(string(b), `"withdrawal_reason"`) {
		t.Errorf("read the provider: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "GET", "/api/v1/providers/999999", ""); code != http.StatusNotFound {
		t.Errorf("no such provider: %d %s", code, b)
	}

	// The public register: no token; no PIB, no officer's name, no reason.
	code, b = doAs(t, ts, "", "GET", "/api/v1/public/providers?lang=en", "")
	if code != http.StatusOK {
		t.Fatalf("public register: %d %s", code, b)
	}
	for _, want := range []string{`"municipality_name":"Podgorica"`, `"service_name":"Day care for children with disabilities"`, `"state":"withdrawn"`, `"state":"active"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("public register: no %s in %s", want, b)
		}
	}
	for _, never := range []string{"02655284", officer, "inspection", "recorded_by", "pib"} {
		if strings.Contains(string(b), never) {
			t.Errorf("public register shows %q: %s", never, b)
		}
	}
	if code, b := doAs(t, ts, "", "GET", "/api/v1/public/providers?municipality=Bar", ""); code != http.StatusOK || !strings.Contains(string(b), `"entries":[]`) {
		t.Errorf("public register of Bar: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "", "GET", "/api/v1/public/providers?municipality=Atlantis&service=juggling", ""); code != http.StatusBadRequest ||
		!strings.Contains(string(b), `"field":"municipality"`) || !strings.Contains(string(b), `"field":"service"`) {
		t.Errorf("public register, bad filters: %d %s", code, b)
	}
	code, b = doAs(t, ts, "", "GET", "/api/v1/public/providers?format=csv&service=counselling", "")
	if code != http.StatusOK || !strings.HasPrefix(string(b), "provider_id,name,street,") || !strings.Contains(string(b), "L-2020-007") ||
		strings.Contains(string(b), "L-2026-001") || !strings.Contains(string(b), ",withdrawn") {
		t.Errorf("public register as CSV: %d %s", code, b)
	}
}
