package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// TestChangesOnTheEFileAndForTheOperator: a person's change is on the
// e-file with its source and what it did; a change for a JMBG Karton does
// not know is in the operator's list, its JMBG masked, and nobody else's;
// a bad state is a 400 naming the field.
func TestChangesOnTheEFileAndForTheOperator(t *testing.T) {
	ts, db := newServerFor(t, func(*api.Deps) {})
	ctx := context.Background()
	p := seedPerson(t, db, "0101990215007", "Podgorica", "Milica", "Kovačević")
	stranger := "0202950210001"
	day := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	if _, err := db.StoreChanges(ctx, "population", "", "e.2", []store.ChangeEvent{
		{ID: "MUP-population-register-e-1", Source: "population", JMBG: p.JMBG, Kind: domain.ChangeMove, OccurredOn: day},
		{ID: "MUP-population-register-e-2", Source: "population", JMBG: domain.JMBG(stranger), Kind: domain.ChangeDeath, OccurredOn: day},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishChange(ctx, "MUP-population-register-e-1", domain.ChangeProposed,
		[]store.ChangeOutcome{{EntitlementID: "00000000-0000-0000-0000-000000000001", Benefit: "MO", Action: "proposed"}}, day); err != nil {
		t.Fatal(err)
	}
	code, body := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/persons/"+string(p.ID), "")
	if code != http.StatusOK {
		t.Fatalf("e-file = %d %s", code, body)
	}
	var file struct {
		Changes []struct {
			ID, Kind, OccurredOn, Source, Institution, State string
			Outcome                                          []struct{ Action string }
		}
	}
	_ = json.Unmarshal(body, &file)
	if len(file.Changes) != 1 || file.Changes[0].Kind != "move" || file.Changes[0].Source != "population" ||
		!strings.Contains(file.Changes[0].Institution, "population register") || file.Changes[0].State != "proposed" ||
		len(file.Changes[0].Outcome) != 1 || file.Changes[0].Outcome[0].Action != "proposed" {
		t.Fatalf("e-file changes = %+v", file.Changes)
	}

	code, body = doAs(t, ts, "admin", "GET", "/api/v1/changes?state=unmatched", "")
	if code != http.StatusOK {
		t.Fatalf("operator's list = %d %s", code, body)
	}
	if strings.Contains(string(body), stranger) || strings.Contains(string(body), "Milica") {
		t.Errorf("the operator's list shows personal data: %s", body)
	}
	var list struct {
		Changes []struct {
			ID         string
			PersonID   *string `json:"person_id"`
			JMBGMasked string  `json:"jmbg_masked"`
		}
	}
	_ = json.Unmarshal(body, &list)
	if len(list.Changes) != 1 || list.Changes[0].ID != "MUP-population-register-e-2" || list.Changes[0].PersonID != nil ||
		list.Changes[0].JMBGMasked != "*********0001" {
		t.Fatalf("unmatched = %s", body)
	}
	if code, body := doAs(t, ts, "admin", "GET", "/api/v1/changes?state=lost", ""); code != http.StatusBadRequest || !strings.Contains(string(body), `"field":"state"`) {
		t.Errorf("bad state = %d %s", code, body)
	}
	if code, _ := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/changes", ""); code != http.StatusForbidden {
		t.Errorf("a caseworker's list = %d; want 403", code)
	}
}
