package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
)

// Revision proposals.
const (
	ProposalNoChange = "no_change"
	ProposalChange   = "change"
	ProposalEnd      = "end"
)

// StartRevisionInput names the revision (its workflow id) and its right.
type StartRevisionInput struct {
	ID            string
	EntitlementID string
	Due           time.Time
	Trigger       string // schedule, manual, change
	Ref           string
	StartedBy     string
}

// StartRevisionResult is what the revision works with: ids only.
type StartRevisionResult struct {
	CentreID    string
	Benefit     string
	Beneficiary domain.PersonID
	// Members are the persons whose evidence counts, the applicant first:
	// for a household benefit the applicant's household as known now,
	// otherwise the claim's members.
	Members []domain.PersonID
}

// StartRevision records the revision as running (once per id) and names
// the persons whose evidence it fetches again. An unknown right is
// CodeNotFound, an ended one or one revised by another revision
// CodeConflict, with the reason.
func (a *Activities) StartRevision(ctx context.Context, in StartRevisionInput) (StartRevisionResult, error) {
	r, err := a.DB.StartRevision(ctx, store.Revision{ID: in.ID, EntitlementID: in.EntitlementID, Due: in.Due, Trigger: in.Trigger,
		Ref: in.Ref, StartedBy: in.StartedBy})
	if err != nil {
		return StartRevisionResult{}, asTemporal(err)
	}
	e, err := a.DB.EntitlementByID(ctx, in.EntitlementID)
	if err != nil {
		return StartRevisionResult{}, asTemporal(err)
	}
	c, err := a.DB.ClaimByNumber(ctx, e.ClaimNumber)
	if err != nil {
		return StartRevisionResult{}, asTemporal(err)
	}
	members := c.Members
	if len(members) == 0 {
		members = []domain.PersonID{c.ApplicantID}
	}
	b, _ := benefits.Lookup(benefits.Code(e.Benefit))
	if b.HouseholdScope {
		if hh, err := a.householdOf(ctx, c.ApplicantID); err != nil {
			return StartRevisionResult{}, err
		} else if len(hh) > 0 {
			members = hh
		}
	}
	return StartRevisionResult{CentreID: r.CentreID, Benefit: e.Benefit, Beneficiary: e.BeneficiaryID, Members: members}, nil
}

// householdOf is the applicant and the other members of their household
// now (nil when they have none).
func (a *Activities) householdOf(ctx context.Context, applicant domain.PersonID) ([]domain.PersonID, error) {
	p, err := a.DB.PersonByID(ctx, applicant)
	if err != nil || p.HouseholdID == "" {
		return nil, err
	}
	h, err := a.DB.Household(ctx, p.HouseholdID)
	if err != nil {
		return nil, err
	}
	out := []domain.PersonID{applicant}
	for _, m := range h.Members {
		if m.PersonID != applicant {
			out = append(out, m.PersonID)
		}
	}
	return out, nil
}

// CalculateRevisionInput asks for a revision's recalculation for the
// month that starts on Period.
type CalculateRevisionInput struct {
	ID      string
	Members []domain.PersonID
	Period  time.Time
	// Failed are the sources that did not answer: shown to the caseworker.
	Failed []domain.Source
}

// CalculateRevisionResult is the proposal: the amount the right pays in
// the period now and the amount the law gives. Reasons and explanation
// lines stay in the revision's row.
type CalculateRevisionResult struct {
	Proposal string // no_change, change, end
	Eligible bool
	Before   decimal.Decimal
	After    decimal.Decimal
}

