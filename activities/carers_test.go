package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/carers"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestCaseDecisionsFeedTheCarerRegisters: issuing a P01 decision that
// appoints a guardian (IssueCaseDecision, as the Case workflow calls it
// after the approval) enters the guardian with the case's ward from the
// decision's day; issuing it again (a retry) enters nothing twice; the
// guardianship_end decision ends the entry on its day. A P02 foster
// placement of a family of two and its placement_end likewise.
func TestCaseDecisionsFeedTheCarerRegisters(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := &activities.Activities{DB: db, Objects: keepingNoObjects(t), Now: time.Now}
	person := func(serial int, given string) domain.PersonID {
		j, _ := domain.MakeJMBG(time.Date(1985, 5, 5, 0, 0, 0, 0, time.UTC), 21, serial)
		addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
		p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: given, FamilyName: "Radović", Address: addr})
		p, err := db.CreatePerson(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	appointed := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	ended := time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)
	// run records the case's decisions as the workflow does (the prepared
	// form an event of the case) and issues each through the activity.
	run := func(procedure string, ward domain.PersonID, appointing, ending string, named ...domain.PersonID) {
		t.Helper()
		number, err := db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		c := store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: "csr-podgorica", Status: "open", Stage: "monitoring",
			OpenedBy: "ana.caseworker", OpenedAt: appointed, Persons: []store.CasePerson{{PersonID: ward, Role: "beneficiary"}}}
		for seq, d := range []struct {
			kind   string
			at     time.Time
			carers []domain.PersonID
		}{{appointing, appointed, named}, {ending, ended, nil}} {
			form, _ := json.Marshal(map[string]any{"kind": d.kind, "reasoning": "Obrazloženje rješenja o starateljstvu.", "carers": d.carers})
			if err := db.RecordCase(ctx, store.CaseRecord{Case: c, Event: &store.CaseEvent{Key: fmt.Sprintf("%s/%d", number, seq+1), At: d.at,
				Kind: "decision_prepared", Stage: "monitoring", By: "ana.caseworker", Summary: d.kind, Data: form}}); err != nil {
				t.Fatal(err)
			}
			in := activities.IssueCaseDecisionInput{CaseNumber: number, Seq: seq + 1, CentreID: "csr-podgorica", Procedure: "Starateljstvo",
				LegalBasis: "Porodični zakon", Kind: d.kind, KindName: d.kind, Reasoning: "Obrazloženje rješenja o starateljstvu.",
				PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: d.at}
			for range 2 { // the second: a retried activity
				if _, err := a.IssueCaseDecision(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			role, _ := carers.Appoints(appointing)
			current, err := db.CarerRegister(ctx, store.CarerFilter{Role: role, State: "current"})
			if err != nil {
				t.Fatal(err)
			}
			if seq == 0 {
				if len(current) != 1 || len(current[0].Carers) != len(named) || len(current[0].Wards) != 1 || current[0].Wards[0].PersonID != string(ward) ||
					!current[0].From.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) || current[0].CaseNumber != number {
					t.Errorf("%s after %s: %+v; want the %d carer(s) of the ward from 2 March", role, appointing, current, len(named))
				}
				continue
			}
			if len(current) != 0 {
				t.Errorf("%s in force after %s: %+v; want none", role, ending, current)
			}
			past, err := db.CarerRegister(ctx, store.CarerFilter{Role: role, State: "ended"})
			if err != nil || len(past) != 1 || past[0].EndedOn == nil || !past[0].EndedOn.Equal(time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s ended after %s: %+v (%v); want one ended on 14 September", role, ending, past, err)
			}
		}
	}
	run("P01", person(901, "Luka"), "guardian_appointment", "guardianship_end", person(902, "Milica"))
	run("P02", person(903, "Nina"), "foster_placement", "placement_end", person(904, "Vesna"), person(905, "Zoran"))
}

// keepingNoObjects is an object store that takes every upload and keeps
// none: the decisions' PDFs are not what the test is about, and it needs
// no MinIO binary.
func keepingNoObjects(t *testing.T) *objects.Store {
	t.Helper()
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Has("location"):
			w.Header().Set("Content-Type", "application/xml")
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-east-1</LocationConstraint>`)
		case r.Method == http.MethodPut:
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("ETag", `"00000000000000000000000000000000"`)
		default:
			w.WriteHeader(http.StatusNotImplemented)
		}
	}))
	t.Cleanup(s3.Close)
	obj, err := objects.Open(objects.Config{Endpoint: strings.TrimPrefix(s3.URL, "http://"), AccessKey: "k", SecretKey: "secret-key", Bucket: "karton"})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}
