package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/store"
)

// Agency is the client of the Employment Agency's endpoint for referrals
// and the messages about them.
type Agency = counterpart.Agency

// The referral's records, for the workflows.
type (
	ReferralEvent  = store.ReferralEvent
	ReferralUpdate = store.ReferralUpdate
)

// ActivationRecordInput is a step of a referral: a line of its timeline
// (once per key) and what the step changed.
type ActivationRecordInput struct {
	ReferralID string
	Event      *ReferralEvent
	Update     *ReferralUpdate
}

// RecordActivation writes a step of a referral; writing it again changes
// nothing more.
func (a *Activities) RecordActivation(ctx context.Context, in ActivationRecordInput) error {
	if in.Update != nil {
		if err := a.DB.UpdateReferral(ctx, in.ReferralID, *in.Update); err != nil {
			return err
		}
	}
	if in.Event != nil {
		return a.DB.RecordReferralEvent(ctx, in.ReferralID, *in.Event)
	}
	return nil
}

// AgencySend is an outbound message about a referral: the referral itself
// (Kind "referral"), a reminder, the centre's outcome, or its closing.
type AgencySend struct {
	ReferralID     string
	Key            string // the timeline line that shows its delivery; also the idempotency key
	Kind           string
	Text           string
	DecisionNumber string
	Measure        string
	EffectiveFrom  string
	SentAt         time.Time
}

// AgencyAck is the agency's acknowledgement.
type AgencyAck = counterpart.AgencyAck

// SendToAgency sends a message to the agency and returns its
// acknowledgement. Each attempt is recorded on the message's line of the
// referral's timeline (pending, tries, last error); the workflow retries
// until the agency acknowledges. The message is built from the referral
// as it stands and carries its key, so a repeat does no harm.
func (a *Activities) SendToAgency(ctx context.Context, in AgencySend) (AgencyAck, error) {
	attempt := int(activity.GetInfo(ctx).Attempt)
	if err := a.DB.SetReferralDelivery(ctx, in.ReferralID, in.Key, "pending", attempt, ""); err != nil {
		return AgencyAck{}, err
	}
	path, body, err := a.agencyMessage(ctx, in)
	if err != nil {
		return AgencyAck{}, asTemporal(err)
	}
	ack, err := a.Agency.Send(ctx, path, in.Key, body)
	if err != nil {
		_ = a.DB.SetReferralDelivery(context.WithoutCancel(ctx), in.ReferralID, in.Key, "pending", attempt, err.Error())
		return AgencyAck{}, err
	}
	if err := a.DB.SetReferralDelivery(ctx, in.ReferralID, in.Key, "acknowledged", attempt, ""); err != nil {
		return AgencyAck{}, err
	}
	return ack, nil
}

// agencyMessage is the body of a message, valid against its published schema.
func (a *Activities) agencyMessage(ctx context.Context, in AgencySend) (string, []byte, error) {
	var m any
	path, schema := counterpart.AgencyMessages, "message"
	if in.Kind == "referral" {
		r, err := a.DB.ReferralByID(ctx, in.ReferralID)
		if err != nil {
			return "", nil, err
		}
		p, err := a.DB.PersonByID(ctx, r.PersonID)
		if err != nil {
			return "", nil, err
		}
		centre := r.CentreID
		if c, ok := domain.CentreByID(r.CentreID); ok {
			centre = c.Name
		}
		m = map[string]any{"referral_id": r.ID, "centre_id": r.CentreID, "centre_name": centre, "benefit": activation.Benefit,
			"person": map[string]string{"jmbg": string(p.JMBG), "given_name": p.GivenName, "family_name": p.FamilyName,
				"municipality": p.Address.Municipality},
			"work_capacity_notes": r.WorkCapacityNotes, "family_constraints": r.FamilyConstraints,
			"referred_at": r.ReferredAt.UTC().Format(time.RFC3339), "referred_by": r.ReferredBy,
			"steps_url": "/api/v1/activation/referrals/" + r.ID + "/steps"}
		path, schema = counterpart.AgencyReferrals, "referral"
	} else {
		msg := map[string]any{"message_id": in.ReferralID + "/" + in.Key, "referral_id": in.ReferralID, "kind": in.Kind,
			"text": in.Text, "sent_at": in.SentAt.UTC().Format(time.RFC3339)}
		if in.DecisionNumber != "" {
			msg["decision_number"] = in.DecisionNumber
		}
		if in.Measure != "" {
			msg["measure"] = in.Measure
		}
		if in.EffectiveFrom != "" {
			msg["effective_from"] = in.EffectiveFrom
		}
		m = msg
	}
	body, err := json.Marshal(m)
	if err != nil {
		return "", nil, err
	}
	if err := activation.Schemas.Validate(schema, body); err != nil {
		return "", nil, fmt.Errorf("the %s message does not meet its schema: %w", schema, err)
	}
	return path, body, nil
}

