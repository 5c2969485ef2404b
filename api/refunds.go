package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/policies"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// The employers' refunds (issue 18): an employer (its payroll system by
// client credentials, its staff through the pages) files a leave of an
// employee, then one claim per month of it; a Refund workflow per leave
// decides them. An employer sees only its own company's leaves: any other
// is a 404, as if it did not exist. A centre's staff read the leaves of
// the employers their centre handles.

// RefundCentre is the centre that handles an employer's refunds: the
// employers' portal routes every company to one centre (GUESS: a
// company's seat is not in the registries Karton asks; Podgorica's centre
// stands in for the ministry's refund desk).
const RefundCentre = "csr-podgorica"

type fileLeaveRequest struct {
	EmployerPIB  string `json:"employer_pib"`  // optional: the token's company
	EmployerName string `json:"employer_name"` // optional: kept on the employer's record
	EmployeeJMBG string `json:"employee_jmbg"`
	Kind         string `json:"kind"`
	FirstDay     string `json:"first_day"`
	LastDay      string `json:"last_day"`
	ChildJMBG    string `json:"child_jmbg"`
	PayeeAccount string `json:"payee_account"` // the employer's IBAN
}

type leaveFiled struct {
	Number     string `json:"number"`
	WorkflowID string `json:"workflow_id"`
	State      string `json:"state"`
}

func parseDay(field, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, domain.FieldError(field, "%q is not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

// rename puts a parser's error on the request's field.
func rename(err error, field string) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return &domain.Error{Code: de.Code, Field: field, Message: de.Message}
	}
	return err
}

// fileLeave records a leave of an employee and starts its Refund
// workflow: 201 with the leave's number. Every field is checked before
// anything is recorded: the PIB (the token's company), the JMBGs, the
// kind and dates against the child's birth, the account, and that the
// pension fund's register (M4) shows the employee insured with this
// employer on the leave's first day; a leave sharing days with the
// employee's other one is a conflict.
func (h *handler) fileLeave(c *gin.Context) (*leaveFiled, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req fileLeaveRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.EmployerPIB != "" {
		pib, err := domain.ParsePIB(strings.TrimSpace(req.EmployerPIB))
		if err != nil {
			return nil, rename(err, "employer_pib")
		}
		if pib != u.PIB {
			return nil, &domain.Error{Code: domain.CodeNotFound, Field: "employer_pib", Message: fmt.Sprintf("employer %s does not exist for you", pib)}
		}
	}
	if _, err := domain.ParsePIB(string(u.PIB)); err != nil {
		return nil, domain.Errorf(domain.CodeForbidden, "only an employer's user or system files leaves, for its own company")
	}
	if err := h.allow(c, "refund", "create", policies.TargetSelf); err != nil {
		return nil, err
	}
	l, leave, err := checkLeave(req)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.EmployerName)
	if len(name) > 70 {
		return nil, domain.FieldError("employer_name", "is longer than 70 characters")
	}
	if err := h.employedBy(c, l.EmployeeJMBG, string(u.PIB), leave.FirstDay); err != nil {
		return nil, err
	}
	h.auditJMBGs(c, l.EmployeeJMBG, l.ChildJMBG)
	l.FiledBy, l.FiledAt = u.Username, time.Now().UTC()
	rec, err := h.db.FileRefundLeave(ctx, store.Employer{PIB: string(u.PIB), Name: name, IBAN: l.PayeeIBAN, CentreID: RefundCentre}, l)
	if err != nil {
		return nil, err
	}
	run, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RefundID(rec.Number), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, workflows.NameRefund, workflows.RefundInput{Leave: rec.Number})
	if err != nil {
		if derr := h.db.DeleteRefundLeave(ctx, rec.Number); derr != nil {
			h.log.Error("take back a leave whose workflow did not start", "leave", rec.Number, "error", derr)
		}
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the leave was not filed, try again"), err)
	}
	c.Header("Location", "/api/v1/refund-leaves/"+rec.Number)
	return &leaveFiled{Number: rec.Number, WorkflowID: run.GetID(), State: rec.State}, nil
}

