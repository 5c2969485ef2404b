package policies_test

import (
	"testing"

	"github.com/karton-social/karton/policies"
)

func TestPolicy(t *testing.T) {
	e, err := policies.New()
	if err != nil {
		t.Fatal(err)
	}
	const pg, nk = "csr-podgorica", "csr-niksic"
	tests := []struct {
		role, home, target, obj, act string
		want                         bool
	}{
		{"caseworker", pg, pg, "person", "read", true},
		{"caseworker", pg, nk, "person", "read", false},
		{"caseworker", pg, "", "person", "read", false},
		{"caseworker", "", "", "person", "read", false},
		{"caseworker", pg, pg, "task", "approve", false},
		{"caseworker", pg, pg, "dv_case", "read", false},
		{"caseworker", pg, pg, "audit", "read", false},
		{"supervisor", pg, pg, "task", "approve", true},
		{"supervisor", pg, pg, "person", "read", true}, // inherited
		{"supervisor", pg, nk, "task", "approve", false},
		{"centre_head", pg, pg, "task", "approve", true}, // inherited twice
		{"dv_caseworker", pg, pg, "dv_case", "read", true},
		{"dv_caseworker", pg, nk, "dv_case", "read", false},
		{"supervisor", pg, pg, "dv_case", "read", false},
		{"centre_head", pg, pg, "dv_case", "read", false},
		{"dv_supervisor", pg, pg, "dv_case", "read", true},
		{"dv_supervisor", pg, pg, "task", "approve", true},
		{"dv_supervisor", pg, nk, "dv_notification", "read", false},
		{"finance_officer", "", nk, "payroll", "approve", true},
		{"finance_officer", "", nk, "person", "read", false},
		{"ministry_analyst", "", "", "case_report", "read", true},
		{"ministry_analyst", "", pg, "person", "read", false},
		{"citizen", "", "self", "person", "read", true},
		{"citizen", "", pg, "person", "read", false},
		{"citizen", "", "self", "access_log", "read", true},
		{"auditor", "", pg, "audit", "read", true},
		{"auditor", "", pg, "person", "read", false},
		{"admin", "", pg, "person", "read", false},
		{"police_officer", "", "", "dv_case", "create", true},
		{"police_officer", "", pg, "dv_case", "read", false},
		{"nobody", pg, pg, "person", "read", false},
	}
	for _, tt := range tests {
		if got := e.Allow(tt.role, tt.home, tt.target, tt.obj, tt.act); got != tt.want {
			t.Errorf("Allow(%s@%s, target %q, %s, %s) = %v; want %v", tt.role, tt.home, tt.target, tt.obj, tt.act, got, tt.want)
		}
	}
	if n := len(e.Roles()); n < 11 {
		t.Errorf("the policy names %d roles; want at least the 11 of the brief", n)
	}
}
