package api

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
)

// The monthly cost reports of the services providers deliver (issue 23
// item 5, docs/cost-reports.md): a provider's staff submit a contract's
// month, line by referral; Karton checks it (a 400 naming every line that
// does not add up; flags per line otherwise); a finance officer checks
// it, another approves it (four eyes) or one rejects it; the payroll pays
// it. A provider's staff see their provider's reports, finance officers
// and the ministry every one. A line names its person only to whom may
// see them: the provider's staff through their delegation (its identity
// scope), finance and the ministry outside the DV compartment; every
// person named is in the audit log.

type costLineIn struct {
	ReferralID int64           `json:"referral_id"`
	Units      decimal.Decimal `json:"units"`
	Rate       decimal.Decimal `json:"rate"`
	Amount     decimal.Decimal `json:"amount"`
}

type costReportIn struct {
	ContractID int64           `json:"contract_id"`
	Month      string          `json:"month"`
	Lines      []costLineIn    `json:"lines"`
	Total      decimal.Decimal `json:"total"`
}

type costWordsOut struct {
	CNR string `json:"cnr"`
	EN  string `json:"en"`
}

type costLineOut struct {
	Line          int             `json:"line"`
	ReferralID    int64           `json:"referral_id"`
	PersonID      string          `json:"person_id,omitempty"`
	Person        string          `json:"person,omitempty"`
	Units         string          `json:"units"`
	Rate          string          `json:"rate"`
	Amount        string          `json:"amount"`
	UnitsRecorded string          `json:"units_recorded"`
	Explained     costWordsOut    `json:"explained"`
	Flags         []services.Flag `json:"flags"`
}

type costPaymentOut struct {
	PayrollID  string `json:"payroll_id"`
	EndToEndID string `json:"end_to_end_id"`
	Amount     string `json:"amount"`
	PayeeIBAN  string `json:"payee_iban"`
	State      string `json:"state"`
}

type costReportOut struct {
	ID             int64            `json:"id"`
	ContractID     int64            `json:"contract_id"`
	ContractNumber string           `json:"contract_number"`
	Service        string           `json:"service"`
	CentreID       string           `json:"centre_id"`
	ProviderPIB    string           `json:"provider_pib"`
	ProviderName   string           `json:"provider_name"`
	Unit           string           `json:"unit"`
	Rate           string           `json:"rate"`
	Month          string           `json:"month"`
	Version        int              `json:"version"`
	Supersedes     *int64           `json:"supersedes,omitempty"`
	State          string           `json:"state"`
	Total          string           `json:"total"`
	FlaggedLines   int              `json:"flagged_lines"`
	SubmittedBy    string           `json:"submitted_by"`
	SubmittedAt    time.Time        `json:"submitted_at"`
	CheckedBy      string           `json:"checked_by,omitempty"`
	CheckedAt      *time.Time       `json:"checked_at,omitempty"`
	ApprovedBy     string           `json:"approved_by,omitempty"`
	ApprovedAt     *time.Time       `json:"approved_at,omitempty"`
	RejectedBy     string           `json:"rejected_by,omitempty"`
	RejectedAt     *time.Time       `json:"rejected_at,omitempty"`
	RejectReason   string           `json:"reject_reason,omitempty"`
	PaidAt         *time.Time       `json:"paid_at,omitempty"`
	Lines          []costLineOut    `json:"lines,omitempty"`
	Payments       []costPaymentOut `json:"payments,omitempty"`
}

type costReportsOut struct {
	Reports []costReportOut `json:"reports"`
}

func toCostReport(r store.CostReport) costReportOut {
	return costReportOut{ID: r.ID, ContractID: r.ContractID, ContractNumber: r.ContractNumber, Service: r.Service, CentreID: r.CentreID,
		ProviderPIB: r.ProviderPIB, ProviderName: r.ProviderName, Unit: string(r.Unit), Rate: r.Rate.StringFixed(2), Month: r.Month.Format("2006-01"),
		Version: r.Version, Supersedes: r.Supersedes, State: r.State, Total: r.Total.StringFixed(2), FlaggedLines: r.FlaggedLines, SubmittedBy: r.SubmittedBy,
		SubmittedAt: r.SubmittedAt, CheckedBy: r.CheckedBy, CheckedAt: r.CheckedAt, ApprovedBy: r.ApprovedBy, ApprovedAt: r.ApprovedAt,
		RejectedBy: r.RejectedBy, RejectedAt: r.RejectedAt, RejectReason: r.RejectReason, PaidAt: r.PaidAt}
}

