package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
)

// ApplySanctionInput names an activation decision that became final on Final.
type ApplySanctionInput struct {
	DecisionID string
	Final      time.Time
	// ByAppeal: an appeal upheld it (else the deadline passed, and an
	// appeal filed meanwhile leaves it to the appeal's outcome).
	ByAppeal bool
}

// ApplySanctionResult says from when the sanction applies ("" when not).
type ApplySanctionResult struct {
	AppliedFrom string // YYYY-MM-DD
}

// ApplySanction makes a final activation sanction take effect on the
// right, from the first month after it became final (or the month it
// named, if later); once.
func (a *Activities) ApplySanction(ctx context.Context, in ApplySanctionInput) (ApplySanctionResult, error) {
	from, err := a.DB.ApplySanction(ctx, in.DecisionID, in.Final, in.ByAppeal)
	if err != nil || from == nil {
		return ApplySanctionResult{}, asTemporal(err)
	}
	return ApplySanctionResult{AppliedFrom: from.Format(time.DateOnly)}, nil
}

// ForwardAppealInput is the centre's sending an appeal to the ministry.
type ForwardAppealInput struct {
	AppealID string
	At       time.Time
}

// ForwardAppeal records that the appeal went to the second instance.
func (a *Activities) ForwardAppeal(ctx context.Context, in ForwardAppealInput) error {
	return asTemporal(a.DB.ForwardAppeal(ctx, in.AppealID, in.At))
}

// DecideAppealInput is an instance's outcome of an appeal.
type DecideAppealInput struct {
	AppealID   string
	Instance   string // first (the centre changes its own decision) or second (the ministry)
	Outcome    string // domain.OutcomeUphold, OutcomeAnnul, OutcomeChange
	Amount     decimal.Decimal
	From       *time.Time // a change's first day ("" : the right's start)
	Reasoning  string
	PreparedBy string
	ApprovedBy string
	IssuedAt   time.Time // the workflow's time, so a retry issues the same document
}

// DecideAppealResult identifies the outcome's decision.
type DecideAppealResult struct {
	DecisionID string
	Number     string
	// Version is the right's new version (0: none), AppliedFrom a
	// sanction's first day ("" : none).
	Version     int
	AppliedFrom string
}

// DecideAppeal issues the outcome as a numbered decision with its PDF
// (once) and makes the right follow it retroactively: an annulled grant
// ends from its first day (what was paid becomes an overpayment for the
// payroll to record), a changed one pays the new amount from the day the
// outcome names (the difference for months paid), an upheld sanction
// applies from the month after, an annulled one never (or no more).
func (a *Activities) DecideAppeal(ctx context.Context, in DecideAppealInput) (DecideAppealResult, error) {
	ap, err := a.DB.AppealByID(ctx, in.AppealID)
	if err != nil {
		return DecideAppealResult{}, asTemporal(err)
	}
	d, err := a.DB.DecisionRefByID(ctx, ap.DecisionID)
	if err != nil {
		return DecideAppealResult{}, asTemporal(err)
	}
	if err := checkOutcome(d, in); err != nil {
		return DecideAppealResult{}, asTemporal(err)
	}
	var from *time.Time
	if in.Outcome == domain.OutcomeChange {
		f := d.PeriodFrom
		if in.From != nil {
			f = domain.CalendarDay(*in.From)
		}
		from = &f
	}
	o, err := a.DB.DecideAppeal(ctx, store.AppealDecision{AppealID: ap.ID, Instance: in.Instance, Outcome: in.Outcome, Amount: in.Amount.Round(2),
		EffectiveFrom: from, Reasoning: in.Reasoning, PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy, IssuedAt: in.IssuedAt},
		func(o store.AppealDecision) (string, string, error) {
			pdf, err := a.renderAppealDecision(ctx, ap, d, o)
			if err != nil {
				return "", "", err
			}
			return a.putDecisionPDF(ctx, o.ID, o.IssuedAt.Year(), pdf)
		})
	if err != nil {
		return DecideAppealResult{}, asTemporal(err)
	}
	res := DecideAppealResult{DecisionID: o.ID, Number: o.Number}
	switch {
	case d.Kind == store.DecisionOfActivation && o.Outcome == domain.OutcomeUphold:
		at, err := a.DB.ApplySanction(ctx, d.ID, o.IssuedAt, true)
		if err != nil {
			return res, asTemporal(err)
		}
		if at != nil {
			res.AppliedFrom = at.Format(time.DateOnly)
		}
	case d.Kind == store.DecisionOfActivation:
		return res, asTemporal(a.DB.RevokeSanction(ctx, d.ID))
	case d.EntitlementID != "" && o.Outcome != domain.OutcomeUphold:
		e, err := a.DB.EntitlementByID(ctx, d.EntitlementID)
		if err != nil {
			return res, asTemporal(err)
		}
		v := store.Version{EntitlementID: e.ID, RightVersion: domain.RightVersion{From: e.ValidFrom, State: domain.RightEnded,
			Reason: domain.ReasonAppeal, Ref: o.Number}, DecisionID: o.ID, Source: "appeal:" + ap.ID, CreatedBy: in.ApprovedBy,
			Lines: []domain.PaymentLine{{What: "appeal " + ap.ID + ": decision " + d.Number + " annulled by " + o.Number, Value: "0.00"}}}
		if o.Outcome == domain.OutcomeChange {
			v.From, v.State, v.Amount = *o.EffectiveFrom, domain.RightActive, o.Amount
			v.Lines = []domain.PaymentLine{{What: "appeal " + ap.ID + ": decision " + d.Number + " changed by " + o.Number + " from " +
				o.EffectiveFrom.Format(time.DateOnly), Value: o.Amount.StringFixed(2)}}
		}
		nv, _, err := a.DB.AddVersion(ctx, v)
		if err != nil {
			return res, asTemporal(err)
		}
		res.Version = nv.Seq
	}
	return res, nil
}