// checkLeave checks a leave's fields, naming each at fault.
func checkLeave(req fileLeaveRequest) (store.RefundLeave, refunds.Leave, error) {
	var errs []*domain.Error
	add := func(err error, field string) {
		var de *domain.Error
		if errors.As(rename(err, field), &de) {
			errs = append(errs, de)
		}
	}
	employee, einfo, err := domain.ParseJMBG(strings.TrimSpace(req.EmployeeJMBG))
	if err != nil {
		add(err, "employee_jmbg")
	}
	child, cinfo, err := domain.ParseJMBG(strings.TrimSpace(req.ChildJMBG))
	if err != nil {
		add(err, "child_jmbg")
	} else if child == employee {
		add(domain.FieldError("child_jmbg", "is the employee's own JMBG"), "child_jmbg")
	}
	first, err := parseDay("first_day", req.FirstDay)
	if err != nil {
		add(err, "first_day")
	}
	last, err := parseDay("last_day", req.LastDay)
	if err != nil {
		add(err, "last_day")
	}
	iban, err := domain.ParseIBAN("payee_account", req.PayeeAccount)
	if err != nil {
		add(err, "payee_account")
	}
	kind := refunds.Kind(strings.TrimSpace(req.Kind))
	if !kind.Valid() {
		add(domain.FieldError("kind", "%q is not a kind of leave: one of maternity, parental, parental_transfer, half_time", req.Kind), "kind")
	}
	if len(errs) > 0 {
		return store.RefundLeave{}, refunds.Leave{}, domain.Invalid(errs)
	}
	leave := refunds.Leave{Kind: kind, FirstDay: first, LastDay: last, Birth: cinfo.BirthDate, Employee: einfo.Sex}
	if err := leave.Check(); err != nil {
		return store.RefundLeave{}, refunds.Leave{}, err
	}
	return store.RefundLeave{Benefit: string(kind.Benefit()), Kind: string(kind), EmployeeJMBG: employee, ChildJMBG: child, FirstDay: first,
		LastDay: last, PayeeIBAN: string(iban)}, leave, nil
}

// employedBy asks the pension fund's register (M4) whether the employee
// is insured with the employer on day: a 400 on employee_jmbg if not, a
// 503 while the register does not answer.
func (h *handler) employedBy(c *gin.Context, j domain.JMBG, pib string, day time.Time) error {
	if h.registry == nil {
		return domain.Errorf(domain.CodeUnavailable, "the pension fund's register is not configured")
	}
	ans, err := h.registry.Fetch(c.Request.Context(), domain.SourceInsuredPeriods, j, "")
	if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		if errors.Is(err, xroad.ErrUnavailable) {
			return errors.Join(domain.Errorf(domain.CodeUnavailable, "the pension fund's register does not answer; try again"), err)
		}
		return err
	}
	var periods []refunds.InsurancePeriod
	for _, f := range ans.Facts {
		var v domain.InsuredPeriodsFact
		if f.Kind != domain.KindInsuredPeriods || json.Unmarshal(f.Value, &v) != nil {
			continue
		}
		for _, p := range v.Periods {
			from, err := time.Parse(time.DateOnly, p.From)
			if err != nil {
				continue
			}
			ip := refunds.InsurancePeriod{EmployerPIB: p.EmployerPIB, From: from}
			if to, err := time.Parse(time.DateOnly, p.To); err == nil {
				ip.To = &to
			}
			periods = append(periods, ip)
		}
	}
	if !refunds.EmployedBy(periods, pib, day) {
		return domain.FieldError("employee_jmbg", "the pension fund's register (M4) does not show this person insured with employer %s on %s",
			pib, day.Format(time.DateOnly))
	}
	return nil
}

