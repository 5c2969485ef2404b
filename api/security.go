package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/policies"
	"github.com/karton-social/karton/store"
)

// gate stands before every protected route: a request without a valid
// token is refused there (401), and past a rate per client address (429),
// before the audit middleware.
//
// Such requests name nobody, so they are counted, not audited: chaining one
// permanent record for each would let anyone grow the append-only audit log
// without bound and queue every real append behind theirs (appends are
// serialised). They are counted by reason in
// karton_api_refused_requests_total, which the alerts watch; the audit log
// keeps the requests of people, every one made with a valid token, allowed
// or denied. Requests the policy refuses are counted there too (reason
// "forbidden"), besides their audit record.
type gate struct {
	verifier *Verifier
	anon     *limiter // per client address, for requests without a valid token
	refused  *prometheus.CounterVec
	log      *slog.Logger
}

func newGate(v *Verifier, reg prometheus.Registerer, log *slog.Logger) *gate {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "karton_api_refused_requests_total",
		Help: "Requests to protected routes refused before their handler, by reason: no_token, invalid_token, keys_unavailable, rate_limited (too many without a valid token from one address), forbidden (by the policy)."},
		[]string{"reason"})
	if reg != nil {
		if err := reg.Register(refused); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err) // a fixed, valid metric: a build defect
			}
			refused = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return &gate{verifier: v, anon: newLimiter(10, 40), refused: refused, log: log}
}

// authenticate requires a valid bearer token and puts its user on the
// context. Why a token was refused goes to the log; the caller is told
// RefusedToken, never the verifier's detail (key URLs, dial errors).
func (g *gate) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || raw == "" || g.verifier == nil {
			c.Header("WWW-Authenticate", `Bearer realm="karton"`)
			g.refuse(c, "no_token", "send an access token: Authorization: Bearer <token> (in karton dev, POST /dev/token gives one)")
			return
		}
		u, err := g.verifier.Verify(c.Request.Context(), raw)
		switch {
		case errors.Is(err, errRevocationUnknown):
			writeError(c, g.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the session store is unavailable; try again"), err))
			return
		case err != nil:
			reason := "invalid_token"
			if errors.Is(err, ErrKeysUnavailable) {
				reason = "keys_unavailable"
			}
			g.log.Debug("token refused", "request_id", c.GetString("request_id"), "route", c.FullPath(), "reason", reason, "error", err)
			c.Header("WWW-Authenticate", `Bearer realm="karton", error="invalid_token"`)
			g.refuse(c, reason, RefusedToken)
			return
		}
		c.Set("user", u)
		c.Next()
	}
}

// refuse answers a request without a valid token: 401, or 429 once its
// address has sent too many.
func (g *gate) refuse(c *gin.Context, reason, message string) {
	if !g.anon.allow("ip:" + c.ClientIP()) {
		g.refused.WithLabelValues("rate_limited").Inc()
		c.Header("Retry-After", "1")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{Error: errorDetail{Code: "rate_limited",
			Message: "too many requests without a valid access token; slow down", RequestID: c.GetString("request_id")}})
		return
	}
	g.refused.WithLabelValues(reason).Inc()
	c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{Error: errorDetail{Code: "unauthenticated", Message: message, RequestID: c.GetString("request_id")}})
}

func userOf(c *gin.Context) domain.User {
	u, _ := c.Get("user")
	usr, _ := u.(domain.User)
	return usr
}

// home is where the user acts: their centre (or institution), or "self"
// for a citizen and for an employer (its company's refunds).
func home(u domain.User) string {
	if u.Role == domain.RoleCitizen || u.Role == domain.RoleEmployer || u.Role == domain.RoleProviderMaintainer {
		return policies.TargetSelf
	}
	return u.Home()
}

