package e2e_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain/professionals"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// licences: a caseworker's licence to work ends in 30 days with no
// training hours; the daily licence sweep (started by hand, as its
// schedule does) warns her and her centre's head (issue 21, item 2).
func (r *recorder) licences(t *testing.T) {
	ctx := context.Background()
	p, err := r.s.DB.CreateProfessional(ctx, store.Professional{Username: "mila.caseworker", CentreID: "csr-bar", CreatedBy: "goran.ministry"})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if _, err := r.s.DB.RecordExam(ctx, p.ID, today.AddDate(-7, 0, 0), "goran.ministry"); err != nil {
		t.Fatal(err)
	}
	from := today.AddDate(-professionals.LicenceYears, 0, 31)
	if _, err := r.s.DB.AddProfessionalLicence(ctx, p.ID, store.ProfessionalLicence{Licence: professionals.Licence{Number: "LR-RECORD-1",
		ValidFrom: from, ValidUntil: professionals.ValidUntil(from)}, RecordedBy: "goran.ministry"}); err != nil {
		t.Fatal(err)
	}
	run, err := r.s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.LicenceSweepID, TaskQueue: workflows.TaskQueue},
		workflows.NameLicenceSweep, workflows.LicenceSweepInput{})
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Short, Warnings int }
	if err := run.Get(ctx, &res); err != nil || res.Short < 1 {
		t.Fatalf("licence sweep: %+v, %v", res, err)
	}
	r.saveDone(t, "licence_sweep.json", workflows.LicenceSweepID)
}
