package api

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// A registration Karton holds can differ from what the population register
// states (a name changed at marriage, a move): the e-file says so, and a
// caseworker of the person's centre takes the register's values or
// corrects the registration by hand (issue 17). Both are audited: the
// request in the audit log (with its purpose), the values before and
// after in person_corrections.

type registerValuesRequest struct {
	// Fields to take: given_name, family_name, address; none: every one
	// that differs.
	Fields []string `json:"fields"`
}

type correctionRequest struct {
	GivenName  string     `json:"given_name"`
	FamilyName string     `json:"family_name"`
	Address    addressDTO `json:"address"`
	Reason     string     `json:"reason"`
}

// personCorrected is the person after a correction and what it changed.
type personCorrected struct {
	Person  personDTO `json:"person"`
	Changed []string  `json:"changed"`
}

// correctablePerson loads the route's person and authorises the change
// before anything of the request is read: a caller who may not change the
// person learns nothing from a malformed body.
func (h *handler) correctablePerson(c *gin.Context) (domain.Person, error) {
	p, err := h.routePerson(c)
	if err != nil {
		return domain.Person{}, err
	}
	return p, h.allow(c, "person", "update", p.CentreID)
}

// takeRegisterValues writes the population register's latest name and
// address (its identity and residence evidence) over Karton's
// registration, for the fields asked (all that differ by default). 200
// with the person and the fields changed (none: they already agreed); 409
// when the register has not stated them yet (refresh the evidence first).
func (h *handler) takeRegisterValues(c *gin.Context) (*personCorrected, error) {
	p, err := h.correctablePerson(c)
	if err != nil {
		return nil, err
	}
	var req registerValuesRequest
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return nil, err
		}
	}
	for _, f := range req.Fields {
		switch f {
		case domain.FieldGivenName, domain.FieldFamilyName, domain.FieldAddress:
		default:
			return nil, domain.FieldError("fields", "%q is not given_name, family_name or address", printable(f, 40))
		}
	}
	identity, residence, err := h.db.CurrentRegisterEvidence(c.Request.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	if identity == nil && residence == nil {
		return nil, domain.Errorf(domain.CodeConflict, "the population register has not stated this person's name or address yet: refresh the evidence first")
	}
	var idv, rv []byte
	var ids []int64
	if identity != nil {
		idv, ids = identity.Value, append(ids, identity.ID)
	}
	if residence != nil {
		rv, ids = residence.Value, append(ids, residence.ID)
	}
	reg, err := domain.ParseRegisterValues(idv, rv)
	if err != nil {
		return nil, err
	}
	after, changed := reg.Apply(p, req.Fields)
	if len(changed) == 0 {
		return &personCorrected{Person: toPersonDTO(p), Changed: []string{}}, nil
	}
	got, err := h.db.CorrectPerson(c.Request.Context(), store.PersonCorrection{PersonID: p.ID, Source: "register", Fields: changed,
		After: after, Evidence: ids, By: userOf(c).Username})
	if err != nil {
		return nil, err
	}
	return &personCorrected{Person: toPersonDTO(got), Changed: changed}, nil
}

// correctPerson writes a name and address a caseworker typed, with the
// reason (a document seen, the person's statement): 200 with the person
// and the fields changed, 400 naming the field at fault.
func (h *handler) correctPerson(c *gin.Context) (*personCorrected, error) {
	p, err := h.correctablePerson(c)
	if err != nil {
		return nil, err
	}
	var req correctionRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	addr := domain.Address{Municipality: req.Address.Municipality, Settlement: req.Address.Settlement, Street: req.Address.Street}
	if a, err := domain.ParseAddress(addr.Municipality, addr.Settlement, addr.Street); err == nil {
		// the settlement as the territorial register spells it, or a 400 naming its settlements
		if addr, err = domain.NormaliseAddress(a, h.now()); err != nil {
			return nil, err
		}
	}
	after, changed, err := domain.Correct(p, req.GivenName, req.FamilyName, addr, req.Reason)
	if err != nil {
		return nil, err
	}
	if len(changed) == 0 {
		return &personCorrected{Person: toPersonDTO(p), Changed: []string{}}, nil
	}
	got, err := h.db.CorrectPerson(c.Request.Context(), store.PersonCorrection{PersonID: p.ID, Source: "hand", Fields: changed,
		After: after, Reason: strings.TrimSpace(req.Reason), By: userOf(c).Username})
	if err != nil {
		return nil, err
	}
	return &personCorrected{Person: toPersonDTO(got), Changed: changed}, nil
}
