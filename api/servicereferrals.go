package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Referrals to a provider's service (issue 23 item 2,
// docs/service-referrals.md): a caseworker refers the beneficiary of a
// case of their centre to a contract in force with a free place; the
// provider's staff answer (accept with a first day, or the waiting list),
// start a waiting referral, and may end an active one; the centre reviews,
// ends, or cancels before the start. Every step goes through the
// ServiceReferral workflow (an update carrying ids and codes; a review's
// note is staged in PostgreSQL first). A provider's staff see only the
// referrals to their provider that store.DelegatedAccessTo lets them see
// (404 otherwise: a revoked delegation hides them at once), the person's
// name only under the scope "identity"; every person is audited.

type referralPersonView struct {
	ID        domain.PersonID `json:"id"`
	Name      string          `json:"name,omitempty"`
	BirthDate string          `json:"birth_date,omitempty"`
}

type referralReviewView struct {
	Day     string `json:"day"`
	By      string `json:"by"`
	Note    string `json:"note"`
	Outcome string `json:"outcome"`
}

type referralEventView struct {
	At      string `json:"at"`
	By      string `json:"by"`
	What    string `json:"what"`
	Summary string `json:"summary"`
}

type serviceReferralView struct {
	ID             int64                `json:"id"`
	CaseNumber     string               `json:"case_number,omitempty"`
	Person         referralPersonView   `json:"person"`
	CentreID       string               `json:"centre_id"`
	CentreName     string               `json:"centre_name"`
	ContractID     int64                `json:"contract_id"`
	ContractNumber string               `json:"contract_number"`
	ProviderPIB    string               `json:"provider_pib"`
	ProviderName   string               `json:"provider_name"`
	Service        string               `json:"service"`
	Unit           string               `json:"unit"`
	DV             bool                 `json:"dv,omitempty"`
	State          string               `json:"state"`
	ReferredOn     string               `json:"referred_on"`
	WaitingSince   string               `json:"waiting_since,omitempty"`
	StartedOn      string               `json:"started_on,omitempty"`
	EndedOn        string               `json:"ended_on,omitempty"`
	EndReason      string               `json:"end_reason,omitempty"`
	ReferredBy     string               `json:"referred_by"`
	AnsweredBy     string               `json:"answered_by,omitempty"`
	Reviews        []referralReviewView `json:"reviews,omitempty"`
	Events         []referralEventView  `json:"events,omitempty"`
}

type serviceReferralList struct {
	Referrals []serviceReferralView `json:"referrals"`
}

type referralContractView struct {
	ID           int64  `json:"id"`
	Number       string `json:"number"`
	Service      string `json:"service"`
	ProviderPIB  string `json:"provider_pib"`
	ProviderName string `json:"provider_name"`
	Unit         string `json:"unit"`
	Rate         string `json:"rate"`
	Capacity     int    `json:"capacity"`
	Free         int    `json:"free"`
}

type caseReferralsView struct {
	CaseNumber string                 `json:"case_number"`
	Services   []string               `json:"services"`
	Contracts  []referralContractView `json:"contracts"`
	Referrals  []serviceReferralView  `json:"referrals"`
}

// serviceReferralOut is a referral as the API answers it: the provider's staff
// see no case number, and the person's name only under scope identity.
func serviceReferralOut(r store.ServiceReferral, provider, identity bool) serviceReferralView {
	v := serviceReferralView{ID: r.ID, Person: referralPersonView{ID: r.PersonID}, CentreID: r.CentreID, CentreName: centreName(r.CentreID),
		ContractID: r.ContractID, ContractNumber: r.ContractNumber, ProviderPIB: r.ProviderPIB, ProviderName: r.ProviderName, Service: r.Service,
		Unit: string(r.Unit), DV: r.DV, State: r.State, ReferredOn: r.ReferredOn.Format(time.DateOnly), WaitingSince: dayOf(r.WaitingSince),
		StartedOn: dayOf(r.StartedOn), EndedOn: dayOf(r.EndedOn), EndReason: r.EndReason, AnsweredBy: r.AnsweredBy}
	if !provider { // the centre's case number and its staff are not the provider's
		v.CaseNumber, v.ReferredBy = r.CaseNumber, r.ReferredBy
	}
	if !provider || identity {
		v.Person.Name, v.Person.BirthDate = r.PersonName, r.BirthDate.Format(time.DateOnly)
	}
	return v
}

