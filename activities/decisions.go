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
	sha, err := a.keepDecisionPDF(ctx, a.kept(d), func() ([]byte, error) { return a.renderDecision(ctx, c, d, in.Reasons) })
	if err != nil {
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

// docLine is one block of a decision's text: its style (bold or not),
// font size, line height, the space before it, centred or not, and the
// words. decisionText builds them, renderDecision writes them to the PDF,
// and a test reads them (no English in a Montenegrin decision).
type docLine struct {
	Style    string
	Size, H  float64
	Before   float64
	Centered bool
	Text     string
}

// decisionText is a claim's decision (rješenje) in Montenegrin: the
// explanation lines and the calculation's reasons said from the phrase
// catalogue (benefits.Phrase), the law cited in Montenegrin
// (Benefit.LegalRefCnr), the right granted to its holder (for LI and
// DNJP the person the claim is about, else the applicant), and signed by
// the officials with their titles (official).
func (a *Activities) decisionText(ctx context.Context, c store.Claim, d store.Decision, reasons []string) ([]docLine, error) {
	applicant, err := a.DB.PersonByID(ctx, c.ApplicantID)
	if err != nil {
		return nil, err
	}
	holder := applicant
	if c.SubjectID != "" && (benefits.Code(c.Benefit) == benefits.LI || benefits.Code(c.Benefit) == benefits.DNJP) {
		if holder, err = a.DB.PersonByID(ctx, c.SubjectID); err != nil {
			return nil, err
		}
	}
	calcs, err := a.DB.Calculations(ctx, c.Number)
	if err != nil {
		return nil, err
	}
	var lines []lineJSON
	var calc store.Calculation
	if len(calcs) > 0 {
		calc = calcs[len(calcs)-1]
		if err := json.Unmarshal(calc.Lines, &lines); err != nil {
			return nil, fmt.Errorf("decode calculation lines: %w", err)
		}
	}
	b, _ := benefits.Lookup(benefits.Code(c.Benefit))
	centreName := c.CentreID
	if ce, ok := domain.CentreByID(c.CentreID); ok {
		centreName = ce.Name
	}
	name := func(p domain.Person) string { return p.GivenName + " " + p.FamilyName }
	out := []docLine{
		{Style: "B", Size: 11, H: 5, Text: "Crna Gora\nMinistarstvo socijalnog staranja, brige o porodici i demografije\n" + centreName},
		{Size: 10, H: 5, Before: 2, Text: fmt.Sprintf("Broj: %s\nDatum: %s\nPredmet: %s", d.Number, d.IssuedAt.Format("02.01.2006."), c.Number)},
		{Size: 10, H: 5, Before: 4, Text: fmt.Sprintf("Na osnovu %s, rješavajući po zahtjevu (obrazac %s) koji je podnio/la %s, JMBG %s, donosi se",
			b.LegalRefCnr(), b.Form, name(applicant), applicant.JMBG)},
		{Style: "B", Size: 14, H: 8, Before: 3, Centered: true, Text: "R J E Š E N J E"},
	}
	add := func(l docLine) { out = append(out, l) }
	if d.Kind == "grant" {
		period := "mjesečno, počev od " + c.Period.Format("02.01.2006.")
		if b.Periodicity == benefits.OneOff {
			period = "jednokratno"
		}
		whom := name(holder)
		if holder.ID != applicant.ID {
			whom += fmt.Sprintf(", JMBG %s (po zahtjevu podnosioca %s)", holder.JMBG, name(applicant))
		}
		add(docLine{Size: 11, H: 6, Before: 2, Text: fmt.Sprintf("1. Priznaje se pravo „%s” licu %s u iznosu od %s, %s.",
			b.NameCnr, whom, money(d.Amount), period)})
		if c.PayeeIBAN != "" {
			add(docLine{Size: 11, H: 6, Text: "2. Iznos se isplaćuje na račun " + c.PayeeIBAN + "."})
		} else {
			add(docLine{Size: 11, H: 6, Text: "2. Iznos se isplaćuje preko Pošte Crne Gore."})
		}
	} else {
		add(docLine{Size: 11, H: 6, Before: 2, Text: fmt.Sprintf("Odbija se zahtjev podnosioca %s za priznavanje prava „%s”.", name(applicant), b.NameCnr)})
	}
	add(docLine{Style: "B", Size: 11, H: 6, Before: 3, Text: "O b r a z l o ž e nj e"})
	if len(c.Members) > 0 {
		var names []string
		for _, id := range c.Members {
			if p, err := a.DB.PersonByID(ctx, id); err == nil {
				names = append(names, fmt.Sprintf("%s (%s)", name(p), p.BirthDate.Format("02.01.2006.")))
			}
		}
		add(docLine{Size: 10, H: 5, Text: "Domaćinstvo: " + strings.Join(names, "; ") + "."})
	}
	for _, r := range reasonsCnr(reasons, calc) {
		add(docLine{Size: 10, H: 5, Text: "- " + r})
	}
	add(docLine{Style: "B", Size: 10, H: 5, Before: 2, Text: "Obračun (stavka | vrijednost | izvor):"})
	for _, l := range lines {
		what, value, source := benefits.Line{What: l.What, Value: l.Value, Source: l.Source, Text: l.Text, From: l.From}.In("cnr")
		add(docLine{Size: 8, H: 4, Text: fmt.Sprintf("%s | %s | %s", what, value, source)})
	}
	add(docLine{Size: 10, H: 5, Before: 4, Text: "Uputstvo o pravnom sredstvu: protiv ovog rješenja može se izjaviti žalba Ministarstvu u roku od 15 dana od dana prijema, preko ovog centra."})
	add(docLine{Size: 10, H: 5, Before: 6, Text: fmt.Sprintf("Pripremio/la: %s\nOdobrio/la: %s", official(d.PreparedBy), official(d.ApprovedBy))})
	return out, nil
}

// reasonsCnr says the decision's reasons in Montenegrin: a reason of the
// calculation from its phrase (calc.Why); the caseworker's own words, and
// the reasons of a calculation made before the catalogue, as they are.
func reasonsCnr(reasons []string, calc store.Calculation) []string {
	var why []benefits.Phrase
	if len(calc.Why) > 0 && json.Unmarshal(calc.Why, &why) != nil {
		why = nil
	}
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = r
		for j, cr := range calc.Reasons {
			if cr == r && j < len(why) {
				out[i] = why[j].In("cnr")
			}
		}
	}
	return out
}

