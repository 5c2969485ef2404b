package activities

import (
	"bytes"
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

// IssueDecisionInput is the approved outcome of a claim.
type IssueDecisionInput struct {
	Number     string
	Grant      bool
	Amount     decimal.Decimal
	Reasons    []string // why rejected, or the caseworker's reason for an adjusted amount
	PreparedBy string
	ApprovedBy string
	IssuedAt   time.Time // the workflow's time of approval, so a retry issues the same document
}

// IssueDecisionResult identifies the decision and its document.
type IssueDecisionResult struct {
	DecisionID string
	Number     string
	SHA256     string
}

// IssueDecision numbers the decision (gapless per centre and year, once
// per claim), renders its PDF and keeps it in the object store with its
// SHA-256. A retry finds the decision already numbered, and its document
// already stored if the first attempt got that far; otherwise it renders
// and stores the document again under the same key before recording the hash.
func (a *Activities) IssueDecision(ctx context.Context, in IssueDecisionInput) (IssueDecisionResult, error) {
	c, err := a.DB.ClaimByNumber(ctx, in.Number)
	if err != nil {
		return IssueDecisionResult{}, asTemporal(err)
	}
	if in.PreparedBy == in.ApprovedBy {
		return IssueDecisionResult{}, asTemporal(domain.Errorf(domain.CodeForbidden, "the approver prepared the decision"))
	}
	kind := "rejection"
	if in.Grant {
		kind = "grant"
	}
	d, err := a.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: c.CentreID, Kind: kind, Benefit: c.Benefit,
		Amount: in.Amount, PeriodFrom: c.Period, PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy, IssuedAt: in.IssuedAt})
	if err != nil {
		return IssueDecisionResult{}, asTemporal(err)
	}
	if d.DocumentKey != "" && d.DocumentSHA256 != "" {
		// Issued before (a retry after the document was stored): the
		// document stands as it was hashed.
		return IssueDecisionResult{DecisionID: d.ID, Number: d.Number, SHA256: d.DocumentSHA256}, nil
	}
	pdf, err := a.renderDecision(ctx, c, d, in.Reasons)
	if err != nil {
		return IssueDecisionResult{}, err
	}
	key, sha, err := a.putDecisionPDF(ctx, d.ID, d.Year, pdf)
	if err != nil {
		return IssueDecisionResult{}, err
	}
	if err := a.DB.SetDecisionDocument(ctx, d.ID, key, sha); err != nil {
		return IssueDecisionResult{}, err
	}
	return IssueDecisionResult{DecisionID: d.ID, Number: d.Number, SHA256: sha}, nil
}

// CreateEntitlementInput names the decision that grants a right.
type CreateEntitlementInput struct {
	Number     string
	DecisionID string
	Amount     decimal.Decimal
}

// CreateEntitlementResult identifies the right.
type CreateEntitlementResult struct{ EntitlementID string }

// CreateEntitlement records the right (once per claim): beneficiary,
// payee account, amount, from when, how often, and when it is first
// revised (Activities.Revisions: the catalogue's interval after the first
// month paid, benefits.Benefit.Revision); its basis, the situation of the
// claim's last calculation, for re-rating; and its channel: child
// allowance through the Post to the child's address (DOMAIN.md §3.3 (8),
// §5.4), the others to the bank (the Post when the payee has no account).
func (a *Activities) CreateEntitlement(ctx context.Context, in CreateEntitlementInput) (CreateEntitlementResult, error) {
	c, err := a.DB.ClaimByNumber(ctx, in.Number)
	if err != nil {
		return CreateEntitlementResult{}, asTemporal(err)
	}
	b, _ := benefits.Lookup(benefits.Code(c.Benefit))
	beneficiary := c.ApplicantID
	if c.SubjectID != "" && (b.Code == benefits.LI || b.Code == benefits.DNJP) {
		beneficiary = c.SubjectID
	}
	var revision *time.Time
	if r, ok := a.Revisions.First(b.Code, c.Period); ok {
		revision = &r
	}
	calcs, err := a.DB.Calculations(ctx, c.Number)
	if err != nil {
		return CreateEntitlementResult{}, err
	}
	var basis json.RawMessage
	if len(calcs) > 0 {
		basis = calcs[len(calcs)-1].Situation
	}
	channel, postTo := "bank", domain.PersonID("")
	if b.Code == benefits.DD {
		channel, postTo = "post", childOf(c, basis)
	}
	e, err := a.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: in.DecisionID, Benefit: c.Benefit,
		BeneficiaryID: beneficiary, PayeeIBAN: c.PayeeIBAN, Amount: in.Amount, Periodicity: string(b.Periodicity),
		ValidFrom: c.Period, NextRevision: revision, Basis: basis, Channel: channel, PostTo: postTo})
	if err != nil {
		return CreateEntitlementResult{}, asTemporal(err)
	}
	// A right from a day before known changes of the law's parameters
	// (MO from January 2024, thresholds of 17 February 2024) gets its
	// versions from them (issue 16).
	if err := a.RerateGrant(ctx, e.ID); err != nil {
		return CreateEntitlementResult{}, asTemporal(err)
	}
	return CreateEntitlementResult{EntitlementID: e.ID}, nil
}

