package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/store"
)

// RefundFundingAccount is the account the employers' refunds are paid
// from: their own programme, in their own batch (PmtInf) of the payroll's
// pain.001 (GUESS: the treasury's real account for the refunds is to be
// configured).
var RefundFundingAccount = iso20022.Party{Name: "Ministarstvo socijalnog staranja, brige o porodici i demografije - refundacije naknada zarade",
	IBAN: "ME25505001234567895249", BIC: "CKBCMEPG"}

// RefundEvidence is one registry answer a refund rests on: which
// service, the exchange's X-Road id and the SHA-256 of its body.
type RefundEvidence struct {
	Source       domain.Source `json:"source"`
	RequestID    string        `json:"request_id"`
	ResponseHash string        `json:"response_hash"`
	AnsweredAt   time.Time     `json:"answered_at"`
}

// refundFetch asks a registry about jmbg for the leave (X-Road-Issue is the
// leave's number) and writes the query to the audit log, naming the
// person if Karton knows them. A registry that does not know the person
// answers nothing (an empty answer), not an error; an unavailable one is
// an error Temporal retries.
func (a *Activities) refundFetch(ctx context.Context, source domain.Source, j domain.JMBG, leave string, ev *[]RefundEvidence) ([]xroad.Fact, error) {
	ans, err := a.Registry.Fetch(ctx, source, j, leave)
	status, outcome := 200, "allowed"
	if err != nil {
		status, outcome = 503, "failed"
	}
	rec := store.AuditRecord{At: a.Now(), Username: "system:worker", Role: "system", Action: "registry.query " + string(source),
		Resource: "refund", Purpose: "refund", RequestID: workflowOf(ctx), Status: status, Outcome: outcome}
	if p, perr := a.DB.PersonByJMBG(ctx, j); perr == nil {
		rec.PersonIDs, rec.TargetCentre = []domain.PersonID{p.ID}, p.CentreID
	}
	if aerr := a.DB.AppendAudit(ctx, rec); aerr != nil && activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("audit registry query", "error", aerr)
	}
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	*ev = append(*ev, RefundEvidence{Source: source, RequestID: ans.RequestID, ResponseHash: ans.ResponseHash, AnsweredAt: ans.AnsweredAt})
	return ans.Facts, nil
}

func workflowOf(ctx context.Context) string {
	if activity.IsActivity(ctx) {
		return activity.GetInfo(ctx).WorkflowExecution.ID
	}
	return ""
}

func factOf[T any](facts []xroad.Fact, kind domain.EvidenceKind) (T, bool) {
	var v T
	for _, f := range facts {
		if f.Kind == kind && json.Unmarshal(f.Value, &v) == nil {
			return v, true
		}
	}
	return v, false
}

func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// leaveOf is the domain's leave of a record: its last day the early end's.
func leaveOf(l store.RefundLeave, birth time.Time) refunds.Leave {
	_, info, _ := domain.ParseJMBG(string(l.EmployeeJMBG))
	return refunds.Leave{Kind: refunds.Kind(l.Kind), FirstDay: l.FirstDay, LastDay: l.End(), Birth: birth, Employee: info.Sex}
}

// AssessRefundLeaveInput names the leave.
type AssessRefundLeaveInput struct{ Leave string }

// AssessRefundLeaveResult is what the workflow needs: ids, dates, the rate.
type AssessRefundLeaveResult struct {
	CentreID string
	FirstDay string // YYYY-MM-DD
	LastDay  string // the leave's end as it stands
	Rate     int
	// Refused is set when no refund is due for the leave (its reason is on
	// the leave's record): the workflow decides the leave's rejection.
	Refused bool
}