func (a *Activities) renderDecision(ctx context.Context, c store.Claim, d store.Decision, reasons []string) ([]byte, error) {
	text, err := a.decisionText(ctx, c, d, reasons)
	if err != nil {
		return nil, err
	}
	doc := newDocument("Rješenje "+d.Number, d.IssuedAt)
	// Plain keywords a machine can read without parsing the page.
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s claim=%s benefit=%s kind=%s amount=%s", d.Number, c.Number, c.Benefit, d.Kind, d.Amount.StringFixed(2)), false)
	for _, l := range text {
		if l.Before > 0 {
			doc.pdf.Ln(l.Before)
		}
		if l.Centered {
			doc.pdf.SetFont(doc.family, l.Style, l.Size)
			doc.pdf.CellFormat(0, l.H, doc.text(l.Text), "", 1, "C", false, 0, "")
			continue
		}
		doc.write(l.Style, l.Size, l.H, l.Text)
	}
	var buf bytes.Buffer
	if err := doc.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render decision %s: %w", d.Number, err)
	}
	return buf.Bytes(), nil
}

// official names the person who prepared or approved a decision as a
// decision signs: name and official title (domain.Role.TitleCnr), never a
// username; a user the demo directory does not know is "the authorised
// official".
func official(username string) string {
	if u, ok := domain.DemoUser(username); ok {
		return u.Name + ", " + u.Role.TitleCnr()
	}
	return "ovlašćeno službeno lice"
}

// userName is official (the name cases' and appeals' documents use).
func userName(username string) string { return official(username) }
