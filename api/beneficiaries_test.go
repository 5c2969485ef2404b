package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
)

// TestPublicBeneficiaries: the anonymous count by municipality needs no
// login, shows a municipality of five or more and suppresses the others
// ("<5", escaped \u003c5 in JSON), answers CSV, and a bad benefit, day or format is a 400.
func TestPublicBeneficiaries(t *testing.T) {
	ts, db := newServerWith(t, nil)
	ctx := context.Background()
	for i := range 6 {
		j, _ := domain.MakeJMBG(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 21, 700+i)
		addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
		p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Ana", FamilyName: "Vuković", Address: addr})
		p, err := db.CreatePerson(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		grantRight(t, db, "MO", "", p.ID)
	}
	code, b := doAs(t, ts, "", "GET", "/api/v1/public/beneficiaries?benefit=MO&on=2024-06-30", "")
	if code != http.StatusOK {
		t.Fatalf("public count: %d %s", code, b)
	}
	for _, want := range []string{`"municipality_name":"Podgorica","count":"6"`, `"municipality_name":"Bar","count":"\u003c5"`, `"total":"6"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("public count lacks %s: %s", want, b)
		}
	}
	if strings.Contains(string(b), "Vuković") || strings.Contains(string(b), "1980") {
		t.Errorf("public count shows a person: %s", b)
	}
	if code, b := doAs(t, ts, "", "GET", "/api/v1/public/beneficiaries?benefit=MO&on=2023-06-30", ""); code != http.StatusOK ||
		!strings.Contains(string(b), `"total":"\u003c5"`) || strings.Contains(string(b), `"count":"0"`) {
		t.Errorf("before the rights: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "", "GET", "/api/v1/public/beneficiaries?benefit=MO&on=2024-06-30&format=csv", ""); code != http.StatusOK ||
		!strings.Contains(string(b), "ME-16,Podgorica,6") {
		t.Errorf("CSV: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "", "GET", "/api/v1/public/beneficiaries?benefit=XX&on=2024-13-01&format=xml", ""); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "benefit") || !strings.Contains(string(b), "on") || !strings.Contains(string(b), "format") {
		t.Errorf("bad input: %d %s", code, b)
	}
}
