package api

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

type addressDTO struct {
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name,omitempty"`
	Settlement       string `json:"settlement"`
	Street           string `json:"street"`
}

type createPersonRequest struct {
	JMBG       string     `json:"jmbg"`
	GivenName  string     `json:"given_name"`
	FamilyName string     `json:"family_name"`
	Address    addressDTO `json:"address"`
}

type centreDTO struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type personDTO struct {
	ID          string     `json:"id"`
	JMBG        string     `json:"jmbg"`
	JMBGWarning string     `json:"jmbg_warning,omitempty"`
	GivenName   string     `json:"given_name"`
	FamilyName  string     `json:"family_name"`
	BirthDate   string     `json:"birth_date"`
	Sex         string     `json:"sex"`
	Address     addressDTO `json:"address"`
	Centre      centreDTO  `json:"centre"`
	HouseholdID *string    `json:"household_id"`
	CreatedAt   time.Time  `json:"created_at"`
}

func toAddressDTO(a domain.Address) addressDTO {
	m, _ := domain.MunicipalityByCode(a.Municipality)
	return addressDTO{Municipality: a.Municipality, MunicipalityName: m.Name, Settlement: a.Settlement, Street: a.Street}
}

func toPersonDTO(p domain.Person) personDTO {
	c, _ := domain.CentreFor(p.Address.Municipality)
	if c.ID != p.CentreID {
		c = domain.Centre{ID: p.CentreID, Name: p.CentreID}
	}
	d := personDTO{
		ID: string(p.ID), JMBG: string(p.JMBG), JMBGWarning: p.JMBGWarning,
		GivenName: p.GivenName, FamilyName: p.FamilyName,
		BirthDate: p.BirthDate.Format(time.DateOnly), Sex: string(p.Sex),
		Address: toAddressDTO(p.Address), Centre: centreDTO{ID: c.ID, Name: c.Name}, CreatedAt: p.CreatedAt,
	}
	if p.HouseholdID != "" {
		h := string(p.HouseholdID)
		d.HouseholdID = &h
	}
	return d
}

// createPerson registers a person: 201 with the person, 400 naming the
// field at fault, 409 if the JMBG is already registered.
func (h *handler) createPerson(c *gin.Context) (*personDTO, error) {
	var req createPersonRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.JMBG) == "" {
		return nil, domain.FieldError("jmbg", "is required")
	}
	if _, _, err := domain.ParseJMBG(strings.TrimSpace(req.JMBG)); err != nil {
		return nil, err
	}
	addr, err := domain.ParseAddress(req.Address.Municipality, req.Address.Settlement, req.Address.Street)
	if err != nil {
		return nil, err
	}
	// the settlement as the territorial register spells it, or a 400 naming its settlements
	if addr, err = domain.NormaliseAddress(addr, h.now()); err != nil {
		return nil, err
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: req.JMBG, GivenName: req.GivenName, FamilyName: req.FamilyName, Address: addr})
	if err != nil {
		return nil, err
	}
	if err := h.allow(c, "person", "create", p.CentreID); err != nil {
		return nil, err
	}
	created, err := h.db.CreatePerson(c.Request.Context(), p, "caseworker")
	if err != nil {
		return nil, err
	}
	auditPersons(c, created.ID)
	c.Header("Location", "/api/v1/persons/"+string(created.ID))
	dto := toPersonDTO(created)
	return &dto, nil
}

// personList is the answer of a search.
type personList struct {
	Persons []personDTO `json:"persons"`
}

type householdDTO struct {
	ID      string               `json:"id"`
	Address addressDTO           `json:"address"`
	Members []householdMemberDTO `json:"members"`
}