// AssessRefundLeave asks the registries about the leave: the employee's
// insured periods (M4) and salary reports (IOPPD/JPR), the child's birth
// in the population register; works out the months of continuous
// insurance, the rate and the average gross salary; and records them on
// the leave (state active, or assessing while a refusal awaits its
// decision).
func (a *Activities) AssessRefundLeave(ctx context.Context, in AssessRefundLeaveInput) (AssessRefundLeaveResult, error) {
	l, err := a.DB.RefundLeaveByNumber(ctx, in.Leave)
	if err != nil {
		return AssessRefundLeaveResult{}, asTemporal(err)
	}
	var ev []RefundEvidence
	m4, err := a.refundFetch(ctx, domain.SourceInsuredPeriods, l.EmployeeJMBG, l.Number, &ev)
	if err != nil {
		return AssessRefundLeaveResult{}, err
	}
	tax, err := a.refundFetch(ctx, domain.SourceSalaryReports, l.EmployeeJMBG, l.Number, &ev)
	if err != nil {
		return AssessRefundLeaveResult{}, err
	}
	pop, err := a.refundFetch(ctx, domain.SourcePopulation, l.ChildJMBG, l.Number, &ev)
	if err != nil {
		return AssessRefundLeaveResult{}, err
	}
	var periods []refunds.InsurancePeriod
	if f, ok := factOf[domain.InsuredPeriodsFact](m4, domain.KindInsuredPeriods); ok {
		for _, p := range f.Periods {
			from, ok := parseDay(p.From)
			if !ok {
				continue
			}
			ip := refunds.InsurancePeriod{EmployerPIB: p.EmployerPIB, From: from}
			if to, ok := parseDay(p.To); ok {
				ip.To = &to
			}
			periods = append(periods, ip)
		}
	}
	var reports []refunds.SalaryReport
	if f, ok := factOf[domain.SalaryReportsFact](tax, domain.KindSalaryReports); ok {
		for _, r := range f.Reports {
			if m, err := domain.ParseMonth(r.Month); err == nil {
				reports = append(reports, refunds.SalaryReport{Month: m, EmployerPIB: r.EmployerPIB, Gross: r.Gross})
			}
		}
	}
	var birth time.Time
	if id, ok := factOf[domain.IdentityFact](pop, domain.KindIdentity); ok {
		birth, _ = parseDay(id.BirthDate)
	}
	_, child, _ := domain.ParseJMBG(string(l.ChildJMBG))
	as := refunds.Assess(leaveOf(l, child.BirthDate), periods, reports, birth)
	row := store.RefundAssessment{State: "active", InsuredMonths: as.InsuredMonths, Rate: as.Rate, Base: as.Base}
	if !as.InsuredSince.IsZero() {
		row.InsuredSince = &as.InsuredSince
	}
	if !birth.IsZero() {
		row.BirthDate = &birth
	}
	if row.Lines, err = json.Marshal(as.Lines); err != nil {
		return AssessRefundLeaveResult{}, err
	}
	if row.Evidence, err = json.Marshal(ev); err != nil {
		return AssessRefundLeaveResult{}, err
	}
	if as.Refusal != nil {
		row.State, row.StateReason = "assessing", as.Refusal.In("en")
		if row.Refusal, err = json.Marshal(as.Refusal); err != nil {
			return AssessRefundLeaveResult{}, err
		}
	}
	if err := a.DB.SaveRefundAssessment(ctx, l.Number, row); err != nil {
		return AssessRefundLeaveResult{}, asTemporal(err)
	}
	return AssessRefundLeaveResult{CentreID: l.CentreID, FirstDay: l.FirstDay.Format(time.DateOnly), LastDay: l.End().Format(time.DateOnly),
		Rate: as.Rate, Refused: as.Refusal != nil}, nil
}

// AssessRefundMonthInput names a month's claim of a leave.
type AssessRefundMonthInput struct {
	Leave string
	Month string // YYYY-MM
}

// AssessRefundMonthResult is the month by rule: the refund and whether a
// caseworker must look at it. LastDay is the leave's end as it stands
// (a death the population register states ends it).
type AssessRefundMonthResult struct {
	Refund        decimal.Decimal
	Days          int
	Discrepancies int
	LastDay       string
}

