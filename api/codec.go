package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/store"
)

// CodecEndpoint configures Temporal's remote codec protocol on /codec,
// through which the Temporal Web UI (and `temporal --codec-endpoint`)
// shows the payloads that Karton's codec encrypted: POST /codec/decode and
// /codec/encode take and give {"payloads": [{"metadata": {k: base64},
// "data": base64}, ...]}.
//
// Decoding applies the API's policy to each payload by the workflow it
// belongs to (its scope): a payload is decoded only for a caller who may
// read that workflow's record; every other payload comes back as it came,
// encrypted. Each decode request is written to the audit log.
type CodecEndpoint struct {
	Codec *codec.Codec // nil: no /codec routes
	// Origins are the Web UI's origins (scheme://host:port) allowed to call
	// the endpoint from the browser with the user's credentials (CORS).
	Origins []string
}

// cookieSession is the pages' session cookie (package web): it holds the
// user's access token, which the Web UI sends along when it runs on the
// same host and includes credentials.
const cookieSession = "karton_session"

// codecPurpose is the audit log's purpose of a decode.
const codecPurpose = "Temporal Web UI decode"

type codecEndpoint struct {
	h       *handler
	gate    *gate
	codec   *codec.Codec
	origins map[string]bool
}

// registerCodec adds the codec endpoint's routes when ce has a codec.
func registerCodec(r *gin.Engine, h *handler, g *gate, ce CodecEndpoint) {
	if ce.Codec == nil {
		return
	}
	e := &codecEndpoint{h: h, gate: g, codec: ce.Codec, origins: map[string]bool{}}
	for _, o := range ce.Origins {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			e.origins[o] = true
		}
	}
	for _, path := range []string{"/codec/decode", "/codec/encode"} {
		r.OPTIONS(path, e.preflight)
	}
	r.POST("/codec/decode", e.cors, e.authenticate, e.decode)
	r.POST("/codec/encode", e.cors, e.authenticate, e.encode)
}

// cors lets the Web UI's origins read the answer, with credentials.
func (e *codecEndpoint) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	c.Writer.Header().Add("Vary", "Origin")
	if origin != "" && e.origins[origin] {
		c.Header("Access-Control-Allow-Origin", origin)
		c.Header("Access-Control-Allow-Credentials", "true")
	}
	c.Next()
}

// preflight answers the browser's CORS preflight for an allowed origin.
func (e *codecEndpoint) preflight(c *gin.Context) {
	origin := c.GetHeader("Origin")
	c.Writer.Header().Add("Vary", "Origin")
	if !e.origins[origin] {
		c.AbortWithStatusJSON(http.StatusForbidden, errorBody{Error: errorDetail{Code: domain.CodeForbidden,
			Message: "origin " + origin + " may not call the codec endpoint", RequestID: c.GetString("request_id")}})
		return
	}
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Authorization-Extras, Content-Type, X-Namespace")
	h.Set("Access-Control-Max-Age", "600")
	c.Status(http.StatusNoContent)
}

// authenticate accepts an access token as a Bearer token or in the pages'
// session cookie, and checks it as every protected route does (the gate):
// a refused token is told RefusedToken, never the verifier's detail, and
// requests without a valid token are rate-limited and counted, not chained
// into the audit log.
func (e *codecEndpoint) authenticate(c *gin.Context) {
	if raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); !ok || raw == "" {
		if cookie, _ := c.Cookie(cookieSession); cookie != "" {
			c.Request.Header.Set("Authorization", "Bearer "+cookie)
		}
	}
	e.gate.authenticate()(c)
}

// payloads reads the request's payloads; on a bad body it answers 400.
func (e *codecEndpoint) payloads(c *gin.Context) ([]*commonpb.Payload, bool) {
	if ct := c.ContentType(); ct != "application/json" {
		writeError(c, e.h.log, domain.Errorf(domain.CodeInvalid, "send Content-Type: application/json, not %q", ct))
		return nil, false
	}
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeError(c, e.h.log, domain.Errorf(domain.CodeInvalid, "read the body: %v", err))
		return nil, false
	}
	var in commonpb.Payloads
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &in); err != nil {
		writeError(c, e.h.log, domain.Errorf(domain.CodeInvalid, `want {"payloads": [{"metadata": {...}, "data": base64}, ...]}`))
		return nil, false
	}
	return in.Payloads, true
}