// authorize asks the policy whether the user's role may act on the
// resource at all, in their own centre (or on their own data); handlers
// check again against the record's centre once they have it (may).
func (g *gate) authorize(e *policies.Enforcer, resource, action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := userOf(c)
		target := home(u)
		c.Set("audit_target", target)
		if !e.Allow(string(u.Role), u.Home(), target, resource, action) {
			g.refused.WithLabelValues("forbidden").Inc()
			if sealed(resource) {
				// The compartment does not exist for those outside it: the
				// answer of a route that is not there.
				c.AbortWithStatusJSON(http.StatusNotFound, errorBody{Error: errorDetail{Code: domain.CodeNotFound,
					Message: "no route " + c.Request.Method + " " + c.Request.URL.Path, RequestID: c.GetString("request_id")}})
				return
			}
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody{Error: errorDetail{Code: domain.CodeForbidden,
				Message: fmt.Sprintf("the %s role may not %s %s", u.Role, action, resource), RequestID: c.GetString("request_id")}})
			return
		}
		c.Next()
	}
}

// allow checks the policy for a record of centre target: nil, or the
// error to answer (403, or 404 for those who must not learn the record
// exists). A citizen's own record is "self".
func (h *handler) allow(c *gin.Context, resource, action, target string) error {
	u := userOf(c)
	c.Set("audit_target", target)
	if h.enforcer.Allow(string(u.Role), u.Home(), target, resource, action) {
		return nil
	}
	if u.Role.Outside() || sealed(resource) {
		// Citizens, other institutions' systems and anyone outside the DV
		// compartment learn nothing from a refusal: for them the record
		// does not exist.
		return domain.Errorf(domain.CodeNotFound, "this %s does not exist", resource)
	}
	where := "of centre " + target
	if target == "" {
		where = "here"
	}
	return domain.Errorf(domain.CodeForbidden, "the %s role of %s may not %s this %s %s", u.Role, or(u.CentreID, "the ministry"), action, resource, where)
}

// sealed reports whether a resource belongs to the domestic-violence
// compartment (its aggregated statistics do not).
func sealed(resource string) bool {
	switch resource {
	case "dv_case", "dv_notification", "dv_report", "dv_register":
		return true
	case "medical_record": // the residents' medical compartment (issue 22)
		return true
	}
	return false
}

// targetOf is the policy target of a person: "self" for the citizen it is, else its centre.
func targetOf(u domain.User, p domain.Person) string {
	if u.Role == domain.RoleCitizen && u.JMBG == p.JMBG {
		return policies.TargetSelf
	}
	return p.CentreID
}

// auditPersons names whose data the request touched; none, nothing to
// name (the lists call it once per page, persons or not).
func auditPersons(c *gin.Context, ids ...domain.PersonID) {
	if len(ids) == 0 {
		return
	}
	prev, _ := c.Get("audit_persons")
	list, _ := prev.([]domain.PersonID)
	c.Set("audit_persons", append(list, ids...))
}

// audit appends a record of the request to the hash-chained audit log once
// it is answered: who, as what, where, what, whose data, why (a purpose
// code: the route's, or the one the request gave and purpose accepted),
// and how it ended (allowed, denied, failed). Denied requests are recorded
// too. It runs after authenticate: requests without a valid token are
// counted there instead (see gate).
func audit(db *store.DB, resource, purpose string, log interface{ Error(string, ...any) }) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		u := userOf(c)
		status := c.Writer.Status()
		outcome := "allowed"
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			outcome = "denied"
		case status >= 400:
			outcome = "failed"
		}
		persons, _ := c.Get("audit_persons")
		ids, _ := persons.([]domain.PersonID)
		why := c.GetString("audit_purpose")
		if why == "" {
			why = purpose
		}
		rec := store.AuditRecord{At: time.Now(), Username: u.Username, Role: string(u.Role), CentreID: u.CentreID,
			Action: c.Request.Method + " " + c.FullPath(), Resource: resource, PersonIDs: ids, TargetCentre: c.GetString("audit_target"),
			Purpose: why, RequestID: c.GetString("request_id"), Status: status, Outcome: outcome, Restricted: c.GetBool("audit_restricted") || sealed(resource)}
		// The record is written even when the client has gone: it may have
		// read its answer in full before it hung up (a download), and an
		// access is an access. With the request's context, a client gone
		// while the audit's queue is full would lose its record, and one gone
		// before the commit would log a failed append that did not fail.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 30*time.Second)
		defer cancel()
		if err := db.AppendAudit(ctx, rec); err != nil {
			log.Error("audit append failed", "request_id", rec.RequestID, "error", err)
		}
	}
}