func referralFileView(f store.ServiceReferralFile, provider, identity bool) serviceReferralView {
	v := serviceReferralOut(f.ServiceReferral, provider, identity)
	if !provider { // a review's note is the centre's free text about the person, in no scope
		for _, r := range f.Reviews {
			v.Reviews = append(v.Reviews, referralReviewView{Day: r.Day.Format(time.DateOnly), By: r.By, Note: r.Note, Outcome: r.Outcome})
		}
		for _, e := range f.Events {
			v.Events = append(v.Events, referralEventView{At: e.At.Format(time.RFC3339), By: e.By, What: e.What, Summary: e.Summary})
		}
	}
	return v
}

func isProvider(u domain.User) bool { return u.Role == domain.RoleProviderStaff }

// caseServiceReferrals answers GET /api/v1/cases/:number/service-referrals:
// the case's referrals and the contracts in force its procedure may refer
// to, with their free places (the referral form's choices).
func (h *handler) caseServiceReferrals(c *gin.Context) (*caseReferralsView, error) {
	x, err := h.loadCase(c, "read")
	if err != nil {
		return nil, err
	}
	if err := h.allow(c, "service_referral", "read", x.CentreID); err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	out := &caseReferralsView{CaseNumber: x.Number, Services: services.ReferralServices(x.Procedure), Contracts: []referralContractView{},
		Referrals: []serviceReferralView{}}
	for _, s := range out.Services {
		in, err := h.db.ContractsInForce(ctx, s, x.CentreID, h.now())
		if err != nil {
			return nil, err
		}
		for _, k := range in {
			out.Contracts = append(out.Contracts, referralContractView{ID: k.ID, Number: k.Number, Service: k.Service, ProviderPIB: k.ProviderPIB,
				ProviderName: k.ProviderName, Unit: string(k.Unit), Rate: k.Rate.StringFixed(2), Capacity: k.Capacity, Free: k.Free()})
		}
	}
	list, err := h.db.ServiceReferrals(ctx, store.ServiceReferralFilter{CaseNumber: x.Number, CentreID: x.CentreID, DV: x.DV})
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		auditPersons(c, r.PersonID)
		out.Referrals = append(out.Referrals, serviceReferralOut(r, false, true))
	}
	return out, nil
}

type referralCreateBody struct {
	ContractID int64           `json:"contract_id"`
	Service    string          `json:"service"`
	PersonID   domain.PersonID `json:"person_id"`
}

// referralCreated is a create's answer: 201 for a new referral, 200 for
// the one recorded before whose workflow had not started (a retry).
type referralCreated struct {
	serviceReferralView
	again bool
}

func (r referralCreated) httpStatus() int {
	if r.again {
		return http.StatusOK
	}
	return http.StatusCreated
}

// createServiceReferral answers POST /api/v1/cases/:number/service-referrals:
// the referral recorded (every rule it breaks a 4xx naming it) and its
// workflow started. When the workflow service was down, the referral stays
// referred with no workflow (503): the same request again (the case's
// referred referral to the contract for the person) starts its workflow and
// answers it (200), writing nothing.
func (h *handler) createServiceReferral(c *gin.Context) (*referralCreated, error) {
	u := userOf(c)
	x, err := h.loadCase(c, "read")
	if err != nil {
		return nil, err
	}
	if err := h.allow(c, "service_referral", "create", x.CentreID); err != nil {
		return nil, err
	}
	var b referralCreateBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	if b.ContractID <= 0 {
		return nil, domain.FieldError("contract_id", "a referral names the contract (contract_id) of a provider with a free place")
	}
	if b.PersonID != "" {
		auditPersons(c, b.PersonID)
	}
	if h.tc == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "the workflow service is not configured")
	}
	ctx := c.Request.Context()
	b.Service = strings.TrimSpace(b.Service)
	r, again, err := h.referredBefore(c, x, b)
	if err != nil {
		return nil, err
	}
	if !again {
		r, err = h.db.ReferToService(ctx, store.ServiceReferralRequest{CaseNumber: x.Number, PersonID: b.PersonID, ContractID: b.ContractID,
			Service: b.Service, CentreID: u.CentreID, MayDV: h.mayDV(c), By: u.Username}, h.now())
		if err != nil {
			return nil, err
		}
	}
	if err := h.ensureReferralWorkflow(ctx, r); err != nil {
		return nil, err
	}
	v, err := h.referralAnswer(c, r.ID)
	if err != nil {
		return nil, err
	}
	return &referralCreated{serviceReferralView: *v, again: again}, nil
}