func writePayloads(c *gin.Context, ps []*commonpb.Payload) {
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}

// decodes reports whether the user is someone who may read decoded
// payloads at all: Karton's own staff. Other institutions (police,
// employment agency, employers), their machine clients and citizens do
// not look into workflows, whatever their API rights.
func decodes(u domain.User) bool {
	switch u.Role {
	case domain.RoleCitizen, domain.RolePoliceOfficer, domain.RoleEmploymentOfficer, domain.RoleEmployer, domain.RoleProviderMaintainer,
		domain.RoleProviderStaff:
		return false
	}
	return !u.Machine && !u.Role.Institution()
}

// scopeAccess is what a caller may do with the payloads of one workflow.
type scopeAccess struct {
	allowed bool
	dv      bool // the workflow is in the domestic-violence compartment
	centre  string
	persons []domain.PersonID
}

// access decides whether u may read the payloads of workflow scope: the
// policy's read on the record the workflow runs, in the record's centre.
func (e *codecEndpoint) access(ctx context.Context, u domain.User, scope string) scopeAccess {
	kind, key, _ := strings.Cut(scope, "/")
	dv := kind == "dv"
	if !decodes(u) || (key == "" && !strings.HasPrefix(scope, "payroll-")) {
		return scopeAccess{dv: dv}
	}
	allow := func(resource, centre string) bool {
		return e.h.enforcer.Allow(string(u.Role), u.CentreID, centre, resource, "read")
	}
	db := e.h.db
	switch {
	case kind == "claim":
		cl, err := db.ClaimByNumber(ctx, key)
		if err != nil {
			return scopeAccess{}
		}
		return scopeAccess{allowed: allow("claim", cl.CentreID), centre: cl.CentreID,
			persons: append([]domain.PersonID{cl.ApplicantID, cl.SubjectID}, cl.Members...)}
	case kind == "case":
		x, err := db.CaseByNumber(ctx, key)
		if err != nil {
			return scopeAccess{}
		}
		inDV := e.caseDV(ctx, x)
		a := scopeAccess{allowed: allow("case", x.CentreID) && (!inDV || allow("dv_case", x.CentreID)), dv: inDV, centre: x.CentreID}
		for _, p := range x.Persons {
			a.persons = append(a.persons, p.PersonID)
		}
		return a
	case kind == "dv":
		n, err := db.DVNotificationByRef(ctx, key)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			n, err = db.DVNotificationByPoliceRef(ctx, key)
		}
		if err != nil {
			return scopeAccess{dv: true}
		}
		a := scopeAccess{allowed: allow("dv_notification", n.CentreID), dv: true, centre: n.CentreID}
		for _, p := range n.Persons {
			a.persons = append(a.persons, p.PersonID)
		}
		return a
	case kind == "activation":
		r, err := db.ReferralByID(ctx, key)
		if err != nil {
			return scopeAccess{}
		}
		return scopeAccess{allowed: allow("activation", r.CentreID), centre: r.CentreID, persons: []domain.PersonID{r.PersonID}}
	case kind == "evidence":
		p, err := db.PersonByID(ctx, domain.PersonID(key))
		if err != nil {
			return scopeAccess{}
		}
		return scopeAccess{allowed: allow("person", p.CentreID), centre: p.CentreID, persons: []domain.PersonID{p.ID}}
	case kind == "payroll", kind == "correct-account", strings.HasPrefix(scope, "payroll-"):
		// A month's payroll, the schedule's run that starts it, and the
		// correction of a payee's account it asks for: finance's.
		return scopeAccess{allowed: allow("payroll", home(u))}
	}
	return scopeAccess{dv: dv}
}