// IssueActivationDecisionInput is an approved decision on a referral.
type IssueActivationDecisionInput struct {
	ReferralID string
	Seq        int // the referral's n-th decision: issuing it again returns the first
	Measure    string
	Percent    int
	Reasoning  string
	Cause      string // the step that led to it, in words
	PreparedBy string
	ApprovedBy string
	IssuedAt   time.Time
}

// IssueActivationDecisionResult identifies the decision and what it changed.
type IssueActivationDecisionResult struct {
	DecisionID    string
	Number        string
	EffectiveFrom string // YYYY-MM
	Deduction     string
}

// IssueActivationDecision numbers the decision and renders its PDF into
// the object store, in one transaction. The financial assistance changes
// (a deduction, or no payment) only once the decision is final: from the
// first month after, never before the next month (ApplySanction;
// docs/rights.md: an appeal suspends a sanction).
func (a *Activities) IssueActivationDecision(ctx context.Context, in IssueActivationDecisionInput) (IssueActivationDecisionResult, error) {
	if in.PreparedBy == in.ApprovedBy {
		return IssueActivationDecisionResult{}, asTemporal(domain.Errorf(domain.CodeForbidden, "the approver prepared the decision"))
	}
	r, err := a.DB.ReferralByID(ctx, in.ReferralID)
	if err != nil {
		return IssueActivationDecisionResult{}, asTemporal(err)
	}
	e, err := a.DB.EntitlementByID(ctx, r.EntitlementID)
	if err != nil {
		return IssueActivationDecisionResult{}, asTemporal(err)
	}
	ch, err := activation.Decide(in.Measure, in.Percent, e.Amount, in.IssuedAt)
	if err != nil {
		return IssueActivationDecisionResult{}, asTemporal(err)
	}
	d, err := a.DB.IssueActivationDecision(ctx, store.ActivationDecision{ReferralID: r.ID, Seq: in.Seq, EntitlementID: e.ID,
		Measure: in.Measure, Percent: in.Percent, Deduction: ch.Deduction, EffectiveFrom: ch.From.First(), Reasoning: in.Reasoning,
		Lines: ch.Lines, PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy, IssuedAt: in.IssuedAt}, r.CentreID,
		func(d store.ActivationDecision) (string, string, error) {
			pdf, err := renderActivationDecision(r, e, d, in.Cause)
			if err != nil {
				return "", "", err
			}
			return a.putDecisionPDF(ctx, d.ID, d.IssuedAt.Year(), pdf)
		})
	if err != nil {
		return IssueActivationDecisionResult{}, asTemporal(err)
	}
	return IssueActivationDecisionResult{DecisionID: d.ID, Number: d.Number, EffectiveFrom: domain.MonthOf(d.EffectiveFrom).String(),
		Deduction: ch.Deduction.StringFixed(2)}, nil
}

func renderActivationDecision(r store.Referral, e store.Entitlement, d store.ActivationDecision, cause string) ([]byte, error) {
	doc := newDocument("Rješenje "+d.Number, d.IssuedAt)
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s referral=%s measure=%s", d.Number, r.ID, d.Measure), false)
	doc.letterhead(r.CentreID)
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nUput Zavodu za zapošljavanje: %s\nPravo: materijalno obezbjeđenje, rješenje o pravu %s",
		d.Number, d.IssuedAt.Format("02.01.2006."), r.ID, e.ClaimNumber))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, "Na osnovu Zakona o socijalnoj i dječjoj zaštiti i izvještaja Zavoda za zapošljavanje Crne Gore, donosi se")
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.write("B", 11, 6, activation.MeasureNames[d.Measure][0])
	doc.write("", 10, 5, fmt.Sprintf("Korisnik: %s (JMBG %s)", r.PersonName, r.JMBG))
	doc.pdf.Ln(2)
	for _, l := range d.Lines {
		doc.write("", 10, 5, l.What+": "+l.Value+" EUR")
	}
	doc.write("", 11, 6, "Primjenjuje se kad rješenje postane konačno, od prvog narednog mjeseca, a najranije od "+
		domain.MonthOf(d.EffectiveFrom).First().Format("02.01.2006.")+".")
	doc.pdf.Ln(3)
	doc.write("B", 11, 6, "O b r a z l o ž e nj e")
	if cause != "" {
		doc.write("", 10, 5, "Zavod za zapošljavanje je izvijestio: "+cause+".")
	}
	doc.write("", 10, 5, d.Reasoning)
	doc.signOff(d.PreparedBy, d.ApprovedBy)
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render decision %s: %w", d.Number, err)
	}
	return out, nil
}
