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

// TaskChangeApproveClose is the supervisor's approval of the decision that
// closes a right a death ended (four eyes: not the caseworker who
// prepared it).
const TaskChangeApproveClose = "change.approve_close"

// CloseRightInput names the right a death ended and who prepared and
// approved the decision closing it.
type CloseRightInput struct {
	ChangeID      string
	EntitlementID string
	PreparedBy    string
	ApprovedBy    string
	IssuedAt      time.Time // the workflow's time
}

// CloseRightResult is the decision issued.
type CloseRightResult struct{ DecisionID, Number, SHA256 string }

// CloseRightOnDeath issues the decision (rješenje, kind death_end) that
// closes a right the holder's death ended ex officio: numbered from the
// centre's counter once per change and right, linked to the version the
// death added, its PDF kept. A retry finds the decision and renders the
// document only if it was not stored.
func (a *Activities) CloseRightOnDeath(ctx context.Context, in CloseRightInput) (CloseRightResult, error) {
	if in.PreparedBy == in.ApprovedBy {
		return CloseRightResult{}, asTemporal(domain.Errorf(domain.CodeForbidden, "the approver prepared the decision"))
	}
	ev, err := a.DB.Change(ctx, in.ChangeID)
	if err != nil {
		return CloseRightResult{}, asTemporal(err)
	}
	e, err := a.DB.EntitlementByID(ctx, in.EntitlementID)
	if err != nil {
		return CloseRightResult{}, asTemporal(err)
	}
	c, err := a.DB.ClaimByNumber(ctx, e.ClaimNumber)
	if err != nil {
		return CloseRightResult{}, asTemporal(err)
	}
	d, err := a.DB.IssueRightDecision(ctx, store.Decision{ClaimNumber: e.ClaimNumber, CentreID: c.CentreID, Kind: "death_end", Benefit: e.Benefit,
		Amount: decimal.Zero, PeriodFrom: ev.OccurredOn.AddDate(0, 0, 1), PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy,
		IssuedAt: in.IssuedAt}, e.ID, "death:"+ev.ID+":"+e.ID)
	if err != nil {
		return CloseRightResult{}, asTemporal(err)
	}
	if err := a.DB.LinkVersionDecision(ctx, e.ID, "change:"+ev.ID, d.ID); err != nil {
		return CloseRightResult{}, err
	}
	sha, err := a.keepDecisionPDF(ctx, a.kept(d), func() ([]byte, error) { return a.renderDeathDecision(ctx, ev, e, d) })
	if err != nil {
		return CloseRightResult{}, err
	}
	return CloseRightResult{DecisionID: d.ID, Number: d.Number, SHA256: sha}, nil
}

// renderDeathDecision writes the rješenje closing a right on the holder's
// death: the right ends with the day of death; the month of death is paid
// up to that day (domain.MonthlyOwed, pro rata by days).
func (a *Activities) renderDeathDecision(ctx context.Context, ev store.ChangeEvent, e store.Entitlement, d store.Decision) ([]byte, error) {
	holder, err := a.DB.PersonByID(ctx, e.BeneficiaryID)
	if err != nil {
		return nil, err
	}
	b, _ := benefits.Lookup(benefits.Code(e.Benefit))
	doc := newDocument("Rješenje "+d.Number, d.IssuedAt)
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s change=%s entitlement=%s benefit=%s kind=%s from=%s", d.Number, ev.ID, e.ID, e.Benefit,
		d.Kind, d.PeriodFrom.Format(time.DateOnly)), false)
	doc.letterhead(d.CentreID)
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nPredmet: prestanak prava zbog smrti korisnika (%s)", d.Number,
		d.IssuedAt.Format("02.01.2006."), e.ClaimNumber))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, fmt.Sprintf("Na osnovu %s, po službenoj dužnosti, donosi se", b.LegalRef))
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.pdf.Ln(2)
	died := ev.OccurredOn.Format("02.01.2006.")
	doc.write("", 11, 6, fmt.Sprintf("1. Prestaje pravo na %s korisniku %s %s, JMBG %s, zaključno sa %s, danom smrti korisnika.",
		strings.ToLower(b.NameCnr), holder.GivenName, holder.FamilyName, holder.JMBG, died))
	if e.Periodicity == string(benefits.Monthly) {
		doc.write("", 11, 6, fmt.Sprintf("2. Iznos prava za mjesec %s isplaćuje se srazmjerno broju dana zaključno sa %s.",
			ev.OccurredOn.Format("01/2006"), died))
	}
	doc.pdf.Ln(3)
	doc.write("B", 11, 6, "O b r a z l o ž e nj e")
	doc.write("", 10, 5, fmt.Sprintf("%s je %s objavio podatak da je korisnik preminuo %s. Isplata prava obustavljena je po službenoj dužnosti od %s, "+
		"pa je odlučeno kao u dispozitivu.", sourceName(ev.Source), ev.ReceivedAt.Format("02.01.2006."), died, d.PeriodFrom.Format("02.01.2006.")))
	doc.signOff(d.PreparedBy, d.ApprovedBy)
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render decision %s: %w", d.Number, err)
	}
	return out, nil
}

// sourceName is the Montenegrin name of the registry that published a
// death (the population register publishes deaths).
func sourceName(s string) string {
	if domain.Source(s) == domain.SourcePopulation {
		return "Centralni registar stanovništva (MUP)"
	}
	return "Nadležni registar"
}
