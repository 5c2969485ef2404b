package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
)

// Inspections during a licence, fines and suspensions (issue 21 item 1):
// ministry officers schedule an inspection of a provider's licence, record
// the checklist's findings, propose a fine that another officer decides,
// record the provider's appeal and its outcome, and suspend a licence
// until they lift the suspension. Under /api/v1/providers/{id}/licences/{number}/.
// And the register's constitutive rule for the rest of Karton: GET
// /api/v1/providers lists the providers in force on a day, and a
// placement decision may name only one of them (checkPlacement).

type findingView struct {
	Item      string `json:"item"`
	ItemName  string `json:"item_name,omitempty"`
	Compliant bool   `json:"compliant"`
	Note      string `json:"note,omitempty"`
}

type fineAppealView struct {
	FiledOn   string  `json:"filed_on"`
	Grounds   string  `json:"grounds,omitempty"`
	FiledBy   string  `json:"filed_by"`
	Outcome   string  `json:"outcome,omitempty"`
	Amount    *string `json:"amount,omitempty"`
	DecidedBy string  `json:"decided_by,omitempty"`
	DecidedOn string  `json:"decided_on,omitempty"`
}

type fineView struct {
	ID             int64           `json:"id"`
	Amount         string          `json:"amount"`
	LegalReference string          `json:"legal_reference"`
	Reason         string          `json:"reason"`
	DueOn          string          `json:"due_on"`
	State          string          `json:"state"`
	ProposedBy     string          `json:"proposed_by"`
	ProposedOn     string          `json:"proposed_on"`
	DecidedBy      string          `json:"decided_by,omitempty"`
	DecidedOn      string          `json:"decided_on,omitempty"`
	AppealUntil    string          `json:"appeal_until,omitempty"`
	Appeal         *fineAppealView `json:"appeal,omitempty"`
}

type inspectionView struct {
	ID            int64         `json:"id"`
	ProviderID    int64         `json:"provider_id"`
	LicenceNumber string        `json:"licence_number"`
	Kind          string        `json:"kind"`
	ScheduledOn   string        `json:"scheduled_on"`
	ScheduledBy   string        `json:"scheduled_by"`
	Findings      []findingView `json:"findings"`
	Summary       string        `json:"summary,omitempty"`
	InspectedBy   string        `json:"inspected_by,omitempty"`
	InspectedOn   string        `json:"inspected_on,omitempty"`
	Fines         []fineView    `json:"fines"`
}

func optionalDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func inspectionOut(i store.Inspection, lang string) *inspectionView {
	v := &inspectionView{ID: i.ID, ProviderID: i.ProviderID, LicenceNumber: i.LicenceNumber, Kind: i.Kind, ScheduledOn: i.ScheduledOn.Format(time.DateOnly),
		ScheduledBy: i.ScheduledBy, Findings: []findingView{}, Summary: i.Summary, InspectedBy: i.InspectedBy, InspectedOn: optionalDay(i.InspectedOn), Fines: []fineView{}}
	for _, f := range i.Findings {
		item, _ := providers.InspectionItemByCode(f.Item)
		v.Findings = append(v.Findings, findingView{Item: f.Item, ItemName: item.Label(lang), Compliant: f.Compliant, Note: f.Note})
	}
	for _, f := range i.Fines {
		fv := fineView{ID: f.ID, Amount: f.Amount.StringFixed(2), LegalReference: f.LegalRef, Reason: f.Reason, DueOn: f.DueOn.Format(time.DateOnly),
			State: f.State, ProposedBy: f.ProposedBy, ProposedOn: f.ProposedOn.Format(time.DateOnly), DecidedBy: f.DecidedBy,
			DecidedOn: optionalDay(f.DecidedOn), AppealUntil: optionalDay(f.AppealUntil)}
		if a := f.Appeal; a != nil {
			fv.Appeal = &fineAppealView{FiledOn: a.FiledOn.Format(time.DateOnly), Grounds: a.Grounds, FiledBy: a.FiledBy, Outcome: a.Outcome,
				DecidedBy: a.DecidedBy, DecidedOn: optionalDay(a.DecidedOn)}
			if a.Amount.Valid {
				s := a.Amount.Decimal.StringFixed(2)
				fv.Appeal.Amount = &s
			}
		}
		v.Fines = append(v.Fines, fv)
	}
	return v
}