// AssessRefundMonth asks the health fund for the employee's sick-leave
// certificates and the population register about the child (a death
// ends the leave on its day: GUESS, the law's rule for the leave after a
// child's death was not retrieved), works out the month's refund with the
// leave's rate and base, compares it with the salary the employer says it
// paid and with the certificates, and records the calculation.
func (a *Activities) AssessRefundMonth(ctx context.Context, in AssessRefundMonthInput) (AssessRefundMonthResult, error) {
	m, err := domain.ParseMonth(in.Month)
	if err != nil {
		return AssessRefundMonthResult{}, asTemporal(err)
	}
	l, err := a.DB.RefundLeaveByNumber(ctx, in.Leave)
	if err != nil {
		return AssessRefundMonthResult{}, asTemporal(err)
	}
	c, err := a.DB.RefundClaimByMonth(ctx, in.Leave, m.First())
	if err != nil {
		return AssessRefundMonthResult{}, asTemporal(err)
	}
	var ev []RefundEvidence
	sick, err := a.refundFetch(ctx, domain.SourceSickLeave, l.EmployeeJMBG, l.Number, &ev)
	if err != nil {
		return AssessRefundMonthResult{}, err
	}
	pop, err := a.refundFetch(ctx, domain.SourcePopulation, l.ChildJMBG, l.Number, &ev)
	if err != nil {
		return AssessRefundMonthResult{}, err
	}
	if id, ok := factOf[domain.IdentityFact](pop, domain.KindIdentity); ok && !id.Alive {
		if died, ok := parseDay(id.DeathDate); ok && died.Before(l.End()) && !died.Before(l.FirstDay.AddDate(0, 0, -1)) {
			if l, err = a.DB.EndRefundLeave(ctx, l.Number, died, refunds.EndChildDeath, false); err != nil {
				return AssessRefundMonthResult{}, asTemporal(err)
			}
		}
	}
	var certs []refunds.Certificate
	if f, ok := factOf[domain.SickLeaveFact](sick, domain.KindSickLeave); ok {
		for _, x := range f.Certificates {
			from, ok1 := parseDay(x.From)
			to, ok2 := parseDay(x.To)
			if ok1 && ok2 {
				certs = append(certs, refunds.Certificate{Number: x.Number, From: from, To: to, Reason: x.Reason})
			}
		}
	}
	rate := 0
	if l.Rate != nil {
		rate = *l.Rate
	}
	birth := l.FirstDay
	if l.BirthDate != nil {
		birth = *l.BirthDate
	}
	r := refunds.MonthRefund(refunds.MonthInput{Leave: leaveOf(l, birth), Month: m, Base: l.BaseGross.Decimal, Rate: rate,
		SalaryPaid: c.SalaryPaid, Certificates: certs})
	k := store.RefundCalculation{Days: r.Days, CertifiedDays: r.Certified, Compensation: r.Compensation, Refund: r.Refund}
	if k.Lines, err = json.Marshal(r.Lines); err != nil {
		return AssessRefundMonthResult{}, err
	}
	if k.Discrepancies, err = json.Marshal(append([]refunds.Phrase{}, r.Discrepancies...)); err != nil {
		return AssessRefundMonthResult{}, err
	}
	if k.Evidence, err = json.Marshal(ev); err != nil {
		return AssessRefundMonthResult{}, err
	}
	if err := a.DB.SaveRefundCalculation(ctx, l.Number, m.First(), k); err != nil {
		return AssessRefundMonthResult{}, asTemporal(err)
	}
	return AssessRefundMonthResult{Refund: r.Refund, Days: r.Days, Discrepancies: len(r.Discrepancies), LastDay: l.End().Format(time.DateOnly)}, nil
}

// SetRefundClaimStateInput moves a month's claim to a stage (review, approval).
type SetRefundClaimStateInput struct {
	Leave, Month, State string
}

// SetRefundClaimState records where a month's claim stands.
func (a *Activities) SetRefundClaimState(ctx context.Context, in SetRefundClaimStateInput) error {
	m, err := domain.ParseMonth(in.Month)
	if err != nil {
		return asTemporal(err)
	}
	return asTemporal(a.DB.SetRefundClaimState(ctx, in.Leave, m.First(), in.State))
}

// Kinds of refund decisions.
const (
	RefundGrant     = "grant"
	RefundAdjusted  = "adjusted"
	RefundRejection = "rejection"
)

// DecideRefundInput is a decision on a month of a leave, or on the leave
// (Month ""): its kind, amount and the caseworker's reason, who prepared
// and who approved it ("system" for a decision by rule), at the
// workflow's time.
type DecideRefundInput struct {
	Leave      string
	Month      string // YYYY-MM, or "" for the leave's rejection
	Kind       string // grant, adjusted, rejection
	Amount     decimal.Decimal
	Reason     string
	PreparedBy string
	ApprovedBy string
	IssuedAt   time.Time
}

