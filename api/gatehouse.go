package api

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// The gatehouse of a residential institution (issue 22 item 5): the
// gatekeeper logs visitors in and out and records the residents' leaves
// and returns; the social worker and the director read them. Everything is
// the caller's own institution's (the token names it): another
// institution's visits and leaves do not exist. A visitor's data travel in
// bodies only (the visit's id in URLs), and every request is audited with
// the resident it names.

type visitView struct {
	ID              int64      `json:"id"`
	PlacementID     int64      `json:"placement_id"`
	ResidentName    string     `json:"resident_name"`
	VisitorName     string     `json:"visitor_name"`
	VisitorJMBG     string     `json:"visitor_jmbg,omitempty"`
	VisitorDocument string     `json:"visitor_document,omitempty"`
	Relation        string     `json:"relation"`
	ArrivedAt       time.Time  `json:"arrived_at"`
	ArrivalReason   string     `json:"arrival_reason,omitempty"`
	DepartedAt      *time.Time `json:"departed_at,omitempty"`
	DepartureReason string     `json:"departure_reason,omitempty"`
	Inside          bool       `json:"inside"`
	LoggedBy        string     `json:"logged_by"`
	DepartureBy     string     `json:"departure_by,omitempty"`
}

type visitListView struct {
	Day    string      `json:"day"`
	Inside int         `json:"inside"`
	Visits []visitView `json:"visits"`
}

type leaveView struct {
	ID                int64      `json:"id"`
	PlacementID       int64      `json:"placement_id"`
	ResidentName      string     `json:"resident_name"`
	Kind              string     `json:"kind"`
	CompanionName     string     `json:"companion_name,omitempty"`
	CompanionJMBG     string     `json:"companion_jmbg,omitempty"`
	CompanionDocument string     `json:"companion_document,omitempty"`
	CompanionRelation string     `json:"companion_relation,omitempty"`
	LeftAt            time.Time  `json:"left_at"`
	LeftReason        string     `json:"left_reason,omitempty"`
	ExpectedReturn    time.Time  `json:"expected_return"`
	ReturnedAt        *time.Time `json:"returned_at,omitempty"`
	ReturnReason      string     `json:"return_reason,omitempty"`
	Overdue           bool       `json:"overdue"`
	RecordedBy        string     `json:"recorded_by"`
	ReturnBy          string     `json:"return_by,omitempty"`
}

type leaveListView struct {
	Day     string      `json:"day"`
	OnLeave int         `json:"on_leave"`
	Overdue int         `json:"overdue"`
	Leaves  []leaveView `json:"leaves"`
}

type gateResidentView struct {
	PlacementID int64  `json:"placement_id"`
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	Room        string `json:"room"`
	Bed         string `json:"bed"`
	Child       bool   `json:"child"`
	OnLeave     bool   `json:"on_leave"`
	LeaveID     int64  `json:"leave_id,omitempty"`
	Overdue     bool   `json:"overdue"`
}

type gateResidentsView struct {
	Residents []gateResidentView `json:"residents"`
}

func toVisitView(v store.Visit) visitView {
	return visitView{ID: v.ID, PlacementID: v.PlacementID, ResidentName: v.ResidentName, VisitorName: v.VisitorName, VisitorJMBG: v.VisitorJMBG,
		VisitorDocument: v.VisitorDocument, Relation: v.Relation, ArrivedAt: v.ArrivedAt, ArrivalReason: v.ArrivalReason, DepartedAt: v.DepartedAt,
		DepartureReason: v.DepartureReason, Inside: v.DepartedAt == nil, LoggedBy: v.LoggedBy, DepartureBy: v.DepartureBy}
}

func toLeaveView(l store.Leave, now time.Time) leaveView {
	return leaveView{ID: l.ID, PlacementID: l.PlacementID, ResidentName: l.ResidentName, Kind: l.Kind, CompanionName: l.CompanionName,
		CompanionJMBG: l.CompanionJMBG, CompanionDocument: l.CompanionDocument, CompanionRelation: l.CompanionRelation, LeftAt: l.LeftAt,
		LeftReason: l.LeftReason, ExpectedReturn: l.ExpectedReturn, ReturnedAt: l.ReturnedAt, ReturnReason: l.ReturnReason,
		Overdue: institutions.Overdue(l.ExpectedReturn, l.ReturnedAt, now), RecordedBy: l.RecordedBy, ReturnBy: l.ReturnBy}
}