// Purposes a request to a route that touches a person's data may give in
// X-Karton-Purpose instead of the route's own: an inspection (supervision,
// the inspectorate), an appeal, or the work on a case the caller may read.
const (
	PurposeInspection = "inspection"
	PurposeAppeal     = "appeal"
	PurposeCase       = "case:<number>"
)

// Purposes are the purpose codes a request to the route may give: the
// route's own (also when it gives none) and, where the route touches a
// person's data, inspection, appeal and case:<number>. Nothing else is
// ever written to the audit log or shown to a citizen as a purpose.
func (rt Route) Purposes() []string {
	if !rt.Audited {
		return []string{rt.Purpose}
	}
	return []string{rt.Purpose, PurposeInspection, PurposeAppeal, PurposeCase}
}

// purpose checks X-Karton-Purpose against the route's closed list (400
// naming the allowed values) and, for case:<number>, that the case is one
// the caller may read; the audit records the accepted code.
func (h *handler) purpose(rt Route) gin.HandlerFunc {
	allowed := strings.Join(rt.Purposes(), ", ")
	return func(c *gin.Context) {
		why := c.GetHeader("X-Karton-Purpose")
		number, isCase := strings.CutPrefix(why, "case:")
		switch {
		case why == "" || why == rt.Purpose:
			c.Next()
			return
		case rt.Audited && (why == PurposeInspection || why == PurposeAppeal):
		case rt.Audited && isCase:
			ok, dv, err := h.mayReadCase(c, number)
			if err != nil {
				writeError(c, h.log, err)
				return
			}
			if !ok {
				writeError(c, h.log, domain.FieldError("X-Karton-Purpose", "%q names no case you may read", printable(why, 60)))
				return
			}
			if dv {
				// A DV case's number must not reach a citizen's access log.
				c.Set("audit_restricted", true)
			}
		default:
			writeError(c, h.log, domain.FieldError("X-Karton-Purpose", "%q is not a purpose of %s %s: send one of %s (none: %s)",
				printable(why, 60), rt.Method, rt.Path, allowed, rt.Purpose))
			return
		}
		c.Set("audit_purpose", why)
		c.Next()
	}
}

var caseNumber = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9/-]{0,39}$`)

// mayReadCase reports whether the case exists and the policy lets the
// caller read it (a case they may not read and one that does not exist
// are the same answer), and whether it is in the DV compartment.
func (h *handler) mayReadCase(c *gin.Context, number string) (ok, dv bool, err error) {
	if !caseNumber.MatchString(number) || h.db == nil {
		return false, false, nil
	}
	x, err := h.db.CaseByNumber(c.Request.Context(), number)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return false, false, nil
	} else if err != nil {
		return false, false, err
	}
	u := userOf(c)
	if x.DV && !h.enforcer.Allow(string(u.Role), u.CentreID, x.CentreID, "dv_case", "read") {
		return false, false, nil
	}
	return h.enforcer.Allow(string(u.Role), u.CentreID, x.CentreID, "case", "read"), x.DV, nil
}

// securityHeaders sets the headers every answer carries.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 12<<20)
		c.Next()
	}
}

// limiter allows each client (user, or address before login) a rate of
// requests; past it the answer is 429.
type limiter struct {
	mu      sync.Mutex
	perSec  rate.Limit
	burst   int
	clients map[string]*rate.Limiter
	swept   time.Time
}

func newLimiter(perSec float64, burst int) *limiter {
	return &limiter{perSec: rate.Limit(perSec), burst: burst, clients: map[string]*rate.Limiter{}, swept: time.Now()}
}

// allow takes one request of client key from its allowance.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	if time.Since(l.swept) > 10*time.Minute {
		l.clients, l.swept = map[string]*rate.Limiter{}, time.Now()
	}
	lim, ok := l.clients[key]
	if !ok {
		lim = rate.NewLimiter(l.perSec, l.burst)
		l.clients[key] = lim
	}
	l.mu.Unlock()
	return lim.Allow()
}

func (l *limiter) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		key := userOf(c).Username
		if key == "" {
			key = "ip:" + c.ClientIP()
		}
		if !l.allow(key) {
			c.Header("Retry-After", "1")
			c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{Error: errorDetail{Code: "rate_limited", Message: "too many requests; slow down", RequestID: c.GetString("request_id")}})
			return
		}
		c.Next()
	}
}