// DecideRefundResult identifies the decision and its document.
type DecideRefundResult struct {
	DecisionID string
	Number     string
	SHA256     string
}

// DecideRefund issues the decision (rješenje, numbered once per leave and
// month from the centre's counter), renders its PDF into the object store
// and records it; a rejection of the leave marks it rejected. A retry
// finds the decision and renders the document only if it is not stored.
func (a *Activities) DecideRefund(ctx context.Context, in DecideRefundInput) (DecideRefundResult, error) {
	l, err := a.DB.RefundLeaveByNumber(ctx, in.Leave)
	if err != nil {
		return DecideRefundResult{}, asTemporal(err)
	}
	d := store.RefundDecision{LeaveNumber: l.Number, CentreID: l.CentreID, Kind: in.Kind, Amount: in.Amount.Round(2), Reason: in.Reason,
		PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy, IssuedAt: in.IssuedAt}
	var claim *store.RefundClaim
	if in.Month != "" {
		m, err := domain.ParseMonth(in.Month)
		if err != nil {
			return DecideRefundResult{}, asTemporal(err)
		}
		first := m.First()
		d.Month = &first
		c, err := a.DB.RefundClaimByMonth(ctx, l.Number, first)
		if err != nil {
			return DecideRefundResult{}, asTemporal(err)
		}
		claim = &c
	}
	if in.Kind == RefundRejection {
		d.Amount = decimal.Zero
	}
	d, err = a.DB.IssueRefundDecision(ctx, d)
	if err != nil {
		return DecideRefundResult{}, asTemporal(err)
	}
	if in.Month == "" && in.Kind == RefundRejection {
		if err := a.DB.SetRefundLeaveState(ctx, l.Number, "rejected", l.StateReason); err != nil {
			return DecideRefundResult{}, asTemporal(err)
		}
	}
	sha, err := a.keepDecisionPDF(ctx, keptDecision{ID: d.ID, Year: d.Year, Key: d.DocumentKey, SHA256: d.DocumentSHA256,
		set: a.DB.SetRefundDecisionDocument}, func() ([]byte, error) { return renderRefundDecision(l, claim, d) })
	if err != nil {
		return DecideRefundResult{}, err
	}
	return DecideRefundResult{DecisionID: d.ID, Number: d.Number, SHA256: sha}, nil
}

// CompleteRefundLeaveInput is how a leave's workflow ended: completed (every
// month decided, or the months not claimed in time lapsed) or ended (it
// ended early).
type CompleteRefundLeaveInput struct {
	Leave, State, Reason string
}

// CompleteRefundLeave records the leave's end state.
func (a *Activities) CompleteRefundLeave(ctx context.Context, in CompleteRefundLeaveInput) error {
	return asTemporal(a.DB.SetRefundLeaveState(ctx, in.Leave, in.State, in.Reason))
}

// refundLines reads explanation lines kept as JSON.
func refundLines(raw json.RawMessage) []refunds.Line {
	var ls []refunds.Line
	_ = json.Unmarshal(raw, &ls)
	return ls
}

func refundKindWords(kind string) string {
	return refunds.Phrase{Key: "leave.kind." + kind}.In("cnr")
}

