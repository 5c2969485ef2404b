package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/carers"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// caseWithDecisions opens a case of procedure for ward and returns a
// function that prepares and issues its next decision of kind (naming
// carers) on day, as the Case workflow records them, and registers it.
func caseWithDecisions(t *testing.T, db *store.DB, procedure string, ward domain.PersonID) (string, func(kind string, day time.Time, carers ...domain.PersonID) int) {
	t.Helper()
	ctx := context.Background()
	number, err := db.NextCaseNumber(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: "csr-podgorica", Status: "open", Stage: "monitoring",
		OpenedBy: "ana.caseworker", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: ward, Role: "beneficiary"}}}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: c}); err != nil {
		t.Fatal(err)
	}
	seq, events := 0, 0
	return number, func(kind string, day time.Time, named ...domain.PersonID) int {
		t.Helper()
		seq++
		events++
		data, _ := json.Marshal(map[string]any{"kind": kind, "reasoning": "Obrazloženje rješenja.", "carers": named})
		if err := db.RecordCase(ctx, store.CaseRecord{Case: c, Event: &store.CaseEvent{Key: fmt.Sprintf("%s/%d", number, events), At: day,
			Kind: "decision_prepared", Stage: "monitoring", By: "ana.caseworker", Summary: kind, Data: data}}); err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueCaseDecision(ctx, store.CaseDecision{CaseNumber: number, Seq: seq, Kind: kind, Reasoning: "x", PreparedBy: "ana.caseworker",
			ApprovedBy: "marko.supervisor", IssuedAt: day}, "csr-podgorica", func(store.CaseDecision) (string, string, error) { return "k", "s", nil })
		if err != nil {
			t.Fatal(err)
		}
		in := store.CaseDecisionIssued{CaseNumber: number, Seq: seq, Kind: kind, DecisionID: d.ID, Day: day, CentreID: "csr-podgorica"}
		n, err := db.RegisterCaseDecision(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := db.RegisterCaseDecision(ctx, in); err != nil || again != 0 {
			t.Errorf("registering decision %s again changed %d rows (%v); want none", kind, again, err)
		}
		return n
	}
}

