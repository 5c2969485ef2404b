package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/domain/schema"
	"github.com/karton-social/karton/domain/violence"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// The domestic-violence exchange with the police and the unified DV
// register (DOMAIN.md §4.5, §5.3). The police's system is a machine client
// with the police_officer role; it sees what it sent and nothing else.

// dvMessage is a police notification or a centre's report, as far as the
// API reads it (the schema has checked the rest).
type dvMessage struct {
	PoliceReference string    `json:"police_reference"`
	OccurredAt      time.Time `json:"occurred_at"`
	Place           struct {
		Municipality string `json:"municipality"`
	} `json:"place"`
	Description string `json:"description"`
	Persons     []struct {
		Role         string `json:"role"`
		JMBG         string `json:"jmbg"`
		PersonID     string `json:"person_id"`
		GivenName    string `json:"given_name"`
		FamilyName   string `json:"family_name"`
		Sex          string `json:"sex"`
		BirthYear    int    `json:"birth_year"`
		Description  string `json:"description"`
		Relationship string `json:"relationship"`
	} `json:"persons"`
	ChildrenPresent bool     `json:"children_present"`
	Measures        []string `json:"measures"`
	RiskLevel       string   `json:"risk_level"`
	CaseNumber      string   `json:"case_number"`
}

// place is where it happened, as a municipality.
func (m dvMessage) place() (domain.Municipality, error) {
	place, err := domain.ParseMunicipality(m.Place.Municipality)
	if err != nil {
		return place, domain.FieldError("place.municipality", "%s", domain.ErrorMessage(err))
	}
	return place, nil
}

// auditDV names an entry's identified persons in the request's audit record.
func auditDV(c *gin.Context, n store.DVNotification) {
	for _, p := range n.Persons {
		if p.PersonID != "" {
			auditPersons(c, p.PersonID)
		}
	}
}

// readMessage reads a body and checks it against a published schema,
// listing every failing field.
func readMessage(c *gin.Context, schema string, into any) (json.RawMessage, error) {
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return nil, domain.FieldError("body", "unreadable: %v", err)
	}
	if err := violence.Schemas.Validate(schema, raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return nil, domain.FieldError("body", "%v", err)
	}
	return raw, nil
}

// createViolenceNotification takes a police notification: 202 with
// Karton's reference, the same reference again for the same police
// reference. Persons the registers do not know are recorded as described,
// for the centre to resolve: a notification is never refused for that.
func (h *handler) createViolenceNotification(c *gin.Context) (*dvReceived, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var m dvMessage
	raw, err := readMessage(c, "notification", &m)
	if err != nil {
		return nil, err
	}
	if key := c.GetHeader("Idempotency-Key"); key != "" && key != m.PoliceReference {
		return nil, domain.FieldError("Idempotency-Key", "is the police reference (%q), not %q", m.PoliceReference, key)
	}
	place, err := m.place()
	if err != nil {
		return nil, err
	}
	n := store.DVNotification{Direction: "from_police", PoliceReference: m.PoliceReference, Sender: u.Username, ReceivedAt: time.Now(),
		OccurredAt: m.OccurredAt, Municipality: place.Code, Description: m.Description, Measures: m.Measures,
		ChildrenPresent: m.ChildrenPresent, Body: raw, State: "received"}
	in := workflows.ViolenceInput{Direction: "from_police", PoliceReference: m.PoliceReference, OccurredAt: m.OccurredAt,
		Municipality: place.Code, Description: m.Description}
	victimCentre := ""
	var ids []domain.PersonID
	for _, p := range m.Persons {
		dp := store.DVPerson{Role: p.Role, JMBG: p.JMBG, Description: p.Description, Sex: p.Sex, BirthYear: p.BirthYear,
			Relationship: p.Relationship, Name: joinName(p.GivenName, p.FamilyName)}
		var birth time.Time
		if j, info, err := domain.ParseJMBG(p.JMBG); err == nil {
			birth = info.BirthDate
			if dp.BirthYear == 0 {
				dp.BirthYear = info.BirthDate.Year()
			}
			if dp.Sex == "" {
				dp.Sex = string(info.Sex)
			}
			if person, err := h.db.PersonByJMBG(ctx, j); err == nil {
				dp.PersonID = person.ID
				ids = append(ids, person.ID)
				if victimCentre == "" && (p.Role == "victim" || p.Role == "child") {
					victimCentre = person.CentreID
				}
			}
		}
		if dp.PersonID != "" {
			switch p.Role {
			case "victim", "child":
				in.Victims = append(in.Victims, workflows.ViolencePerson{PersonID: dp.PersonID, Role: p.Role, Birth: birth})
			case "perpetrator":
				in.Perpetrators = append(in.Perpetrators, dp.PersonID)
			}
		}
		in.Persons = append(in.Persons, activities.PolicePerson{Role: p.Role, JMBG: p.JMBG, Name: dp.Name})
		n.Persons = append(n.Persons, dp)
	}
	auditPersons(c, ids...)
	centre, err := violence.CompetentCentre(victimCentre, place.Code)
	if err != nil {
		return nil, err
	}
	n.CentreID = centre.ID
	rec, created, err := h.db.RecordDVNotification(ctx, n)
	if err != nil {
		return nil, err
	}
	if !created && rec.Sender != u.Username {
		return nil, domain.Errorf(domain.CodeConflict, "police reference %s was sent by another client", m.PoliceReference)
	}
	in.Reference, in.CentreID, in.FirstContactDue = rec.Reference, rec.CentreID, h.deadlines.DVFirstContact
	// Started again for a repeated message: the running workflow stands.
	if err := h.startViolence(c, in); err != nil {
		return nil, err
	}
	return &dvReceived{accepted: accepted{started: created}, Reference: rec.Reference, PoliceReference: rec.PoliceReference, CentreID: rec.CentreID,
		Duplicate: !created, StatusURL: "/api/v1/violence-notifications/" + rec.Reference}, nil
}