// renderRefundDecision writes the refund's rješenje: to the employer, on a
// month of the leave (granted, granted at another amount, or refused) or
// on the leave itself, with the calculation that explains it.
func renderRefundDecision(l store.RefundLeave, c *store.RefundClaim, d store.RefundDecision) ([]byte, error) {
	doc := newDocument("Rješenje "+d.Number, d.IssuedAt)
	month := ""
	if d.Month != nil {
		month = d.Month.Format("2006-01")
	}
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s leave=%s month=%s kind=%s amount=%s benefit=%s", d.Number, l.Number, month, d.Kind,
		d.Amount.StringFixed(2), l.Benefit), false)
	doc.letterhead(l.CentreID)
	subject := fmt.Sprintf("refundacija naknade zarade (%s), prijava %s", refundKindWords(l.Kind), l.Number)
	if d.Month != nil {
		subject += ", mjesec " + d.Month.Format("01.2006.")
	}
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nPredmet: %s", d.Number, d.IssuedAt.Format("02.01.2006."), subject))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, fmt.Sprintf("Na osnovu Zakona o socijalnoj i dječjoj zaštiti, po zahtjevu poslodavca %s, PIB %s, za zaposlenog sa JMBG %s "+
		"(%s od %s do %s, dijete JMBG %s), donosi se", l.EmployerName, l.EmployerPIB, l.EmployeeJMBG, refundKindWords(l.Kind),
		l.FirstDay.Format("02.01.2006."), l.End().Format("02.01.2006."), l.ChildJMBG))
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.pdf.Ln(2)
	switch {
	case d.Month == nil:
		doc.write("", 11, 6, fmt.Sprintf("1. Odbija se zahtjev poslodavca %s za refundaciju naknade zarade za %s od %s do %s.",
			l.EmployerName, refundKindWords(l.Kind), l.FirstDay.Format("02.01.2006."), l.End().Format("02.01.2006.")))
	case d.Kind == RefundRejection:
		doc.write("", 11, 6, fmt.Sprintf("1. Odbija se zahtjev poslodavca %s za refundaciju naknade zarade za mjesec %s.", l.EmployerName,
			d.Month.Format("01.2006.")))
	default:
		doc.write("", 11, 6, fmt.Sprintf("1. Poslodavcu %s, PIB %s, odobrava se refundacija naknade zarade za mjesec %s u iznosu od %s.",
			l.EmployerName, l.EmployerPIB, d.Month.Format("01.2006."), money(d.Amount)))
		doc.write("", 11, 6, fmt.Sprintf("2. Iznos iz tačke 1 isplaćuje se na račun poslodavca %s u okviru mjesečne isplate.", l.PayeeIBAN))
	}
	doc.pdf.Ln(3)
	doc.write("B", 11, 6, "O b r a z l o ž e nj e")
	if len(l.Refusal) > 0 && d.Month == nil {
		var p refunds.Phrase
		if json.Unmarshal(l.Refusal, &p) == nil {
			doc.write("", 10, 5, p.In("cnr"))
		}
	}
	lines := refundLines(l.Lines)
	if c != nil {
		lines = append(lines, refundLines(c.Lines)...)
		var diffs []refunds.Phrase
		_ = json.Unmarshal(c.Discrepancies, &diffs)
		for _, p := range diffs {
			doc.write("", 10, 5, "- "+p.In("cnr"))
		}
	}
	if d.Reason != "" {
		doc.write("", 10, 5, "Obrazloženje obrađivača: "+d.Reason)
	}
	if d.Kind == RefundAdjusted {
		doc.write("", 10, 5, "Iznos refundacije utvrđen je u postupku provjere, mimo obračuna po pravilu.")
	}
	doc.pdf.Ln(2)
	doc.write("B", 10, 5, "Obračun:")
	for _, ln := range lines {
		what, value, source := ln.In("cnr")
		doc.write("", 8, 4, fmt.Sprintf("%s | %s | %s", what, value, source))
	}
	doc.pdf.Ln(4)
	doc.write("", 10, 5, "Uputstvo o pravnom sredstvu: protiv ovog rješenja može se izjaviti žalba Ministarstvu u roku od 15 dana od dana prijema, preko ovog centra.")
	doc.pdf.Ln(6)
	doc.write("", 10, 5, fmt.Sprintf("Pripremio/la: %s\nOdobrio/la: %s", refundSigner(d.PreparedBy), refundSigner(d.ApprovedBy)))
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render decision %s: %w", d.Number, err)
	}
	return out, nil
}

// refundSigner names who prepared or approved a refund's decision; one by
// rule says so.
func refundSigner(username string) string {
	if username == "system" || strings.HasPrefix(username, "system:") {
		return "automatski, po pravilu obračuna (bez odstupanja od evidencija)"
	}
	return official(username)
}

// RefundEndToEndID is a refund payment's id in the bank files: "F", the
// month (YYYYMM) and the decision's UUID in base32hex, 33 characters; a
// month paid again (the bank rejected or returned it) gets "R" and the
// attempt in base 36 added.
func RefundEndToEndID(decision string, month time.Time, attempt int) string {
	id := EndToEndID(decision, month, attempt)
	return "F" + id[1:]
}