// childOf is the child whose address the Post pays child allowance to:
// the claim's subject, else the youngest child of the calculated
// household (GUESS: the brief says "the child's address"; a household's
// children live at one), else none (the beneficiary's address).
func childOf(c store.Claim, basis json.RawMessage) domain.PersonID {
	if c.SubjectID != "" {
		return c.SubjectID
	}
	var s benefits.Situation
	if len(basis) == 0 || json.Unmarshal(basis, &s) != nil {
		return ""
	}
	var child *benefits.Member
	for i, m := range s.Members {
		if m.Relation == domain.RelationChild && (child == nil || m.BirthDate.After(child.BirthDate)) {
			child = &s.Members[i]
		}
	}
	if child == nil {
		return ""
	}
	return domain.PersonID(child.ID)
}

// Fonts with the Latin letters of Montenegrin (č ć š ž đ); Debian's
// fonts-dejavu-core. Without them the document falls back to a core font
// and transliterates.
var (
	fontRegular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	fontBold    = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)

var transliterate = strings.NewReplacer("č", "c", "ć", "c", "š", "s", "ž", "z", "đ", "dj", "Č", "C", "Ć", "C", "Š", "S", "Ž", "Z", "Đ", "Dj")

func money(d decimal.Decimal) string {
	s := d.StringFixed(2)
	return strings.Replace(s, ".", ",", 1) + " EUR"
}

func (a *Activities) renderDecision(ctx context.Context, c store.Claim, d store.Decision, reasons []string) ([]byte, error) {
	applicant, err := a.DB.PersonByID(ctx, c.ApplicantID)
	if err != nil {
		return nil, err
	}
	calcs, err := a.DB.Calculations(ctx, c.Number)
	if err != nil {
		return nil, err
	}
	var lines []lineJSON
	if len(calcs) > 0 {
		if err := json.Unmarshal(calcs[len(calcs)-1].Lines, &lines); err != nil {
			return nil, fmt.Errorf("decode calculation lines: %w", err)
		}
	}
	b, _ := benefits.Lookup(benefits.Code(c.Benefit))
	centreName := c.CentreID
	if ce, ok := domain.CentreByID(c.CentreID); ok {
		centreName = ce.Name
	}
	doc := newDocument("Rješenje "+d.Number, d.IssuedAt)
	pdf, family, text, write := doc.pdf, doc.family, doc.text, doc.write
	// Plain keywords a machine can read without parsing the page.
	pdf.SetKeywords(fmt.Sprintf("decision=%s claim=%s benefit=%s kind=%s amount=%s", d.Number, c.Number, c.Benefit, d.Kind, d.Amount.StringFixed(2)), false)
	write("B", 11, 5, "Crna Gora\nMinistarstvo socijalnog staranja, brige o porodici i demografije\n"+centreName)
	pdf.Ln(2)
	write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nPredmet: %s", d.Number, d.IssuedAt.Format("02.01.2006."), c.Number))
	pdf.Ln(4)
	write("", 10, 5, fmt.Sprintf("Na osnovu %s, rješavajući po zahtjevu (%s) koji je podnio/la %s %s, JMBG %s, donosi se", b.LegalRef, b.Form, applicant.GivenName, applicant.FamilyName, applicant.JMBG))
	pdf.Ln(3)
	pdf.SetFont(family, "B", 14)
	pdf.CellFormat(0, 8, text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	pdf.Ln(2)
	if d.Kind == "grant" {
		period := "mjesečno, počev od " + c.Period.Format("02.01.2006")
		if b.Periodicity == benefits.OneOff {
			period = "jednokratno"
		}
		write("", 11, 6, fmt.Sprintf("1. Priznaje se pravo na %s (%s) podnosiocu %s %s u iznosu od %s, %s.",
			strings.ToLower(b.NameCnr), b.NameEn, applicant.GivenName, applicant.FamilyName, money(d.Amount), period))
		if c.PayeeIBAN != "" {
			write("", 11, 6, "2. Iznos se isplaćuje na račun "+c.PayeeIBAN+".")
		} else {
			write("", 11, 6, "2. Iznos se isplaćuje preko Pošte Crne Gore.")
		}
	} else {
		write("", 11, 6, fmt.Sprintf("Odbija se zahtjev za %s (%s) podnosioca %s %s.", strings.ToLower(b.NameCnr), b.NameEn, applicant.GivenName, applicant.FamilyName))
	}
	pdf.Ln(3)
	write("B", 11, 6, "O b r a z l o ž e nj e")
	if len(c.Members) > 0 {
		var names []string
		for _, id := range c.Members {
			if p, err := a.DB.PersonByID(ctx, id); err == nil {
				names = append(names, fmt.Sprintf("%s %s (%s)", p.GivenName, p.FamilyName, p.BirthDate.Format("02.01.2006.")))
			}
		}
		write("", 10, 5, "Domaćinstvo: "+strings.Join(names, "; ")+".")
	}
	for _, r := range reasons {
		write("", 10, 5, "- "+r)
	}
	pdf.Ln(2)
	write("B", 10, 5, "Obračun (what | value | source):")
	for _, l := range lines {
		write("", 8, 4, fmt.Sprintf("%s | %s | %s", l.What, l.Value, l.Source))
	}
	pdf.Ln(4)
	write("", 10, 5, "Uputstvo o pravnom sredstvu: protiv ovog rješenja može se izjaviti žalba Ministarstvu u roku od 15 dana od dana prijema, preko ovog centra.")
	pdf.Ln(6)
	write("", 10, 5, fmt.Sprintf("Pripremio/la: %s\nOdobrio/la: %s", userName(d.PreparedBy), userName(d.ApprovedBy)))
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render decision %s: %w", d.Number, err)
	}
	return buf.Bytes(), nil
}

func userName(username string) string {
	if u, ok := domain.DemoUser(username); ok {
		return u.Name + " (" + username + ")"
	}
	return username
}
