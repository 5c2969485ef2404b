package e2e_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/workflows"
)

// placementFacts: the daily refresh of the statistics' placements fact
// (issue 22 item 6), started by hand as its Schedule placement-facts-daily
// does: the demo residents of Grabovac (and any placement recorded before)
// are written for the previous and the current month.
func (r *recorder) placementFacts(t *testing.T) {
	ctx := context.Background()
	run, err := r.s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.PlacementFactsID, TaskQueue: workflows.TaskQueue},
		workflows.NamePlacementFacts, workflows.PlacementFactsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var res activities.PlacementFactsResult
	if err := run.Get(ctx, &res); err != nil || res.CurrentRows < 1 || res.Current == "" {
		t.Fatalf("placement facts: %+v, %v", res, err)
	}
	r.saveDone(t, "placement_facts.json", workflows.PlacementFactsID)
}