// positiveID is route parameter name as an id, or a 404 naming what.
func positiveID(c *gin.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.CodeNotFound, "%s %q not found", what, printable(c.Param(name), 40))
	}
	return id, nil
}

type scheduleInspectionRequest struct {
	Kind        string `json:"kind"`
	ScheduledOn string `json:"scheduled_on"`
}

// scheduleInspection answers POST .../licences/:number/inspections: 201
// with the inspection. A kind other than regular or extraordinary, a day
// in the past or outside the licence, a withdrawn or expired licence:
// 400, every fault named.
func (h *handler) scheduleInspection(c *gin.Context) (*inspectionView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	var req scheduleInspectionRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var day time.Time
	if req.ScheduledOn != "" {
		if day, err = parseDay("scheduled_on", req.ScheduledOn); err != nil {
			return nil, err
		}
	}
	i, err := h.db.ScheduleInspection(c.Request.Context(), id, c.Param("number"), strings.TrimSpace(req.Kind), day, h.now(), userOf(c).Username)
	if err != nil {
		return nil, err
	}
	c.Header("Location", c.Request.URL.Path+"/"+strconv.FormatInt(i.ID, 10))
	return inspectionOut(i, h.pivotLanguage(c)), nil
}

type findingsRequest struct {
	Items []struct {
		Item      string `json:"item"`
		Compliant *bool  `json:"compliant"`
		Note      string `json:"note"`
	} `json:"items"`
	Summary string `json:"summary"`
}

// recordFindings answers POST .../inspections/:inspection/findings: the
// checklist's every point, compliant or not (a fault with a note saying
// what is wrong), on or after the day scheduled, once.
func (h *handler) recordFindings(c *gin.Context) (*inspectionView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	iid, err := positiveID(c, "inspection", "inspection")
	if err != nil {
		return nil, err
	}
	var req findingsRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	findings := make([]providers.Finding, len(req.Items))
	for k, it := range req.Items {
		findings[k] = providers.Finding{Item: strings.TrimSpace(it.Item), Note: strings.TrimSpace(it.Note)}
		if it.Compliant == nil {
			errs = append(errs, domain.FieldError("items["+strconv.Itoa(k)+"].compliant", "is required (true or false)"))
		} else {
			findings[k].Compliant = *it.Compliant
		}
	}
	for _, e := range providers.CheckFindings(findings, strings.TrimSpace(req.Summary)) {
		if strings.HasSuffix(e.Field, ".note") && strings.Contains(e.Message, "required") {
			// a point without compliant was named above; its note is not the fault
			if k := strings.TrimSuffix(strings.TrimPrefix(e.Field, "items["), "].note"); k != "" {
				if n, _ := strconv.Atoi(k); n < len(req.Items) && req.Items[n].Compliant == nil {
					continue
				}
			}
		}
		errs = append(errs, e)
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	i, err := h.db.RecordFindings(c.Request.Context(), id, c.Param("number"), iid, findings, strings.TrimSpace(req.Summary), userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	return inspectionOut(i, h.pivotLanguage(c)), nil
}

type fineRequest struct {
	Amount         json.RawMessage `json:"amount"`
	LegalReference string          `json:"legal_reference"`
	Reason         string          `json:"reason"`
	DueOn          string          `json:"due_on"`
}

// parseAmount reads a decimal amount given as a JSON string ("1500.00")
// or number; absent is the zero amount, which the fine's check refuses.
func parseAmount(field string, raw json.RawMessage) (decimal.Decimal, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return decimal.Zero, nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Zero, domain.FieldError(field, "is not a decimal amount (e.g. \"1500.00\")")
		}
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Zero, domain.FieldError(field, "%q is not a decimal amount (e.g. \"1500.00\")", printable(s, 40))
	}
	return d, nil
}