// dvReceived answers a police notification: 202 the first time, 200 for a
// repeat.
type dvReceived struct {
	accepted
	Reference       string `json:"reference"`
	PoliceReference string `json:"police_reference"`
	CentreID        string `json:"centre_id"`
	Duplicate       bool   `json:"duplicate"`
	StatusURL       string `json:"status_url"`
}

func joinName(given, family string) string {
	switch {
	case given == "":
		return family
	case family == "":
		return given
	}
	return given + " " + family
}

func (h *handler) startViolence(c *gin.Context, in workflows.ViolenceInput) error {
	_, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{ID: workflows.ViolenceWorkflowID(in.Reference),
		TaskQueue: workflows.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE}, workflows.NameViolenceNotification, in)
	var done *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &done) { // acted on long ago: the register has it
		return nil
	}
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the message is registered as %s: send it again to have it acted on", in.Reference), err)
	}
	return nil
}

// loadDV reads a register entry the caller may see: the police what they
// sent, the DV caseworkers of its centre.
func (h *handler) loadDV(c *gin.Context, resource, action string) (store.DVNotification, error) {
	u := userOf(c)
	n, err := h.db.DVNotificationByRef(c.Request.Context(), c.Param("reference"))
	visible := err == nil && h.enforcer.Allow(string(u.Role), u.CentreID, n.CentreID, resource, action)
	if err == nil && u.Role == domain.RolePoliceOfficer {
		visible = n.Sender == u.Username
	}
	if err == nil && !visible {
		// What the caller may not see does not exist for them: the police
		// another sender's message, a DV caseworker another centre's.
		err = domain.Errorf(domain.CodeNotFound, "notification %s not found", c.Param("reference"))
	}
	if err != nil {
		return n, err
	}
	c.Set("audit_target", n.CentreID)
	auditDV(c, n)
	return n, nil
}

// dvEntry is an entry of the DV register. The police do not get the
// centre's first contact nor its case (both absent for them).
type dvEntry struct {
	Reference       string           `json:"reference"`
	Direction       string           `json:"direction"`
	PoliceReference string           `json:"police_reference"`
	Sender          string           `json:"sender"`
	ReceivedAt      time.Time        `json:"received_at"`
	OccurredAt      time.Time        `json:"occurred_at"`
	Municipality    string           `json:"municipality"`
	CentreID        string           `json:"centre_id"`
	Description     string           `json:"description"`
	Measures        []string         `json:"measures"`
	RiskLevel       string           `json:"risk_level"`
	ChildrenPresent bool             `json:"children_present"`
	State           string           `json:"state"`
	CaseNumber      *string          `json:"case_number,omitempty"`
	FirstContact    *json.RawMessage `json:"first_contact,omitempty"`
	Persons         []dvPerson       `json:"persons"`
	Report          dvReport         `json:"report"`
}