// referredBefore finds the referral a create repeats: the case's, still
// referred, to the same contract (and service, when named) for the same
// person (the case's only beneficiary when none is named), in an open case.
func (h *handler) referredBefore(c *gin.Context, x store.Case, b referralCreateBody) (store.ServiceReferral, bool, error) {
	person := b.PersonID
	if person == "" {
		var ids []domain.PersonID
		for _, p := range x.Persons {
			if p.Role == "beneficiary" {
				ids = append(ids, p.PersonID)
			}
		}
		if len(ids) != 1 {
			return store.ServiceReferral{}, false, nil // ReferToService names what is wrong
		}
		person = ids[0]
	}
	if x.Status != "open" {
		return store.ServiceReferral{}, false, nil
	}
	list, err := h.db.ServiceReferrals(c.Request.Context(), store.ServiceReferralFilter{CaseNumber: x.Number, CentreID: userOf(c).CentreID,
		States: []string{services.ReferralReferred}, DV: h.mayDV(c)})
	if err != nil {
		return store.ServiceReferral{}, false, err
	}
	for _, r := range list {
		if r.ContractID == b.ContractID && r.PersonID == person && (b.Service == "" || b.Service == r.Service) {
			return r, true, nil
		}
	}
	return store.ServiceReferral{}, false, nil
}

// ensureReferralWorkflow starts the workflow of a referred referral under
// its id, unless it runs: a run going on is used as it is (the SDK answers
// it, or WorkflowExecutionAlreadyStarted), a run that failed, timed out or
// was terminated is started again, a run that completed is not (its
// referral was cancelled meanwhile; the step then finds its state). A
// referral past referred had its workflow take that step: nothing to do.
// The workflow service down is a 503 saying the referral waits for it.
func (h *handler) ensureReferralWorkflow(ctx context.Context, r store.ServiceReferral) error {
	if r.State != services.ReferralReferred {
		return nil
	}
	_, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ServiceReferralID(r.ID), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY},
		workflows.NameServiceReferral, workflows.ServiceReferralInput{ReferralID: r.ID, CentreID: r.CentreID, ProviderPIB: r.ProviderPIB, Steps: r.Steps})
	var going *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil || errors.As(err, &going) {
		return nil
	}
	return errors.Join(domain.Errorf(domain.CodeUnavailable,
		"referral %d is recorded but the workflow service did not take it: nothing can follow it until it does; send the same referral again (or the provider's answer) later", r.ID), err)
}

