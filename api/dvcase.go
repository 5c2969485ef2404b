package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/domain/violence"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// A case from a police notification (issue 17 item 5): the DV caseworker
// opens the victim's domestic-violence case from the notification (P05 for
// a child victim, P37 for an adult, with the other victims and the
// perpetrators as its persons), or joins the victim's open DV case; the
// notification is linked to it, the link is on its timeline, and the first
// contact's "open a case" then joins that case (OpenDVCaseOf).

// linkDVCase is POST /api/v1/violence-notifications/:reference/case
// (dv_case:create): {"case_number": ""} opens a case, {"case_number":
// "S-..."} joins that open DV case of the centre in which the victim
// takes part. 409 when the notification already has its case.
func (h *handler) linkDVCase(c *gin.Context) (*dvCaseLinked, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	n, err := h.loadDV(c, "dv_notification", "read")
	if err != nil {
		return nil, err
	}
	restrict(c)
	if !u.Role.Acts(domain.RoleDVCaseworker) { // the police send notifications; only the centre opens its cases
		return nil, domain.Errorf(domain.CodeNotFound, "this dv_case does not exist")
	}
	if err := h.allow(c, "dv_case", "create", n.CentreID); err != nil {
		return nil, err
	}
	var req struct {
		CaseNumber string `json:"case_number"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if n.Direction != "from_police" {
		return nil, domain.Errorf(domain.CodeConflict, "%s is the centre's own report to the police; its case is the one it came from", n.Reference)
	}
	if n.CaseNumber != "" {
		return nil, domain.Errorf(domain.CodeConflict, "notification %s is already linked to case %s", n.Reference, n.CaseNumber)
	}
	victim, others, perpetrators := dvParties(n)
	if victim == "" {
		return nil, domain.FieldError("victim", "the police could not identify the victim: record the first contact, naming the registered person, to open the case")
	}
	number, opened := req.CaseNumber, false
	if number != "" {
		cs, err := h.db.CaseByNumber(ctx, number)
		if err != nil || !cs.DV || cs.CentreID != n.CentreID || cs.Status != "open" {
			return nil, domain.FieldError("case_number", "%q is not an open domestic-violence case of %s", printable(number, 40), n.CentreID)
		}
		part := false
		for _, p := range cs.Persons {
			part = part || p.PersonID == victim
		}
		if !part {
			return nil, domain.FieldError("case_number", "the victim takes no part in case %s", cs.Number)
		}
	} else {
		if number, err = h.openDVCaseFrom(c, n, victim, others, perpetrators); err != nil {
			return nil, err
		}
		opened = true
	}
	if err := h.db.UpdateDVNotification(ctx, n.Reference, store.DVUpdate{CaseNumber: number}); err != nil {
		return nil, err
	}
	// The same key as the workflow's own link: the timeline says it once.
	if _, err := h.db.RecordDVEvent(ctx, n.Reference, store.DVEvent{Key: "case", At: h.now(), Kind: "case_linked", By: u.Username, Summary: number}); err != nil {
		return nil, err
	}
	return &dvCaseLinked{Reference: n.Reference, CaseNumber: number, Opened: opened}, nil
}

type dvCaseLinked struct {
	Reference  string `json:"reference"`
	CaseNumber string `json:"case_number"`
	Opened     bool   `json:"opened"` // a new case; false: joined an open one
}

// dvParties are the notification's first identified victim (a child
// victim when only children were identified), its other identified
// victims, and its identified perpetrators.
func dvParties(n store.DVNotification) (victim domain.PersonID, others, perpetrators []domain.PersonID) {
	for _, role := range []string{"victim", "child"} {
		for _, p := range n.Persons {
			if victim == "" && p.Role == role && p.PersonID != "" {
				victim = p.PersonID
			}
		}
	}
	for _, p := range n.Persons {
		switch {
		case p.PersonID == "" || p.PersonID == victim:
		case p.Role == "perpetrator":
			perpetrators = append(perpetrators, p.PersonID)
		case p.Role == "victim" || p.Role == "child":
			others = append(others, p.PersonID)
		}
	}
	return victim, others, perpetrators
}

// openDVCaseFrom opens the victim's DV case from the notification, as the
// notification's workflow would on a first contact that opens one.
func (h *handler) openDVCaseFrom(c *gin.Context, n store.DVNotification, victim domain.PersonID, others, perpetrators []domain.PersonID) (string, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	person, err := h.db.PersonByID(ctx, victim)
	if err != nil {
		return "", err
	}
	def, err := cases.Procedures.Get(violence.Procedure(person.BirthDate, h.now()), 0)
	if err != nil {
		return "", err
	}
	persons := []store.CasePerson{{PersonID: victim, Role: "beneficiary"}}
	for _, p := range others {
		persons = append(persons, store.CasePerson{PersonID: p, Role: "family"})
	}
	for _, p := range perpetrators {
		persons = append(persons, store.CasePerson{PersonID: p, Role: "perpetrator"})
	}
	var ids []domain.PersonID
	for _, p := range persons {
		ids = append(ids, p.PersonID)
	}
	auditPersons(c, ids...)
	description := fmt.Sprintf("Police notification %s (%s): %s", n.Reference, n.PoliceReference, n.Description)
	if r := []rune(description); len(r) > 4000 {
		description = string(r[:4000])
	}
	intake, _ := json.Marshal(map[string]string{"source": "police", "reporter": "police " + n.PoliceReference,
		"description": description, "urgency": "immediate", "outcome": "open_case"})
	if err := cases.Procedures.Validate("intake", intake); err != nil {
		return "", err
	}
	number, err := h.db.NextCaseNumber(ctx, h.now().Year())
	if err != nil {
		return "", err
	}
	if err := h.db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: def.Code, Version: def.Version, CentreID: n.CentreID,
		Status: "open", Stage: cases.StageIntake, OpenedBy: u.Username, OpenedAt: time.Now(), Persons: persons, DV: true}}); err != nil {
		return "", err
	}
	var wp []activities.CasePerson
	for _, p := range persons {
		wp = append(wp, activities.CasePerson{PersonID: p.PersonID, Role: p.Role})
	}
	_, err = h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(number), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL},
		workflows.NameCase, workflows.CaseInput{Number: number, Procedure: def.Code, Version: def.Version, CentreID: n.CentreID,
			OpenedBy: u.Username, Persons: wp, Intake: intake})
	if err != nil {
		if ferr := h.db.ForgetUnstartedCase(ctx, number); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return "", errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the case was not opened, try again"), err)
	}
	return number, nil
}

// dvOpenCase is an open DV case a notification's person takes part in.
type dvOpenCase struct {
	Number    string          `json:"number"`
	Procedure string          `json:"procedure"`
	Stage     string          `json:"stage"`
	PersonID  domain.PersonID `json:"person_id"`
	Role      string          `json:"role"`
}

// victimCases are the open DV cases of n's centre its identified persons
// take part in.
func (h *handler) victimCases(c *gin.Context, n store.DVNotification) ([]dvOpenCase, error) {
	var ids []domain.PersonID
	for _, p := range n.Persons {
		if p.PersonID != "" {
			ids = append(ids, p.PersonID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := h.db.OpenDVCasesOf(c.Request.Context(), n.CentreID, ids)
	if err != nil {
		return nil, err
	}
	var out []dvOpenCase
	for _, o := range list {
		out = append(out, dvOpenCase{Number: o.Number, Procedure: o.Procedure, Stage: o.Stage, PersonID: o.PersonID, Role: o.Role})
	}
	return out, nil
}