// gatehouse checks the policy for action in the caller's own institution
// and returns it.
func (h *handler) gatehouse(c *gin.Context, action string) (string, error) {
	inst := userOf(c).InstitutionID
	if inst == "" {
		return "", domain.Errorf(domain.CodeNotFound, "this gatehouse does not exist")
	}
	if err := h.allow(c, "gatehouse", action, inst); err != nil {
		return "", err
	}
	return inst, nil
}

// gateDay is the day ?day= names (Montenegro's calendar; today when
// absent), as the instants it begins and ends.
func (h *handler) gateDay(c *gin.Context) (string, time.Time, time.Time, error) {
	now := h.now().In(podgorica)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, podgorica)
	if s := c.Query("day"); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, podgorica)
		if err != nil {
			return "", time.Time{}, time.Time{}, domain.FieldError("day", "%q is not a day (YYYY-MM-DD)", printable(s, 20))
		}
		day = d
	}
	return day.Format(time.DateOnly), day, day.AddDate(0, 0, 1), nil
}

func gateID(c *gin.Context, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.CodeNotFound, "%s %q not found", what, printable(c.Param("id"), 20))
	}
	return id, nil
}

// listVisits answers GET /api/v1/gatehouse/visits: the day's visits
// (today by default, ?day=YYYY-MM-DD), and, for today, those whose
// visitor is still in the building.
func (h *handler) listVisits(c *gin.Context) (*visitListView, error) {
	inst, err := h.gatehouse(c, "read")
	if err != nil {
		return nil, err
	}
	day, from, to, err := h.gateDay(c)
	if err != nil {
		return nil, err
	}
	today := h.now().In(podgorica).Format(time.DateOnly) == day
	list, err := h.db.Visits(c.Request.Context(), inst, from, to, today)
	if err != nil {
		return nil, err
	}
	out := &visitListView{Day: day, Visits: []visitView{}}
	for _, v := range list {
		auditPersons(c, v.PersonID)
		out.Visits = append(out.Visits, toVisitView(v))
		if v.DepartedAt == nil {
			out.Inside++
		}
	}
	return out, nil
}

type visitRequest struct {
	PlacementID     int64      `json:"placement_id"`
	VisitorName     string     `json:"visitor_name"`
	VisitorJMBG     string     `json:"visitor_jmbg"`
	VisitorDocument string     `json:"visitor_document"`
	Relation        string     `json:"relation"`
	ArrivedAt       *time.Time `json:"arrived_at"`
	Reason          string     `json:"reason"`
}

// logVisit answers POST /api/v1/gatehouse/visits: a visitor's arrival.
// Every problem of the form is listed at once; a visitor the resident's
// plan excludes (or, for a child, does not allow) and a resident on leave
// are conflicts naming the rule; nothing is recorded then.
func (h *handler) logVisit(c *gin.Context) (*visitView, error) {
	inst, err := h.gatehouse(c, "create")
	if err != nil {
		return nil, err
	}
	var req visitRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.PlacementID > 0 {
		if r, err := h.db.ResidentOf(c.Request.Context(), inst, req.PlacementID); err == nil {
			auditPersons(c, r.PersonID)
		}
	}
	vis, errs := institutions.ParseVisitor("visitor_", "relation", institutions.Visitor{Name: req.VisitorName, JMBG: req.VisitorJMBG,
		Document: req.VisitorDocument, Relation: req.Relation}, true)
	if req.PlacementID <= 0 {
		errs = append([]*domain.Error{domain.FieldError("placement_id", "is required")}, errs...)
	}
	at, terr := institutions.EventTime("arrived_at", req.ArrivedAt, h.now(), req.Reason, "reason")
	if terr != nil {
		errs = append(errs, terr)
	}
	if len(errs) > 0 {
		return nil, domain.Invalid(errs)
	}
	v, err := h.db.RecordVisit(c.Request.Context(), store.Visit{InstitutionID: inst, PlacementID: req.PlacementID, VisitorName: vis.Name,
		VisitorJMBG: vis.JMBG, VisitorDocument: vis.Document, Relation: vis.Relation, ArrivedAt: at, ArrivalReason: reasonIf(req.ArrivedAt, req.Reason),
		LoggedBy: userOf(c).Username})
	if err != nil {
		return nil, err
	}
	out := toVisitView(v)
	return &out, nil
}