// caseDV reports whether a case is in the domestic-violence compartment:
// marked so, of a DV procedure, or a sub-procedure of such a case. A
// parent that cannot be read counts as DV.
func (e *codecEndpoint) caseDV(ctx context.Context, x store.Case) bool {
	for range 16 {
		if def, err := cases.Procedures.Get(x.Procedure, x.Version); x.DV || (err == nil && def.DV) {
			return true
		}
		if x.Parent == "" {
			return false
		}
		parent, err := e.h.db.CaseByNumber(ctx, x.Parent)
		if err != nil {
			return true
		}
		x = parent
	}
	return true
}

// decode decrypts the payloads the caller may read, returns the others as
// they came, and writes the request to the audit log.
func (e *codecEndpoint) decode(c *gin.Context) {
	in, ok := e.payloads(c)
	if !ok {
		return
	}
	ctx, u := c.Request.Context(), userOf(c)
	seen := map[string]scopeAccess{}
	out := make([]*commonpb.Payload, len(in))
	rec := store.AuditRecord{Status: http.StatusOK}
	var decoded, refused int
	for i, p := range in {
		out[i] = p
		if !codec.IsEncrypted(p) {
			continue
		}
		scope := codec.ScopeOf(p)
		a, ok := seen[scope]
		if !ok {
			a = e.access(ctx, u, scope)
			seen[scope] = a
		}
		rec.Restricted = rec.Restricted || a.dv
		if !a.allowed {
			refused++
			continue
		}
		d, err := e.codec.Decode([]*commonpb.Payload{p})
		if err != nil {
			refused++
			e.h.log.Warn("codec endpoint: payload not decoded", "scope", scope, "key", codec.KeyIDOf(p), "request_id", c.GetString("request_id"), "error", err)
			continue
		}
		out[i] = d[0]
		decoded++
		for _, id := range a.persons {
			if id != "" && !slices.Contains(rec.PersonIDs, id) {
				rec.PersonIDs = append(rec.PersonIDs, id)
			}
		}
		if rec.TargetCentre == "" {
			rec.TargetCentre = a.centre
		}
	}
	rec.Outcome = "allowed"
	if decoded == 0 && refused > 0 {
		rec.Outcome = "denied"
	}
	// The record is written before anything decoded leaves: no audit, no
	// answer.
	if err := e.audit(c, rec); err != nil && decoded > 0 {
		writeError(c, e.h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the audit log is unavailable; nothing was decoded, try again"), err))
		return
	}
	writePayloads(c, out)
}

// encode encrypts payloads for a user of the Web UI (starting a workflow,
// sending a signal or an update from it). The UI does not say which
// workflow they are for, so they carry no scope, and the endpoint decodes
// them for nobody; the worker reads them.
func (e *codecEndpoint) encode(c *gin.Context) {
	if u := userOf(c); !decodes(u) {
		writeError(c, e.h.log, domain.Errorf(domain.CodeForbidden, "the %s role may not encode payloads for Temporal", u.Role))
		return
	}
	in, ok := e.payloads(c)
	if !ok {
		return
	}
	out, err := e.codec.Encode(in)
	if err != nil {
		writeError(c, e.h.log, err)
		return
	}
	writePayloads(c, out)
}

// audit appends a decode request to the audit log: who, whose data, and
// whether any of it was domestic violence (restricted).
func (e *codecEndpoint) audit(c *gin.Context, rec store.AuditRecord) error {
	u := userOf(c)
	rec.At = time.Now()
	if rec.Username == "" {
		rec.Username, rec.Role, rec.CentreID = u.Username, string(u.Role), u.CentreID
	}
	rec.Action, rec.Resource, rec.Purpose, rec.RequestID = "POST /codec/decode", "codec", codecPurpose, c.GetString("request_id")
	if e.h.db == nil {
		return errors.New("no database for the audit log")
	}
	if err := e.h.db.AppendAudit(c.Request.Context(), rec); err != nil {
		e.h.log.Error("audit append failed", "request_id", rec.RequestID, "error", err)
		return err
	}
	return nil
}
