package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
)

// Contracts with licensed providers (issue 23 item 1): a centre's head
// contracts for their own centre, a ministry officer for the ministry
// (centre "") or any centre; caseworkers read every contract (they choose
// where to refer), finance every one, a provider's staff their own
// provider's. A contract ends, is renewed (the old one ends the day before
// the new one starts, in one transaction) or, when its provider's licence
// is withdrawn or suspended, is suspended in that transaction and resumed
// only with a licence in force again. A licence that merely expires is
// shown on read: "suspended: licence expired".

type contractRequest struct {
	Service     string  `json:"service"`
	CentreID    *string `json:"centre_id"` // absent: the caller's centre (the ministry's for its officers); "" the ministry
	ProviderPIB string  `json:"provider_pib"`
	Capacity    int     `json:"capacity"`
	ValidFrom   string  `json:"valid_from"`
	ValidUntil  string  `json:"valid_until"`
	Unit        string  `json:"unit"`
	Rate        string  `json:"rate"`
	Normative   bool    `json:"normative"`
	LegalRef    string  `json:"legal_ref"`
	PayeeIBAN   string  `json:"payee_iban"`
}

type contractView struct {
	ID           int64  `json:"id"`
	Number       string `json:"number"`
	Service      string `json:"service"`
	ServiceName  string `json:"service_name"`
	CentreID     string `json:"centre_id"`
	CentreName   string `json:"centre_name"`
	ProviderPIB  string `json:"provider_pib"`
	ProviderName string `json:"provider_name"`
	Capacity     int    `json:"capacity"`
	InUse        int    `json:"in_use"`
	Free         int    `json:"free"`
	ValidFrom    string `json:"valid_from"`
	ValidUntil   string `json:"valid_until"`
	Unit         string `json:"unit"`
	Rate         string `json:"rate"`
	Normative    bool   `json:"normative"`
	LegalRef     string `json:"legal_ref"`
	PayeeIBAN    string `json:"payee_iban"`
	// State is the contract's state today: the row's, or "suspended" when
	// the licence expired, or "ended" past its last day.
	State string `json:"state"`
	// SuspendedBecause says why a suspended contract is: its licence was
	// withdrawn or suspended (licence_lapsed), or expired (licence_expired).
	SuspendedBecause string `json:"suspended_because,omitempty"`
	RenewsID         *int64 `json:"renews_id,omitempty"`
	RenewedBy        string `json:"renewed_by,omitempty"`
	EndedOn          string `json:"ended_on,omitempty"`
	EndReason        string `json:"end_reason,omitempty"`
	CreatedBy        string `json:"created_by"`
	CreatedAt        string `json:"created_at"`
}

type contractListView struct {
	Contracts []contractView `json:"contracts"`
}

// Why a contract is suspended today.
const (
	suspendedLicenceLapsed  = "licence_lapsed"
	suspendedLicenceExpired = "licence_expired"
)

// contractState is a contract's state on today: ended past its last day;
// suspended when the row says so or its licence is not in force (expired:
// no transaction wrote that); else the row's.
func contractState(c store.ServiceContract, s store.ContractStatus, today time.Time) (state, why string) {
	switch {
	case c.State == services.ContractEnded || c.Until.Before(today):
		return services.ContractEnded, ""
	case c.State == services.ContractSuspended:
		return services.ContractSuspended, suspendedLicenceLapsed
	case !s.Licensed && !today.Before(c.From):
		return services.ContractSuspended, suspendedLicenceExpired
	}
	return c.State, ""
}

func (h *handler) contractViews(c *gin.Context, list []store.ServiceContract) ([]contractView, error) {
	today := domain.CalendarDay(h.now())
	ids := make([]int64, len(list))
	for i, x := range list {
		ids[i] = x.ID
	}
	statuses, err := h.db.ContractStatuses(c.Request.Context(), ids, today)
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	out := make([]contractView, 0, len(list))
	for _, x := range list {
		st := statuses[x.ID]
		v := contractView{ID: x.ID, Number: x.Number, Service: x.Service, ServiceName: serviceName(x.Service, lang), CentreID: x.CentreID,
			CentreName: centreName(x.CentreID), ProviderPIB: x.ProviderPIB, ProviderName: x.ProviderName, Capacity: x.Capacity, InUse: x.InUse,
			Free: x.Free(), ValidFrom: x.From.Format(time.DateOnly), ValidUntil: x.Until.Format(time.DateOnly), Unit: string(x.Unit),
			Rate: x.Rate.StringFixed(2), Normative: x.Normative, LegalRef: x.LegalRef, PayeeIBAN: x.PayeeIBAN, RenewsID: x.RenewsID,
			RenewedBy: st.RenewedBy, EndReason: x.EndReason, CreatedBy: x.CreatedBy, CreatedAt: x.CreatedAt.UTC().Format(time.RFC3339)}
		v.State, v.SuspendedBecause = contractState(x, st, today)
		if x.EndedOn != nil {
			v.EndedOn = x.EndedOn.Format(time.DateOnly)
		}
		out = append(out, v)
	}
	return out, nil
}

