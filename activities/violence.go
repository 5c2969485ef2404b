package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/store"
)

// Police is the client of the police's endpoint for the centres' reports.
type Police = counterpart.Police

// DVEvent and DVUpdate are the register's, for the workflows.
type (
	DVEvent  = store.DVEvent
	DVUpdate = store.DVUpdate
)

// DVRecordInput is a step of a domestic-violence notification: a line of
// its timeline (once per key) and what the step changed.
type DVRecordInput struct {
	Reference string
	Event     *DVEvent
	Update    *DVUpdate
}

// RecordDV writes a step of a notification; writing it again changes
// nothing more.
func (a *Activities) RecordDV(ctx context.Context, in DVRecordInput) error {
	if in.Update != nil {
		if err := a.DB.UpdateDVNotification(ctx, in.Reference, *in.Update); err != nil {
			return err
		}
	}
	if in.Event != nil {
		if _, err := a.DB.RecordDVEvent(ctx, in.Reference, *in.Event); err != nil {
			return err
		}
	}
	return nil
}

// OpenDVCaseOf is the open domestic-violence case of a person, or "".
func (a *Activities) OpenDVCaseOf(ctx context.Context, person domain.PersonID) (string, error) {
	return a.DB.OpenDVCaseOf(ctx, person)
}

// PoliceReport, PolicePerson and PoliceAck are the police's protocol,
// for the workflows.
type (
	PoliceReport = counterpart.PoliceReport
	PolicePerson = counterpart.PolicePerson
	PoliceAck    = counterpart.PoliceAck
)

// SendPoliceReport sends a centre's report to the police and returns
// their acknowledgement. Each attempt is recorded on the notification
// (pending, how many tries, the last error) so that the register shows a
// report that has not got through; the workflow retries until the police
// acknowledge. The police take the same report again without harm: it
// carries Karton's reference.
func (a *Activities) SendPoliceReport(ctx context.Context, r PoliceReport) (PoliceAck, error) {
	attempt := int(activity.GetInfo(ctx).Attempt)
	if err := a.DB.SetDVReport(ctx, r.Reference, "pending", attempt, "", a.now()); err != nil {
		return PoliceAck{}, err
	}
	ack, err := a.Police.Report(ctx, r)
	if err != nil {
		_ = a.DB.SetDVReport(context.WithoutCancel(ctx), r.Reference, "pending", attempt, err.Error(), a.now())
		return PoliceAck{}, err
	}
	if err := a.DB.SetDVReport(ctx, r.Reference, "acknowledged", attempt, "", ack.ReceivedAt); err != nil {
		return PoliceAck{}, err
	}
	return ack, nil
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