// listServiceReferrals answers GET /api/v1/service-referrals: the
// centre's (?state= narrowing, ?case=), or the provider's that its
// delegations let it see.
func (h *handler) listServiceReferrals(c *gin.Context) (*serviceReferralList, error) {
	u := userOf(c)
	ctx := c.Request.Context()
	f := store.ServiceReferralFilter{CaseNumber: c.Query("case")}
	if s := c.Query("state"); s != "" {
		for _, st := range strings.Split(s, ",") {
			if !slices.Contains(services.ReferralStates(), st) {
				return nil, domain.FieldError("state", "%q is not a referral's state (%s)", printable(st, 20), strings.Join(services.ReferralStates(), ", "))
			}
			f.States = append(f.States, st)
		}
	}
	if isProvider(u) {
		f.ProviderPIB, f.CaseNumber, f.DV = string(u.PIB), "", true
	} else {
		f.CentreID, f.DV = u.CentreID, h.mayDV(c)
	}
	if err := h.allow(c, "service_referral", "read", or(f.ProviderPIB, f.CentreID)); err != nil {
		return nil, err
	}
	list, err := h.db.ServiceReferrals(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &serviceReferralList{Referrals: []serviceReferralView{}}
	for _, r := range list {
		identity := true
		if isProvider(u) {
			a, ok, err := h.db.DelegatedAccessTo(ctx, r.ProviderPIB, r.PersonID, h.now())
			if err != nil {
				return nil, err
			}
			if !ok || !slices.Contains(a.ReferralIDs, r.ID) {
				continue
			}
			identity = a.AllowsFor(r.ID, services.ScopeIdentity)
		}
		if r.DV {
			restrict(c)
		}
		auditPersons(c, r.PersonID)
		out.Referrals = append(out.Referrals, serviceReferralOut(r, isProvider(u), identity))
	}
	return out, nil
}

// referralOf loads referral :id for action: the centre's staff act on
// their centre's (a DV one only inside the compartment), a provider's on
// those to their provider that DelegatedAccessTo lets them see; for anyone
// else it is not found. It reports whether the caller may read the
// person's identity.
func (h *handler) referralOf(c *gin.Context, action string) (store.ServiceReferralFile, bool, error) {
	u := userOf(c)
	id, err := positiveID(c, "id", "referral")
	if err != nil {
		return store.ServiceReferralFile{}, false, err
	}
	ctx := c.Request.Context()
	f, err := h.db.ServiceReferralFileOf(ctx, id)
	if err != nil {
		return store.ServiceReferralFile{}, false, domain.Errorf(domain.CodeNotFound, "referral %d not found", id)
	}
	notFound := domain.Errorf(domain.CodeNotFound, "referral %d not found", id)
	target, identity := f.CentreID, true
	if isProvider(u) {
		target = f.ProviderPIB
		a, ok, err := h.db.DelegatedAccessTo(ctx, f.ProviderPIB, f.PersonID, h.now())
		if err != nil {
			return store.ServiceReferralFile{}, false, err
		}
		if f.ProviderPIB != string(u.PIB) || !ok || !slices.Contains(a.ReferralIDs, f.ID) {
			return store.ServiceReferralFile{}, false, notFound
		}
		identity = a.AllowsFor(f.ID, services.ScopeIdentity)
	} else if f.CentreID != u.CentreID || (f.DV && !h.mayDV(c)) {
		return store.ServiceReferralFile{}, false, notFound
	}
	if f.DV {
		restrict(c)
	}
	if err := h.allow(c, "service_referral", action, target); err != nil {
		return store.ServiceReferralFile{}, false, err
	}
	auditPersons(c, f.PersonID)
	return f, identity, nil
}

func (h *handler) referralAnswer(c *gin.Context, id int64) (*serviceReferralView, error) {
	f, err := h.db.ServiceReferralFileOf(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	u := userOf(c)
	identity := true
	if isProvider(u) {
		a, _, err := h.db.DelegatedAccessTo(c.Request.Context(), f.ProviderPIB, f.PersonID, h.now())
		if err != nil {
			return nil, err
		}
		identity = a.AllowsFor(f.ID, services.ScopeIdentity)
	}
	v := referralFileView(f, isProvider(u), identity)
	return &v, nil
}

// getServiceReferral answers GET /api/v1/service-referrals/:id.
func (h *handler) getServiceReferral(c *gin.Context) (*serviceReferralView, error) {
	f, identity, err := h.referralOf(c, "read")
	if err != nil {
		return nil, err
	}
	v := referralFileView(f, isProvider(userOf(c)), identity)
	return &v, nil
}

// referralStep sends the workflow a step of referral f by the caller and
// answers the referral as it then is.
func (h *handler) referralStep(c *gin.Context, f store.ServiceReferralFile, act workflows.ServiceReferralAction) (*serviceReferralView, error) {
	u := userOf(c)
	if h.tc == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "the workflow service is not configured")
	}
	act.By, act.Role, act.Home = u.Username, u.Role, u.Home()
	if err := h.ensureReferralWorkflow(c.Request.Context(), f.ServiceReferral); err != nil {
		return nil, err
	}
	if err := h.update(c, workflows.ServiceReferralID(f.ID), workflows.UpdateServiceReferralStep, act); err != nil {
		return nil, err
	}
	return h.referralAnswer(c, f.ID)
}

// referralDay reads a day field: problems gathers what is wrong.
func referralDay(s, field string, problems *[]*domain.Error) string {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		*problems = append(*problems, domain.FieldError(field, "must be a day (YYYY-MM-DD)"))
	}
	return s
}

type referralAnswerBody struct {
	Answer   string `json:"answer"`
	StartDay string `json:"start_day"`
}

// answerServiceReferral answers POST /api/v1/service-referrals/:id/answer:
// the provider accepts with a first day, or puts the person on its
// waiting list.
func (h *handler) answerServiceReferral(c *gin.Context) (*serviceReferralView, error) {
	f, _, err := h.referralOf(c, "decide")
	if err != nil {
		return nil, err
	}
	var b referralAnswerBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	switch b.Answer {
	case "accept":
		var problems []*domain.Error
		day := referralDay(b.StartDay, "start_day", &problems)
		if len(problems) > 0 {
			return nil, domain.Invalid(problems)
		}
		return h.referralStep(c, f, workflows.ServiceReferralAction{Step: activities.ReferralAccept, Day: day})
	case "wait":
		return h.referralStep(c, f, workflows.ServiceReferralAction{Step: activities.ReferralWait})
	}
	return nil, domain.FieldError("answer", "must be accept (with start_day) or wait (the waiting list)")
}

