package policies

import (
	"fmt"
	"testing"
)

// Every question the policy can be asked, answered from memory, is answered
// as Casbin answers it: every role (and one the policy does not know) asked
// about every resource and action the policy names, across the scopes that
// tell answers apart, twice: the second pass from memory. Questions that
// differ in one input follow each other, so a memory keyed on fewer than the
// five inputs would hand the first one's answer to the next.
func TestRememberedDecisionsAreCasbins(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	type question struct {
		decision
		want bool
	}
	type objAct struct{ obj, act string }
	var pairs []objAct
	seen := map[objAct]bool{}
	rules, _ := p.e.GetPolicy()
	for _, r := range rules {
		if oa := (objAct{r[2], r[3]}); !seen[oa] && oa.act != "*" {
			seen[oa] = true
			pairs = append(pairs, oa)
		}
	}
	const pg, nk = "csr-podgorica", "csr-niksic"
	scopes := [][2]string{{pg, pg}, {pg, nk}, {pg, TargetSelf}, {"", TargetSelf}, {"", pg}, {pg, TargetNone}}
	var qs []question
	allowed := 0
	for _, role := range append(p.Roles(), "nobody") {
		for _, oa := range pairs {
			for _, sc := range scopes {
				q := decision{role, sc[0], sc[1], oa.obj, oa.act}
				want, err := p.e.Enforce(q.role, q.home, q.target, q.obj, q.act)
				if err != nil {
					t.Fatal(err)
				}
				qs = append(qs, question{q, want})
				if want {
					allowed++
				}
			}
		}
	}
	if allowed == 0 || allowed == len(qs) {
		t.Fatalf("%d of %d questions allowed: they do not tell answers apart", allowed, len(qs))
	}
	for pass := range 2 {
		for _, q := range qs {
			if got := p.Allow(q.role, q.home, q.target, q.obj, q.act); got != q.want {
				t.Fatalf("pass %d: Allow(%s@%q, target %q, %s, %s) = %v; Casbin says %v", pass, q.role, q.home, q.target, q.obj, q.act, got, q.want)
			}
		}
	}
	if n := len(p.decided); n != len(qs) {
		t.Errorf("%d decisions remembered after %d distinct questions", n, len(qs))
	}
}

// Past the bound nothing more is remembered, and answers stay right.
func TestDecisionsAreBounded(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	p.most = 100
	for i := range p.most + 10 {
		role := fmt.Sprintf("role-%d", i)
		if p.Allow(role, "csr-podgorica", "csr-podgorica", "person", "read") {
			t.Fatalf("an unknown role %s was allowed", role)
		}
	}
	if n := len(p.decided); n != p.most {
		t.Errorf("%d decisions remembered; want the bound %d", n, p.most)
	}
	if !p.Allow("caseworker", "csr-podgorica", "csr-podgorica", "person", "read") ||
		p.Allow("caseworker", "csr-podgorica", "csr-niksic", "person", "read") {
		t.Error("past the bound, Casbin's answers are not returned")
	}
}