type householdMemberDTO struct {
	PersonID   string `json:"person_id"`
	JMBG       string `json:"jmbg"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Relation   string `json:"relation"`
}

type evidenceDTO struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Source      string          `json:"source"`
	Institution string          `json:"institution"`
	Value       json.RawMessage `json:"value"`
	ValidFrom   string          `json:"valid_from"`
	ValidTo     *string         `json:"valid_to"`
	FetchedAt   time.Time       `json:"fetched_at"`
	Declared    bool            `json:"declared"`
	Change      string          `json:"change"`
	Provenance  provenanceDTO   `json:"provenance"`
}

type provenanceDTO struct {
	RequestID    string `json:"request_id"`
	ResponseHash string `json:"response_hash"`
	Issue        string `json:"issue,omitempty"`
}

type sourceDTO struct {
	Source      string     `json:"source"`
	Institution string     `json:"institution"`
	State       string     `json:"state"`
	RequestedAt time.Time  `json:"requested_at"`
	AnsweredAt  *time.Time `json:"answered_at"`
	LastError   string     `json:"last_error,omitempty"`
}

type personFileDTO struct {
	Claims         []fileClaim       `json:"claims"`
	Cases          []caseSummary     `json:"cases"`              // the case timeline, newest first; DV cases only with the DV permission
	Violence       []fileViolence    `json:"violence,omitempty"` // entries of the DV register naming the person: only with the DV permission
	Entitlements   []fileEntitlement `json:"entitlements"`
	Referrals      []fileReferral    `json:"referrals"` // referrals to the employment agency (activation)
	Changes        []fileChange      `json:"changes"`   // changes the registries published about the person (api/changes.go)
	Payments       []filePayment     `json:"payments"`
	AccessLog      []fileAccess      `json:"access_log"`
	Person         personDTO         `json:"person"`
	Household      *householdDTO     `json:"household"`
	Evidence       []evidenceDTO     `json:"evidence"`
	Sources        []sourceDTO       `json:"sources"`
	PendingSources []string          `json:"pending_sources"`
	FailedSources  []string          `json:"failed_sources"`
}

type fileClaim struct {
	Number  string    `json:"number"`
	Benefit string    `json:"benefit"`
	State   string    `json:"state"`
	FiledAt time.Time `json:"filed_at"`
}

type fileViolence struct {
	Reference  string    `json:"reference"`
	Direction  string    `json:"direction"`
	ReceivedAt time.Time `json:"received_at"`
	State      string    `json:"state"`
	RiskLevel  string    `json:"risk_level"`
	CaseNumber string    `json:"case_number"`
}

type fileEntitlement struct {
	ID            string `json:"id"`
	Benefit       string `json:"benefit"`
	Amount        string `json:"amount"`
	Periodicity   string `json:"periodicity"`
	ValidFrom     string `json:"valid_from"`
	State         string `json:"state"`
	ClaimNumber   string `json:"claim_number"`
	SuspendedFrom string `json:"suspended_from,omitempty"`
	Deduction     string `json:"deduction,omitempty"`
	DeductionFrom string `json:"deduction_from,omitempty"`
	// Versions is the right's history: what it paid from when, and why
	// (grant, indexation, revision, change, appeal, sanction, death).
	Versions []fileVersion `json:"versions"`
	// Notices are the notices sent about the right (a re-rating ex
	// officio, without a new decision: DOMAIN.md §3.1), newest last.
	Notices []fileNotice `json:"notices"`
	// Tasks are the open tasks about the right a change opened (close it
	// by decision after a death, approve that decision), for its centre.
	Tasks []fileTask `json:"tasks"`
}

type fileTask struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	CandidateRole string `json:"candidate_role"`
	Assignee      string `json:"assignee"`
	DueAt         string `json:"due_at"`
}

type fileVersion struct {
	Seq       int     `json:"seq"`
	ValidFrom string  `json:"valid_from"`
	ValidTo   *string `json:"valid_to"`
	Amount    string  `json:"amount"`
	State     string  `json:"state"`
	Reason    string  `json:"reason"`
	Ref       string  `json:"ref"`
}

type fileNotice struct {
	Kind      string          `json:"kind"`
	ValidFrom string          `json:"valid_from"`
	OldAmount string          `json:"old_amount"`
	NewAmount string          `json:"new_amount"`
	Lines     json.RawMessage `json:"lines"`
	SentAt    time.Time       `json:"sent_at"`
}

type fileReferral struct {
	ID              string    `json:"id"`
	State           string    `json:"state"`
	ReferredAt      time.Time `json:"referred_at"`
	AgencyReference string    `json:"agency_reference"`
}

type filePayment struct {
	Period  string `json:"period"`
	Benefit string `json:"benefit"`
	Amount  string `json:"amount"`
	Channel string `json:"channel"`
	State   string `json:"state"`
	Reason  string `json:"reason"`
	Payroll string `json:"payroll"`
}

type fileAccess struct {
	At       time.Time `json:"at"`
	Username string    `json:"username"`
	Role     string    `json:"role"`
	CentreID string    `json:"centre_id"`
	Action   string    `json:"action"`
	Purpose  string    `json:"purpose"`
	Outcome  string    `json:"outcome"`
}

func institutionName(s domain.Source) string {
	in, _ := domain.InstitutionFor(s)
	return in.Name
}

// findSelf is a citizen's search: it finds the citizen and nobody else,
// so that it never tells who else is a client of a centre, or where.
func (h *handler) findSelf(c *gin.Context, u domain.User) (*personList, error) {
	out := []personDTO{}
	q := strings.TrimSpace(c.Query("jmbg"))
	if q == "" && strings.TrimSpace(c.Query("name")) == "" {
		return nil, domain.FieldError("jmbg", "query parameter is required (or search by name)")
	}
	if q != "" {
		if _, _, err := domain.ParseJMBG(q); err != nil {
			return nil, err
		}
	}
	if q == string(u.JMBG) {
		p, err := h.db.PersonByJMBG(c.Request.Context(), u.JMBG)
		switch {
		case err == nil:
			auditPersons(c, p.ID)
			c.Set("audit_target", targetOf(u, p))
			out = append(out, toPersonDTO(p))
		case domain.ErrorCode(err) != domain.CodeNotFound:
			return nil, err
		}
	}
	return &personList{Persons: out}, nil
}

// routePerson loads the person the route's :id names and names them in
// the request's audit record; a malformed or unknown id is its error.
func (h *handler) routePerson(c *gin.Context) (domain.Person, error) {
	id, err := domain.ParsePersonID(c.Param("id"))
	if err != nil {
		return domain.Person{}, err
	}
	p, err := h.db.PersonByID(c.Request.Context(), id)
	if err != nil {
		return domain.Person{}, err
	}
	auditPersons(c, p.ID)
	return p, nil
}

// personFile returns the e-file: person, household, evidence (current, or
// every version with ?history=true) and where each source stands.
func (h *handler) personFile(c *gin.Context) (*personFileDTO, error) {
	ctx := c.Request.Context()
	p, err := h.routePerson(c)
	if err != nil {
		return nil, err
	}
	id := p.ID
	if err := h.allow(c, "person", "read", targetOf(userOf(c), p)); err != nil {
		return nil, err
	}
	file := personFileDTO{Person: toPersonDTO(p), Evidence: []evidenceDTO{}, Sources: []sourceDTO{}, PendingSources: []string{}, FailedSources: []string{}}
	if p.HouseholdID != "" {
		hh, err := h.db.Household(ctx, p.HouseholdID)
		if err != nil {
			return nil, err
		}
		dto := &householdDTO{ID: string(hh.ID), Address: toAddressDTO(hh.Address), Members: []householdMemberDTO{}}
		for _, m := range hh.Members {
			auditPersons(c, m.PersonID)
			dto.Members = append(dto.Members, householdMemberDTO{PersonID: string(m.PersonID), JMBG: string(m.JMBG),
				GivenName: m.GivenName, FamilyName: m.FamilyName, Relation: string(m.Relation)})
		}
		file.Household = dto
	}
	ev, err := h.db.Evidence(ctx, id, c.Query("history") == "true")
	if err != nil {
		return nil, err
	}
	for _, e := range ev {
		d := evidenceDTO{ID: e.ID, Kind: string(e.Kind), Source: string(e.Source), Institution: institutionName(e.Source),
			Value: json.RawMessage(e.Value), ValidFrom: e.ValidFrom.Format(time.DateOnly), FetchedAt: e.FetchedAt,
			Declared: e.Declared, Change: string(e.Change),
			Provenance: provenanceDTO{RequestID: e.Provenance.RequestID, ResponseHash: e.Provenance.ResponseHash, Issue: e.Provenance.Issue}}
		if e.ValidTo != nil {
			s := e.ValidTo.Format(time.DateOnly)
			d.ValidTo = &s
		}
		file.Evidence = append(file.Evidence, d)
	}
	src, err := h.db.EvidenceSources(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, s := range src {
		file.Sources = append(file.Sources, sourceDTO{Source: string(s.Source), Institution: institutionName(s.Source),
			State: s.State, RequestedAt: s.RequestedAt, AnsweredAt: s.AnsweredAt, LastError: s.LastError})
		switch s.State {
		case "pending":
			file.PendingSources = append(file.PendingSources, string(s.Source))
		case "failed":
			file.FailedSources = append(file.FailedSources, string(s.Source))
		}
	}
	claims, err := h.db.ClaimsOfPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	dv := h.mayDV(c)
	cs, err := h.db.CasesOfPerson(ctx, id, dv)
	if err != nil {
		return nil, err
	}
	file.Cases = []caseSummary{}
	for _, x := range cs {
		if x.DV {
			restrict(c)
		}
		file.Cases = append(file.Cases, caseDTO(x))
	}
	// The register's entries naming the person: only with the DV permission.
	if dv {
		entries, err := h.db.DVEntriesOfPerson(ctx, id)
		if err != nil {
			return nil, err
		}
		file.Violence = []fileViolence{}
		if len(entries) > 0 {
			restrict(c)
		}
		for _, n := range entries {
			file.Violence = append(file.Violence, fileViolence{Reference: n.Reference, Direction: n.Direction, ReceivedAt: n.ReceivedAt,
				State: n.State, RiskLevel: n.RiskLevel, CaseNumber: n.CaseNumber})
		}
	}
	file.Claims = []fileClaim{}
	for _, cl := range claims {
		file.Claims = append(file.Claims, fileClaim{Number: cl.Number, Benefit: cl.Benefit, State: cl.State, FiledAt: cl.FiledAt})
	}
	ents, err := h.db.EntitlementsOfPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	file.Entitlements = []fileEntitlement{}
	for _, e := range ents {
		x := fileEntitlement{ID: e.ID, Benefit: e.Benefit, Amount: e.Amount.StringFixed(2),
			Periodicity: e.Periodicity, ValidFrom: e.ValidFrom.Format(time.DateOnly), State: e.State, ClaimNumber: e.ClaimNumber}
		if e.SuspendedFrom != nil {
			x.SuspendedFrom = e.SuspendedFrom.Format(time.DateOnly)
		}
		if e.Deduction.IsPositive() {
			x.Deduction = e.Deduction.StringFixed(2)
			if e.DeductionFrom != nil {
				x.DeductionFrom = e.DeductionFrom.Format(time.DateOnly)
			}
		}
		if x.Versions, x.Notices, err = h.rightHistory(ctx, e.ID); err != nil {
			return nil, err
		}
		if x.Tasks, err = h.rightTasks(ctx, userOf(c), e.ID); err != nil {
			return nil, err
		}
		file.Entitlements = append(file.Entitlements, x)
	}
	refs, err := h.db.Referrals(ctx, store.ReferralFilter{PersonID: id, Limit: 20})
	if err != nil {
		return nil, err
	}
	file.Referrals = []fileReferral{}
	for _, r := range refs {
		file.Referrals = append(file.Referrals, fileReferral{ID: r.ID, State: r.State, ReferredAt: r.ReferredAt, AgencyReference: r.AgencyReference})
	}
	if file.Changes, err = h.fileChanges(ctx, id); err != nil {
		return nil, err
	}
	pays, err := h.db.PaymentsOfPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	file.Payments = []filePayment{}
	for _, p := range pays {
		file.Payments = append(file.Payments, filePayment{Period: p.Period.Format("2006-01"), Benefit: p.Benefit, Amount: p.Amount.StringFixed(2),
			Channel: p.Channel, State: p.State, Reason: p.Reason, Payroll: p.PayrollID})
	}
	file.AccessLog = []fileAccess{}
	if u := userOf(c); u.Role != domain.RoleCitizen {
		log, err := h.db.AccessLog(ctx, id, 20, false)
		if err != nil {
			return nil, err
		}
		for _, r := range log {
			file.AccessLog = append(file.AccessLog, fileAccess{At: r.At, Username: r.Username, Role: r.Role, CentreID: r.CentreID,
				Action: r.Action, Purpose: r.Purpose, Outcome: r.Outcome})
		}
	}
	return &file, nil
}

type refreshRequest struct {
	Issue   string   `json:"issue"`
	Sources []string `json:"sources"`
}

// refreshEvidence starts the person's evidence refresh, or joins the one
// already running: 202 with the workflow id.
func (h *handler) refreshEvidence(c *gin.Context) (*workflowStarted, error) {
	ctx := c.Request.Context()
	id, err := domain.ParsePersonID(c.Param("id"))
	if err != nil {
		return nil, err
	}
	var req refreshRequest
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return nil, err
		}
	}
	if len(req.Issue) > 64 {
		return nil, domain.FieldError("issue", "is longer than 64 characters")
	}
	if req.Issue != "" {
		// The issue becomes the purpose of the registry queries, shown to
		// the person: a claim or a case the caller may read, nothing else.
		if ok, err := h.mayNameIssue(c, req.Issue); err != nil {
			return nil, err
		} else if !ok {
			return nil, domain.FieldError("issue", "%q is no claim or case you may read (a number like Z-2026-000001 or S-2026-000001)", printable(req.Issue, 64))
		}
	}
	in := workflows.RefreshEvidenceInput{PersonID: id, Issue: req.Issue}
	for _, s := range req.Sources {
		if _, ok := domain.InstitutionFor(domain.Source(s)); !ok {
			return nil, domain.FieldError("sources", "%q is not a registry source", s)
		}
		in.Sources = append(in.Sources, domain.Source(s))
	}
	p, err := h.db.PersonByID(ctx, id)
	if err != nil {
		return nil, err
	}
	auditPersons(c, p.ID)
	if err := h.allow(c, "evidence", "refresh", p.CentreID); err != nil {
		return nil, err
	}
	run, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.RefreshEvidenceID(id),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.NameRefreshEvidence, in)
	if err != nil {
		return nil, unavailable(err)
	}
	return &workflowStarted{WorkflowID: run.GetID(), RunID: run.GetRunID()}, nil
}

// workflowStarted names the workflow a request started (or joined).
type workflowStarted struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
}

// mayNameIssue reports whether issue is the number of a claim or a case
// the caller may read; a DV case's marks the request restricted.
func (h *handler) mayNameIssue(c *gin.Context, issue string) (bool, error) {
	if strings.HasPrefix(issue, "Z-") {
		cl, err := h.db.ClaimByNumber(c.Request.Context(), issue)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return false, nil
		} else if err != nil {
			return false, err
		}
		u := userOf(c)
		return h.enforcer.Allow(string(u.Role), u.CentreID, cl.CentreID, "claim", "read"), nil
	}
	ok, dv, err := h.mayReadCase(c, issue)
	if ok && dv {
		restrict(c)
	}
	return ok, err
}

// rightHistory is a right's versions and notices as the e-file shows them.
func (h *handler) rightHistory(ctx context.Context, id string) ([]fileVersion, []fileNotice, error) {
	vs, err := h.db.Versions(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ns, err := h.db.NoticesOf(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	versions, notices := make([]fileVersion, len(vs)), make([]fileNotice, len(ns))
	for i, v := range vs {
		versions[i] = fileVersion{Seq: v.Seq, ValidFrom: v.From.Format(time.DateOnly), Amount: v.Amount.StringFixed(2), State: string(v.State),
			Reason: string(v.Reason), Ref: v.Ref}
		if v.To != nil {
			to := v.To.Format(time.DateOnly)
			versions[i].ValidTo = &to
		}
	}
	for i, n := range ns {
		lines := n.Lines
		if len(lines) == 0 {
			lines = json.RawMessage("[]")
		}
		notices[i] = fileNotice{Kind: n.Kind, ValidFrom: n.ValidFrom.Format(time.DateOnly), OldAmount: n.OldAmount.StringFixed(2),
			NewAmount: n.NewAmount.StringFixed(2), Lines: lines, SentAt: n.CreatedAt}
	}
	return versions, notices, nil
}

// rightTasks are the open tasks a change opened about a right, for a
// reader of the centre they belong to.
func (h *handler) rightTasks(ctx context.Context, u domain.User, id string) ([]fileTask, error) {
	out := []fileTask{}
	if u.CentreID == "" {
		return out, nil
	}
	ts, err := h.db.Tasks(ctx, store.TaskFilter{CentreID: u.CentreID, Subject: id, State: "open"})
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if strings.HasPrefix(t.Type, "change.") {
			out = append(out, fileTask{ID: t.ID, Type: t.Type, CandidateRole: t.CandidateRole, Assignee: t.Assignee, DueAt: t.DueAt.Format(time.RFC3339)})
		}
	}
	return out, nil
}
