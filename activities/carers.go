package activities

import (
	"context"
	"time"

	"github.com/karton-social/karton/store"
)

// registerCarers feeds the registers of guardians and foster carers from
// an issued case decision (issue 21, item 3): a decision that appoints
// carers enters them with the case's wards from its day, one that ends
// them ends the case's appointments of its role; any other changes
// nothing. Issuing the decision again (a retry) enters nothing twice.
func (a *Activities) registerCarers(ctx context.Context, in IssueCaseDecisionInput, decisionID string) error {
	day := time.Date(in.IssuedAt.Year(), in.IssuedAt.Month(), in.IssuedAt.Day(), 0, 0, 0, 0, time.UTC)
	_, err := a.DB.RegisterCaseDecision(ctx, store.CaseDecisionIssued{CaseNumber: in.CaseNumber, Seq: in.Seq, Kind: in.Kind,
		DecisionID: decisionID, Day: day, CentreID: in.CentreID})
	return err
}