// proposeFine answers POST .../inspections/:inspection/fines: 201 with
// the inspection and its fines. A decimal amount above zero with at most
// two decimals, a legal reference, a reason and a due day after today are
// required: a 400 names each fault. The fine waits for a second officer's
// decision (decideFine).
func (h *handler) proposeFine(c *gin.Context) (*inspectionView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	iid, err := positiveID(c, "inspection", "inspection")
	if err != nil {
		return nil, err
	}
	var req fineRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	f := providers.Fine{LegalRef: strings.TrimSpace(req.LegalReference), Reason: strings.TrimSpace(req.Reason)}
	var errs []*domain.Error
	amountBad, dueBad := false, false
	if f.Amount, err = parseAmount("amount", req.Amount); err != nil {
		errs, amountBad = append(errs, err.(*domain.Error)), true
	}
	if req.DueOn != "" {
		if f.DueOn, err = parseDay("due_on", req.DueOn); err != nil {
			errs, dueBad = append(errs, err.(*domain.Error)), true
		}
	}
	for _, e := range providers.CheckFine(f, h.now()) {
		if (e.Field == "amount" && amountBad) || (e.Field == "due_on" && dueBad) {
			continue // named above
		}
		errs = append(errs, e)
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	i, err := h.db.ProposeFine(c.Request.Context(), id, c.Param("number"), iid, f, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	return inspectionOut(i, h.pivotLanguage(c)), nil
}

// decideFine answers POST .../fines/:fine/decide: a second officer decides
// the proposed fine (the proposer: 403); the appeal deadline starts.
func (h *handler) decideFine(c *gin.Context) (*inspectionView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	fid, err := positiveID(c, "fine", "fine")
	if err != nil {
		return nil, err
	}
	i, err := h.db.DecideFine(c.Request.Context(), id, c.Param("number"), fid, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	return inspectionOut(i, h.pivotLanguage(c)), nil
}

type fineAppealRequest struct {
	FiledOn string `json:"filed_on"`
	Grounds string `json:"grounds"`
}

// fileFineAppeal answers POST .../fines/:fine/appeal: the officer records
// the provider's appeal, filed on a day by the deadline.
func (h *handler) fileFineAppeal(c *gin.Context) (*inspectionView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	fid, err := positiveID(c, "fine", "fine")
	if err != nil {
		return nil, err
	}
	var req fineAppealRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	var filed time.Time
	if req.FiledOn == "" {
		errs = append(errs, domain.FieldError("filed_on", "is required"))
	} else if filed, err = parseDay("filed_on", req.FiledOn); err != nil {
		errs = append(errs, err.(*domain.Error))
	}
	grounds := strings.TrimSpace(req.Grounds)
	if len([]rune(grounds)) > 4000 {
		errs = append(errs, domain.FieldError("grounds", "is longer than 4000 characters"))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	i, err := h.db.FileFineAppeal(c.Request.Context(), id, c.Param("number"), fid, filed, grounds, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	return inspectionOut(i, h.pivotLanguage(c)), nil
}

type fineAppealOutcomeRequest struct {
	Outcome string          `json:"outcome"`
	Amount  json.RawMessage `json:"amount"`
}

// decideFineAppeal answers POST .../fines/:fine/appeal/outcome: upheld,
// annulled, or changed to a new amount, by an officer other than the one
// who decided the fine.
func (h *handler) decideFineAppeal(c *gin.Context) (*inspectionView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	fid, err := positiveID(c, "fine", "fine")
	if err != nil {
		return nil, err
	}
	var req fineAppealOutcomeRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var amount decimal.NullDecimal
	if s := strings.TrimSpace(string(req.Amount)); s != "" && s != "null" {
		d, err := parseAmount("amount", req.Amount)
		if err != nil {
			return nil, err
		}
		amount = decimal.NewNullDecimal(d)
	}
	i, err := h.db.DecideFineAppeal(c.Request.Context(), id, c.Param("number"), fid, strings.TrimSpace(req.Outcome), amount, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	return inspectionOut(i, h.pivotLanguage(c)), nil
}

type suspendRequest struct {
	From   string `json:"from"`
	Reason string `json:"reason"`
}

// suspendLicence answers POST .../licences/:number/suspend: the licence is
// suspended from the day given (today or later) until lifted; while it is,
// the provider is not in force for that service.
func (h *handler) suspendLicence(c *gin.Context) (*providerView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	var req suspendRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var from time.Time
	if req.From != "" {
		if from, err = parseDay("from", req.From); err != nil {
			return nil, err
		}
	}
	p, err := h.db.SuspendLicence(c.Request.Context(), id, c.Param("number"), from, strings.TrimSpace(req.Reason), userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	return h.providerView(c, p), nil
}

type liftRequest struct {
	Reason string `json:"reason"`
}

// liftSuspension answers POST .../licences/:number/lift-suspension: the
// open suspension ends today (one not begun is cancelled).
func (h *handler) liftSuspension(c *gin.Context) (*providerView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	var req liftRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return nil, domain.FieldError("reason", "is required")
	case len([]rune(reason)) > 2000:
		return nil, domain.FieldError("reason", "is longer than 2000 characters")
	}
	p, err := h.db.LiftSuspension(c.Request.Context(), id, c.Param("number"), reason, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	return h.providerView(c, p), nil
}

type suspensionView struct {
	LicenceNumber string `json:"licence_number"`
	From          string `json:"from"`
	Reason        string `json:"reason"`
	SuspendedBy   string `json:"suspended_by"`
	LiftedOn      string `json:"lifted_on,omitempty"`
	LiftReason    string `json:"lift_reason,omitempty"`
	LiftedBy      string `json:"lifted_by,omitempty"`
}

type historyView struct {
	Day     string `json:"day"`
	Licence string `json:"licence_number"`
	Kind    string `json:"kind"`
	By      string `json:"by,omitempty"`
	Ref     int64  `json:"ref,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

type supervisionView struct {
	Provider    *providerView     `json:"provider"`
	Inspections []*inspectionView `json:"inspections"`
	Suspensions []suspensionView  `json:"suspensions"`
	History     []historyView     `json:"history"`
}

// providerSupervision answers GET /api/v1/providers/:id/supervision: the
// provider with its licences, inspections, fines, suspensions, and the
// history of them all (withdrawals too), oldest first.
func (h *handler) providerSupervision(c *gin.Context) (*supervisionView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	p, s, err := h.db.ProviderSupervision(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	v := &supervisionView{Provider: h.providerView(c, p), Inspections: []*inspectionView{}, Suspensions: []suspensionView{}, History: []historyView{}}
	for _, i := range s.Inspections {
		v.Inspections = append(v.Inspections, inspectionOut(i, lang))
	}
	for _, x := range s.Suspensions {
		v.Suspensions = append(v.Suspensions, suspensionView{LicenceNumber: x.LicenceNumber, From: x.From.Format(time.DateOnly), Reason: x.Reason,
			SuspendedBy: x.SuspendedBy, LiftedOn: optionalDay(x.LiftedOn), LiftReason: x.LiftReason, LiftedBy: x.LiftedBy})
	}
	for _, e := range s.History {
		v.History = append(v.History, historyView{Day: e.Day.Format(time.DateOnly), Licence: e.Licence, Kind: e.Kind, By: e.By, Ref: e.Ref, Detail: e.Detail})
	}
	return v, nil
}

type providerInForceView struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Street           string `json:"street"`
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name"`
	LicenceNumber    string `json:"licence_number"`
	Service          string `json:"service"`
	ServiceName      string `json:"service_name"`
	ValidUntil       string `json:"valid_until"`
}

type providersInForceView struct {
	On        string                `json:"on"`
	Providers []providerInForceView `json:"providers"`
}

// providersInForce answers GET /api/v1/providers?service=&on=: the
// providers holding a licence in force on the day (default today) for the
// service (default any), the only ones a placement may name. A bad service
// or day is a 400 naming it.
func (h *handler) providersInForce(c *gin.Context) (*providersInForceView, error) {
	var errs []*domain.Error
	var services []string
	if sv := strings.TrimSpace(c.Query("service")); sv != "" {
		if _, ok := providers.ServiceByCode(sv); !ok {
			errs = append(errs, domain.FieldError("service", "%q is not a service of the catalogue", printable(sv, 40)))
		}
		services = []string{sv}
	}
	day := domain.CalendarDay(h.now())
	if on := c.Query("on"); on != "" {
		d, err := parseDay("on", on)
		if err != nil {
			errs = append(errs, err.(*domain.Error))
		}
		day = d
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	ps, err := h.db.ProvidersInForce(c.Request.Context(), services, day)
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	v := &providersInForceView{On: day.Format(time.DateOnly), Providers: []providerInForceView{}}
	for _, p := range ps {
		v.Providers = append(v.Providers, providerInForceView{ID: p.ID, Name: p.Name, Street: p.Street, Municipality: p.Municipality,
			MunicipalityName: municipalityName(p.Municipality), LicenceNumber: p.LicenceNumber, Service: p.Service,
			ServiceName: serviceName(p.Service, lang), ValidUntil: p.ValidUntil.Format(time.DateOnly)})
	}
	return v, nil
}

// checkPlacement refuses a decision of procedure that places a person with
// a provider (providers.PlacementServices) unless data's provider_id names
// a provider whose licence for the service is in force today: the register
// is constitutive (issue 21). Other decisions pass.
func (h *handler) checkPlacement(c *gin.Context, procedure string, data json.RawMessage) error {
	var d struct {
		Kind       string `json:"kind"`
		ProviderID int64  `json:"provider_id"`
	}
	_ = json.Unmarshal(data, &d) // the form's schema has been checked
	services := providers.PlacementServices(procedure, d.Kind)
	if services == nil {
		if d.ProviderID != 0 {
			return domain.FieldError("data.provider_id", "decision %q places nobody with a provider", d.Kind)
		}
		return nil
	}
	names := make([]string, len(services))
	for i, s := range services {
		names[i] = serviceName(s, "en")
	}
	if d.ProviderID == 0 {
		return domain.FieldError("data.provider_id", "is required: the provider with a licence in force for %s (GET /api/v1/providers?service=%s)",
			strings.Join(names, " or "), services[0])
	}
	today := h.now()
	p, ok, err := h.db.LicenceInForce(c.Request.Context(), d.ProviderID, services, today)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.FieldError("data.provider_id", "provider %d is not on the register", d.ProviderID)
	} else if err != nil {
		return err
	}
	if !ok {
		return domain.FieldError("data.provider_id", "provider %d (%s) has no licence in force for %s on %s", p.ID, p.Name,
			strings.Join(names, " or "), today.Format(time.DateOnly))
	}
	return nil
}

// placementLapsed refuses (409) a supervisor's approval of a placement in
// an institution whose provider no longer holds a licence in force today
// (withdrawn or suspended since the decision was prepared): the approver
// returns it instead, to be prepared again with a provider in force.
func (h *handler) placementLapsed(c *gin.Context, t store.Task, outcome string) error {
	if t.Type != "case_decision_approval" || outcome != "approve" {
		return nil
	}
	var d struct {
		Case     string `json:"case"`
		Decision string `json:"decision"`
	}
	_ = json.Unmarshal(t.Data, &d)
	// The task's step is decision-<seq>-approval: the seq-th decision prepared.
	step := t.ID[strings.LastIndex(t.ID, ":")+1:]
	seq, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(step, "decision-"), "-approval"))
	if err != nil || d.Case == "" {
		return nil
	}
	ctx := c.Request.Context()
	f, err := h.db.CaseFileOf(ctx, d.Case)
	if err != nil {
		return err
	}
	services := providers.PlacementServices(f.Case.Procedure, d.Decision)
	if services == nil {
		return nil
	}
	n := 0
	for _, e := range f.Events {
		if e.Kind != "decision_prepared" {
			continue
		}
		if n++; n != seq {
			continue
		}
		var prepared struct {
			ProviderID int64 `json:"provider_id"`
		}
		if json.Unmarshal(e.Data, &prepared) != nil || prepared.ProviderID == 0 {
			return nil // prepared before placements named a provider
		}
		p, ok, err := h.db.LicenceInForce(ctx, prepared.ProviderID, services, h.now())
		if err != nil || ok {
			return err
		}
		return domain.Errorf(domain.CodeConflict, "provider %d (%s) no longer has a licence in force on %s: return the decision to be prepared with a provider in force",
			p.ID, p.Name, h.now().Format(time.DateOnly))
	}
	return nil
}
