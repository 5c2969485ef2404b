package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/policies"
)

// myAccessLog shows a citizen who looked at their file: the role and the
// centre, when and why, but not the names of staff.
func (h *handler) myAccessLog(c *gin.Context) {
	u := userOf(c)
	if !h.may(c, "access_log", "read", policies.TargetSelf) {
		return
	}
	p, err := h.db.PersonByJMBG(c.Request.Context(), u.JMBG)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		c.JSON(http.StatusOK, gin.H{"accesses": []any{}, "note": "no file is kept about you"})
		return
	} else if err != nil {
		writeError(c, h.log, err)
		return
	}
	auditPersons(c, p.ID)
	recs, err := h.db.AccessLog(c.Request.Context(), p.ID, 500, false)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := []gin.H{}
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
		}
		out = append(out, gin.H{"at": r.At, "who": who, "role": r.Role, "centre": centre, "purpose": r.Purpose, "action": r.Action, "outcome": r.Outcome})
	}
	c.JSON(http.StatusOK, gin.H{"person_id": p.ID, "accesses": out})
}

// misuseReport lists staff who opened files outside their centre, read
// in bursts, at odd hours, or were refused: for a supervisor, their
// centre; for an auditor, every centre.
func (h *handler) misuseReport(c *gin.Context) {
	u := userOf(c)
	to := time.Now()
	from := to.Add(-30 * 24 * time.Hour)
	var err error
	if v := c.Query("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			writeError(c, h.log, domain.FieldError("from", "must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z"))
			return
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			writeError(c, h.log, domain.FieldError("to", "must be an RFC 3339 time"))
			return
		}
	}
	if !to.After(from) {
		writeError(c, h.log, domain.FieldError("to", "must be after from"))
		return
	}
	centre := u.CentreID
	if !h.may(c, "audit", "read", centre) {
		return
	}
	f, err := h.db.Misuse(c.Request.Context(), centre, from, to, 30, centre == "" || h.mayDV(c))
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := []gin.H{}
	for _, x := range f {
		out = append(out, gin.H{"username": x.Username, "role": x.Role, "centre_id": x.CentreID, "kind": x.Kind, "count": x.Count, "first": x.First, "last": x.Last})
	}
	c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "scope": or(centre, "all centres"), "findings": out})
}

// personAccessLog is the audit log of one person's data: for auditors,
// every access in every centre, restricted ones (domestic violence)
// included; for a centre's supervisors, the accesses to their centre's
// persons, the restricted ones only when they are cleared for DV. Reading
// restricted accesses is itself a restricted access.
func (h *handler) personAccessLog(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	p, ok := h.routePerson(c)
	if !ok {
		return
	}
	if !h.may(c, "audit", "read", p.CentreID) {
		return
	}
	withRestricted := u.CentreID == "" || h.mayDV(c)
	if withRestricted {
		restrict(c)
	}
	recs, err := h.db.AccessLog(ctx, p.ID, 500, withRestricted)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := []gin.H{}
	for _, r := range recs {
		out = append(out, gin.H{"id": r.ID, "at": r.At, "username": r.Username, "role": r.Role, "centre_id": r.CentreID, "action": r.Action,
			"resource": r.Resource, "target_centre": r.TargetCentre, "purpose": r.Purpose, "request_id": r.RequestID, "status": r.Status,
			"outcome": r.Outcome, "restricted": r.Restricted})
	}
	c.JSON(http.StatusOK, gin.H{"person_id": p.ID, "with_restricted": withRestricted, "accesses": out})
}