// TestCarerRegisters: a guardian appointed by a P01 decision is in the
// register of guardians with the ward from the decision's day and leaves
// the current register at guardianship_end; a foster family of two placed
// by a P02 decision likewise until placement_end; a decision of another
// kind changes nothing; the register is found by a carer's name without
// diacritics or a ward's JMBG, and by centre; assessments are listed with
// their carer; a person named in a DV report, or a case of the DV
// compartment, marks the entry Restricted.
func TestCarerRegisters(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	child, guardian := newTestPerson(t, db, 701), newTestPerson(t, db, 702)
	fosterChild, mother, father := newTestPerson(t, db, 703), newTestPerson(t, db, 704), newTestPerson(t, db, 705)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	register := func(f store.CarerFilter) []store.CarerEntry {
		t.Helper()
		list, err := db.CarerRegister(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	p01, decide := caseWithDecisions(t, db, "P01", child)
	if n := decide("guardian_appointment", day, guardian); n != 1 {
		t.Fatalf("guardian_appointment entered %d rows; want 1", n)
	}
	if n := decide("property_approval", day.AddDate(0, 1, 0)); n != 0 {
		t.Errorf("property_approval changed %d rows; want none", n)
	}
	list := register(store.CarerFilter{Role: carers.Guardian, CentreID: "csr-podgorica"})
	if len(list) != 1 || list[0].CaseNumber != p01 || len(list[0].Carers) != 1 || list[0].Carers[0].PersonID != string(guardian) ||
		len(list[0].Wards) != 1 || list[0].Wards[0].PersonID != string(child) || !list[0].From.Equal(day) || list[0].EndedOn != nil ||
		list[0].DecisionNumber == "" || list[0].Restricted {
		t.Fatalf("register of guardians = %+v; want the guardian of the child from %s", list, day.Format(time.DateOnly))
	}
	if l := register(store.CarerFilter{Role: carers.FosterCarer}); len(l) != 0 {
		t.Errorf("foster carers before any placement: %+v; want none", l)
	}
	if l := register(store.CarerFilter{Role: carers.Guardian, CentreID: "csr-niksic"}); len(l) != 0 {
		t.Errorf("guardians of Nikšić: %+v; want none", l)
	}
	if _, err := db.RecordCarerAssessment(ctx, store.CarerAssessment{CarerID: string(guardian), CentreID: "csr-podgorica", RecordedBy: "ana.caseworker",
		Assessment: carers.Assessment{Kind: carers.KindTraining, Role: carers.Guardian, HeldOn: day, Outcome: "completed", Hours: 12}}, day); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordCarerAssessment(ctx, store.CarerAssessment{CarerID: string(guardian), CentreID: "csr-podgorica", RecordedBy: "ana.caseworker",
		Assessment: carers.Assessment{Kind: carers.KindTraining, Role: carers.Guardian, HeldOn: day, Outcome: "suitable"}}, day); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("a training with a suitability's outcome and no hours: %v; want invalid", err)
	}
	list = register(store.CarerFilter{Role: carers.Guardian, Query: "vukovic an"})
	if len(list) != 1 || len(list[0].Carers[0].Assessments) != 1 || list[0].Carers[0].Assessments[0].Assessment.Hours != 12 {
		t.Errorf("guardians found by name: %+v; want the one with its training", list)
	}

	p02, place := caseWithDecisions(t, db, "P02", fosterChild)
	if n := place("foster_placement", day, mother, father); n != 2 {
		t.Fatalf("foster_placement entered %d rows; want 2", n)
	}
	var j string
	if err := db.Pool().QueryRow(ctx, `SELECT jmbg FROM persons WHERE id = $1`, string(fosterChild)).Scan(&j); err != nil {
		t.Fatal(err)
	}
	list = register(store.CarerFilter{Role: carers.FosterCarer, Query: j})
	if len(list) != 1 || len(list[0].Carers) != 2 || len(list[0].Wards) != 1 || !list[0].AllowancesPaid.IsZero() {
		t.Fatalf("foster carers found by the ward's JMBG: %+v; want the family of two with the child, nothing paid", list)
	}

	end := day.AddDate(0, 6, 0)
	if n := decide("guardianship_end", end); n != 1 {
		t.Errorf("guardianship_end ended %d rows; want 1", n)
	}
	if n := place("placement_end", end); n != 2 {
		t.Errorf("placement_end ended %d rows; want 2", n)
	}
	for _, role := range carers.Roles() {
		if l := register(store.CarerFilter{Role: role}); len(l) != 0 {
			t.Errorf("current %s after the end: %+v; want none", role, l)
		}
		l := register(store.CarerFilter{Role: role, State: "ended"})
		if len(l) != 1 || l[0].EndedOn == nil || !l[0].EndedOn.Equal(end) || l[0].EndDecisionNumber == "" {
			t.Errorf("ended %s: %+v; want one ended on %s", role, l, end.Format(time.DateOnly))
		}
	}

	// A DV report naming the guardian marks the entry.
	if _, _, err := db.RecordDVNotification(ctx, store.DVNotification{Direction: "from_police", PoliceReference: "UP-C-1", Sender: "police-system",
		ReceivedAt: time.Now(), OccurredAt: time.Now(), Municipality: "ME-16", CentreID: "csr-podgorica", Description: "seed",
		Body: json.RawMessage(`{}`), State: "received", Persons: []store.DVPerson{{Role: "victim", PersonID: guardian}}}); err != nil {
		t.Fatal(err)
	}
	if l := register(store.CarerFilter{Role: carers.Guardian, State: "all"}); len(l) != 1 || !l[0].Restricted {
		t.Errorf("guardian named in a DV report: %+v; want the entry Restricted", l)
	}
	// A case of the DV compartment (a sub-procedure of a DV case is one)
	// marks its entries, whoever they name.
	if l := register(store.CarerFilter{Role: carers.FosterCarer, State: "all"}); len(l) != 1 || l[0].Restricted {
		t.Fatalf("foster family before its case is in the compartment: %+v; want one, not restricted", l)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE cases SET dv = true WHERE number = $1`, p02); err != nil {
		t.Fatal(err)
	}
	if l := register(store.CarerFilter{Role: carers.FosterCarer, State: "all"}); len(l) != 1 || !l[0].Restricted {
		t.Errorf("foster family of a DV case: %+v; want the entry Restricted", l)
	}
}