// reasonIf keeps the reason of a time given (a back-dated one), none for
// the server's time.
func reasonIf(at *time.Time, reason string) string {
	if at == nil {
		return ""
	}
	return reason
}

type momentRequest struct {
	At     *time.Time `json:"at"`
	Reason string     `json:"reason"`
}

// bindMoment reads the optional body of a departure or a return: an empty
// body is the server's time.
func bindMoment(c *gin.Context) (momentRequest, error) {
	var req momentRequest
	if c.Request.ContentLength == 0 {
		return req, nil
	}
	err := bindJSON(c, &req)
	return req, err
}

// recordDeparture answers POST /api/v1/gatehouse/visits/:id/departure: the
// visitor leaves (now, or at a back-dated time with a reason).
func (h *handler) recordDeparture(c *gin.Context) (*visitView, error) {
	inst, err := h.gatehouse(c, "update")
	if err != nil {
		return nil, err
	}
	id, err := gateID(c, "visit")
	if err != nil {
		return nil, err
	}
	v, err := h.db.VisitByID(c.Request.Context(), inst, id)
	if err != nil {
		return nil, err
	}
	auditPersons(c, v.PersonID)
	req, err := bindMoment(c)
	if err != nil {
		return nil, err
	}
	at, terr := institutions.EventTime("at", req.At, h.now(), req.Reason, "reason")
	if terr != nil {
		return nil, terr
	}
	v, err = h.db.RecordDeparture(c.Request.Context(), inst, id, at, reasonIf(req.At, req.Reason), userOf(c).Username)
	if err != nil {
		return nil, err
	}
	out := toVisitView(v)
	return &out, nil
}

// listGateLeaves answers GET /api/v1/gatehouse/leaves: the residents on leave
// now (an overdue one flagged), then the leaves that ended on the day
// (today by default, ?day=).
func (h *handler) listGateLeaves(c *gin.Context) (*leaveListView, error) {
	inst, err := h.gatehouse(c, "read")
	if err != nil {
		return nil, err
	}
	day, from, to, err := h.gateDay(c)
	if err != nil {
		return nil, err
	}
	list, err := h.db.Leaves(c.Request.Context(), inst, from, to)
	if err != nil {
		return nil, err
	}
	now := h.now()
	out := &leaveListView{Day: day, Leaves: []leaveView{}}
	for _, l := range list {
		auditPersons(c, l.PersonID)
		v := toLeaveView(l, now)
		out.Leaves = append(out.Leaves, v)
		if l.ReturnedAt == nil {
			out.OnLeave++
		}
		if v.Overdue {
			out.Overdue++
		}
	}
	return out, nil
}

type leaveRequest struct {
	PlacementID       int64      `json:"placement_id"`
	Kind              string     `json:"kind"`
	CompanionName     string     `json:"companion_name"`
	CompanionJMBG     string     `json:"companion_jmbg"`
	CompanionDocument string     `json:"companion_document"`
	CompanionRelation string     `json:"companion_relation"`
	LeftAt            *time.Time `json:"left_at"`
	ExpectedReturn    *time.Time `json:"expected_return"`
	Reason            string     `json:"reason"`
}