// checkOutcome refuses an outcome the decision cannot have: a change of a
// refusal or of a sanction (GUESS: annul it; a refused claim is granted
// by deciding the claim again), an amount that is not positive, a change
// from before the right began.
func checkOutcome(d store.DecisionRef, in DecideAppealInput) error {
	switch in.Outcome {
	case domain.OutcomeUphold, domain.OutcomeAnnul:
		return nil
	case domain.OutcomeChange:
	default:
		return domain.FieldError("outcome", "an appeal is upheld, annulled or changed, not %q", in.Outcome)
	}
	if d.EntitlementID == "" || d.Kind != store.DecisionOfClaim {
		return domain.FieldError("outcome", "decision %s (%s) can be upheld or annulled, not changed", d.Number, d.Outcome)
	}
	if !in.Amount.IsPositive() {
		return domain.FieldError("amount", "a changed decision names the new monthly amount, more than zero")
	}
	if in.From != nil && in.From.Before(d.PeriodFrom) {
		return domain.FieldError("from", "the right began on %s; a change cannot start before", d.PeriodFrom.Format("02.01.2006."))
	}
	return nil
}

var outcomeWords = map[string]string{
	domain.OutcomeUphold: "Žalba se odbija kao neosnovana; rješenje %s ostaje na snazi.",
	domain.OutcomeAnnul:  "Žalba se uvažava i rješenje %s se poništava.",
	domain.OutcomeChange: "Žalba se uvažava i rješenje %s se mijenja",
}

// renderAppealDecision is the outcome's document, in Montenegrin: the
// centre's new decision on its own (first instance) or the ministry's
// second-instance decision.
func (a *Activities) renderAppealDecision(ctx context.Context, ap store.Appeal, d store.DecisionRef, o store.AppealDecision) ([]byte, error) {
	p, err := a.DB.PersonByID(ctx, ap.PersonID)
	if err != nil {
		return nil, err
	}
	doc := newDocument("Rješenje "+o.Number, o.IssuedAt)
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s appeal=%s on=%s instance=%s outcome=%s amount=%s", o.Number, ap.ID, d.Number, o.Instance,
		o.Outcome, o.Amount.StringFixed(2)), false)
	if o.Instance == "second" {
		doc.write("B", 11, 5, "Crna Gora\nMinistarstvo socijalnog staranja, brige o porodici i demografije\nDrugostepeni organ")
		doc.pdf.Ln(2)
	} else {
		doc.letterhead(d.CentreID)
	}
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nŽalba: %s, izjavljena %s", o.Number, o.IssuedAt.Format("02.01.2006."), ap.ID,
		ap.FiledOn.Format("02.01.2006.")))
	doc.pdf.Ln(4)
	what := "rješavajući po žalbi"
	if o.Instance == "first" {
		what = "povodom žalbe, prvostepeni organ, odlučujući o svom rješenju,"
	}
	doc.write("", 10, 5, fmt.Sprintf("Na osnovu Zakona o upravnom postupku i Zakona o socijalnoj i dječjoj zaštiti, %s koju je izjavio/la %s %s (JMBG %s) protiv rješenja %s od %s, donosi se",
		what, p.GivenName, p.FamilyName, p.JMBG, d.Number, d.IssuedAt.Format("02.01.2006.")))
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.pdf.Ln(2)
	line := fmt.Sprintf(outcomeWords[o.Outcome], d.Number)
	if o.Outcome == domain.OutcomeChange {
		name := d.Benefit
		if b, ok := benefits.Lookup(benefits.Code(d.Benefit)); ok {
			name = strings.ToLower(b.NameCnr)
		}
		line += fmt.Sprintf(": pravo na %s pripada u iznosu od %s mjesečno, počev od %s.", name, money(o.Amount), o.EffectiveFrom.Format("02.01.2006."))
	}
	if o.Outcome == domain.OutcomeAnnul && d.EntitlementID != "" {
		line += fmt.Sprintf(" Pravo priznato tim rješenjem ne pripada od %s.", d.PeriodFrom.Format("02.01.2006."))
	}
	doc.write("", 11, 6, line)
	doc.pdf.Ln(3)
	doc.write("B", 11, 6, "O b r a z l o ž e nj e")
	doc.write("", 10, 5, o.Reasoning)
	doc.pdf.Ln(4)
	if o.Instance == "second" {
		doc.write("", 10, 5, "Uputstvo o pravnom sredstvu: ovo rješenje je konačno u upravnom postupku. Protiv njega se može pokrenuti upravni spor tužbom Upravnom sudu Crne Gore u roku od 20 dana od dana prijema.")
		doc.pdf.Ln(6)
		doc.write("", 10, 5, "Rješenje donio/la: "+userName(o.ApprovedBy))
	} else {
		doc.write("", 10, 5, "Uputstvo o pravnom sredstvu: protiv ovog rješenja može se izjaviti žalba Ministarstvu u roku od 15 dana od dana prijema, preko ovog centra.")
		doc.pdf.Ln(6)
		doc.write("", 10, 5, fmt.Sprintf("Pripremio/la: %s\nOdobrio/la: %s", userName(o.PreparedBy), userName(o.ApprovedBy)))
	}
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render decision %s: %w", o.Number, err)
	}
	return out, nil
}
