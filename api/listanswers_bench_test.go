package api

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// listAnswers are a page of the case list (100 cases, two persons each)
// and of the inbox (50 tasks), as the handlers build them.
func listAnswers() (*casePage, *taskPage) {
	at := time.Date(2026, 11, 30, 9, 41, 7, 123456789, time.UTC)
	cl := &casePage{persons: map[string][]store.CasePerson{}, now: at}
	for i := range 100 {
		due := at.AddDate(0, 0, i%20)
		x := store.Case{Number: fmt.Sprintf("PG-2026-%05d", i), Procedure: "P01", Version: 1, CentreID: "csr-podgorica", Status: "open",
			Stage: "plan", Manager: "ana.caseworker", Team: []string{"mila.caseworker"}, OpenedBy: "ana.caseworker", OpenedAt: at, StageDue: &due}
		cl.cases = append(cl.cases, x)
		cl.persons[x.Number] = []store.CasePerson{
			{PersonID: domain.PersonID(fmt.Sprintf("0192f0a1-0000-7000-8000-%012d", i)), Role: "beneficiary", Name: "Milica Đurović"},
			{PersonID: domain.PersonID(fmt.Sprintf("0192f0a1-0000-7000-9000-%012d", i)), Role: "family", Name: "Željko Đurović"}}
	}
	tl := &taskPage{counts: taskCounts{Total: 1000, Shown: 50}, names: map[domain.PersonID]string{"0192f0a1-0000-7000-8000-000000000001": "Milica Đurović"}}
	for i := range 50 {
		tl.tasks = append(tl.tasks, store.Task{ID: fmt.Sprintf("task-%d", i), Type: "case.plan", Subject: fmt.Sprintf("PG-2026-%05d", i), PersonID: "0192f0a1-0000-7000-8000-000000000001",
			CentreID: "csr-podgorica", CandidateRole: "caseworker", Assignee: "ana.caseworker", Priority: 50, DueAt: at, State: "open",
			Data: json.RawMessage(`{"case": "PG-2026-00001", "stage": "plan"}`), OutcomeData: json.RawMessage("null"), CreatedAt: at})
	}
	return cl, tl
}

// BenchmarkListAnswers writes a page of each list as writeJSON does
// (appended: listjson.go, into a kept buffer), and with encoding/json's
// encoder, which the lists used before (issue 24).
func BenchmarkListAnswers(b *testing.B) {
	cl, tl := listAnswers()
	for _, a := range []struct {
		name string
		body appendsJSON
	}{{"case list", cl}, {"inbox", tl}} {
		b.Run(a.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			var body any = a.body
			switch p := body.(type) { // as the lists answered before (issue 24)
			case *casePage:
				body = p.list()
			case *taskPage:
				body = p.list()
			}
			for b.Loop() {
				if err := json.NewEncoder(io.Discard).Encode(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(a.name+"/appended", func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				out, err := a.body.appendJSON(buf[:0])
				if err != nil {
					b.Fatal(err)
				}
				buf = out
			}
		})
	}
}
