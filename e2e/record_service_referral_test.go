package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// serviceReferral: a boy of 10 in a P14 case of csr-podgorica (recorded
// in the database as the case stands) is referred by ana.caseworker over
// the API to the demo day-care centre Sunce (issue 23, item 2); Sunce's
// tamara.sunce puts him on the waiting list, then starts the service; ana
// records a review and ends the service (goal reached): the
// ServiceReferral workflow ends (service_referral_ended.json).
func (r *recorder) serviceReferral(t *testing.T) {
	ctx := context.Background()
	db := r.s.DB
	j, err := domain.MakeJMBG(time.Now().AddDate(-10, 0, -3), 21, 131)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 5")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Luka", FamilyName: "Perović", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(ctx, p, "recorder"); err != nil {
		t.Fatal(err)
	}
	number, err := db.NextCaseNumber(ctx, time.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P14", Version: 1, CentreID: "csr-podgorica",
		Status: "open", Stage: "plan", Manager: "ana.caseworker", OpenedBy: "ana.caseworker", OpenedAt: time.Now(),
		Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	contracts, err := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", time.Now())
	if err != nil || len(contracts) == 0 {
		t.Fatalf("no day-care contract of Podgorica in force: %v", err)
	}
	code, b := as(t, "ana.caseworker", "POST", r.api+"/cases/"+number+"/service-referrals", fmt.Sprintf(`{"contract_id":%d}`, contracts[0].ID))
	var created struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal(b, &created) != nil {
		t.Fatalf("refer %s to Sunce = %d %s", number, code, b)
	}
	today := time.Now().Format(time.DateOnly)
	step := func(user, path, body string) {
		t.Helper()
		if code, b := as(t, user, "POST", fmt.Sprintf("%s/service-referrals/%d/%s", r.api, created.ID, path), body); code != http.StatusOK {
			t.Fatalf("POST /service-referrals/%d/%s as %s = %d %s", created.ID, path, user, code, b)
		}
	}
	step("tamara.sunce", "answer", `{"answer":"wait"}`)
	step("tamara.sunce", "start", fmt.Sprintf(`{"day":%q}`, today))
	step("ana.caseworker", "review", fmt.Sprintf(`{"day":%q,"note":"comes gladly","outcome":"continue"}`, today))
	step("ana.caseworker", "end", fmt.Sprintf(`{"day":%q,"reason":"goal_reached"}`, today))
	r.saveDone(t, "service_referral_ended.json", workflows.ServiceReferralID(created.ID))
}
