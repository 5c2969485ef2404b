package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// english are words a Montenegrin decision must not say (issue 16: the
// justification printed English explanation lines and legal references).
var english = regexp.MustCompile(`(?i)\b(amount|threshold|parameter|household|income|result|from|declared|decisions?|law|art\.|guess|the|of|receives|disability|below|members?|pension|evidence|source|what|value)\b`)

// TestDecisionIsInMontenegrin issues an MO grant, an LI grant to a disabled
// child on a parent's claim and an LI refusal at 79%, and reads each
// decision's text as its PDF says it: no English word, no username; the
// right named to its holder; signed with names and titles.
func TestDecisionIsInMontenegrin(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := &activities.Activities{DB: db, Objects: startObjects(t), Params: benefits.MustLoadParams(), Now: time.Now}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	household := func(number string, serial int, births ...time.Time) []domain.PersonID {
		link := store.HouseholdLink{RegisterNumber: number, Address: domain.Address{Municipality: "ME-16", Settlement: "Podgorica", Street: "Slobode 2"}}
		names := []string{"Jelena", "Nikola", "Sara"}
		for i, b := range births {
			j, _ := domain.MakeJMBG(b, 21, serial+i)
			rel := domain.RelationHead
			if i > 0 {
				rel = domain.RelationChild
			}
			link.Members = append(link.Members, store.HouseholdLinkMember{JMBG: j, GivenName: names[i], FamilyName: "Bulatović",
				BirthDate: b, Sex: domain.SexFemale, Relation: rel})
		}
		if _, err := db.LinkHousehold(ctx, link); err != nil {
			t.Fatal(err)
		}
		var ids []domain.PersonID
		for _, m := range link.Members {
			p, err := db.PersonByJMBG(ctx, m.JMBG)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		return ids
	}
	decide := func(benefit string, ids []domain.PersonID, subject domain.PersonID, declared string) (string, []string) {
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: ids[0], SubjectID: subject, CentreID: "csr-podgorica",
			PayeeIBAN: "ME25505000012345678951", Consent: true, Declared: json.RawMessage(declared), FiledBy: "ana.caseworker", Period: month, Members: ids})
		if err != nil {
			t.Fatal(err)
		}
		calc, err := a.CalculateClaim(ctx, activities.CalculateClaimInput{Number: c.Number, Seq: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.IssueDecision(ctx, activities.IssueDecisionInput{Number: c.Number, Grant: calc.Eligible, Amount: calc.Amount, Reasons: calc.Reasons,
			PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: today}); err != nil {
			t.Fatal(err)
		}
		text, err := a.DecisionText(ctx, c.Number, calc.Reasons)
		if err != nil {
			t.Fatal(err)
		}
		return c.Number, text
	}
	check := func(what string, text []string, want ...string) {
		t.Helper()
		all := strings.Join(text, "\n")
		for _, l := range text {
			if w := english.FindString(l); w != "" {
				t.Errorf("%s: English %q in %q", what, w, l)
			}
		}
		for _, u := range domain.DemoUsers() {
			if strings.Contains(all, u.Username) {
				t.Errorf("%s: the document names the username %s", what, u.Username)
			}
		}
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: the document does not say %q:\n%s", what, w, all)
			}
		}
	}

	mo := household("D-MO", 401, today.AddDate(-40, 0, 0), today.AddDate(-10, 0, 0))
	_, text := decide("MO", mo, "", `{}`)
	check("MO grant", text, "Priznaje se pravo „Materijalno obezbjeđenje” licu Jelena Bulatović", "Zakon o socijalnoj i dječjoj zaštiti",
		"broj članova domaćinstva", "Odluka o iznosima", "Ana Radović, stručni radnik", "Marko Vuković, rukovodilac stručnog tima")

	li := household("D-LI", 411, today.AddDate(-38, 0, 0), today.AddDate(-12, 0, 0))
	number, text := decide("LI", li, li[1], fmt.Sprintf(`{"members":{%q:{"disability_percent":100}}}`, li[1]))
	check("LI grant", text, "Priznaje se pravo „Lična invalidnina” licu Nikola Bulatović", "po zahtjevu podnosioca Jelena Bulatović")
	d, err := db.DecisionOfClaim(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	if ent, err := a.CreateEntitlement(ctx, activities.CreateEntitlementInput{Number: number, DecisionID: d.ID, Amount: d.Amount}); err != nil {
		t.Fatal(err)
	} else if e, _ := db.EntitlementByID(ctx, ent.EntitlementID); e.BeneficiaryID != li[1] {
		t.Errorf("the LI right belongs to %s; want the disabled child %s", e.BeneficiaryID, li[1])
	}

	low := household("D-LI79", 421, today.AddDate(-35, 0, 0), today.AddDate(-9, 0, 0))
	_, text = decide("LI", low, low[1], fmt.Sprintf(`{"members":{%q:{"disability_percent":79}}}`, low[1]))
	check("LI refusal", text, "Odbija se zahtjev podnosioca Jelena Bulatović za priznavanje prava „Lična invalidnina”", "stepen invaliditeta lica Nikola Bulatović (79%) manji je od 80%")
}