// CalculateRevision applies the benefit's rules to the members' evidence
// as it is now, with what the claim declared (medical findings and the
// like are not in the registries), compares the amount with what the
// right's versions pay in the period, and records the proposal with its
// explanation.
func (a *Activities) CalculateRevision(ctx context.Context, in CalculateRevisionInput) (CalculateRevisionResult, error) {
	r, err := a.DB.RevisionByID(ctx, in.ID)
	if err != nil {
		return CalculateRevisionResult{}, asTemporal(err)
	}
	e, err := a.DB.EntitlementByID(ctx, r.EntitlementID)
	if err != nil {
		return CalculateRevisionResult{}, asTemporal(err)
	}
	c, err := a.DB.ClaimByNumber(ctx, e.ClaimNumber)
	if err != nil {
		return CalculateRevisionResult{}, asTemporal(err)
	}
	var decl ClaimDeclared
	if len(c.Declared) > 0 {
		if err := json.Unmarshal(c.Declared, &decl); err != nil {
			return CalculateRevisionResult{}, asTemporal(domain.Errorf(domain.CodeInvalid, "claim %s declared data: %v", c.Number, err))
		}
	}
	s := benefits.Situation{Period: in.Period, ApplicationDate: c.FiledAt.UTC().Truncate(24 * time.Hour), Subject: string(c.SubjectID),
		Declared: benefits.Declared{RequestedAmount: decl.RequestedAmount, Guardian: decl.Guardian}}
	for _, id := range in.Members {
		m, _, err := a.member(ctx, id, decl.Members[string(id)])
		if err != nil {
			return CalculateRevisionResult{}, asTemporal(err)
		}
		s.Members = append(s.Members, m)
	}
	params, err := a.params(ctx, 0) // the law's files with the values the ministry published
	if err != nil {
		return CalculateRevisionResult{}, err
	}
	res, err := benefits.Calculate(params, benefits.Code(e.Benefit), s)
	if err != nil {
		return CalculateRevisionResult{}, asTemporal(err)
	}
	vs, err := a.DB.Versions(ctx, e.ID)
	if err != nil {
		return CalculateRevisionResult{}, err
	}
	out := CalculateRevisionResult{Eligible: res.Eligible, Before: e.Amount, After: res.Amount}
	if v, ok := store.Timeline(vs).On(in.Period); ok && v.State == domain.RightActive {
		out.Before = v.Amount
	}
	switch {
	case !res.Eligible:
		out.Proposal, out.After = ProposalEnd, decimal.Zero
	case res.Amount.Equal(out.Before):
		out.Proposal = ProposalNoChange
	default:
		out.Proposal = ProposalChange
	}
	lines := make([]lineJSON, len(res.Lines))
	for i, l := range res.Lines {
		lines[i] = lineJSON(l)
	}
	raw, err := json.Marshal(lines)
	if err != nil {
		return CalculateRevisionResult{}, err
	}
	failed := make([]string, len(in.Failed))
	for i, f := range in.Failed {
		failed[i] = string(f)
	}
	basis, err := json.Marshal(s)
	if err != nil {
		return CalculateRevisionResult{}, err
	}
	err = a.DB.SaveRevisionProposal(ctx, in.ID, store.RevisionProposal{Proposal: out.Proposal, Period: in.Period, Eligible: res.Eligible,
		Amount: out.After, Reasons: res.Reasons, Lines: raw, FailedSources: failed, Situation: basis})
	return out, asTemporal(err)
}

// SetRevisionStageInput moves a revision to a stage.
type SetRevisionStageInput struct {
	ID    string
	Stage string
}

// SetRevisionStage records where the revision stands.
func (a *Activities) SetRevisionStage(ctx context.Context, in SetRevisionStageInput) error {
	return asTemporal(a.DB.SetRevisionStage(ctx, in.ID, in.Stage))
}

// DecideRevisionInput is a revision's approved change or end.
type DecideRevisionInput struct {
	ID         string
	Proposal   string // change or end
	Amount     decimal.Decimal
	From       time.Time // the new version's first day
	PreparedBy string
	ApprovedBy string
	IssuedAt   time.Time // the workflow's time of approval, so a retry issues the same document
}

// DecideRevisionResult identifies the decision and its document.
type DecideRevisionResult struct {
	DecisionID string
	Number     string
	SHA256     string
}

