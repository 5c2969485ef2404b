package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
)

// NamePlacementFacts is the daily refresh of the statistics' placements
// fact (issue 22 item 6); PlacementFactsID its id when started by the
// Schedule placement-facts-daily or by hand.
const (
	NamePlacementFacts = "PlacementFacts"
	PlacementFactsID   = "placement-facts"
)

// PlacementFactsInput is the day refreshed (YYYY-MM-DD); "" is today by
// the workflow's clock.
type PlacementFactsInput struct {
	Day string
}

// placementFactsOptions: the refresh reads and writes PostgreSQL only and
// writes the same rows when run again, so a retry is safe.
var placementFactsOptions = workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: time.Minute, MaximumAttempts: 10}}

// PlacementFacts refreshes, for the day, the placements fact of the
// previous and the current month for every placement
// (activities.RefreshPlacementFacts): the months a placement runs through
// without a step of its own. Only the day, the months and counts pass
// through its history.
func PlacementFacts(ctx workflow.Context, in PlacementFactsInput) (activities.PlacementFactsResult, error) {
	if in.Day == "" {
		in.Day = workflow.Now(ctx).UTC().Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, in.Day); err != nil {
		return activities.PlacementFactsResult{}, temporal.NewNonRetryableApplicationError("day "+in.Day+": want YYYY-MM-DD", "invalid", nil)
	}
	var a *activities.Activities
	var res activities.PlacementFactsResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, placementFactsOptions), a.RefreshPlacementFacts,
		activities.PlacementFactsInput{Day: in.Day}).Get(ctx, &res)
	return res, err
}