// costReportView is a report with its lines and payments, each line's
// person named only where the caller may see them (audited).
func (h *handler) costReportView(c *gin.Context, r store.CostReport) (*costReportOut, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	out := toCostReport(r)
	out.Lines = []costLineOut{}
	for _, l := range r.Lines {
		cnr, en := services.Explain(services.CostLine{Units: l.Units, Rate: l.Rate, Amount: l.Amount}, r.Unit)
		lo := costLineOut{Line: l.Line, ReferralID: l.ReferralID, Units: l.Units.String(), Rate: l.Rate.StringFixed(2), Amount: l.Amount.StringFixed(2),
			UnitsRecorded: l.UnitsRecorded.String(),
			Explained:     costWordsOut{cnr, en}, Flags: l.Flags}
		if lo.Flags == nil {
			lo.Flags = []services.Flag{}
		}
		// seen: the line's referral exists for the reader (a provider's
		// staff: one their delegation covers now; others: outside DV);
		// show: its person named too (the referral's own identity scope).
		seen, show := !l.DV, !l.DV
		if u.Role == domain.RoleProviderStaff {
			a, ok, err := h.db.DelegatedAccessTo(ctx, string(u.PIB), l.PersonID, h.now())
			if err != nil {
				return nil, err
			}
			seen = ok && a.Covers(l.ReferralID)
			show = seen && a.AllowsFor(l.ReferralID, services.ScopeIdentity)
			if seen && l.DV {
				restrict(c)
			}
		}
		if !seen {
			// Only the amounts stay (to be paid): no referral, and each
			// flag's kind without the person's days and dates.
			lo.ReferralID = 0
			bare := make([]services.Flag, 0, len(lo.Flags))
			for _, f := range lo.Flags {
				bare = append(bare, f.Bare())
			}
			lo.Flags = bare
		}
		if show {
			lo.PersonID, lo.Person = string(l.PersonID), l.PersonName
			auditPersons(c, l.PersonID)
		}
		out.Lines = append(out.Lines, lo)
	}
	ps, err := h.db.CostReportPaymentsOfReport(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out.Payments = append(out.Payments, costPaymentOut{PayrollID: p.PayrollID, EndToEndID: p.EndToEndID, Amount: p.Amount.StringFixed(2), PayeeIBAN: p.PayeeIBAN,
			State: p.State})
	}
	return &out, nil
}

// submitCostReport takes a provider's report for one of its contracts and
// a month that has ended.
func (h *handler) submitCostReport(c *gin.Context) (*costReportOut, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req costReportIn
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.ContractID <= 0 {
		return nil, domain.FieldError("contract_id", "name the contract the report is for")
	}
	m, merr := serviceMonth("month", req.Month)
	if merr != nil {
		return nil, merr
	}
	contract, err := h.db.ServiceContractByID(ctx, req.ContractID)
	if err != nil {
		return nil, err
	}
	if err := h.allow(c, "cost_report", "create", contract.ProviderPIB); err != nil {
		return nil, err
	}
	if len(req.Lines) > 1000 {
		return nil, domain.FieldError("lines", "%d lines: at most 1000, one per referral", len(req.Lines))
	}
	in := store.CostReportInput{ContractID: contract.ID, Month: m, Total: req.Total, By: u.Username}
	ids := make([]int64, 0, len(req.Lines))
	for _, l := range req.Lines {
		in.Lines = append(in.Lines, services.CostLine{ReferralID: l.ReferralID, Units: l.Units, Rate: l.Rate, Amount: l.Amount})
		ids = append(ids, l.ReferralID)
	}
	// Every person a line names must be delegated to the provider now:
	// the others do not exist for its staff (the same words as a
	// referral of another contract).
	persons, err := h.db.ReferralPersons(ctx, ids)
	if err != nil {
		return nil, err
	}
	var errs []*domain.Error
	for i, l := range in.Lines {
		p, ok := persons[l.ReferralID]
		var a store.DelegatedAccess
		if ok {
			a, ok, err = h.db.DelegatedAccessTo(ctx, contract.ProviderPIB, p, h.now())
			if err != nil {
				return nil, err
			}
			ok = ok && a.Covers(l.ReferralID)
		}
		if !ok && l.ReferralID > 0 {
			errs = append(errs, domain.FieldError(fmt.Sprintf("lines[%d].referral_id", i), "line %d: referral %d is not under contract %s",
				i+1, l.ReferralID, contract.Number))
			continue
		}
		if ok {
			if slices.Contains(a.DVReferrals, l.ReferralID) {
				restrict(c)
			}
			auditPersons(c, p)
		}
	}
	if len(errs) > 0 {
		return nil, domain.Invalid(errs)
	}
	r, err := h.db.SubmitCostReport(ctx, in, h.now())
	if err != nil {
		return nil, err
	}
	return h.costReportView(c, r)
}

