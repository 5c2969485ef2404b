package benefits_test

import (
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

func TestConflictingRights(t *testing.T) {
	ids := func(s ...string) []domain.PersonID {
		out := make([]domain.PersonID, len(s))
		for i, x := range s {
			out[i] = domain.PersonID(x)
		}
		return out
	}
	household := ids("mother", "father", "child")
	for _, tc := range []struct {
		name    string
		code    benefits.Code
		holders []domain.PersonID
		held    []benefits.Held
		want    string // the conflicting claim, "" for none
	}{
		{"MO beside veterans' MO of a member", benefits.MO, household,
			[]benefits.Held{{Benefit: benefits.DD, Claim: "Z-1", Holders: household}, {Benefit: benefits.BMO, Claim: "Z-2", Holders: ids("father")}}, "Z-2"},
		{"MO twice in a household", benefits.MO, ids("mother", "child"), []benefits.Held{{Benefit: benefits.MO, Claim: "Z-3", Holders: household}}, "Z-3"},
		{"MO of another household", benefits.MO, household, []benefits.Held{{Benefit: benefits.MO, Claim: "Z-4", Holders: ids("neighbour")}}, ""},
		{"LI beside the same person's DNJP", benefits.LI, ids("child"), []benefits.Held{{Benefit: benefits.DNJP, Claim: "Z-5", Holders: ids("child")}}, "Z-5"},
		{"LI beside a sibling's DNJP", benefits.LI, ids("child"), []benefits.Held{{Benefit: benefits.DNJP, Claim: "Z-6", Holders: ids("brother")}}, ""},
		{"a second LI for another person", benefits.LI, ids("child"), []benefits.Held{{Benefit: benefits.LI, Claim: "Z-7", Holders: ids("father")}}, ""},
		{"a second newborn grant", benefits.ND, household, []benefits.Held{{Benefit: benefits.ND, Claim: "Z-8", Holders: household}}, ""},
		{"child allowance beside MO", benefits.DD, household, []benefits.Held{{Benefit: benefits.MO, Claim: "Z-9", Holders: household}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, ok := benefits.Conflict(tc.code, tc.holders, tc.held)
			if ok != (tc.want != "") || h.Claim != tc.want {
				t.Fatalf("Conflict = %v %v; want %q", h, ok, tc.want)
			}
		})
	}
}

func TestHoldersOf(t *testing.T) {
	members := []domain.PersonID{"applicant", "subject", "other"}
	if got := benefits.HoldersOf(benefits.MO, members, ""); len(got) != 3 {
		t.Errorf("MO concerns the household: %v", got)
	}
	if got := benefits.HoldersOf(benefits.LI, members, "subject"); len(got) != 1 || got[0] != "subject" {
		t.Errorf("LI concerns its subject: %v", got)
	}
	if got := benefits.HoldersOf(benefits.TS, members[:1], ""); len(got) != 1 || got[0] != "applicant" {
		t.Errorf("TS without a subject concerns the applicant: %v", got)
	}
}

func TestConflictErrorNamesTheRightInTheUsersLanguage(t *testing.T) {
	h := benefits.Held{Benefit: benefits.BMO, Claim: "Z-2024-000007"}
	cnr := benefits.ConflictError("cnr", benefits.MO, h)
	en := benefits.ConflictError("en", benefits.MO, h)
	for _, tc := range []struct {
		err  *domain.Error
		want []string
	}{
		{cnr, []string{"Materijalno obezbjeđenje", "Novčana naknada materijalnog obezbjeđenja", "Z-2024-000007"}},
		{en, []string{"Financial assistance", "Veterans: financial assistance", "Z-2024-000007"}},
	} {
		if tc.err.Code != domain.CodeConflict || tc.err.Field != "benefit" {
			t.Errorf("%v: code %s field %s", tc.err, tc.err.Code, tc.err.Field)
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Message, w) {
				t.Errorf("%q does not name %q", tc.err.Message, w)
			}
		}
	}
	if strings.Contains(cnr.Message, "B-MO") || strings.Contains(cnr.Message, "Financial") {
		t.Errorf("the Montenegrin refusal shows a code or English: %q", cnr.Message)
	}
}
