// Package policies holds Karton's Casbin model and policy and the enforcer
// that reads them: who may do what, and where.
package policies

import (
	_ "embed"
	"fmt"
	"strings"

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
type Enforcer struct {
	e *casbin.SyncedEnforcer
}

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
	return &Enforcer{e: e}, nil
}

// Allow reports whether role, at home centre home, may act on resource obj
// belonging to target (a centre id, TargetSelf, or TargetNone).
func (p *Enforcer) Allow(role, home, target, obj, act string) bool {
	ok, err := p.e.Enforce(role, home, target, obj, act)
	return err == nil && ok
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
