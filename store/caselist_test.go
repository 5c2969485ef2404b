package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestListCasesFilters: each filter of the case list alone and together
// (centre, manager, procedure, stage, status, DV, overdue by the stage's
// deadline or by a tracking item), the most urgent deadline first, and the
// limit.
func TestListCasesFilters(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		number, procedure, centre, status, stage, manager string
		due                                               int // days from now; 0: none
		dv                                                bool
	}{
		{"L-1", "P01", "csr-podgorica", "open", "plan", "ana", 5, false},
		{"L-2", "P01", "csr-podgorica", "open", "plan", "ana", -2, false}, // overdue by its stage
		{"L-3", "P07", "csr-podgorica", "open", "opening", "mila", 3, false},
		{"L-4", "P01", "csr-podgorica", "closed", "closing", "ana", 0, false},
		{"L-5", "P05", "csr-podgorica", "open", "plan", "ana", 1, true},
		{"L-6", "P01", "csr-niksic", "open", "plan", "ana", -5, false},
		{"L-7", "P07", "csr-podgorica", "open", "monitoring", "mila", 9, false}, // overdue by a tracking item
	} {
		var due any
		if c.due != 0 {
			due = now.AddDate(0, 0, c.due)
		}
		if _, err := db.Pool().Exec(ctx, `INSERT INTO cases (number, procedure, version, centre_id, status, stage, manager, opened_by, opened_at, stage_due, dv)
			VALUES ($1, $2, 1, $3, $4, $5, $6, $6, $7, $8, $9)`, c.number, c.procedure, c.centre, c.status, c.stage, c.manager, now.AddDate(0, -1, 0), due, c.dv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO case_tracking (case_number, item, kind, what, due) VALUES
		('L-7', 1, 'visit', 'a visit', $1::date), ('L-3', 1, 'report', 'a report', $2::date)`, now.AddDate(0, 0, -1), now.AddDate(0, 0, 4)); err != nil {
		t.Fatal(err)
	}
	list := func(f store.CaseFilter) string {
		t.Helper()
		f.Now = now
		cs, err := db.ListCases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Number)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name string
		f    store.CaseFilter
		want string
	}{
		{"the centre's open", store.CaseFilter{CentreID: "csr-podgorica", Status: "open"}, "L-2,L-3,L-1,L-7"},
		{"with DV", store.CaseFilter{CentreID: "csr-podgorica", Status: "open", WithDV: true}, "L-2,L-5,L-3,L-1,L-7"},
		{"mine", store.CaseFilter{CentreID: "csr-podgorica", Manager: "ana", Status: "open"}, "L-2,L-1"},
		{"a procedure", store.CaseFilter{CentreID: "csr-podgorica", Procedure: "P07"}, "L-3,L-7"},
		{"a stage", store.CaseFilter{Stage: "plan"}, "L-6,L-2,L-1"},
		{"closed", store.CaseFilter{CentreID: "csr-podgorica", Status: "closed"}, "L-4"},
		{"another status", store.CaseFilter{Status: "information_only"}, ""},
		{"overdue", store.CaseFilter{CentreID: "csr-podgorica", Status: "open", Overdue: true}, "L-2,L-7"},
		{"overdue, every centre", store.CaseFilter{Status: "open", Overdue: true}, "L-6,L-2,L-7"},
		// The page of the overdue is their most urgent, whichever way each is overdue.
		{"overdue, the limit", store.CaseFilter{Status: "open", Overdue: true, Limit: 1}, "L-6"},
		{"overdue, the limit of two", store.CaseFilter{Status: "open", Overdue: true, Limit: 2}, "L-6,L-2"},
		{"the limit", store.CaseFilter{CentreID: "csr-podgorica", Status: "open", Limit: 2}, "L-2,L-3"},
	} {
		if got := list(tc.f); got != tc.want {
			t.Errorf("%s: %s; want %s", tc.name, got, tc.want)
		}
	}
}