type referralDayBody struct {
	Day    string `json:"day"`
	Reason string `json:"reason"`
}

// startServiceReferral answers POST /api/v1/service-referrals/:id/start:
// the provider starts the service of a waiting referral.
func (h *handler) startServiceReferral(c *gin.Context) (*serviceReferralView, error) {
	f, _, err := h.referralOf(c, "update")
	if err != nil {
		return nil, err
	}
	var b referralDayBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	if !isProvider(userOf(c)) {
		return nil, domain.Errorf(domain.CodeForbidden, "only the provider's staff start its service")
	}
	var problems []*domain.Error
	day := referralDay(b.Day, "day", &problems)
	if len(problems) > 0 {
		return nil, domain.Invalid(problems)
	}
	return h.referralStep(c, f, workflows.ServiceReferralAction{Step: activities.ReferralStart, Day: day})
}

type referralReviewBody struct {
	Day     string `json:"day"`
	Note    string `json:"note"`
	Outcome string `json:"outcome"`
}

// reviewServiceReferral answers POST /api/v1/service-referrals/:id/review:
// the centre's periodic review of an active service.
func (h *handler) reviewServiceReferral(c *gin.Context) (*serviceReferralView, error) {
	f, _, err := h.referralOf(c, "update")
	if err != nil {
		return nil, err
	}
	if isProvider(userOf(c)) {
		return nil, domain.Errorf(domain.CodeForbidden, "the referring centre reviews the service, not its provider")
	}
	var b referralReviewBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	var problems []*domain.Error
	day := referralDay(b.Day, "day", &problems)
	v := store.ServiceReferralReview{Note: strings.TrimSpace(b.Note), Outcome: b.Outcome}
	if !slices.Contains(store.ServiceReferralReviewOutcomes, v.Outcome) {
		problems = append(problems, domain.FieldError("outcome", "must be one of %s", strings.Join(store.ServiceReferralReviewOutcomes, ", ")))
	}
	if len(v.Note) > 4000 {
		problems = append(problems, domain.FieldError("note", "is longer than 4000 characters"))
	}
	if len(problems) > 0 {
		return nil, domain.Invalid(problems)
	}
	in, err := h.db.StageServiceReferralInput(c.Request.Context(), f.ID, activities.ReferralReview,
		activities.ReferralReviewText{Note: v.Note, Outcome: v.Outcome}, userOf(c).Username)
	if err != nil {
		return nil, err
	}
	return h.referralStep(c, f, workflows.ServiceReferralAction{Step: activities.ReferralReview, Day: day, InputID: in})
}

// endServiceReferral answers POST /api/v1/service-referrals/:id/end: the
// centre or the provider ends an active service on a day, for a reason.
func (h *handler) endServiceReferral(c *gin.Context) (*serviceReferralView, error) {
	f, _, err := h.referralOf(c, "update")
	if err != nil {
		return nil, err
	}
	var b referralDayBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	var problems []*domain.Error
	day := referralDay(b.Day, "day", &problems)
	if !slices.Contains(services.EndReasons(), b.Reason) {
		problems = append(problems, domain.FieldError("reason", "must be one of %s", strings.Join(services.EndReasons(), ", ")))
	}
	if len(problems) > 0 {
		return nil, domain.Invalid(problems)
	}
	return h.referralStep(c, f, workflows.ServiceReferralAction{Step: activities.ReferralEnd, Day: day, Reason: b.Reason})
}

// cancelServiceReferral answers POST /api/v1/service-referrals/:id/cancel:
// the centre withdraws a referral the provider has not started.
func (h *handler) cancelServiceReferral(c *gin.Context) (*serviceReferralView, error) {
	f, _, err := h.referralOf(c, "update")
	if err != nil {
		return nil, err
	}
	if isProvider(userOf(c)) {
		return nil, domain.Errorf(domain.CodeForbidden, "only the referring centre cancels a referral; answer it or end the service")
	}
	return h.referralStep(c, f, workflows.ServiceReferralAction{Step: activities.ReferralCancel})
}