func (h *handler) contractView(c *gin.Context, x store.ServiceContract) (*contractView, error) {
	vs, err := h.contractViews(c, []store.ServiceContract{x})
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// contractTarget is the policy's target of contract x for u: the provider
// (its PIB) for a provider's staff, else the contracting centre ("" the
// ministry).
func contractTarget(u domain.User, x store.ServiceContract) string {
	if u.Role == domain.RoleProviderStaff {
		return x.ProviderPIB
	}
	return x.CentreID
}

// parseContract reads a contract request: every fault of the request and
// of the contract's rules (services.CheckContract, but for the licence,
// which the store checks against the register in its transaction).
func parseContract(req contractRequest, centre string, today time.Time) (services.Contract, error) {
	c := services.Contract{Service: strings.TrimSpace(req.Service), CentreID: centre, ProviderPIB: domain.PIB(strings.TrimSpace(req.ProviderPIB)),
		Capacity: req.Capacity, Unit: services.Unit(strings.TrimSpace(req.Unit)), Normative: req.Normative, LegalRef: strings.TrimSpace(req.LegalRef),
		PayeeIBAN: strings.TrimSpace(req.PayeeIBAN)}
	var errs []*domain.Error
	bad := map[string]bool{}
	day := func(field, s string) time.Time {
		if strings.TrimSpace(s) == "" {
			return time.Time{}
		}
		d, err := parseDay(field, s)
		if err != nil {
			errs, bad[field] = append(errs, err.(*domain.Error)), true
		}
		return d
	}
	c.From, c.Until = day("valid_from", req.ValidFrom), day("valid_until", req.ValidUntil)
	if r, err := decimal.NewFromString(strings.TrimSpace(req.Rate)); err == nil {
		c.Rate = r
	} else {
		errs, bad["rate"] = append(errs, domain.FieldError("rate", "%q is not an amount in euros (12.50)", printable(req.Rate, 20))), true
	}
	if centre != "" {
		if _, ok := domain.CentreByID(centre); !ok {
			errs = append(errs, domain.FieldError("centre_id", "no centre %q", printable(centre, 40)))
		}
	}
	for _, e := range services.CheckContract(c, nil, today) {
		switch {
		case e.Field == "provider_pib" && strings.Contains(e.Message, "licence"): // the store's, against the register
		case e.Field == "period" && (bad["valid_from"] || bad["valid_until"]):
		case bad[e.Field]:
		default:
			errs = append(errs, e)
		}
	}
	if errs != nil {
		return c, domain.Invalid(errs)
	}
	return c, nil
}

// createContract answers POST /api/v1/service-contracts: 201 with the
// contract. The centre is the caller's unless centre_id names another (a
// ministry officer's) or "" (the ministry's).
func (h *handler) createContract(c *gin.Context) (*contractView, error) {
	var req contractRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	u := userOf(c)
	centre := u.CentreID
	if req.CentreID != nil {
		centre = strings.TrimSpace(*req.CentreID)
	}
	if err := h.allow(c, "service_contract", "create", centre); err != nil {
		return nil, err
	}
	now := h.now()
	k, err := parseContract(req, centre, domain.CalendarDay(now))
	if err != nil {
		return nil, err
	}
	x, err := h.db.CreateServiceContract(c.Request.Context(), k, nil, u.Username, now)
	if err != nil {
		return nil, err
	}
	c.Header("Location", "/api/v1/service-contracts/"+strconv.FormatInt(x.ID, 10))
	return h.contractView(c, x)
}

// listContracts answers GET /api/v1/service-contracts: the contracts,
// newest first, filtered by provider_pib, centre_id ("-" the ministry's),
// service and state (as of today). A provider's staff get their own
// provider's only, whatever they ask.
func (h *handler) listContracts(c *gin.Context) (*contractListView, error) {
	u := userOf(c)
	f := store.ContractFilter{ProviderPIB: strings.TrimSpace(c.Query("provider_pib")), CentreID: strings.TrimSpace(c.Query("centre_id")),
		Service: strings.TrimSpace(c.Query("service"))}
	state := strings.TrimSpace(c.Query("state"))
	var errs []*domain.Error
	if state != "" && state != services.ContractActive && state != services.ContractSuspended && state != services.ContractEnded {
		errs = append(errs, domain.FieldError("state", "%q is not a state: active, suspended or ended", printable(state, 20)))
	}
	if f.CentreID != "" && f.CentreID != "-" {
		if _, ok := domain.CentreByID(f.CentreID); !ok {
			errs = append(errs, domain.FieldError("centre_id", "no centre %q (\"-\" is the ministry)", printable(f.CentreID, 40)))
		}
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	if u.Role == domain.RoleProviderStaff {
		f.ProviderPIB = string(u.PIB)
	}
	list, err := h.db.ServiceContracts(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	views, err := h.contractViews(c, list)
	if err != nil {
		return nil, err
	}
	out := &contractListView{Contracts: []contractView{}}
	for _, v := range views {
		if state == "" || v.State == state {
			out.Contracts = append(out.Contracts, v)
		}
	}
	return out, nil
}

// contractOf reads the contract of the path's id and checks the policy
// for action on it: 404 for one the caller may not learn exists.
func (h *handler) contractOf(c *gin.Context, action string) (store.ServiceContract, error) {
	id, err := positiveID(c, "id", "contract")
	if err != nil {
		return store.ServiceContract{}, err
	}
	x, err := h.db.ServiceContractByID(c.Request.Context(), id)
	if err != nil {
		return store.ServiceContract{}, err
	}
	return x, h.allow(c, "service_contract", action, contractTarget(userOf(c), x))
}

// getContract answers GET /api/v1/service-contracts/:id.
func (h *handler) getContract(c *gin.Context) (*contractView, error) {
	x, err := h.contractOf(c, "read")
	if err != nil {
		return nil, err
	}
	return h.contractView(c, x)
}

// renewContract answers POST /api/v1/service-contracts/:id/renew: 201 with
// the new contract (the same service, centre and provider; what the
// request leaves out is the old one's: capacity, unit, rate, normative,
// legal reference, account; the start the day after the old one's end).
func (h *handler) renewContract(c *gin.Context) (*contractView, error) {
	old, err := h.contractOf(c, "update")
	if err != nil {
		return nil, err
	}
	var req contractRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	req.Service, req.ProviderPIB = old.Service, old.ProviderPIB
	if req.Capacity == 0 {
		req.Capacity = old.Capacity
	}
	if req.ValidFrom == "" {
		req.ValidFrom = old.Until.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	req.Unit, req.Rate = or(req.Unit, string(old.Unit)), or(req.Rate, old.Rate.StringFixed(2))
	req.LegalRef, req.PayeeIBAN = or(req.LegalRef, old.LegalRef), or(req.PayeeIBAN, old.PayeeIBAN)
	now := h.now()
	k, err := parseContract(req, old.CentreID, domain.CalendarDay(now))
	if err != nil {
		return nil, err
	}
	_, renewal, err := h.db.RenewServiceContract(c.Request.Context(), old.ID, k, userOf(c).Username, now)
	if err != nil {
		return nil, err
	}
	c.Header("Location", "/api/v1/service-contracts/"+strconv.FormatInt(renewal.ID, 10))
	return h.contractView(c, renewal)
}

type endContractRequest struct {
	Day    string `json:"day"`
	Reason string `json:"reason"`
}

// endContract answers POST /api/v1/service-contracts/:id/end: the contract
// ends on day (its last day, from today), for the reason.
func (h *handler) endContract(c *gin.Context) (*contractView, error) {
	x, err := h.contractOf(c, "update")
	if err != nil {
		return nil, err
	}
	var req endContractRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	reason := strings.TrimSpace(req.Reason)
	day, err := parseDay("day", req.Day)
	if err != nil {
		errs = append(errs, err.(*domain.Error))
	}
	switch {
	case reason == "":
		errs = append(errs, domain.FieldError("reason", "an end says why"))
	case len([]rune(reason)) > 500:
		errs = append(errs, domain.FieldError("reason", "is longer than 500 characters"))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	x, err = h.db.EndServiceContract(c.Request.Context(), x.ID, day, reason, h.now())
	if err != nil {
		return nil, err
	}
	return h.contractView(c, x)
}

// resumeContract answers POST /api/v1/service-contracts/:id/resume: a
// suspended contract is in force again, only when its provider's licence
// for the service is in force today (409 otherwise).
func (h *handler) resumeContract(c *gin.Context) (*contractView, error) {
	x, err := h.contractOf(c, "update")
	if err != nil {
		return nil, err
	}
	x, err = h.db.ResumeServiceContract(c.Request.Context(), x.ID, h.now())
	if err != nil {
		return nil, err
	}
	return h.contractView(c, x)
}
