package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
)

// The delegated person view (issue 23 item 3): a provider's staff read a
// person only while store.DelegatedAccessTo says a referral to their
// provider under a centre's delegation in force lets them, and only what
// the delegation's scope allows: identity (name, date of birth, address),
// contact (the legal representative on record; Karton keeps no phone
// numbers), plan (the goals of the latest plan of the referral's case).
// Nothing else: no JMBG, no benefits, no case numbers, no caseworkers.
// For anyone else, and for a person without that access, the person does
// not exist (404). Every request is audited with the person it names.

type providerAddressView struct {
	Street           string `json:"street,omitempty"`
	Settlement       string `json:"settlement,omitempty"`
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name"`
}

type providerIdentityView struct {
	GivenName  string              `json:"given_name"`
	FamilyName string              `json:"family_name"`
	BirthDate  string              `json:"birth_date"`
	Address    providerAddressView `json:"address"`
}

type providerContactView struct {
	// Representative is the person's guardian in office, if any is on record.
	Representative string `json:"representative,omitempty"`
}

type providerReferralView struct {
	ID             int64            `json:"id"`
	Service        string           `json:"service"`
	ServiceName    string           `json:"service_name"`
	CentreID       string           `json:"centre_id"`
	CentreName     string           `json:"centre_name"`
	ContractNumber string           `json:"contract_number"`
	State          string           `json:"state"`
	ReferredOn     string           `json:"referred_on"`
	StartedOn      string           `json:"started_on,omitempty"`
	EndedOn        string           `json:"ended_on,omitempty"`
	EndReason      string           `json:"end_reason,omitempty"`
	Goals          []store.PlanGoal `json:"goals,omitempty"` // with the plan scope
}

type providerPersonView struct {
	ID        string                 `json:"id"`
	Scope     []string               `json:"scope"`
	Identity  *providerIdentityView  `json:"identity,omitempty"`
	Contact   *providerContactView   `json:"contact,omitempty"`
	Referrals []providerReferralView `json:"referrals"`
}

type providerPersonsView struct {
	ProviderPIB  string               `json:"provider_pib"`
	ProviderName string               `json:"provider_name"`
	Persons      []providerPersonView `json:"persons"`
}

// providerPerson is what the scope of access lets the staff see of person.
func (h *handler) providerPerson(c *gin.Context, id domain.PersonID, a store.DelegatedAccess, today time.Time, withPlan bool) (providerPersonView, error) {
	ctx := c.Request.Context()
	v := providerPersonView{ID: string(id), Scope: a.Scope, Referrals: []providerReferralView{}}
	if a.DV() {
		restrict(c) // seen through a DV referral: its audit record stays in the compartment
	}
	if a.Allows(services.ScopeIdentity) {
		p, err := h.db.PersonByID(ctx, id)
		if err != nil {
			return v, err
		}
		v.Identity = &providerIdentityView{GivenName: p.GivenName, FamilyName: p.FamilyName, BirthDate: p.BirthDate.Format(time.DateOnly),
			Address: providerAddressView{Street: p.Address.Street, Settlement: p.Address.Settlement, Municipality: p.Address.Municipality,
				MunicipalityName: municipalityName(p.Address.Municipality)}}
	}
	if a.Allows(services.ScopeContact) {
		rep, carer, err := h.db.LegalRepresentative(ctx, id, today)
		if err != nil {
			return v, err
		}
		if carer != "" {
			auditPersons(c, carer) // the guardian is a person the answer names
		}
		v.Contact = &providerContactView{Representative: rep}
	}
	refs, err := h.db.ProviderReferrals(ctx, a.ReferralIDs)
	if err != nil {
		return v, err
	}
	lang := h.pivotLanguage(c)
	for _, r := range refs {
		rv := providerReferralView{ID: r.ID, Service: r.Service, ServiceName: serviceName(r.Service, lang), CentreID: r.CentreID,
			CentreName: centreName(r.CentreID), ContractNumber: r.ContractNumber, State: r.State, ReferredOn: r.ReferredOn.Format(time.DateOnly),
			EndReason: r.EndReason}
		if r.StartedOn != nil {
			rv.StartedOn = r.StartedOn.Format(time.DateOnly)
		}
		if r.EndedOn != nil {
			rv.EndedOn = r.EndedOn.Format(time.DateOnly)
		}
		if withPlan && a.AllowsFor(r.ID, services.ScopePlan) {
			if rv.Goals, err = h.db.ReferralPlanGoals(ctx, r); err != nil {
				return v, err
			}
		}
		v.Referrals = append(v.Referrals, rv)
	}
	return v, nil
}

// providerPersonFile answers GET /api/v1/provider/persons/:id: the person
// as the caller's provider may see them today; 404 for anyone else.
func (h *handler) providerPersonFile(c *gin.Context) (*providerPersonView, error) {
	u := userOf(c)
	gone := domain.Errorf(domain.CodeNotFound, "person %s not found", printable(c.Param("id"), 40))
	id, err := domain.ParsePersonID(c.Param("id"))
	if err != nil {
		return nil, gone
	}
	auditPersons(c, id)
	if u.Role != domain.RoleProviderStaff {
		return nil, gone // the policy lets only a provider's staff here; a role added to it later still finds no one
	}
	if err := h.allow(c, "service_person", "read", string(u.PIB)); err != nil {
		return nil, err
	}
	today := domain.CalendarDay(h.now())
	a, ok, err := h.db.DelegatedAccessTo(c.Request.Context(), string(u.PIB), id, today)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, gone
	}
	v, err := h.providerPerson(c, id, a, today, true)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// providerPersons answers GET /api/v1/provider/persons: the caller's
// provider and every person its staff may see today (what the scope
// allows, without the plan's goals), each audited.
func (h *handler) providerPersons(c *gin.Context) (*providerPersonsView, error) {
	u := userOf(c)
	out := &providerPersonsView{ProviderPIB: string(u.PIB), Persons: []providerPersonView{}}
	if u.Role != domain.RoleProviderStaff {
		return out, nil
	}
	ctx := c.Request.Context()
	if p, ok, err := h.db.ProviderByPIB(ctx, string(u.PIB)); err != nil {
		return nil, err
	} else if ok {
		out.ProviderName = p.Name
	}
	today := domain.CalendarDay(h.now())
	list, err := h.db.DelegatedPersons(ctx, string(u.PIB), today)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		auditPersons(c, p.PersonID)
		v, err := h.providerPerson(c, p.PersonID, p.Access, today, false)
		if err != nil {
			return nil, err
		}
		out.Persons = append(out.Persons, v)
	}
	return out, nil
}