// auditJMBGs names, in the audit, the persons Karton knows among those a
// request is about (an employee or child Karton does not know has no
// file to name).
func (h *handler) auditJMBGs(c *gin.Context, js ...domain.JMBG) {
	for _, j := range js {
		if p, err := h.db.PersonByJMBG(c.Request.Context(), j); err == nil {
			auditPersons(c, p.ID)
		}
	}
}

// refundTarget is the policy's target of a leave: "self" for its own
// employer, the centre for the staff; any other employer gets a target
// the policy never grants (and so a 404).
func refundTarget(u domain.User, l store.RefundLeave) string {
	if u.Role == domain.RoleEmployer {
		if string(u.PIB) == l.EmployerPIB {
			return policies.TargetSelf
		}
		return "employer:" + l.EmployerPIB
	}
	return l.CentreID
}

// loadLeave reads the route's leave and asks the policy for action on it.
func (h *handler) loadLeave(c *gin.Context, action string) (store.RefundLeave, error) {
	l, err := h.db.RefundLeaveByNumber(c.Request.Context(), c.Param("number"))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return store.RefundLeave{}, domain.Errorf(domain.CodeNotFound, "this refund does not exist")
	} else if err != nil {
		return store.RefundLeave{}, err
	}
	h.auditJMBGs(c, l.EmployeeJMBG, l.ChildJMBG)
	if err := h.allow(c, "refund", action, refundTarget(userOf(c), l)); err != nil {
		return store.RefundLeave{}, err
	}
	return l, nil
}

// phraseView is a phrase in both languages.
type phraseView struct {
	Cnr string `json:"cnr"`
	En  string `json:"en"`
}

func sayPhrase(p refunds.Phrase) phraseView { return phraseView{Cnr: p.In("cnr"), En: p.In("en")} }

// refundLineView is an explanation line in both languages.
type refundLineView struct {
	What   phraseView `json:"what"`
	Value  string     `json:"value"`
	Source phraseView `json:"source"`
}

func refundLineViews(raw json.RawMessage) []refundLineView {
	var ls []refunds.Line
	_ = json.Unmarshal(raw, &ls)
	out := []refundLineView{}
	for _, l := range ls {
		out = append(out, refundLineView{What: sayPhrase(l.What), Value: l.Value, Source: sayPhrase(l.Source)})
	}
	return out
}

type refundDecisionView struct {
	ID             string    `json:"id"`
	Number         string    `json:"number"`
	Month          *string   `json:"month"`
	Kind           string    `json:"kind"`
	Amount         string    `json:"amount"`
	Reason         string    `json:"reason"`
	PreparedBy     string    `json:"prepared_by"`
	ApprovedBy     string    `json:"approved_by"`
	IssuedAt       time.Time `json:"issued_at"`
	DocumentSHA256 string    `json:"document_sha256"`
	DocumentURL    string    `json:"document_url"`
}

func toRefundDecisionView(d store.RefundDecision) refundDecisionView {
	v := refundDecisionView{ID: d.ID, Number: d.Number, Kind: d.Kind, Amount: d.Amount.StringFixed(2), Reason: d.Reason, PreparedBy: d.PreparedBy,
		ApprovedBy: d.ApprovedBy, IssuedAt: d.IssuedAt, DocumentSHA256: d.DocumentSHA256, DocumentURL: "/api/v1/refund-decisions/" + d.ID + "/document"}
	if d.Month != nil {
		m := d.Month.Format("2006-01")
		v.Month = &m
	}
	return v
}

type refundPaymentView struct {
	Payroll    string `json:"payroll"`
	Amount     string `json:"amount"`
	Account    string `json:"account"`
	EndToEndID string `json:"end_to_end_id"`
	State      string `json:"state"`
	Reason     string `json:"reason"`
}

