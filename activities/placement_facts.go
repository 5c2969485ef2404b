package activities

import (
	"context"
	"time"

	"github.com/karton-social/karton/domain"
)

// PlacementFactsInput is the day whose previous and current month the
// placements fact is refreshed for (YYYY-MM-DD).
type PlacementFactsInput struct {
	Day string
}

// PlacementFactsResult is how many rows each month has: counts only.
type PlacementFactsResult struct {
	Previous, Current         string // the months, YYYY-MM
	PreviousRows, CurrentRows int
}

// RefreshPlacementFacts writes the statistics' placements fact (issue 22
// item 6, store.RefreshPlacementFacts) of every placement for the day's
// previous and current month, each in its own transaction: a month a
// placement runs through without a step of its own is counted, a row
// that no longer applies goes. Run again it changes nothing, so a retry
// is safe. Only months and counts cross into Temporal.
func (a *Activities) RefreshPlacementFacts(ctx context.Context, in PlacementFactsInput) (PlacementFactsResult, error) {
	day, err := time.Parse(time.DateOnly, in.Day)
	if err != nil {
		return PlacementFactsResult{}, asTemporal(domain.FieldError("day", "%q is not a day (YYYY-MM-DD)", in.Day))
	}
	current := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	previous := current.AddDate(0, -1, 0)
	res := PlacementFactsResult{Previous: previous.Format("2006-01"), Current: current.Format("2006-01")}
	if res.PreviousRows, err = a.DB.RefreshPlacementFacts(ctx, previous); err != nil {
		return res, err
	}
	res.CurrentRows, err = a.DB.RefreshPlacementFacts(ctx, current)
	return res, err
}
