package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// The resident's care (issue 22, item 3): the individual plan, versioned,
// whose lists of visitors are the resident's visit rules; the social
// service's notes; the medical records, a compartment of the institution's
// medical staff (for anyone else the routes answer 404, as if there were
// none). A resident is an admitted placement of the caller's institution:
// another institution's resident does not exist for its staff. Every
// request names the resident's person in the audit log; the medical
// routes' records are restricted (sealed), so that a citizen's access log
// shows the institution's care but not its medical compartment.

// maxCareText is the longest note or medical record, in characters.
const maxCareText = 5000

// residentOf is the resident of the route's placement, once the policy
// lets the caller act on resource in the placement's institution; a
// placement that is not an admitted resident of the caller's institution
// is a 404, whatever the reason.
func (h *handler) residentOf(c *gin.Context, resource, action string) (store.Resident, error) {
	raw := c.Param("placement")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return store.Resident{}, domain.Errorf(domain.CodeNotFound, "resident %q not found", printable(raw, 40))
	}
	absent := domain.Errorf(domain.CodeNotFound, "resident %d not found", id)
	ctx := c.Request.Context()
	p, err := h.db.PlacementByID(ctx, id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return store.Resident{}, absent
	} else if err != nil {
		return store.Resident{}, err
	}
	auditPersons(c, p.PersonID)
	if err := h.allow(c, resource, action, p.InstitutionID); err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return store.Resident{}, absent
		}
		return store.Resident{}, err
	}
	r, err := h.db.ResidentOf(ctx, p.InstitutionID, id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return store.Resident{}, absent
	}
	return r, err
}

type careResidentView struct {
	PlacementID     int64  `json:"placement_id"`
	Name            string `json:"name"`
	BirthDate       string `json:"birth_date"`
	Age             int    `json:"age"`
	InstitutionID   string `json:"institution_id"`
	InstitutionName string `json:"institution_name"`
	Unit            string `json:"unit"`
	Room            string `json:"room"`
	Bed             string `json:"bed"`
	AdmittedOn      string `json:"admitted_on"`
}

// getResident answers GET /api/v1/residents/:placement: the resident's
// name, age and bed, nothing else of the e-file.
func (h *handler) getResident(c *gin.Context) (*careResidentView, error) {
	r, err := h.residentOf(c, "resident", "read")
	if err != nil {
		return nil, err
	}
	inst := userOf(c).InstitutionID
	in, err := h.db.InstitutionByID(c.Request.Context(), inst)
	if err != nil {
		return nil, err
	}
	return &careResidentView{PlacementID: r.PlacementID, Name: r.Name, BirthDate: r.BirthDate.Format(time.DateOnly),
		Age: institutions.Age(r.BirthDate, h.now()), InstitutionID: in.ID, InstitutionName: in.Name, Unit: r.UnitName, Room: r.RoomName,
		Bed: r.BedLabel, AdmittedOn: r.AdmittedOn.Format(time.DateOnly)}, nil
}

type planVersionView struct {
	Version int       `json:"version"`
	SavedBy string    `json:"saved_by"`
	SavedAt time.Time `json:"saved_at"`
}

type visitRuleView struct {
	VisitorName string    `json:"visitor_name"`
	VisitorJMBG string    `json:"visitor_jmbg,omitempty"`
	Allowed     bool      `json:"allowed"`
	Reason      string    `json:"reason"`
	SetBy       string    `json:"set_by"`
	SetAt       time.Time `json:"set_at"`
}

type planView struct {
	PlacementID int64             `json:"placement_id"`
	Version     int               `json:"version"`
	Latest      int               `json:"latest"`
	Data        json.RawMessage   `json:"data"`
	SavedBy     string            `json:"saved_by,omitempty"`
	SavedAt     *time.Time        `json:"saved_at,omitempty"`
	Versions    []planVersionView `json:"versions"`
	VisitRules  []visitRuleView   `json:"visit_rules"`
}

// planView is version of the placement's plan (0: the newest; none saved:
// version 0 and empty data), with every version and the visit rules.
func (h *handler) planView(c *gin.Context, placement int64, version int) (*planView, error) {
	ctx := c.Request.Context()
	versions, err := h.db.PlanVersions(ctx, placement)
	if err != nil {
		return nil, err
	}
	v := &planView{PlacementID: placement, Data: json.RawMessage(`{}`), Versions: []planVersionView{}, VisitRules: []visitRuleView{}}
	for _, x := range versions {
		v.Versions = append(v.Versions, planVersionView{Version: x.Version, SavedBy: x.SavedBy, SavedAt: x.SavedAt})
	}
	if len(versions) > 0 {
		v.Latest = versions[0].Version
	}
	if len(versions) > 0 || version > 0 {
		p, err := h.db.Plan(ctx, placement, version)
		if err != nil {
			if version > 0 && domain.ErrorCode(err) == domain.CodeNotFound {
				return nil, domain.FieldError("version", "the plan has no version %d (versions 1 to %d)", version, v.Latest)
			}
			return nil, err
		}
		v.Version, v.Data, v.SavedBy, v.SavedAt = p.Version, p.Data, p.SavedBy, &p.SavedAt
	}
	rules, err := h.db.VisitRules(ctx, placement)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		v.VisitRules = append(v.VisitRules, visitRuleView{VisitorName: r.VisitorName, VisitorJMBG: r.VisitorJMBG, Allowed: r.Allowed, Reason: r.Reason,
			SetBy: r.SetBy, SetAt: r.SetAt})
	}
	return v, nil
}