type dvPerson struct {
	Role         string          `json:"role"`
	PersonID     domain.PersonID `json:"person_id"`
	JMBG         string          `json:"jmbg"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Sex          string          `json:"sex"`
	BirthYear    int             `json:"birth_year"`
	Relationship string          `json:"relationship"`
	Identified   bool            `json:"identified"`
}

// dvReport is where the report to the police stands.
type dvReport struct {
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
}

func dvDTO(n store.DVNotification) dvEntry {
	persons := []dvPerson{}
	for _, p := range n.Persons {
		persons = append(persons, dvPerson{Role: p.Role, PersonID: p.PersonID, JMBG: p.JMBG, Name: p.Name, Description: p.Description,
			Sex: p.Sex, BirthYear: p.BirthYear, Relationship: p.Relationship, Identified: p.PersonID != ""})
	}
	return dvEntry{Reference: n.Reference, Direction: n.Direction, PoliceReference: n.PoliceReference, Sender: n.Sender,
		ReceivedAt: n.ReceivedAt, OccurredAt: n.OccurredAt, Municipality: n.Municipality, CentreID: n.CentreID,
		Description: n.Description, Measures: n.Measures, RiskLevel: n.RiskLevel, ChildrenPresent: n.ChildrenPresent,
		State: n.State, CaseNumber: &n.CaseNumber, FirstContact: &n.Contact, Persons: persons,
		Report: dvReport{State: n.ReportState, Attempts: n.ReportAttempts, LastError: n.ReportError, AcknowledgedAt: n.ReportedAt}}
}

// getViolenceNotification is a register entry with its timeline and the
// state of the report to the police.
func (h *handler) getViolenceNotification(c *gin.Context) (*dvView, error) {
	n, err := h.loadDV(c, "dv_notification", "read")
	if err != nil {
		return nil, err
	}
	events, err := h.db.DVEvents(c.Request.Context(), n.Reference)
	if err != nil {
		return nil, err
	}
	out := dvView{dvEntry: dvDTO(n), Timeline: []dvEvent{}}
	police := userOf(c).Role == domain.RolePoliceOfficer
	if police {
		// The police get what the centre reports to them, not the centre's
		// first contact, its findings or its case.
		out.FirstContact, out.CaseNumber = nil, nil
	}
	for _, e := range events {
		if police && e.Kind != "police_update" && e.Kind != "report_acknowledged" && e.Kind != "received" {
			continue
		}
		out.Timeline = append(out.Timeline, dvEvent{At: e.At, Kind: e.Kind, By: e.By, Summary: e.Summary, Data: e.Data})
	}
	// The police see the exchange, not the centre's work.
	if out.Tasks, err = h.centreTasks(c, domain.RolePoliceOfficer, n.CentreID, workflows.ViolenceWorkflowID(n.Reference)); err != nil {
		return nil, err
	}
	if !police && n.CaseNumber == "" { // the open cases the notification may join (dvcase.go)
		if out.OpenCases, err = h.victimCases(c, n); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// dvView is a register entry with its timeline and tasks.
type dvView struct {
	dvEntry
	Timeline []dvEvent `json:"timeline"`
	Tasks    []taskDTO `json:"tasks"`
	// OpenCases are the open DV cases of the centre its identified
	// persons take part in, while it has no case: one may be joined.
	OpenCases []dvOpenCase `json:"open_cases,omitempty"`
}

type dvEvent struct {
	At      time.Time       `json:"at"`
	Kind    string          `json:"kind"`
	By      string          `json:"by"`
	Summary string          `json:"summary"`
	Data    json.RawMessage `json:"data"`
}

// centreTasks are the tasks of a centre's workflow, for everyone but the
// other institution (outsider) in the exchange.
func (h *handler) centreTasks(c *gin.Context, outsider domain.Role, centre, workflowID string) ([]taskDTO, error) {
	tasks := []taskDTO{}
	if userOf(c).Role == outsider {
		return tasks, nil
	}
	ts, err := h.db.Tasks(c.Request.Context(), store.TaskFilter{CentreID: centre, WorkflowID: workflowID, Cleared: h.cleared(c)})
	for _, t := range ts {
		tasks = append(tasks, toTaskDTO(t))
	}
	return tasks, err
}

// policeUpdate takes a later police message (new measures, a court's
// outcome): 202, or 200 with the first answer when the update id was
// taken before.
func (h *handler) policeUpdate(c *gin.Context) (*policeUpdateReceived, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var m struct {
		UpdateID string    `json:"update_id"`
		Kind     string    `json:"kind"`
		At       time.Time `json:"at"`
		Measures []string  `json:"measures"`
		Outcome  string    `json:"outcome"`
		Note     string    `json:"note"`
	}
	if _, err := readMessage(c, "police_update", &m); err != nil {
		return nil, err
	}
	n, err := h.loadDV(c, "dv_notification", "update")
	if err != nil {
		return nil, err
	}
	// The register takes the update first, once per update id (a repeat
	// finds it there); the workflow hears of it by a signal.
	upd := workflows.PoliceUpdate{UpdateID: m.UpdateID, Kind: m.Kind, At: m.At, Measures: m.Measures, Outcome: m.Outcome, Note: m.Note, By: u.Username}
	data, _ := json.Marshal(upd)
	inserted, err := h.db.RecordDVEvent(ctx, n.Reference, store.DVEvent{Key: "police-update/" + m.UpdateID, At: time.Now(), Kind: "police_update",
		By: u.Username, Summary: m.Kind + ": " + m.Outcome + m.Note, Data: data})
	if err != nil {
		return nil, err
	}
	if !inserted {
		return &policeUpdateReceived{Reference: n.Reference, UpdateID: m.UpdateID, Duplicate: true}, nil
	}
	if m.Kind == "measures" && len(m.Measures) > 0 {
		if err := h.db.UpdateDVNotification(ctx, n.Reference, store.DVUpdate{Measures: m.Measures}); err != nil {
			return nil, err
		}
	}
	err = h.tc.SignalWorkflow(ctx, workflows.ViolenceWorkflowID(n.Reference), "", workflows.SignalPoliceUpdate, upd)
	var gone *serviceerror.NotFound
	if err != nil && !errors.As(err, &gone) { // recorded all the same; a finished workflow has stopped listening
		h.log.Warn("police update not signalled", "reference", n.Reference, "update_id", m.UpdateID, "error", err)
	}
	return &policeUpdateReceived{accepted: accepted{started: true}, Reference: n.Reference, UpdateID: m.UpdateID}, nil
}

// policeUpdateReceived answers a police update: 202 the first time, 200
// for a repeat.
type policeUpdateReceived struct {
	accepted
	Reference string `json:"reference"`
	UpdateID  string `json:"update_id"`
	Duplicate bool   `json:"duplicate"`
}

// createViolenceReport is a centre's report of violence it learnt of
// first: registered and sent to the police, whose reference links back.
func (h *handler) createViolenceReport(c *gin.Context) (*dvReportSent, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var m dvMessage
	raw, err := readMessage(c, "report", &m)
	if err != nil {
		return nil, err
	}
	place, err := m.place()
	if err != nil {
		return nil, err
	}
	n := store.DVNotification{Direction: "to_police", Sender: u.Username, ReceivedAt: time.Now(), OccurredAt: m.OccurredAt,
		Municipality: place.Code, Description: m.Description, RiskLevel: m.RiskLevel, Body: raw, State: "received"}
	in := workflows.ViolenceInput{Direction: "to_police", OccurredAt: m.OccurredAt, Municipality: place.Code, Description: m.Description,
		RiskLevel: m.RiskLevel, CaseNumber: m.CaseNumber}
	centre := ""
	var ids []domain.PersonID
	for i, p := range m.Persons {
		person, err := h.person(c, p.PersonID, "persons."+strconv.Itoa(i)+".person_id")
		if err != nil {
			return nil, err
		}
		ids = append(ids, person.ID)
		if centre == "" && (p.Role == "victim" || p.Role == "child") {
			centre = person.CentreID
		}
		n.Persons = append(n.Persons, store.DVPerson{Role: p.Role, PersonID: person.ID, JMBG: string(person.JMBG),
			Name: joinName(person.GivenName, person.FamilyName), Sex: string(person.Sex), BirthYear: person.BirthDate.Year(), Relationship: p.Relationship})
		in.Persons = append(in.Persons, activities.PolicePerson{Role: p.Role, JMBG: string(person.JMBG), Name: joinName(person.GivenName, person.FamilyName)})
	}
	auditPersons(c, ids...)
	if centre == "" {
		return nil, domain.FieldError("persons", "a report names at least one victim or child")
	}
	if err := h.allow(c, "dv_report", "create", centre); err != nil {
		return nil, err
	}
	n.CentreID = centre
	rec, _, err := h.db.RecordDVNotification(ctx, n)
	if err != nil {
		return nil, err
	}
	in.Reference, in.CentreID = rec.Reference, rec.CentreID
	if err := h.startViolence(c, in); err != nil {
		return nil, err
	}
	return &dvReportSent{Reference: rec.Reference, CentreID: rec.CentreID, StatusURL: "/api/v1/violence-notifications/" + rec.Reference}, nil
}

type dvReportSent struct {
	Reference string `json:"reference"`
	CentreID  string `json:"centre_id"`
	StatusURL string `json:"status_url"`
}

// dvRegister lists the register: a centre's entries for its DV
// caseworkers, what it sent for the police.
func (h *handler) dvRegister(c *gin.Context) (*dvRegisterView, error) {
	u := userOf(c)
	f := store.DVFilter{}
	if u.Role == domain.RolePoliceOfficer {
		f.Sender = u.Username
	} else {
		f.CentreID = c.DefaultQuery("centre_id", u.CentreID)
		if err := h.allow(c, "dv_register", "read", f.CentreID); err != nil {
			return nil, err
		}
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", 100, 1, 500); err != nil {
		return nil, err
	}
	list, err := h.db.DVRegister(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	out := []dvEntry{}
	for _, n := range list {
		auditDV(c, n)
		out = append(out, dvDTO(n))
	}
	return &dvRegisterView{Entries: out}, nil
}

type dvRegisterView struct {
	Entries []dvEntry `json:"entries"`
}

// violenceStatistics counts victims by municipality, month, age and sex,
// relationship and measure, for a year: no personal data.
func (h *handler) violenceStatistics(c *gin.Context) (*dvStatistics, error) {
	year, err := queryInt(c, "year", time.Now().Year(), 2010, 2100)
	if err != nil {
		return nil, err
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	stats, err := h.db.DVStatistics(c.Request.Context(), from, from.AddDate(1, 0, 0))
	if err != nil {
		return nil, err
	}
	out := dvStatistics{Year: year}
	by := map[string]*[]dvCount{"municipality": &out.ByMunicipality, "month": &out.ByMonth, "age_sex": &out.ByAgeSex,
		"relationship": &out.ByRelationship, "measure": &out.ByMeasure}
	for k, list := range stats {
		rows := []dvCount{}
		for _, x := range list {
			rows = append(rows, dvCount{Key: x.Key, Victims: x.Count})
		}
		if p, ok := by[k]; ok {
			*p = rows
		} else {
			return nil, fmt.Errorf("DV statistics by %q: not an answer field", k) // store and API disagree: a defect
		}
	}
	return &out, nil
}

// dvStatistics counts victims, no personal data.
type dvStatistics struct {
	Year           int       `json:"year"`
	ByMunicipality []dvCount `json:"by_municipality"`
	ByMonth        []dvCount `json:"by_month"`
	ByAgeSex       []dvCount `json:"by_age_sex"`
	ByRelationship []dvCount `json:"by_relationship"`
	ByMeasure      []dvCount `json:"by_measure"`
}

type dvCount struct {
	Key     string `json:"key"`
	Victims int    `json:"victims"`
}

// publishedSchemas are the messages exchanged with other institutions, and
// the residents' individual plan, by the name they are published under.
var publishedSchemas = map[string]struct {
	set  *schema.Set
	name string
}{
	"violence-notification": {violence.Schemas, "notification"},
	"police-update":         {violence.Schemas, "police_update"},
	"violence-report":       {violence.Schemas, "report"},
	"dv-first-contact":      {violence.Schemas, "first_contact"},
	"activation-referral":   {activation.Schemas, "referral"},
	"activation-step":       {activation.Schemas, "step"},
	"activation-message":    {activation.Schemas, "message"},
	"activation-decision":   {activation.Schemas, "decision"},
	"resident_plan":         {institutions.Forms, institutions.PlanForm}, // a resident's individual plan (issue 22)
}

// serveSchema publishes a message's JSON Schema: GET /api/v1/schemas/{name}.json.
func serveSchema(c *gin.Context) {
	name := strings.TrimSuffix(c.Param("name"), ".json")
	s, ok := publishedSchemas[name]
	var raw json.RawMessage
	if ok {
		raw, ok = s.set.Raw(s.name)
	}
	if !ok {
		names := make([]string, 0, len(publishedSchemas))
		for n := range publishedSchemas {
			names = append(names, n)
		}
		sort.Strings(names)
		writeError(c, nil, notFound("no schema "+c.Param("name")+"; published: "+strings.Join(names, ", ")))
		return
	}
	c.Data(http.StatusOK, "application/schema+json", raw)
}