// DecideRevision issues the revision's decision (rješenje: numbered from
// the centre's counter once per revision), adds the right's version from
// From (reason revision, source "revision:<id>", once), and renders and
// keeps the PDF. A retry finds the decision and the version made and
// renders the document only if it was not stored.
func (a *Activities) DecideRevision(ctx context.Context, in DecideRevisionInput) (DecideRevisionResult, error) {
	if in.PreparedBy == in.ApprovedBy {
		return DecideRevisionResult{}, asTemporal(domain.Errorf(domain.CodeForbidden, "the approver prepared the decision"))
	}
	r, err := a.DB.RevisionByID(ctx, in.ID)
	if err != nil {
		return DecideRevisionResult{}, asTemporal(err)
	}
	e, err := a.DB.EntitlementByID(ctx, r.EntitlementID)
	if err != nil {
		return DecideRevisionResult{}, asTemporal(err)
	}
	kind, state := "revision_change", domain.RightActive
	if in.Proposal == ProposalEnd {
		kind, state, in.Amount = "revision_end", domain.RightEnded, decimal.Zero
	}
	source := "revision:" + in.ID
	d, err := a.DB.IssueRightDecision(ctx, store.Decision{ClaimNumber: e.ClaimNumber, CentreID: r.CentreID, Kind: kind, Benefit: e.Benefit,
		Amount: in.Amount, PeriodFrom: in.From, PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy, IssuedAt: in.IssuedAt}, e.ID, source)
	if err != nil {
		return DecideRevisionResult{}, asTemporal(err)
	}
	var lines []lineJSON
	_ = json.Unmarshal(r.Lines, &lines)
	vl := make([]domain.PaymentLine, len(lines))
	for i, l := range lines {
		vl[i] = domain.PaymentLine{What: l.What, Value: l.Value}
	}
	_, _, err = a.DB.AddVersion(ctx, store.Version{EntitlementID: e.ID, RightVersion: domain.RightVersion{From: in.From, Amount: in.Amount,
		State: state, Reason: domain.ReasonRevision, Ref: d.Number}, DecisionID: d.ID, Source: source, Lines: vl, CreatedBy: in.ApprovedBy})
	if err != nil {
		return DecideRevisionResult{}, asTemporal(err)
	}
	sha, err := a.keepDecisionPDF(ctx, a.kept(d), func() ([]byte, error) { return a.renderRevisionDecision(ctx, r, e, d, lines) })
	if err != nil {
		return DecideRevisionResult{}, err
	}
	return DecideRevisionResult{DecisionID: d.ID, Number: d.Number, SHA256: sha}, nil
}

// renderRevisionDecision writes the revision's rješenje: the right
// changed from a date or ended, with the recalculation that explains it.
func (a *Activities) renderRevisionDecision(ctx context.Context, r store.Revision, e store.Entitlement, d store.Decision, lines []lineJSON) ([]byte, error) {
	holder, err := a.DB.PersonByID(ctx, e.BeneficiaryID)
	if err != nil {
		return nil, err
	}
	b, _ := benefits.Lookup(benefits.Code(e.Benefit))
	doc := newDocument("Rješenje "+d.Number, d.IssuedAt)
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s revision=%s entitlement=%s benefit=%s kind=%s amount=%s from=%s", d.Number, r.ID, e.ID, e.Benefit,
		d.Kind, d.Amount.StringFixed(2), d.PeriodFrom.Format(time.DateOnly)), false)
	doc.letterhead(r.CentreID)
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nPredmet: revizija prava (%s)", d.Number, d.IssuedAt.Format("02.01.2006."), e.ClaimNumber))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, fmt.Sprintf("Na osnovu %s, po službenoj dužnosti, u postupku revizije prava korisnika %s %s, JMBG %s, donosi se",
		b.LegalRef, holder.GivenName, holder.FamilyName, holder.JMBG))
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.pdf.Ln(2)
	name := strings.ToLower(b.NameCnr)
	if d.Kind == "revision_end" {
		doc.write("", 11, 6, fmt.Sprintf("1. Prestaje pravo na %s korisniku %s %s zaključno sa %s.", name, holder.GivenName, holder.FamilyName,
			d.PeriodFrom.AddDate(0, 0, -1).Format("02.01.2006.")))
	} else {
		before := "-"
		if r.AmountBefore.Valid {
			before = money(r.AmountBefore.Decimal)
		}
		doc.write("", 11, 6, fmt.Sprintf("1. Mijenja se iznos prava na %s korisnika %s %s sa %s na %s mjesečno, počev od %s.", name,
			holder.GivenName, holder.FamilyName, before, money(d.Amount), d.PeriodFrom.Format("02.01.2006.")))
	}
	doc.pdf.Ln(3)
	doc.write("B", 11, 6, "O b r a z l o ž e nj e")
	doc.write("", 10, 5, fmt.Sprintf("U reviziji prava, koja je dospjela %s, ponovo su pribavljeni podaci iz službenih evidencija i pravo je ponovo obračunato.",
		r.Due.Format("02.01.2006.")))
	for _, reason := range r.Reasons {
		doc.write("", 10, 5, "- "+reason)
	}
	doc.pdf.Ln(2)
	doc.write("B", 10, 5, "Obračun:")
	for _, l := range lines {
		doc.write("", 8, 4, fmt.Sprintf("%s | %s | %s", l.What, l.Value, l.Source))
	}
	doc.signOff(d.PreparedBy, d.ApprovedBy)
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render decision %s: %w", d.Number, err)
	}
	return out, nil
}