// getPlan answers GET /api/v1/residents/:placement/plan[?version=N].
func (h *handler) getPlan(c *gin.Context) (*planView, error) {
	version := 0
	if s := c.Query("version"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, domain.FieldError("version", "%q is not a version: a whole number from 1", printable(s, 20))
		}
		version = n
	}
	r, err := h.residentOf(c, "care_plan", "read")
	if err != nil {
		return nil, err
	}
	return h.planView(c, r.PlacementID, version)
}

type savePlanRequest struct {
	Data        json.RawMessage `json:"data"`
	BaseVersion *int            `json:"base_version"`
}

// savePlan answers PUT /api/v1/residents/:placement/plan: a new version of
// the plan, every fault of it named (fields data.<path>), and its visitors
// as the resident's visit rules in the same transaction. A base_version
// other than the newest is a 409.
func (h *handler) savePlan(c *gin.Context) (*planView, error) {
	r, err := h.residentOf(c, "care_plan", "update")
	if err != nil {
		return nil, err
	}
	var req savePlanRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	if req.BaseVersion != nil && *req.BaseVersion < 0 {
		errs = append(errs, domain.FieldError("base_version", "%d is not a version: 0 (none saved yet) or more", *req.BaseVersion))
	}
	if len(req.Data) == 0 || string(req.Data) == "null" {
		errs = append(errs, domain.FieldError("data", "is required: the plan"))
	}
	var plan institutions.Plan
	if len(req.Data) > 0 && string(req.Data) != "null" {
		child := institutions.Age(r.BirthDate, h.now()) < 18
		if plan, err = institutions.ParsePlan(req.Data, child); err != nil {
			errs = append(errs, underData(err)...)
		}
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	data, err := json.Marshal(plan)
	if err != nil {
		return nil, fmt.Errorf("plan of placement %d: %w", r.PlacementID, err)
	}
	var rules []store.VisitRule
	for _, v := range plan.Visitors() {
		rules = append(rules, store.VisitRule{VisitorName: v.Name, VisitorJMBG: v.JMBG, Allowed: v.Allowed, Reason: v.Reason})
	}
	base := -1
	if req.BaseVersion != nil {
		base = *req.BaseVersion
	}
	saved, err := h.db.SavePlan(c.Request.Context(), r.PlacementID, base, data, rules, userOf(c).Username)
	if err != nil {
		return nil, err
	}
	return h.planView(c, r.PlacementID, saved.Version)
}

// underData puts a plan's faults under the request's field data.
func underData(err error) []*domain.Error {
	var e *domain.Error
	if !errors.As(err, &e) {
		return []*domain.Error{domain.FieldError("data", "%s", domain.ErrorMessage(err))}
	}
	list := e.Fields
	if list == nil {
		list = []*domain.Error{e}
	}
	out := make([]*domain.Error, 0, len(list))
	for _, f := range list {
		field := "data"
		if f.Field != "" && f.Field != "data" {
			field = "data." + f.Field
		}
		out = append(out, domain.FieldError(field, "%s", f.Message))
	}
	return out
}

type socialNoteView struct {
	ID        int64     `json:"id"`
	Date      string    `json:"date"`
	Text      string    `json:"text"`
	Corrects  int64     `json:"corrects,omitempty"`
	WrittenBy string    `json:"written_by"`
	WrittenAt time.Time `json:"written_at"`
}

func noteView(n store.SocialNote) socialNoteView {
	return socialNoteView{ID: n.ID, Date: n.Date.Format(time.DateOnly), Text: n.Text, Corrects: n.Corrects, WrittenBy: n.WrittenBy, WrittenAt: n.WrittenAt}
}

type socialNotesView struct {
	PlacementID int64            `json:"placement_id"`
	Notes       []socialNoteView `json:"notes"`
}

// listSocialNotes answers GET /api/v1/residents/:placement/notes.
func (h *handler) listSocialNotes(c *gin.Context) (*socialNotesView, error) {
	r, err := h.residentOf(c, "social_note", "read")
	if err != nil {
		return nil, err
	}
	notes, err := h.db.SocialNotes(c.Request.Context(), r.PlacementID)
	if err != nil {
		return nil, err
	}
	out := &socialNotesView{PlacementID: r.PlacementID, Notes: []socialNoteView{}}
	for _, n := range notes {
		out.Notes = append(out.Notes, noteView(n))
	}
	return out, nil
}

type addSocialNoteRequest struct {
	Date     string `json:"date"`
	Text     string `json:"text"`
	Corrects int64  `json:"corrects"`
}

// careDay reads an entry's date: today when absent, never in the future.
func (h *handler) careDay(s string) (time.Time, *domain.Error) {
	today := domain.CalendarDay(h.now())
	if strings.TrimSpace(s) == "" {
		return today, nil
	}
	d, err := parseDay("date", s)
	if err != nil {
		return time.Time{}, err.(*domain.Error)
	}
	if d.After(today) {
		return time.Time{}, domain.FieldError("date", "%s is in the future", s)
	}
	return d, nil
}

// careText checks an entry's text: required, at most maxCareText characters.
func careText(s string) (string, *domain.Error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", domain.FieldError("text", "is required")
	case len([]rune(s)) > maxCareText:
		return "", domain.FieldError("text", "is longer than %d characters", maxCareText)
	}
	return s, nil
}