// listCostReports lists reports without their lines: a provider's staff
// their provider's, finance officers and the ministry every provider's;
// filtered by ?state=, ?month= (YYYY-MM) and ?contract= (its id).
func (h *handler) listCostReports(c *gin.Context) (*costReportsOut, error) {
	u := userOf(c)
	var f store.CostReportFilter
	if u.Role == domain.RoleProviderStaff {
		f.ProviderPIB = string(u.PIB)
	}
	var errs []*domain.Error
	if s := c.Query("month"); s != "" {
		m, err := serviceMonth("month", s)
		if err != nil {
			errs = append(errs, err)
		} else {
			f.Month = &m
		}
	}
	if s := c.Query("state"); s != "" {
		if !validCostState(s) {
			errs = append(errs, domain.FieldError("state", "%q is not a state of a cost report: %v", printable(s, 20), services.CostStates()))
		}
		f.State = s
	}
	if s := c.Query("contract"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, domain.FieldError("contract", "%q is not a contract's id", printable(s, 20)))
		}
		f.ContractID = id
	}
	if len(errs) > 0 {
		return nil, domain.Invalid(errs)
	}
	rs, err := h.db.CostReports(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	out := &costReportsOut{Reports: []costReportOut{}}
	for _, r := range rs {
		out.Reports = append(out.Reports, toCostReport(r))
	}
	return out, nil
}

func validCostState(s string) bool {
	for _, x := range services.CostStates() {
		if x == s {
			return true
		}
	}
	return false
}

// costReportFor reads the report of the path's id once the caller may act on it.
func (h *handler) costReportFor(c *gin.Context, action string) (store.CostReport, error) {
	id, err := positiveID(c, "id", "cost report")
	if err != nil {
		return store.CostReport{}, err
	}
	r, err := h.db.CostReportByID(c.Request.Context(), id)
	if err != nil {
		return store.CostReport{}, err
	}
	if err := h.allow(c, "cost_report", action, r.ProviderPIB); err != nil {
		return store.CostReport{}, err
	}
	return r, nil
}

func (h *handler) getCostReport(c *gin.Context) (*costReportOut, error) {
	r, err := h.costReportFor(c, "read")
	if err != nil {
		return nil, err
	}
	return h.costReportView(c, r)
}

// checkCostReport is the first finance officer's check.
func (h *handler) checkCostReport(c *gin.Context) (*costReportOut, error) {
	r, err := h.costReportFor(c, "approve")
	if err != nil {
		return nil, err
	}
	if r, err = h.db.CheckCostReport(c.Request.Context(), r.ID, userOf(c).Username, h.now()); err != nil {
		return nil, err
	}
	return h.costReportView(c, r)
}

// approveCostReport is the second finance officer's approval (four eyes).
func (h *handler) approveCostReport(c *gin.Context) (*costReportOut, error) {
	r, err := h.costReportFor(c, "approve")
	if err != nil {
		return nil, err
	}
	if r, err = h.db.ApproveCostReport(c.Request.Context(), r.ID, userOf(c).Username, h.now()); err != nil {
		return nil, err
	}
	return h.costReportView(c, r)
}

// rejectCostReport rejects a report not yet approved, with a reason.
func (h *handler) rejectCostReport(c *gin.Context) (*costReportOut, error) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	r, err := h.costReportFor(c, "approve")
	if err != nil {
		return nil, err
	}
	if len(req.Reason) > 1000 {
		return nil, domain.FieldError("reason", "at most 1000 characters")
	}
	if r, err = h.db.RejectCostReport(c.Request.Context(), r.ID, req.Reason, userOf(c).Username, h.now()); err != nil {
		return nil, err
	}
	return h.costReportView(c, r)
}
