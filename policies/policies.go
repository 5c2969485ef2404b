// Package policies holds Karton's Casbin model and policy and the enforcer
// that reads them: who may do what, and where.
package policies

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Scopes a request's target can have besides a centre id.
const (
	TargetSelf = "self" // the caller's own data
	TargetNone = ""     // no centre: refused unless the policy's scope is any
)

// Enforcer answers "may this role do this here".
//
// The model and the policy are embedded and never change while the process
// runs, so a decision is a function of its five inputs alone: each one is
// worked out by Casbin once and then remembered (a list request asks the
// same few questions hundreds of times a second, and Casbin's matcher cost
// a tenth of the API's CPU at 500 requests/s, issue 24). The memory holds
// at most maxDecisions answers; past that, Casbin answers every time.
type Enforcer struct {
	e *casbin.SyncedEnforcer

	mu      sync.RWMutex
	decided map[decision]bool
	most    int // maxDecisions; tests lower it
}

// decision is one question put to the policy.
type decision struct{ role, home, target, obj, act string }

// maxDecisions bounds the remembered answers: roles × centres × targets ×
// resources × actions in use are a few thousand; a token naming roles or
// centres at random cannot grow the memory past this.
const maxDecisions = 1 << 16

// New loads the embedded model and policy.
func New() (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(policyText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	e, err := casbin.NewSyncedEnforcer(m, stringadapter.NewAdapter(strings.Join(lines, "\n")))
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	return &Enforcer{e: e, decided: map[decision]bool{}, most: maxDecisions}, nil
}

// Allow reports whether role, at home centre home, may act on resource obj
// belonging to target (a centre id, TargetSelf, or TargetNone).
func (p *Enforcer) Allow(role, home, target, obj, act string) bool {
	q := decision{role, home, target, obj, act}
	p.mu.RLock()
	ok, known := p.decided[q]
	p.mu.RUnlock()
	if known {
		return ok
	}
	ok, err := p.e.Enforce(role, home, target, obj, act)
	if err != nil {
		return false // not remembered: an error is no answer
	}
	p.mu.Lock()
	if len(p.decided) < p.most {
		p.decided[q] = ok
	}
	p.mu.Unlock()
	return ok
}

// Roles lists every role the policy names.
func (p *Enforcer) Roles() []string {
	seen := map[string]bool{}
	var out []string
	rules, _ := p.e.GetPolicy()
	groups, _ := p.e.GetGroupingPolicy()
	for _, r := range append(rules, groups...) {
		if !seen[r[0]] {
			seen[r[0]] = true
			out = append(out, r[0])
		}
	}
	return out
}
