package domain

import "testing"

func TestEveryRoleHasATitle(t *testing.T) {
	for _, r := range Roles() {
		if r.TitleCnr() == "" || r.TitleCnr() == string(r) {
			t.Errorf("role %s has no title", r)
		}
	}
	if RoleSupervisor.TitleCnr() == RoleCaseworker.TitleCnr() {
		t.Error("a supervisor and a caseworker have the same title")
	}
}
