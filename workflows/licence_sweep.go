package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
)

// NameLicenceSweep is the daily look for licences to work short of
// training hours (issue 21, item 2); LicenceSweepID its id when started by
// the Schedule licence-sweep-daily or by hand.
const (
	NameLicenceSweep = "LicenceSweep"
	LicenceSweepID   = "licence-sweep"
)

// LicenceSweepInput is the day swept (YYYY-MM-DD); "" is today by the
// workflow's clock.
type LicenceSweepInput struct {
	Day string
}

// licenceSweepOptions: the sweep reads and writes PostgreSQL only, and
// each warning is written once per licence and recipient, so a retry is safe.
var licenceSweepOptions = workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: time.Minute, MaximumAttempts: 10}}

// LicenceSweep warns, for the day, of every licence to work ending within
// 90 days whose period lacks training hours: the professional and their
// centre's heads, once per licence (activities.WarnShortLicences). Only
// the day and counts pass through its history.
func LicenceSweep(ctx workflow.Context, in LicenceSweepInput) (activities.LicenceWarningsResult, error) {
	if in.Day == "" {
		in.Day = workflow.Now(ctx).UTC().Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, in.Day); err != nil {
		return activities.LicenceWarningsResult{}, temporal.NewNonRetryableApplicationError("day "+in.Day+": want YYYY-MM-DD", "invalid", nil)
	}
	var a *activities.Activities
	var res activities.LicenceWarningsResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, licenceSweepOptions), a.WarnShortLicences,
		activities.LicenceWarningsInput{Day: in.Day}).Get(ctx, &res)
	return res, err
}