// addSocialNote answers POST /api/v1/residents/:placement/notes: 201 with
// the note. A correction names the note it corrects, of the same resident.
func (h *handler) addSocialNote(c *gin.Context) (*socialNoteView, error) {
	r, err := h.residentOf(c, "social_note", "create")
	if err != nil {
		return nil, err
	}
	var req addSocialNoteRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	n := store.SocialNote{PlacementID: r.PlacementID, Corrects: req.Corrects, WrittenBy: userOf(c).Username}
	var errs []*domain.Error
	var e *domain.Error
	if n.Date, e = h.careDay(req.Date); e != nil {
		errs = append(errs, e)
	}
	if n.Text, e = careText(req.Text); e != nil {
		errs = append(errs, e)
	}
	if req.Corrects < 0 {
		errs = append(errs, domain.FieldError("corrects", "%d is not a note's id", req.Corrects))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	saved, err := h.db.AddSocialNote(c.Request.Context(), n)
	if err != nil {
		return nil, err
	}
	v := noteView(saved)
	return &v, nil
}

type medicalRecordView struct {
	ID        int64     `json:"id"`
	Date      string    `json:"date"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	WrittenBy string    `json:"written_by"`
	WrittenAt time.Time `json:"written_at"`
}

func recordView(m store.MedicalRecord) medicalRecordView {
	return medicalRecordView{ID: m.ID, Date: m.Date.Format(time.DateOnly), Kind: m.Kind, Text: m.Text, WrittenBy: m.WrittenBy, WrittenAt: m.WrittenAt}
}

type medicalRecordsView struct {
	PlacementID int64               `json:"placement_id"`
	Records     []medicalRecordView `json:"records"`
}

// listMedicalRecords answers GET /api/v1/residents/:placement/medical-records
// (the medical staff; 404 for anyone else).
func (h *handler) listMedicalRecords(c *gin.Context) (*medicalRecordsView, error) {
	r, err := h.residentOf(c, "medical_record", "read")
	if err != nil {
		return nil, err
	}
	recs, err := h.db.MedicalRecords(c.Request.Context(), r.PlacementID)
	if err != nil {
		return nil, err
	}
	out := &medicalRecordsView{PlacementID: r.PlacementID, Records: []medicalRecordView{}}
	for _, m := range recs {
		out.Records = append(out.Records, recordView(m))
	}
	return out, nil
}

type addMedicalRecordRequest struct {
	Date string `json:"date"`
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// addMedicalRecord answers POST /api/v1/residents/:placement/medical-records:
// 201 with the record, every fault named.
func (h *handler) addMedicalRecord(c *gin.Context) (*medicalRecordView, error) {
	r, err := h.residentOf(c, "medical_record", "create")
	if err != nil {
		return nil, err
	}
	var req addMedicalRecordRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	m := store.MedicalRecord{PlacementID: r.PlacementID, Kind: strings.TrimSpace(req.Kind), WrittenBy: userOf(c).Username}
	var errs []*domain.Error
	var e *domain.Error
	if m.Date, e = h.careDay(req.Date); e != nil {
		errs = append(errs, e)
	}
	switch {
	case m.Kind == "":
		errs = append(errs, domain.FieldError("kind", "is required: %s", strings.Join(institutions.MedicalKinds(), ", ")))
	case !institutions.ValidMedicalKind(m.Kind):
		errs = append(errs, domain.FieldError("kind", "%q is not a kind of medical record: %s", printable(m.Kind, 40), strings.Join(institutions.MedicalKinds(), ", ")))
	}
	if m.Text, e = careText(req.Text); e != nil {
		errs = append(errs, e)
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	saved, err := h.db.AddMedicalRecord(c.Request.Context(), m)
	if err != nil {
		return nil, err
	}
	v := recordView(saved)
	return &v, nil
}
