package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
)

// Delegations (issue 23 item 3): a centre's head gives a provider the
// power to process, for the centre, the data in a scope (identity,
// contact, plan) of the persons the centre refers to it, for a period,
// the DV compartment's referrals only when it says so; and revokes it,
// with the reason, at once: from that instant the provider's staff find
// none of the centre's persons (store.DelegatedAccessTo). The centre's
// supervisors and head read their centre's, the ministry every centre's,
// a provider's staff their own provider's.

type delegationRequest struct {
	CentreID    *string  `json:"centre_id"` // absent: the caller's centre
	ProviderPIB string   `json:"provider_pib"`
	Scope       []string `json:"scope"`
	ValidFrom   string   `json:"valid_from"`
	ValidUntil  string   `json:"valid_until"`
	DV          bool     `json:"dv"`
}

type delegationView struct {
	ID           int64    `json:"id"`
	CentreID     string   `json:"centre_id"`
	CentreName   string   `json:"centre_name"`
	ProviderPIB  string   `json:"provider_pib"`
	ProviderName string   `json:"provider_name"`
	Scope        []string `json:"scope"`
	ValidFrom    string   `json:"valid_from"`
	ValidUntil   string   `json:"valid_until"`
	DV           bool     `json:"dv"`
	InForce      bool     `json:"in_force"` // today, not revoked
	GrantedBy    string   `json:"granted_by"`
	GrantedAt    string   `json:"granted_at"`
	RevokedAt    string   `json:"revoked_at,omitempty"`
	RevokedBy    string   `json:"revoked_by,omitempty"`
	RevokeReason string   `json:"revoke_reason,omitempty"`
}

type delegationListView struct {
	Delegations []delegationView `json:"delegations"`
}

func (h *handler) delegationView(d store.ServiceDelegation) delegationView {
	v := delegationView{ID: d.ID, CentreID: d.CentreID, CentreName: centreName(d.CentreID), ProviderPIB: d.ProviderPIB, ProviderName: d.ProviderName,
		Scope: d.Scope, ValidFrom: d.From.Format(time.DateOnly), ValidUntil: d.Until.Format(time.DateOnly), DV: d.DV,
		InForce: d.InForce(domain.CalendarDay(h.now())), GrantedBy: d.GrantedBy, GrantedAt: d.GrantedAt.UTC().Format(time.RFC3339),
		RevokedBy: d.RevokedBy, RevokeReason: d.RevokeReason}
	if v.Scope == nil {
		v.Scope = []string{}
	}
	if d.RevokedAt != nil {
		v.RevokedAt = d.RevokedAt.UTC().Format(time.RFC3339)
	}
	return v
}

// grantDelegation answers POST /api/v1/service-delegations: 201 with the
// delegation; every fault named (services.CheckDelegation).
func (h *handler) grantDelegation(c *gin.Context) (*delegationView, error) {
	var req delegationRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	u := userOf(c)
	centre := u.CentreID
	if req.CentreID != nil {
		centre = strings.TrimSpace(*req.CentreID)
	}
	if err := h.allow(c, "service_delegation", "create", centre); err != nil {
		return nil, err
	}
	d := services.Delegation{CentreID: centre, ProviderPIB: domain.PIB(strings.TrimSpace(req.ProviderPIB)), Scope: req.Scope, DV: req.DV}
	var errs []*domain.Error
	bad := map[string]bool{}
	for field, s := range map[string]string{"valid_from": req.ValidFrom, "valid_until": req.ValidUntil} {
		if strings.TrimSpace(s) == "" {
			continue
		}
		day, err := parseDay(field, s)
		if err != nil {
			errs, bad[field] = append(errs, err.(*domain.Error)), true
		}
		if field == "valid_from" {
			d.From = day
		} else {
			d.Until = day
		}
	}
	now := h.now()
	for _, e := range services.CheckDelegation(d, domain.CalendarDay(now)) {
		if e.Field != "period" || !(bad["valid_from"] || bad["valid_until"]) {
			errs = append(errs, e)
		}
	}
	if errs != nil {
		return nil, domain.Invalid(sortedFaults(errs))
	}
	out, err := h.db.GrantDelegation(c.Request.Context(), d, u.Username, now)
	if err != nil {
		return nil, err
	}
	c.Header("Location", "/api/v1/service-delegations/"+strconv.FormatInt(out.ID, 10))
	v := h.delegationView(out)
	return &v, nil
}

// sortedFaults puts the faults of a date read from a map in the order of
// the request's fields (valid_from before valid_until), the others after.
func sortedFaults(errs []*domain.Error) []*domain.Error {
	var first, rest []*domain.Error
	for _, e := range errs {
		if e.Field == "valid_from" {
			first = append(first, e)
		} else {
			rest = append(rest, e)
		}
	}
	return append(first, rest...)
}

// listDelegations answers GET /api/v1/service-delegations: a provider's
// staff their provider's; the ministry's officers every centre's (or the
// centre_id asked); the others their own centre's (another's: 403).
func (h *handler) listDelegations(c *gin.Context) (*delegationListView, error) {
	u := userOf(c)
	centre, pib := strings.TrimSpace(c.Query("centre_id")), strings.TrimSpace(c.Query("provider_pib"))
	switch {
	case u.Role == domain.RoleProviderStaff:
		centre, pib = "", string(u.PIB)
	case centre == "" && u.CentreID != "":
		centre = u.CentreID
	}
	if centre != "" {
		if _, ok := domain.CentreByID(centre); !ok {
			return nil, domain.FieldError("centre_id", "no centre %q", printable(centre, 40))
		}
		if err := h.allow(c, "service_delegation", "read", centre); err != nil {
			return nil, err
		}
	}
	list, err := h.db.ServiceDelegations(c.Request.Context(), centre, pib)
	if err != nil {
		return nil, err
	}
	out := &delegationListView{Delegations: []delegationView{}}
	for _, d := range list {
		out.Delegations = append(out.Delegations, h.delegationView(d))
	}
	return out, nil
}

type revokeDelegationRequest struct {
	Reason string `json:"reason"`
}

// revokeDelegation answers POST /api/v1/service-delegations/:id/revoke:
// the delegation is revoked at once, with the reason; revoked before: 409.
func (h *handler) revokeDelegation(c *gin.Context) (*delegationView, error) {
	id, err := positiveID(c, "id", "delegation")
	if err != nil {
		return nil, err
	}
	var req revokeDelegationRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	d, err := h.db.ServiceDelegationByID(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := h.allow(c, "service_delegation", "update", d.CentreID); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return nil, domain.FieldError("reason", "a revocation says why")
	case len([]rune(reason)) > 500:
		return nil, domain.FieldError("reason", "is longer than 500 characters")
	}
	out, err := h.db.RevokeDelegation(c.Request.Context(), d.CentreID, id, reason, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	v := h.delegationView(out)
	return &v, nil
}