type refundMonthView struct {
	Month           string              `json:"month"`
	State           string              `json:"state"`
	SalaryPaid      string              `json:"salary_paid"`
	StatementSHA256 string              `json:"statement_sha256"`
	StatementType   string              `json:"statement_type"`
	FiledBy         string              `json:"filed_by"`
	FiledAt         time.Time           `json:"filed_at"`
	Days            *int                `json:"days"`
	CertifiedDays   *int                `json:"certified_days"`
	Compensation    *string             `json:"compensation"`
	Refund          *string             `json:"refund"`
	Lines           []refundLineView    `json:"lines"`
	Discrepancies   []phraseView        `json:"discrepancies"`
	Decision        *refundDecisionView `json:"decision"`
	Payments        []refundPaymentView `json:"payments"`
}

// refundLeaveView is a leave with its assessment, months, decisions and payments.
type refundLeaveView struct {
	refundLeaveSummary
	EndReason     string               `json:"end_reason"`
	StateReason   string               `json:"state_reason"`
	CentreID      string               `json:"centre_id"`
	PayeeAccount  string               `json:"payee_account"`
	InsuredMonths *int                 `json:"insured_months"`
	InsuredSince  *string              `json:"insured_since"`
	Rate          *int                 `json:"rate"`
	BaseGross     *string              `json:"base_gross"`
	BirthDate     *string              `json:"birth_date"`
	Assessment    []refundLineView     `json:"assessment"`
	Refusal       *phraseView          `json:"refusal"`
	Months        []refundMonthView    `json:"months"`
	Decisions     []refundDecisionView `json:"decisions"`       // on the leave itself (a refusal)
	Claimable     []string             `json:"claimable"`       // the months not claimed yet
	Tasks         []taskDTO            `json:"tasks,omitempty"` // staff: the leave's open tasks
	WorkflowID    string               `json:"workflow_id"`
	FiledBy       string               `json:"filed_by"`
	FiledAt       time.Time            `json:"filed_at"`
}

// refundLeaveSummary is a leave in a list.
type refundLeaveSummary struct {
	Number       string  `json:"number"`
	EmployerPIB  string  `json:"employer_pib"`
	EmployerName string  `json:"employer_name"`
	Benefit      string  `json:"benefit"`
	Kind         string  `json:"kind"`
	EmployeeJMBG string  `json:"employee_jmbg"`
	ChildJMBG    string  `json:"child_jmbg"`
	FirstDay     string  `json:"first_day"`
	LastDay      string  `json:"last_day"`
	EndedOn      *string `json:"ended_on"`
	State        string  `json:"state"`
}

func summarise(l store.RefundLeave) refundLeaveSummary {
	s := refundLeaveSummary{Number: l.Number, EmployerPIB: l.EmployerPIB, EmployerName: l.EmployerName, Benefit: l.Benefit, Kind: l.Kind,
		EmployeeJMBG: string(l.EmployeeJMBG), ChildJMBG: string(l.ChildJMBG), FirstDay: l.FirstDay.Format(time.DateOnly),
		LastDay: l.LastDay.Format(time.DateOnly), State: l.State}
	s.EndedOn = dayPtr(l.EndedOn)
	return s
}

func dayPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func moneyPtr(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := d.Decimal.StringFixed(2)
	return &s
}

