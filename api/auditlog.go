package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/policies"
)

// myAccessLog shows a citizen who looked at their file: the role and the
// centre, when and why, but not the names of staff.
func (h *handler) myAccessLog(c *gin.Context) (*myAccessLogView, error) {
	u := userOf(c)
	if err := h.allow(c, "access_log", "read", policies.TargetSelf); err != nil {
		return nil, err
	}
	p, err := h.db.PersonByJMBG(c.Request.Context(), u.JMBG)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return &myAccessLogView{Accesses: []myAccess{}, Note: "no file is kept about you"}, nil
	} else if err != nil {
		return nil, err
	}
	auditPersons(c, p.ID)
	recs, err := h.db.AccessLog(c.Request.Context(), p.ID, 500, false)
	if err != nil {
		return nil, err
	}
	out := []myAccess{}
	names := map[string]string{}
	for _, r := range recs {
		who := r.Role
		switch {
		case r.Username == u.Username:
			who = "you"
		case r.Role == "system":
			who = "Karton (automatic registry query)"
		}
		centre := r.CentreID
		if ce, ok := centreByID(r.CentreID); ok {
			centre = ce.Name
		} else if domain.Role(r.Role).Institution() {
			centre = h.accessLogInstitution(c, r.TargetCentre, names) // a residential institution's staff (issue 22)
		}
		out = append(out, myAccess{At: r.At, Who: who, Role: r.Role, Centre: centre, Purpose: r.Purpose, Action: r.Action, Outcome: r.Outcome})
	}
	return &myAccessLogView{PersonID: p.ID, Accesses: out}, nil
}

// accessLogInstitution is the name of institution id, looked up once per
// request (names); its id if it is not on record.
func (h *handler) accessLogInstitution(c *gin.Context, id string, names map[string]string) string {
	if n, ok := names[id]; ok {
		return n
	}
	names[id] = id
	if in, err := h.db.InstitutionByID(c.Request.Context(), id); err == nil {
		names[id] = in.Name
	}
	return names[id]
}

// myAccessLogView is a citizen's access log: without a file about them,
// no person_id and a note.
type myAccessLogView struct {
	PersonID domain.PersonID `json:"person_id,omitempty"`
	Accesses []myAccess      `json:"accesses"`
	Note     string          `json:"note,omitempty"`
}

type myAccess struct {
	At      time.Time `json:"at"`
	Who     string    `json:"who"`
	Role    string    `json:"role"`
	Centre  string    `json:"centre"`
	Purpose string    `json:"purpose"`
	Action  string    `json:"action"`
	Outcome string    `json:"outcome"`
}

// misuseReport lists staff who opened files outside their centre, read
// in bursts, at odd hours, or were refused: for a supervisor, their
// centre; for an auditor, every centre.
func (h *handler) misuseReport(c *gin.Context) (*misuseReportView, error) {
	u := userOf(c)
	to := time.Now()
	from := to.Add(-30 * 24 * time.Hour)
	var err error
	if v := c.Query("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return nil, domain.FieldError("from", "must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z")
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return nil, domain.FieldError("to", "must be an RFC 3339 time")
		}
	}
	if !to.After(from) {
		return nil, domain.FieldError("to", "must be after from")
	}
	centre := u.CentreID
	if err := h.allow(c, "audit", "read", centre); err != nil {
		return nil, err
	}
	f, err := h.db.Misuse(c.Request.Context(), centre, from, to, 30, centre == "" || h.mayDV(c))
	if err != nil {
		return nil, err
	}
	out := []misuseFinding{}
	for _, x := range f {
		out = append(out, misuseFinding{Username: x.Username, Role: x.Role, CentreID: x.CentreID, Kind: x.Kind, Count: x.Count, First: x.First, Last: x.Last})
	}
	return &misuseReportView{From: from, To: to, Scope: or(centre, "all centres"), Findings: out}, nil
}

type misuseReportView struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Scope    string          `json:"scope"`
	Findings []misuseFinding `json:"findings"`
}

type misuseFinding struct {
	Username string    `json:"username"`
	Role     string    `json:"role"`
	CentreID string    `json:"centre_id"`
	Kind     string    `json:"kind"`
	Count    int       `json:"count"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// personAccessLog is the audit log of one person's data: for auditors,
// every access in every centre, restricted ones (domestic violence)
// included; for a centre's supervisors, the accesses to their centre's
// persons, the restricted ones only when they are cleared for DV. Reading
// restricted accesses is itself a restricted access.
func (h *handler) personAccessLog(c *gin.Context) (*personAccessLogView, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	p, err := h.routePerson(c)
	if err != nil {
		return nil, err
	}
	if err := h.allow(c, "audit", "read", p.CentreID); err != nil {
		return nil, err
	}
	withRestricted := u.CentreID == "" || h.mayDV(c)
	if withRestricted {
		restrict(c)
	}
	recs, err := h.db.AccessLog(ctx, p.ID, 500, withRestricted)
	if err != nil {
		return nil, err
	}
	out := []auditedAccess{}
	for _, r := range recs {
		out = append(out, auditedAccess{ID: r.ID, At: r.At, Username: r.Username, Role: r.Role, CentreID: r.CentreID, Action: r.Action,
			Resource: r.Resource, TargetCentre: r.TargetCentre, Purpose: r.Purpose, RequestID: r.RequestID, Status: r.Status,
			Outcome: r.Outcome, Restricted: r.Restricted})
	}
	return &personAccessLogView{PersonID: p.ID, WithRestricted: withRestricted, Accesses: out}, nil
}

type personAccessLogView struct {
	PersonID       domain.PersonID `json:"person_id"`
	WithRestricted bool            `json:"with_restricted"`
	Accesses       []auditedAccess `json:"accesses"`
}

type auditedAccess struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	Username     string    `json:"username"`
	Role         string    `json:"role"`
	CentreID     string    `json:"centre_id"`
	Action       string    `json:"action"`
	Resource     string    `json:"resource"`
	TargetCentre string    `json:"target_centre"`
	Purpose      string    `json:"purpose"`
	RequestID    string    `json:"request_id"`
	Status       int       `json:"status"`
	Outcome      string    `json:"outcome"`
	Restricted   bool      `json:"restricted"`
}