// CompleteRevisionInput is how a revision ended.
type CompleteRevisionInput struct {
	ID         string
	State      string // no_change, changed, ended, refused
	DecisionID string
	From       time.Time // the new version's first day (changed, ended)
	PreparedBy string
	ApprovedBy string
	At         time.Time // the workflow's time
}

// CompleteRevisionResult is the right's next revision ("" when none).
type CompleteRevisionResult struct{ NextRevision string }

// CompleteRevision records the outcome and sets the right's next revision:
// the schedule's interval after the date the revision fell due, never on
// or before today; none once the right ended.
func (a *Activities) CompleteRevision(ctx context.Context, in CompleteRevisionInput) (CompleteRevisionResult, error) {
	r, err := a.DB.RevisionByID(ctx, in.ID)
	if err != nil {
		return CompleteRevisionResult{}, asTemporal(err)
	}
	o := store.RevisionOutcome{ID: in.ID, State: in.State, DecisionID: in.DecisionID, PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy, At: in.At}
	if !in.From.IsZero() {
		o.EffectiveFrom = &in.From
	}
	today := time.Date(in.At.Year(), in.At.Month(), in.At.Day(), 0, 0, 0, 0, time.UTC)
	if next, ok := a.Revisions.After(benefits.Code(r.Benefit), r.Due, today); ok && in.State != "ended" {
		o.NextRevision = &next
	}
	if r.State != "running" { // completed before: report what was recorded
		o.NextRevision = r.NextRevision
	} else if err := a.DB.CompleteRevision(ctx, o); err != nil {
		return CompleteRevisionResult{}, asTemporal(err)
	}
	out := CompleteRevisionResult{}
	if o.NextRevision != nil {
		out.NextRevision = o.NextRevision.Format(time.DateOnly)
	}
	return out, nil
}

// DueRevisionsInput asks for a page of the rights due on Day.
type DueRevisionsInput struct {
	Day   time.Time
	After store.DueRight
	Limit int
}

// DueRevisionsResult is a page of due rights (ids and due dates).
type DueRevisionsResult struct {
	Rights []store.DueRight
}

// DueRevisions lists the next page of rights whose revision is due on
// Day and not running, in (due, id) order after the cursor.
func (a *Activities) DueRevisions(ctx context.Context, in DueRevisionsInput) (DueRevisionsResult, error) {
	rs, err := a.DB.DueRevisions(ctx, in.Day, in.After, in.Limit)
	return DueRevisionsResult{Rights: rs}, err
}

// DueRight is a right whose revision fell due (the sweep's cursor too).
type DueRight = store.DueRight