// getLeave returns a leave with everything decided and paid on it.
func (h *handler) getLeave(c *gin.Context) (*refundLeaveView, error) {
	ctx := c.Request.Context()
	l, err := h.loadLeave(c, "read")
	if err != nil {
		return nil, err
	}
	claims, err := h.db.RefundClaimsOf(ctx, l.Number)
	if err != nil {
		return nil, err
	}
	decisions, err := h.db.RefundDecisionsOf(ctx, l.Number)
	if err != nil {
		return nil, err
	}
	payments, err := h.db.RefundPaymentsOfLeave(ctx, l.Number)
	if err != nil {
		return nil, err
	}
	v := refundLeaveView{refundLeaveSummary: summarise(l), EndReason: l.EndReason, StateReason: l.StateReason, CentreID: l.CentreID,
		PayeeAccount: l.PayeeIBAN, InsuredMonths: l.InsuredMonths, InsuredSince: dayPtr(l.InsuredSince), Rate: l.Rate, BaseGross: moneyPtr(l.BaseGross),
		BirthDate: dayPtr(l.BirthDate), Assessment: refundLineViews(l.Lines), Months: []refundMonthView{}, Decisions: []refundDecisionView{},
		Claimable: []string{}, WorkflowID: workflows.RefundID(l.Number), FiledBy: l.FiledBy, FiledAt: l.FiledAt}
	var refusal refunds.Phrase
	if len(l.Refusal) > 0 && json.Unmarshal(l.Refusal, &refusal) == nil {
		p := sayPhrase(refusal)
		v.Refusal = &p
	}
	byMonth := map[string]*refundDecisionView{}
	for _, d := range decisions {
		dv := toRefundDecisionView(d)
		if dv.Month == nil {
			v.Decisions = append(v.Decisions, dv)
		} else {
			byMonth[*dv.Month] = &dv
		}
	}
	claimed := map[string]bool{}
	for _, k := range claims {
		m := k.Month.Format("2006-01")
		claimed[m] = true
		mv := refundMonthView{Month: m, State: k.State, SalaryPaid: k.SalaryPaid.StringFixed(2), StatementSHA256: k.StatementSHA256,
			StatementType: k.StatementType, FiledBy: k.FiledBy, FiledAt: k.FiledAt, Days: k.Days, CertifiedDays: k.CertifiedDays,
			Compensation: moneyPtr(k.Compensation), Refund: moneyPtr(k.Refund), Lines: refundLineViews(k.Lines), Discrepancies: []phraseView{},
			Decision: byMonth[m], Payments: []refundPaymentView{}}
		var diffs []refunds.Phrase
		_ = json.Unmarshal(k.Discrepancies, &diffs)
		for _, p := range diffs {
			mv.Discrepancies = append(mv.Discrepancies, sayPhrase(p))
		}
		for _, p := range payments {
			if p.Month.Equal(k.Month) {
				mv.Payments = append(mv.Payments, refundPaymentView{Payroll: strings.TrimPrefix(p.PayrollID, "payroll/"), Amount: p.Amount.StringFixed(2),
					Account: p.PayeeIBAN, EndToEndID: p.EndToEndID, State: p.State, Reason: p.Reason})
			}
		}
		v.Months = append(v.Months, mv)
	}
	if userOf(c).Role != domain.RoleEmployer {
		ts, err := h.db.Tasks(ctx, store.TaskFilter{CentreID: l.CentreID, Subject: l.Number, State: "open"})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			v.Tasks = append(v.Tasks, toTaskDTO(t))
		}
	}
	if l.State != "rejected" && l.State != "completed" {
		now := domain.MonthOf(time.Now().UTC())
		for m := domain.MonthOf(l.FirstDay); !domain.MonthOf(l.End()).Before(m) && !now.Before(m); m = m.Next() {
			if !claimed[m.String()] {
				v.Claimable = append(v.Claimable, m.String())
			}
		}
	}
	return &v, nil
}

type leaveList struct {
	Leaves []refundLeaveSummary `json:"leaves"`
}

