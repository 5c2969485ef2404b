package api

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// The register of beneficiaries for the staff (issue 21, item 4): each
// person holding a right of a benefit in force on a day, by name and JMBG,
// of the caller's centre (the ministry's officers: every centre, or one by
// ?centre_id=). Every person listed is written to the audit log; a person
// named in a report of the DV compartment is listed only for the DV
// caseworkers of the right's centre, and for anyone else is absent from
// the list and its count.

type beneficiaryView struct {
	PersonID       string `json:"person_id"`
	JMBG           string `json:"jmbg"`
	GivenName      string `json:"given_name"`
	FamilyName     string `json:"family_name"`
	Municipality   string `json:"municipality"`
	CentreID       string `json:"centre_id"`
	EntitlementID  string `json:"entitlement_id"`
	Amount         string `json:"amount"`
	From           string `json:"from"`
	DecisionNumber string `json:"decision_number"`
	DecisionDate   string `json:"decision_date"`
}

type beneficiaryRegisterView struct {
	Benefit       string            `json:"benefit"`
	On            string            `json:"on"`
	CentreID      string            `json:"centre_id"` // "": every centre
	Count         int               `json:"count"`
	Beneficiaries []beneficiaryView `json:"beneficiaries"`
}

// beneficiaryRegister answers GET /api/v1/registers/beneficiaries:
// ?benefit= (required), ?on= (a day, default today), ?centre_id=.
func (h *handler) beneficiaryRegister(c *gin.Context) (*beneficiaryRegisterView, error) {
	u := userOf(c)
	centre := c.DefaultQuery("centre_id", u.CentreID)
	if err := h.allow(c, "beneficiary_register", "read", centre); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	if _, ok := domain.CentreByID(centre); centre != "" && !ok {
		errs = append(errs, domain.FieldError("centre_id", "%q is not a centre", printable(centre, 40)))
	}
	code := strings.TrimSpace(c.Query("benefit"))
	if code == "" {
		errs = append(errs, domain.FieldError("benefit", "is required: a benefit of the catalogue (GET /api/v1/benefits lists them)"))
	} else if _, ok := benefits.Lookup(benefits.Code(code)); !ok {
		errs = append(errs, domain.FieldError("benefit", "%q is not a benefit of the catalogue (GET /api/v1/benefits lists them)", printable(code, 20)))
	}
	day := h.now()
	if on := c.Query("on"); on != "" {
		d, err := parseDay("on", printable(on, 20))
		if err != nil {
			errs = append(errs, err.(*domain.Error))
		}
		day = d
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	list, err := h.db.BeneficiariesOn(c.Request.Context(), code, day, centre)
	if err != nil {
		return nil, err
	}
	dv := h.mayDV(c)
	out := &beneficiaryRegisterView{Benefit: code, On: day.Format(time.DateOnly), CentreID: centre, Beneficiaries: []beneficiaryView{}}
	for _, b := range list {
		if b.Restricted {
			if !dv || b.CentreID != u.CentreID {
				continue // for anyone outside the compartment the person is not here
			}
			restrict(c)
		}
		auditPersons(c, domain.PersonID(b.PersonID))
		out.Beneficiaries = append(out.Beneficiaries, beneficiaryView{PersonID: b.PersonID, JMBG: b.JMBG, GivenName: b.GivenName,
			FamilyName: b.FamilyName, Municipality: b.Municipality, CentreID: b.CentreID, EntitlementID: b.EntitlementID,
			Amount: b.Amount.StringFixed(2), From: b.From.Format(time.DateOnly), DecisionNumber: b.DecisionNumber,
			DecisionDate: b.DecisionDate.Format(time.DateOnly)})
	}
	out.Count = len(out.Beneficiaries)
	return out, nil
}
