package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// grantRight records a granted right as the claim workflow leaves it
// (decision, entitlement, claim approved and its members released).
func grantRight(t *testing.T, db *store.DB, benefit string, subject domain.PersonID, members ...domain.PersonID) string {
	t.Helper()
	ctx := context.Background()
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: members[0], SubjectID: subject, CentreID: "csr-podgorica",
		Consent: true, FiledBy: "ana.caseworker", Period: from, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: "csr-podgorica", Kind: "grant", Benefit: benefit,
		Amount: decimal.RequireFromString("100.00"), PeriodFrom: from, PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	beneficiary := members[0]
	if subject != "" {
		beneficiary = subject
	}
	if _, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: benefit, BeneficiaryID: beneficiary,
		Amount: decimal.RequireFromString("100.00"), Periodicity: "monthly", ValidFrom: from}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetClaimState(ctx, c.Number, "approved", ""); err != nil {
		t.Fatal(err)
	}
	return c.Number
}

// TestExclusionsAtFilingAndApproval: a claim its household may not hold
// beside a right it holds is refused when filed and when approved, 409
// naming the right's benefit in the user's language and its claim
// (issue 16).
func TestExclusionsAtFilingAndApproval(t *testing.T) {
	ts, db := newServerWith(t, nil)
	ctx := context.Background()
	register := func(born int, name string) domain.PersonID {
		j, _ := domain.MakeJMBG(time.Date(born, 3, 3, 0, 0, 0, 0, time.UTC), 21, 300+born%100)
		_, body := do(t, ts, "POST", "/api/v1/persons", strings.Replace(strings.Replace(marko, "0101900350008", string(j), 1), "Marko", name, 1))
		var p struct{ ID domain.PersonID }
		if err := json.Unmarshal(body, &p); err != nil || p.ID == "" {
			t.Fatalf("register %s: %s", name, body)
		}
		return p.ID
	}
	father, mother, son := register(1980, "Petar"), register(1982, "Milena"), register(2010, "Luka")
	bmo := grantRight(t, db, "B-MO", "", father)        // veterans' MO of the father
	dnjp := grantRight(t, db, "DNJP", son, mother, son) // the son's care allowance
	claim := func(benefit string, subject domain.PersonID, members ...domain.PersonID) string {
		ids, _ := json.Marshal(members[1:])
		body := `{"benefit":"` + benefit + `","applicant_person_id":"` + string(members[0]) + `","member_person_ids":` + string(ids) + `,"consent":true`
		if subject != "" {
			body += `,"subject_person_id":"` + string(subject) + `"`
		}
		return body + "}"
	}
	for _, tc := range []struct {
		name, user, body string
		want             []string
	}{
		{"MO beside the father's veterans' MO", "ana.caseworker", claim("MO", "", mother, father, son),
			[]string{"Materijalno obezbjeđenje", "Novčana naknada materijalnog obezbjeđenja", bmo}},
		{"LI beside the son's DNJP", "ana.caseworker", claim("LI", son, mother, son), []string{"Lična invalidnina", "Dodatak za njegu i pomoć", dnjp}},
		{"DNJP twice", "ana.caseworker", claim("DNJP", son, father, son), []string{"Dodatak za njegu i pomoć", dnjp, "dvaput"}},
		{"in English for a user who chose it", "ivan.caseworker", claim("MO", "", mother, father, son),
			[]string{"Financial assistance", "Veterans: financial assistance", bmo}},
	} {
		if tc.user == "ivan.caseworker" {
			if err := db.SetLanguage(ctx, tc.user, "en"); err != nil {
				t.Fatal(err)
			}
		}
		code, body := doAs(t, ts, tc.user, "POST", "/api/v1/claims", tc.body)
		var e errBody
		_ = json.Unmarshal(body, &e)
		if code != 409 || e.Error.Field != "benefit" {
			t.Errorf("%s: %d %s; want 409 on benefit", tc.name, code, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(e.Error.Message, w) {
				t.Errorf("%s: %q does not name %q", tc.name, e.Error.Message, w)
			}
		}
	}

	// A claim filed before the right was granted is refused at approval.
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: mother, CentreID: "csr-podgorica", Consent: true,
		FiledBy: "ana.caseworker", Period: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Members: []domain.PersonID{mother, father, son}})
	if err != nil {
		t.Fatal(err)
	}
	task := "claim:" + c.Number + ":approval-1"
	if _, err := db.CreateTask(ctx, store.Task{ID: task, WorkflowID: "claim/" + c.Number, Type: "claim.approve", Subject: c.Number,
		PersonID: mother, CentreID: "csr-podgorica", CandidateRole: "supervisor", DueAt: time.Now().Add(time.Hour),
		ExcludedUsers: []string{"ana.caseworker"}, Data: json.RawMessage(`{"decision":"grant","benefit":"MO"}`)}); err != nil {
		t.Fatal(err)
	}
	code, body := doAs(t, ts, "marko.supervisor", "POST", "/api/v1/tasks/"+task+"/complete", `{"outcome":"approve"}`)
	if code != 409 || !strings.Contains(string(body), bmo) || !strings.Contains(string(body), "Novčana naknada materijalnog obezbjeđenja") {
		t.Errorf("approving an excluded grant = %d %s; want 409 naming %s", code, body, bmo)
	}
}