// listLeaves lists an employer's own leaves, or a centre's (its staff;
// centre_id another centre is refused).
func (h *handler) listLeaves(c *gin.Context) (*leaveList, error) {
	u := userOf(c)
	f := store.RefundLeaveFilter{Limit: 200}
	target := policies.TargetSelf
	if centre := c.Query("centre_id"); centre != "" {
		target = centre
	} else if u.Role != domain.RoleEmployer {
		target = u.CentreID
	}
	if err := h.allow(c, "refund", "read", target); err != nil {
		return nil, err
	}
	if target == policies.TargetSelf {
		f.EmployerPIB = string(u.PIB)
	} else {
		f.CentreID = target
	}
	if f.EmployerPIB == "" && f.CentreID == "" {
		return nil, domain.Errorf(domain.CodeForbidden, "the %s role lists no refunds", u.Role)
	}
	ls, err := h.db.RefundLeaves(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	out := leaveList{Leaves: []refundLeaveSummary{}}
	for _, l := range ls {
		out.Leaves = append(out.Leaves, summarise(l))
	}
	return &out, nil
}

type monthFiled struct {
	accepted
	Leave string `json:"leave"`
	Month string `json:"month"`
	State string `json:"state"`
}

// fileMonth records a month's claim (multipart/form-data: month,
// salary_paid and the bank statement as statement) and tells the
// leave's workflow: 202. The fields are checked and the month is checked
// against the leave and its claims before the statement is kept.
func (h *handler) fileMonth(c *gin.Context) (*monthFiled, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	l, err := h.loadLeave(c, "update")
	if err != nil {
		return nil, err
	}
	m, err := domain.ParseMonth(strings.TrimSpace(c.PostForm("month")))
	if err != nil {
		return nil, rename(err, "month")
	}
	if domain.MonthOf(time.Now().UTC()).Before(m) {
		return nil, domain.FieldError("month", "%s has not come yet: a month is claimed once its salary is paid", m)
	}
	paid, err := decimal.NewFromString(strings.TrimSpace(c.PostForm("salary_paid")))
	if err != nil || !paid.IsPositive() || !paid.Round(2).Equal(paid) {
		return nil, domain.FieldError("salary_paid", "the salary compensation paid for the month is a positive amount in euros and cents, not %q", c.PostForm("salary_paid"))
	}
	data, ct, err := statementOf(c)
	if err != nil {
		return nil, err
	}
	if m.Last().Before(l.FirstDay) || m.First().After(l.End()) {
		return nil, domain.FieldError("month", "%s is outside the leave, which runs from %s to %s", m, l.FirstDay.Format(time.DateOnly), l.End().Format(time.DateOnly))
	}
	if prev, err := h.db.RefundClaimByMonth(ctx, l.Number, m.First()); err == nil {
		return nil, &domain.Error{Code: domain.CodeConflict, Field: "month", Message: fmt.Sprintf("%s of leave %s was claimed on %s", m, l.Number, prev.FiledAt.Format(time.DateOnly))}
	}
	if h.objects == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "no object store is configured")
	}
	sum := sha256.Sum256(data)
	key := fmt.Sprintf("refunds/%s/%s/%s", l.Number, m, hex.EncodeToString(sum[:]))
	sha, err := h.objects.Put(ctx, key, ct, data)
	if err != nil {
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	k, err := h.db.FileRefundClaim(ctx, store.RefundClaim{LeaveNumber: l.Number, Month: m.First(), SalaryPaid: paid, StatementKey: key,
		StatementSHA256: sha, StatementType: ct, StatementSize: int64(len(data)), FiledBy: u.Username, FiledAt: time.Now().UTC()})
	if err != nil {
		return nil, err
	}
	if err := h.tc.SignalWorkflow(ctx, workflows.RefundID(l.Number), "", workflows.SignalRefundClaim, workflows.RefundClaimFiled{Month: m.String()}); err != nil {
		if derr := h.db.DeleteRefundClaim(ctx, l.Number, m.First()); derr != nil {
			h.log.Error("take back a month its workflow was not told of", "leave", l.Number, "month", m.String(), "error", derr)
		}
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the month was not filed, try again"), err)
	}
	return &monthFiled{accepted: accepted{started: true}, Leave: l.Number, Month: m.String(), State: k.State}, nil
}

