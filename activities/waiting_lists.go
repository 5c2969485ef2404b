package activities

import (
	"context"
	"time"

	"github.com/karton-social/karton/domain"
)

// WaitingListRemindersInput is the day the waiting-list reports of the
// month before are looked at (YYYY-MM-DD).
type WaitingListRemindersInput struct {
	Day string
}

// WaitingListRemindersResult counts what the day's run found and sent:
// counts and the month only.
type WaitingListRemindersResult struct {
	Month       string // YYYY-MM, the month reported
	Unreported  int    // providers owing its report on the day
	Reminders   int    // reminders recorded now (from the 3rd)
	Escalations int    // escalations recorded now (from the 6th)
}

// RemindWaitingLists reminds, on the day, each provider with a contract
// that has not submitted the previous month's waiting-list report, and
// escalates from the 6th to the provider and the centres that referred to
// it (issue 23 item 6, store.RemindWaitingLists). Each is recorded once
// per provider, month and kind, so a retry or the next day's run sends
// nothing twice. Only the month and counts cross into Temporal.
func (a *Activities) RemindWaitingLists(ctx context.Context, in WaitingListRemindersInput) (WaitingListRemindersResult, error) {
	day, err := time.Parse(time.DateOnly, in.Day)
	if err != nil {
		return WaitingListRemindersResult{}, asTemporal(domain.FieldError("day", "%q is not a day (YYYY-MM-DD)", in.Day))
	}
	c, err := a.DB.RemindWaitingLists(ctx, day)
	if err != nil {
		return WaitingListRemindersResult{}, err
	}
	return WaitingListRemindersResult{Month: c.Month.Format("2006-01"), Unreported: c.Unreported, Reminders: c.Reminders, Escalations: c.Escalations}, nil
}