// recordGateLeave answers POST /api/v1/gatehouse/leaves: a resident leaves
// (home visit, hospital, outing) until the expected return, alone or with
// a companion; a companion the plan excludes, and for a child any but one
// the plan allows, is refused naming the rule.
func (h *handler) recordGateLeave(c *gin.Context) (*leaveView, error) {
	inst, err := h.gatehouse(c, "create")
	if err != nil {
		return nil, err
	}
	var req leaveRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.PlacementID > 0 {
		if r, err := h.db.ResidentOf(c.Request.Context(), inst, req.PlacementID); err == nil {
			auditPersons(c, r.PersonID)
		}
	}
	var errs []*domain.Error
	if req.PlacementID <= 0 {
		errs = append(errs, domain.FieldError("placement_id", "is required"))
	}
	if req.Kind == "" {
		errs = append(errs, domain.FieldError("kind", "is required"))
	} else if !institutions.ValidLeaveKind(req.Kind) {
		errs = append(errs, domain.FieldError("kind", "value must be one of home_visit, hospital, outing"))
	}
	comp := institutions.Visitor{Name: req.CompanionName, JMBG: req.CompanionJMBG, Document: req.CompanionDocument, Relation: req.CompanionRelation}
	if req.CompanionName != "" || req.CompanionJMBG != "" || req.CompanionDocument != "" {
		var cerrs []*domain.Error
		comp, cerrs = institutions.ParseVisitor("companion_", "companion_relation", comp, true)
		errs = append(errs, cerrs...)
	}
	now := h.now()
	left, terr := institutions.EventTime("left_at", req.LeftAt, now, req.Reason, "reason")
	if terr != nil {
		errs = append(errs, terr)
	}
	switch {
	case req.ExpectedReturn == nil:
		errs = append(errs, domain.FieldError("expected_return", "is required"))
	case terr == nil && !req.ExpectedReturn.After(left):
		errs = append(errs, domain.FieldError("expected_return", "must be after the time the resident leaves"))
	}
	if len(errs) > 0 {
		return nil, domain.Invalid(errs)
	}
	l, err := h.db.RecordLeave(c.Request.Context(), store.Leave{InstitutionID: inst, PlacementID: req.PlacementID, Kind: req.Kind,
		CompanionName: comp.Name, CompanionJMBG: comp.JMBG, CompanionDocument: comp.Document, CompanionRelation: comp.Relation,
		LeftAt: left, LeftReason: reasonIf(req.LeftAt, req.Reason), ExpectedReturn: *req.ExpectedReturn, RecordedBy: userOf(c).Username})
	if err != nil {
		return nil, err
	}
	out := toLeaveView(l, now)
	return &out, nil
}

// recordReturn answers POST /api/v1/gatehouse/leaves/:id/return: the
// resident is back (now, or at a back-dated time with a reason).
func (h *handler) recordReturn(c *gin.Context) (*leaveView, error) {
	inst, err := h.gatehouse(c, "update")
	if err != nil {
		return nil, err
	}
	id, err := gateID(c, "leave")
	if err != nil {
		return nil, err
	}
	l, err := h.db.LeaveByID(c.Request.Context(), inst, id)
	if err != nil {
		return nil, err
	}
	auditPersons(c, l.PersonID)
	req, err := bindMoment(c)
	if err != nil {
		return nil, err
	}
	now := h.now()
	at, terr := institutions.EventTime("at", req.At, now, req.Reason, "reason")
	if terr != nil {
		return nil, terr
	}
	l, err = h.db.RecordReturn(c.Request.Context(), inst, id, at, reasonIf(req.At, req.Reason), userOf(c).Username)
	if err != nil {
		return nil, err
	}
	out := toLeaveView(l, now)
	return &out, nil
}

// gateResidents answers GET /api/v1/gatehouse/residents: the residents the
// gatekeeper chooses from, by name, each on leave or not (and overdue).
func (h *handler) gateResidents(c *gin.Context) (*gateResidentsView, error) {
	inst, err := h.gatehouse(c, "read")
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	list, err := h.db.Residents(ctx, inst)
	if err != nil {
		return nil, err
	}
	on, err := h.db.ResidentsOnLeave(ctx, inst)
	if err != nil {
		return nil, err
	}
	now := h.now()
	out := &gateResidentsView{Residents: []gateResidentView{}}
	for _, r := range list {
		auditPersons(c, r.PersonID)
		v := gateResidentView{PlacementID: r.PlacementID, Name: r.Name, Unit: r.UnitName, Room: r.RoomName, Bed: r.BedLabel,
			Child: institutions.Child(r.BirthDate, now)}
		if l, ok := on[r.PlacementID]; ok {
			v.OnLeave, v.LeaveID, v.Overdue = true, l.ID, institutions.Overdue(l.ExpectedReturn, nil, now)
		}
		out.Residents = append(out.Residents, v)
	}
	return out, nil
}
