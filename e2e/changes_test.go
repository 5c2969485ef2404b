package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// TestDeathInjectedInTheSimulatorEndsTheRight: a death injected with the
// simulator's knob (PUT /sim/changes) is taken from the population
// register's feed by the scheduled poll, ends the right from the day after
// ex officio, opens the caseworker's task to close it by decision, shows
// on the e-file, and the next payroll pays the month only up to the death.
func TestDeathInjectedInTheSimulatorEndsTheRight(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 10, ChangesPoll: time.Second}, 0)
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0) // last month: a payroll may pay it
	died := month.AddDate(0, 0, 13)                                                        // the 14th
	j, _ := domain.MakeJMBG(time.Date(1948, 3, 3, 0, 0, 0, 0, time.UTC), 21, 311)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Bokeška 3")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Radovan", FamilyName: "Šoć", Address: addr})
	p, err := s.DB.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	const iban = "ME25505123456789500217"
	c, _ := s.DB.CreateClaim(ctx, store.Claim{Benefit: "DNJP", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: iban,
		Consent: true, FiledBy: "seed", Period: month, Members: []domain.PersonID{p.ID}})
	d, err := s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "DNJP",
		Amount: decimal.RequireFromString("87.24"), PeriodFrom: month, PreparedBy: "a", ApprovedBy: "b", IssuedAt: month})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "DNJP", BeneficiaryID: p.ID,
		PayeeIBAN: iban, Amount: decimal.RequireFromString("87.24"), Periodicity: "monthly", ValidFrom: month})
	if err != nil {
		t.Fatal(err)
	}

	// the knob, as the README shows it
	code, body := asRaw(t, "", "PUT", s.SimURL+"/sim/changes", fmt.Sprintf(`{"kind":"death","jmbg":%q,"date":%q}`, j, died.Format(time.DateOnly)))
	if code != 201 {
		t.Fatalf("inject = %d %s", code, body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := s.DB.EntitlementByID(ctx, e.ID)
		if err == nil && got.State == string(domain.RightEnded) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the right is still %q a minute after the death was published", got.State)
		}
		time.Sleep(200 * time.Millisecond)
	}
	vs, err := s.DB.Versions(ctx, e.ID)
	if err != nil || len(vs) != 2 || vs[1].Reason != domain.ReasonDeath || !vs[1].From.Equal(died.AddDate(0, 0, 1)) {
		t.Fatalf("versions = %+v, %v; want the death's from %s", vs, err, died.AddDate(0, 0, 1).Format(time.DateOnly))
	}

	// the caseworker's task, and the e-file
	var inbox struct {
		Tasks []struct{ ID, Type, Subject string }
	}
	deadline = time.Now().Add(20 * time.Second)
	task := ""
	for task == "" {
		_, body := as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/tasks?group=mine&sort=due", "")
		_ = json.Unmarshal(body, &inbox)
		for _, x := range inbox.Tasks {
			if x.Type == "change.close_right" && x.Subject == e.ID {
				task = x.ID
			}
		}
		if task == "" && time.Now().After(deadline) {
			t.Fatalf("no task to close the right: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, body = as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/persons/"+string(p.ID), "")
	if !strings.Contains(string(body), `"kind":"death"`) || !strings.Contains(string(body), `"action":"ended"`) ||
		!strings.Contains(string(body), `"reason":"death"`) {
		t.Errorf("e-file without the death: %s", body)
	}

	// the next payroll pays the month up to the death, pro rata
	period := month.Format("2006-01")
	if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls", fmt.Sprintf(`{"period":%q}`, period)); code != 202 {
		t.Fatalf("start payroll = %d %s", code, body)
	}
	days := month.AddDate(0, 1, -1).Day()
	want := decimal.RequireFromString("87.24").Mul(decimal.NewFromInt(14)).Div(decimal.NewFromInt(int64(days))).Round(2)
	deadline = time.Now().Add(60 * time.Second)
	for {
		pays, err := s.DB.PaymentsOfPerson(ctx, p.ID)
		if err == nil && len(pays) > 0 {
			if len(pays) != 1 || !pays[0].Amount.Equal(want) {
				t.Fatalf("payments = %+v; want one of %s (14 of %d days)", pays, want, days)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no payment prepared: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// the caseworker prepares the decision closing the right; a
	// supervisor approves it (not the caseworker: four eyes); the
	// decision is issued with its PDF and named by the death's version
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+task+"/complete", `{"outcome":"closed"}`); code != 200 {
		t.Fatalf("close = %d %s", code, body)
	}
	approve := task + "-approve"
	deadline = time.Now().Add(20 * time.Second)
	for {
		_, body := as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/persons/"+string(p.ID), "")
		if strings.Contains(string(body), `"id":"`+approve+`"`) && strings.Contains(string(body), `"type":"change.approve_close"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the e-file shows no approval task %s: %s", approve, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body := as(t, "marko.supervisor", "POST", s.APIURL+"/api/v1/tasks/"+approve+"/complete", `{"outcome":"approved"}`); code != 200 {
		t.Fatalf("approve = %d %s", code, body)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		vs, err := s.DB.Versions(ctx, e.ID)
		var kind, key string
		if err == nil && len(vs) == 2 && vs[1].DecisionID != "" {
			// The decision is recorded first, its PDF stored just after.
			if err := s.DB.Pool().QueryRow(ctx, `SELECT kind, coalesce(document_key, '') FROM decisions WHERE id = $1`, vs[1].DecisionID).
				Scan(&kind, &key); err != nil || kind != "death_end" {
				t.Fatalf("decision %s: kind %q, document %q, %v; want death_end with its PDF", vs[1].DecisionID, kind, key, err)
			}
			if key != "" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no decision with its PDF closes the right in 30 s: %+v, %v", vs, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
