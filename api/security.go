package api

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/policies"
	"github.com/karton-social/karton/store"
)

// authenticate requires a valid bearer token and puts its user on the context.
func authenticate(v *Verifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || raw == "" || v == nil {
			c.Header("WWW-Authenticate", `Bearer realm="karton"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{Error: errorDetail{Code: "unauthenticated",
				Message: "send an access token: Authorization: Bearer <token> (in karton dev, POST /dev/token gives one)", RequestID: c.GetString("request_id")}})
			return
		}
		u, err := v.Verify(c.Request.Context(), raw)
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="karton", error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{Error: errorDetail{Code: "unauthenticated", Message: err.Error(), RequestID: c.GetString("request_id")}})
			return
		}
		c.Set("user", u)
		c.Next()
	}
}

func userOf(c *gin.Context) domain.User {
	u, _ := c.Get("user")
	usr, _ := u.(domain.User)
	return usr
}

// home is where the user acts: their centre, or "self" for a citizen.
func home(u domain.User) string {
	if u.Role == domain.RoleCitizen {
		return policies.TargetSelf
	}
	return u.CentreID
}

// authorize asks the policy whether the user's role may act on the
// resource at all, in their own centre (or on their own data); handlers
// check again against the record's centre once they have it (may).
func authorize(e *policies.Enforcer, resource, action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := userOf(c)
		target := home(u)
		c.Set("audit_target", target)
		if !e.Allow(string(u.Role), u.CentreID, target, resource, action) {
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody{Error: errorDetail{Code: domain.CodeForbidden,
				Message: fmt.Sprintf("the %s role may not %s %s", u.Role, action, resource), RequestID: c.GetString("request_id")}})
			return
		}
		c.Next()
	}
}

// may checks the policy for a record of centre target and, when it says
// no, answers 403 and returns false. A citizen's own record is "self".
func (h *handler) may(c *gin.Context, resource, action, target string) bool {
	u := userOf(c)
	c.Set("audit_target", target)
	if h.enforcer.Allow(string(u.Role), u.CentreID, target, resource, action) {
		return true
	}
	where := "of centre " + target
	if target == "" {
		where = "here"
	}
	writeError(c, h.log, domain.Errorf(domain.CodeForbidden, "the %s role of %s may not %s this %s %s", u.Role, or(u.CentreID, "the ministry"), action, resource, where))
	return false
}

// targetOf is the policy target of a person: "self" for the citizen it is, else its centre.
func targetOf(u domain.User, p domain.Person) string {
	if u.Role == domain.RoleCitizen && u.JMBG == p.JMBG {
		return policies.TargetSelf
	}
	return p.CentreID
}

// auditPersons names whose data the request touched.
func auditPersons(c *gin.Context, ids ...domain.PersonID) {
	prev, _ := c.Get("audit_persons")
	list, _ := prev.([]domain.PersonID)
	c.Set("audit_persons", append(list, ids...))
}

// audit appends a record of the request to the hash-chained audit log once
// it is answered: who, as what, where, what, whose data, why, and how it
// ended (allowed, denied, failed). Denied requests are recorded too.
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
		why := c.GetHeader("X-Karton-Purpose")
		if why == "" || len(why) > 200 {
			why = purpose
		}
		username, role := u.Username, string(u.Role)
		if username == "" {
			username, role = "anonymous", ""
		}
		rec := store.AuditRecord{At: time.Now(), Username: username, Role: role, CentreID: u.CentreID,
			Action: c.Request.Method + " " + c.FullPath(), Resource: resource, PersonIDs: ids, TargetCentre: c.GetString("audit_target"),
			Purpose: why, RequestID: c.GetString("request_id"), Status: status, Outcome: outcome, Restricted: c.GetBool("audit_restricted")}
		if err := db.AppendAudit(c.Request.Context(), rec); err != nil {
			log.Error("audit append failed", "request_id", rec.RequestID, "error", err)
		}
	}
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

func (l *limiter) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		key := userOf(c).Username
		if key == "" {
			key = "ip:" + c.ClientIP()
		}
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
		if !lim.Allow() {
			c.Header("Retry-After", "1")
			c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{Error: errorDetail{Code: "rate_limited", Message: "too many requests; slow down", RequestID: c.GetString("request_id")}})
			return
		}
		c.Next()
	}
}