// statementOf reads the bank statement of a month's claim: a PDF or an
// image, at most 10 MiB.
func statementOf(c *gin.Context) ([]byte, string, error) {
	fh, err := c.FormFile("statement")
	if err != nil {
		return nil, "", domain.FieldError("statement", "send the bank statement of the salary paid as multipart/form-data field \"statement\"")
	}
	if fh.Size > 10<<20 {
		return nil, "", domain.FieldError("statement", "is larger than 10 MiB")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 10<<20))
	if err != nil {
		return nil, "", err
	}
	ct := http.DetectContentType(data)
	switch {
	case len(data) == 0:
		return nil, "", domain.FieldError("statement", "is empty")
	case ct == "application/pdf", ct == "image/png", ct == "image/jpeg":
	default:
		return nil, "", domain.FieldError("statement", "is %s; send a PDF, PNG or JPEG", ct)
	}
	return data, ct, nil
}

type endLeaveRequest struct {
	LastDay string `json:"last_day"`
	Reason  string `json:"reason"` // return_to_work or child_death
}

type leaveEnded struct {
	accepted
	Leave   string `json:"leave"`
	LastDay string `json:"last_day"`
	State   string `json:"state"`
}

// endLeave records that a leave ended early (the employee returned to
// work, the child died) and tells its workflow: 202. The months after the
// new last day can no longer be claimed; one claimed already refuses the
// end (409).
func (h *handler) endLeave(c *gin.Context) (*leaveEnded, error) {
	ctx := c.Request.Context()
	var req endLeaveRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	l, err := h.loadLeave(c, "update")
	if err != nil {
		return nil, err
	}
	last, err := parseDay("last_day", req.LastDay)
	if err != nil {
		return nil, err
	}
	if err := (refunds.Leave{FirstDay: l.FirstDay, LastDay: l.End()}).CheckEnd(last, strings.TrimSpace(req.Reason)); err != nil {
		return nil, err
	}
	e, err := h.db.EndRefundLeave(ctx, l.Number, last, strings.TrimSpace(req.Reason), true)
	if err != nil {
		return nil, err
	}
	if err := h.tc.SignalWorkflow(ctx, workflows.RefundID(l.Number), "", workflows.SignalRefundEnd, workflows.RefundEnded{LastDay: req.LastDay}); err != nil {
		// The end is recorded: the workflow reads it when it next assesses a month.
		h.log.Warn("leave ended, its workflow not told", "leave", l.Number, "error", err)
	}
	return &leaveEnded{accepted: accepted{started: true}, Leave: l.Number, LastDay: e.End().Format(time.DateOnly), State: e.State}, nil
}

// refundDecisionDocument streams a refund decision's PDF, after checking
// its hash (it writes the file itself: see stream).
func (h *handler) refundDecisionDocument(c *gin.Context) error {
	ctx := c.Request.Context()
	d, err := h.db.RefundDecisionByID(ctx, c.Param("id"))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Errorf(domain.CodeNotFound, "this refund does not exist")
	} else if err != nil {
		return err
	}
	l, err := h.db.RefundLeaveByNumber(ctx, d.LeaveNumber)
	if err != nil {
		return err
	}
	h.auditJMBGs(c, l.EmployeeJMBG, l.ChildJMBG)
	if err := h.allow(c, "refund", "read", refundTarget(userOf(c), l)); err != nil {
		return err
	}
	if d.DocumentKey == "" {
		return domain.Errorf(domain.CodeConflict, "decision %s has no document yet", d.Number)
	}
	data, err := h.objects.Get(ctx, d.DocumentKey)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != d.DocumentSHA256 {
		return fmt.Errorf("refund decision %s document hash mismatch", d.ID)
	}
	c.Header("Content-Disposition", fmt.Sprintf("inline; filename=%q", strings.ReplaceAll(d.Number, "/", "-")+".pdf"))
	c.Header("X-Content-SHA256", d.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", data)
	return nil
}
