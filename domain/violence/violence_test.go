package violence

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain/cases"
)

const notification = `{"police_reference":"UP-PG/2026/0117","occurred_at":"2026-11-29T22:40:00+01:00",
	"place":{"municipality":"Podgorica","settlement":"Podgorica","street":"Bulevar Svetog Petra Cetinjskog 12"},
	"description":"Neighbours called the police after loud fighting; the victim has visible injuries.",
	"persons":[{"role":"victim","jmbg":"0101990215009","sex":"F","relationship":"spouse"},
		{"role":"perpetrator","description":"husband, about 40, left before the police came"},
		{"role":"child","jmbg":"0505015210003","relationship":"child"}],
	"children_present":true,"measures":["removal_from_residence","restraining_order"],
	"risk_indicators":["previous_violence","children_present"],"misdemeanour_report":true,
	"officer":{"name":"Marko Perić","badge":"4471"}}`

func TestNotificationSchema(t *testing.T) {
	if err := Schemas.Validate("notification", json.RawMessage(notification)); err != nil {
		t.Fatalf("a complete notification fails: %v", err)
	}
	bad := `{"police_reference":"x","occurred_at":"yesterday","place":{},"persons":[{"role":"victim"}],"measures":["prison"]}`
	err := Schemas.Validate("notification", json.RawMessage(bad))
	for _, field := range []string{"police_reference", "occurred_at", "place.municipality", "description", "officer", "persons.0", "measures.0"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("a bad notification's error %v does not name %s", err, field)
		}
	}
	for _, name := range []string{"notification", "police_update", "report", "first_contact"} {
		if !Schemas.Has(name) {
			t.Errorf("no schema %s", name)
		}
	}
}

func TestRouting(t *testing.T) {
	on := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if p := Procedure(time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC), on); p != "P05" {
		t.Errorf("a 14-year-old victim: %s; want P05 (child victim or witness)", p)
	}
	if p := Procedure(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), on); p != "P37" {
		t.Errorf("an adult victim: %s; want P37 (violence against an adult)", p)
	}
	// The procedures' own catalogue says which is which (issue 16: the
	// routing was swapped and the test above enforced the swap).
	catalogue := cases.MustLoad()
	for _, tc := range []struct {
		birth time.Time
		slug  string
	}{{time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC), "dv-child"}, {time.Date(2008, 11, 30, 0, 0, 0, 0, time.UTC), "dv-adult"},
		{time.Date(2008, 12, 1, 0, 0, 0, 0, time.UTC), "dv-child"}, {time.Time{}, "dv-adult"}} {
		d, err := catalogue.Get(Procedure(tc.birth, on), 0)
		if err != nil || d.Slug != tc.slug {
			t.Errorf("a victim born %s goes to %s (%s, %v); want %s", tc.birth.Format(time.DateOnly), d.Code, d.Slug, err, tc.slug)
		}
	}
	if c, err := CompetentCentre("", "Nikšić"); err != nil || c.ID != "csr-niksic" {
		t.Errorf("an unknown victim in Nikšić: %v %v; want csr-niksic", c.ID, err)
	}
	if c, err := CompetentCentre("csr-bar", "Nikšić"); err != nil || c.ID != "csr-bar" {
		t.Errorf("a known victim of Bar, hurt in Nikšić: %v %v; want csr-bar", c.ID, err)
	}
	if _, err := CompetentCentre("", "Atlantis"); err == nil {
		t.Error("an unknown municipality is accepted")
	}
	if AgeBand(2012, on) != "0-17" || AgeBand(1950, on) != "65+" || AgeBand(0, on) != "unknown" {
		t.Error("age bands")
	}
}
